package ui

import (
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/opsconsole/opsconsole/internal/ui/keys"
	"github.com/opsconsole/opsconsole/internal/ui/pane"
	"github.com/opsconsole/opsconsole/internal/ui/style"
)

// helpView is the `?` screen, generated from the key map and the command
// set so it always tells the truth about what the keys and commands do.
type helpView struct{ scroll int }

func newHelpView() helpView { return helpView{} }

func (a *App) helpKey(k tea.KeyMsg) tea.Cmd {
	ks := k.String()
	switch {
	case a.keys.Matches(ks, "back"), a.keys.Matches(ks, "help"), a.keys.Matches(ks, "quit"):
		a.mode = modeNormal
	case a.keys.Matches(ks, "down"):
		a.help.scroll++
	case a.keys.Matches(ks, "up"):
		if a.help.scroll > 0 {
			a.help.scroll--
		}
	case a.keys.Matches(ks, "page-down"):
		a.help.scroll += 10
	case a.keys.Matches(ks, "page-up"):
		a.help.scroll -= 10
		if a.help.scroll < 0 {
			a.help.scroll = 0
		}
	}
	return nil
}

// lines builds the help text for the active pane.
func (h *helpView) lines(a *App, width int) []string {
	st := a.st
	var out []string
	section := func(title string) {
		if len(out) > 0 {
			out = append(out, "")
		}
		out = append(out, st.Tone(style.Accent, title))
	}
	keyLine := func(b *keys.Binding) string {
		return fmt.Sprintf("  %-14s %s", b.Help().Key, b.Help().Desc)
	}
	title := a.active
	for _, s := range a.specs {
		if s.ID == a.active {
			title = s.Title
		}
	}
	section("Keys in " + title)
	for _, b := range a.panes[a.active].Hints() {
		out = append(out, keyLine(b))
	}
	section("Keys everywhere")
	for _, b := range a.keys.Scope("global") {
		out = append(out, keyLine(b))
	}
	section("Commands (type : then the command; Tab completes)")
	for _, c := range a.cmds.list {
		syn := ":" + c.Name
		if c.Usage != "" {
			syn += " " + c.Usage
		}
		// Side by side when there is room, else the help under the
		// synopsis: a description cut in half explains nothing.
		if width >= 110 {
			out = append(out, fmt.Sprintf("  %-44s %s", syn, c.Help))
			continue
		}
		out = append(out, "  "+syn)
		for _, l := range pane.Wrap(c.Help, max(20, width-8)) {
			out = append(out, "      "+l)
		}
	}
	section("Safety")
	out = append(out,
		"  Every action shows its exact request and CLI before anything is sent.",
		"  y applies; Enter, n and Esc cancel. High-risk actions and every action",
		"  on a production target ask you to type a name first.",
		"  Read-only consoles refuse every action; refusals are audited too.",
		"  Audit log: "+a.auditPath())
	return out
}

func (a *App) auditPath() string {
	if a.sess.Audit == nil {
		return "(none open: actions are refused)"
	}
	return a.sess.Audit.Path()
}

func (h *helpView) view(a *App, width, height int) string {
	lines := h.lines(a, width)
	if max := len(lines) - height; h.scroll > max {
		h.scroll = max
	}
	if h.scroll < 0 {
		h.scroll = 0
	}
	end := h.scroll + height
	if end > len(lines) {
		end = len(lines)
	}
	return strings.Join(lines[h.scroll:end], "\n")
}
