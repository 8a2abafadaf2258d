package ui

import (
	"fmt"
	"sort"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/opsconsole/opsconsole/internal/decode"
	"github.com/opsconsole/opsconsole/internal/fleet"
	"github.com/opsconsole/opsconsole/internal/ui/pane"
	"github.com/opsconsole/opsconsole/internal/ui/style"
)

// Smallest screen the frame is designed for; smaller still renders, cut.
const minWidth, minHeight = 40, 10

// View renders the whole screen: header, tabs, pane (or overlay), status
// line, footer. On a production target the frame is a thick red border with
// a PROD badge, so no one can mistake it for staging.
func (a *App) View() string {
	if a.width == 0 || a.height == 0 {
		return ""
	}
	w, h := a.width, a.height
	prod := a.pctx.Runner.Target.IsProduction()
	if prod {
		w, h = w-2, h-2
	}
	if w < minWidth || h < minHeight {
		return fmt.Sprintf("opsconsole needs at least %dx%d; this terminal is %dx%d", minWidth+2, minHeight+2, a.width, a.height)
	}
	header := a.headerView(w)
	tabs := a.tabsView(w)
	status := a.statusView(w)
	footer := a.footerView(w)
	bodyH := h - 3 - strings.Count(status, "\n") - 1
	var body string
	switch {
	case a.mode == modeHelp:
		body = a.help.view(a, w, bodyH)
	case a.mode == modeDialog && a.dialog != nil:
		body = a.dialog.view(a, w, bodyH)
	case a.mode == modeMFA && a.mfa != nil:
		body = a.mfa.view(a, w, bodyH)
	default:
		body = a.panes[a.active].View(w, bodyH)
	}
	body = fitBlock(body, w, bodyH)
	screen := header + "\n" + tabs + "\n" + body + "\n" + status + "\n" + footer
	if prod {
		// Fixed width: the frame must not move when a pane draws short lines.
		return a.st.ProdFrame.Width(w).Render(screen)
	}
	return screen
}

// fitBlock forces a block to exactly h lines of at most w cells, so a pane
// that renders one line too many can never push the footer off screen.
func fitBlock(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		if ansi.StringWidth(l) > w {
			lines[i] = ansi.Truncate(l, w, "…")
		}
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

// headerView: program, target (with environment badge), the contexts in
// use, and the read-only / identity badges. When the line is too long the
// least useful words go first: the program name, then "not configured".
func (a *App) headerView(w int) string {
	st := a.st
	t := a.target
	var badges []string
	if a.pctx.Runner.Target.IsProduction() {
		badges = append(badges, st.ProdBadge.Render("PROD "+sanitizeLine(t.DisplayName())))
	} else {
		label := t.DisplayName()
		if t.Environment != "" {
			label += " " + t.Environment
		}
		badges = append(badges, st.Badge.Render(sanitizeLine(label)))
	}
	if a.pctx.Runner.Guard.ReadOnly() {
		badges = append(badges, st.ReadOnlyBadge.Render("READ-ONLY"))
	}
	if a.sess.Who != "" {
		badges = append(badges, st.HeaderKey.Render("you:")+sanitizeLine(a.sess.Who))
	}
	contexts := func(short bool) []string {
		var out []string
		for _, b := range []struct{ name, label string }{
			{fleet.Kinesis, "aws:"}, {fleet.Elasticsearch, "es:"}, {fleet.Kubernetes, "k8s:"},
		} {
			out = append(out, st.HeaderKey.Render(b.label)+a.backendLabel(b.name, short))
		}
		return out
	}
	// Ever more compact until it fits: drop the program name, shorten
	// "not configured", tighten the spacing.
	for _, v := range []struct {
		title, short bool
		sep          string
	}{{true, false, "  "}, {true, true, "  "}, {false, true, "  "}, {false, true, " "}} {
		parts := append([]string(nil), badges...)
		if v.title {
			parts = append([]string{st.Header.Render("opsconsole")}, parts...)
		}
		line := " " + strings.Join(append(parts, contexts(v.short)...), v.sep)
		if ansi.StringWidth(line) <= w || v.sep == " " {
			return truncateLine(line, w)
		}
	}
	return ""
}

// backendLabel is the short "what am I connected to" text of a backend.
func (a *App) backendLabel(backend string, short bool) string {
	s := a.fleet.Status(backend)
	label := sanitizeLine(a.fleet.Label(backend))
	switch s.State {
	case fleet.NotConfigured:
		if short {
			return a.st.Tone(style.Muted, "-")
		}
		return a.st.Tone(style.Muted, "not configured")
	case fleet.Failed:
		return a.st.Tone(style.Crit, label+" !! failed")
	}
	if backend == fleet.Elasticsearch && a.esHealth != "" {
		tone := style.OK
		switch a.esHealth {
		case "yellow":
			tone = style.Warn
		case "red":
			tone = style.Crit
		}
		return label + " " + a.st.Tone(tone, "("+sanitizeLine(a.esHealth)+")")
	}
	return label
}

// tabsView renders the tab bar; when it does not fit it scrolls so the
// active tab is always visible.
func (a *App) tabsView(w int) string {
	var labels []string
	activeIdx := -1
	for _, s := range a.specs {
		if !s.Tab {
			continue
		}
		if s.ID == a.active {
			activeIdx = len(labels)
		}
		labels = append(labels, s.Title)
	}
	render := func(pad bool) []string {
		out := make([]string, len(labels))
		for i, l := range labels {
			st := a.st.Tab
			if i == activeIdx {
				st = a.st.ActiveTab
				if a.st.NoColor { // reverse video is gone too: mark it
					l = "[" + l + "]"
				}
			}
			if !pad {
				st = st.Padding(0, 0)
			}
			out[i] = st.Render(l)
		}
		return out
	}
	cells := render(true)
	line := " " + strings.Join(cells, "")
	if lipgloss.Width(line) <= w {
		return line
	}
	cells = render(false)
	line = " " + strings.Join(cells, " ")
	if lipgloss.Width(line) <= w {
		return line
	}
	// Window around the active tab.
	start := activeIdx
	if start < 0 {
		start = 0
	}
	end := start + 1
	width := func(i, j int) int { return lipgloss.Width(strings.Join(cells[i:j], " ")) + 4 }
	for {
		grew := false
		if end < len(cells) && width(start, end+1) <= w {
			end++
			grew = true
		}
		if start > 0 && width(start-1, end) <= w {
			start--
			grew = true
		}
		if !grew {
			break
		}
	}
	left, right := " ", " "
	if start > 0 {
		left = "‹"
	}
	if end < len(cells) {
		right = "›"
	}
	return truncateLine(left+" "+strings.Join(cells[start:end], " ")+" "+right, w)
}

// statusView is the line above the footer: a toast, progress of long
// operations, or the pane's position.
func (a *App) statusView(w int) string {
	now := a.sess.Now()
	if a.toast.Text != "" && now.Before(a.toastUntil) {
		// A message is read in full: up to three lines for an error, two
		// otherwise, at the cost of the pane's last rows while it shows.
		st, most := a.st.ToastInfo, 2
		if a.toast.Error {
			st, most = a.st.ToastError, 3
		}
		lines := pane.Wrap(sanitizeLine(a.toast.Text), w-2)
		if len(lines) > most {
			lines = lines[:most]
			lines[most-1] = truncateLine(lines[most-1]+" …", w-2)
		}
		for i, l := range lines {
			lines[i] = st.Render(" " + l)
		}
		return strings.Join(lines, "\n")
	}
	if len(a.busy) > 0 {
		keys := make([]string, 0, len(a.busy))
		for k := range a.busy {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var parts []string
		for _, k := range keys {
			b := a.busy[k]
			if b.msg.Total > 0 {
				parts = append(parts, progressBar(b.msg.Done, b.msg.Total, 20)+" "+sanitizeLine(b.msg.Label))
			} else {
				parts = append(parts, a.spinner()+" "+sanitizeLine(b.msg.Label)+" "+elapsed(now.Sub(b.start)))
			}
		}
		return truncateLine(" "+strings.Join(parts, "   "), w)
	}
	return ""
}

// footerView is the command line, the filter input, or the key hints of
// the active pane.
func (a *App) footerView(w int) string {
	switch a.mode {
	case modeCommand:
		line := a.cmdline.input.View()
		if len(a.cmdline.candidates) > 0 {
			line += "   " + a.st.Tone(style.Muted, sanitizeLine(strings.Join(a.cmdline.candidates, " ")))
		}
		return truncateLine(line, w)
	case modeFilter:
		return truncateLine(a.filter.View()+"   "+a.st.Tone(style.Muted, "enter keep  esc clear"), w)
	case modeHelp:
		return truncateLine(a.hint("back", "close help")+"  "+a.hint("up", "scroll"), w)
	case modeDialog:
		return ""
	}
	var parts []string
	for _, b := range a.panes[a.active].Hints() {
		parts = append(parts, a.hint(b.Name, b.Help().Desc))
	}
	parts = append(parts, a.hint("command", "command"), a.hint("filter", "filter"), a.hint("help", "help"))
	line := " "
	for _, p := range parts {
		if ansi.StringWidth(line+p) > w {
			break
		}
		line += p + "  "
	}
	return strings.TrimRight(line, " ")
}

func (a *App) hint(name, desc string) string {
	b := a.keys.Get(name)
	return a.st.FooterKey.Render(b.Help().Key) + " " + a.st.Footer.Render(desc)
}

var spinnerFrames = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

func (a *App) spinner() string { return spinnerFrames[a.spinFrame%len(spinnerFrames)] }

func progressBar(done, total, width int) string {
	if total <= 0 {
		return ""
	}
	if done > total {
		done = total
	}
	n := done * width / total
	return "[" + strings.Repeat("#", n) + strings.Repeat("-", width-n) + fmt.Sprintf("] %d/%d", done, total)
}

// sanitizeLine makes outside text safe and single-line.
func sanitizeLine(s string) string { return decode.Sanitize(s) }

func truncateLine(s string, w int) string {
	if ansi.StringWidth(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}

// placeCenter centres a block in width x height.
func placeCenter(block string, width, height int) string {
	return lipgloss.Place(width, height, lipgloss.Center, lipgloss.Center, block)
}
