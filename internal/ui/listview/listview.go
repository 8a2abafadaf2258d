// Package listview is what every list pane shares: a table, the load state
// (loading, loaded at, failed with backoff, stale), the status line under
// the table, the refresh policy, and a detail view that Esc closes. A pane
// embeds a List and adds its columns, its loader and its keys.
package listview

import (
	"fmt"
	"strings"
	"time"

	"github.com/opsconsole/opsconsole/internal/ui/pane"
	"github.com/opsconsole/opsconsole/internal/ui/style"
	"github.com/opsconsole/opsconsole/internal/ui/table"
)

// List is a table with load state.
type List struct {
	C   *pane.Context
	Tbl *table.Model

	loading  bool
	loadedAt time.Time
	err      error
	failures int
	nextTry  time.Time

	// Detail, when non-empty, replaces the table (Enter on a row); Esc
	// closes it. Lines are rendered as given: callers sanitise outside text
	// with pane.OneLine.
	Detail       []string
	detailScroll int

	// page is the number of table rows visible at the last render.
	page int
}

// New makes a list with the given columns.
func New(c *pane.Context, cols []table.Column, empty string) *List {
	t := table.New(c.Styles, cols)
	t.SetEmpty(empty)
	return &List{C: c, Tbl: t}
}

// Begin marks a load as started; it returns false when one is already
// running (so ticks do not pile up requests behind a slow backend).
func (l *List) Begin() bool {
	if l.loading {
		return false
	}
	l.loading = true
	return true
}

// Done records a load's outcome. On failure the old rows stay on screen,
// marked stale, and the next automatic retry backs off exponentially (one
// refresh interval, doubling, at most 5 minutes).
func (l *List) Done(err error) {
	l.loading = false
	now := l.C.Now()
	if err == nil {
		l.err, l.failures, l.loadedAt = nil, 0, now
		return
	}
	l.err = err
	l.failures++
	backoff := l.C.Options.Refresh << min(l.failures-1, 6)
	if backoff > 5*time.Minute {
		backoff = 5 * time.Minute
	}
	l.nextTry = now.Add(backoff)
}

// Due reports whether a periodic refresh should load now.
func (l *List) Due() bool {
	return !l.loading && (l.failures == 0 || !l.C.Now().Before(l.nextTry))
}

// Err is the last load error.
func (l *List) Err() error { return l.err }

// Age is how long ago the last load succeeded.
func (l *List) Age() time.Duration { return l.C.Now().Sub(l.loadedAt) }

// Loaded reports whether any load succeeded yet.
func (l *List) Loaded() bool { return !l.loadedAt.IsZero() }

// Navigate handles list keys; false when k is not one.
func (l *List) Navigate(k string) bool {
	if l.Detail != nil {
		switch {
		case l.C.Keys.Matches(k, "down"):
			l.detailScroll++
		case l.C.Keys.Matches(k, "up"):
			if l.detailScroll > 0 {
				l.detailScroll--
			}
		case l.C.Keys.Matches(k, "page-down"):
			l.detailScroll += 10
		case l.C.Keys.Matches(k, "page-up"):
			l.detailScroll = max(0, l.detailScroll-10)
		default:
			return false
		}
		return true
	}
	return l.Tbl.Navigate(l.C.Keys, k, l.page)
}

// ShowDetail opens the detail view.
func (l *List) ShowDetail(lines []string) {
	l.Detail = lines
	l.detailScroll = 0
}

// Back closes the detail view (pane.Backer).
func (l *List) Back() bool {
	if l.Detail != nil {
		l.Detail = nil
		return true
	}
	return false
}

// SetFilter and Filter make the pane pane.Filterable.
func (l *List) SetFilter(f string) { l.Tbl.SetFilter(f) }
func (l *List) Filter() string     { return l.Tbl.Filter() }

// View renders, top to bottom: the optional header lines, the table (or
// the detail view), the optional footer lines and the status line. The
// first load shows "loading"; a failure before any data shows the error
// in full.
func (l *List) View(width, height int, header, footer []string) string {
	st := l.C.Styles
	if !l.Loaded() && l.err != nil {
		return pane.StatusView(st, width, height, style.Crit, "!! "+pane.OneLine(l.err.Error()),
			"retrying with backoff; r retries now")
	}
	if !l.Loaded() {
		return pane.StatusView(st, width, height, style.Muted, "loading…")
	}
	var b strings.Builder
	for _, h := range header {
		b.WriteString(h)
		b.WriteByte('\n')
	}
	bodyH := height - len(header) - len(footer) - 1
	if bodyH < 2 {
		bodyH = 2
	}
	if l.Detail != nil {
		b.WriteString(l.detailView(width, bodyH))
	} else {
		l.page = bodyH - 1
		b.WriteString(l.Tbl.View(width, bodyH))
	}
	for _, f := range footer {
		b.WriteByte('\n')
		b.WriteString(f)
	}
	b.WriteByte('\n')
	b.WriteString(l.statusLine())
	return b.String()
}

// detailView wraps long lines (keeping their indentation) rather than
// cutting them: a detail view exists to be read in full.
func (l *List) detailView(width, h int) string {
	var lines []string
	for _, d := range l.Detail {
		indent := len(d) - len(strings.TrimLeft(d, " "))
		for i, w := range pane.Wrap(d[indent:], max(8, width-indent-2)) {
			pad := strings.Repeat(" ", indent)
			if i > 0 {
				pad += "  "
			}
			lines = append(lines, pad+w)
		}
	}
	if l.detailScroll > len(lines)-h {
		l.detailScroll = max(0, len(lines)-h)
	}
	lines = lines[l.detailScroll:]
	if len(lines) > h {
		lines = lines[:h]
	}
	out := make([]string, h)
	copy(out, lines)
	return strings.Join(out, "\n")
}

// statusLine: position, freshness, and a stale marker with the error.
func (l *List) statusLine() string {
	st := l.C.Styles
	s := " " + l.Tbl.Position()
	if l.Detail != nil {
		s = " " + st.Tone(style.Muted, "esc back  ↑/↓ scroll")
	}
	if l.loading {
		s += st.Tone(style.Muted, "  refreshing…")
	} else {
		s += st.Tone(style.Muted, "  updated "+Ago(l.C.Now().Sub(l.loadedAt))+" ago")
	}
	if l.err != nil {
		s += "  " + st.Tone(style.Crit, "!! STALE: "+pane.OneLine(l.err.Error()))
	}
	return s
}

// Ago is a compact duration: 4s, 3m, 2h, 5d.
func Ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}
