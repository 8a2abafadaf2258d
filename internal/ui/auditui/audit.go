// Package auditui is the :audit pane: the newest entries of the audit log,
// newest first, with the full entry on Enter.
package auditui

import (
	"fmt"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/opsconsole/opsconsole/internal/ops"
	"github.com/opsconsole/opsconsole/internal/ui/keys"
	"github.com/opsconsole/opsconsole/internal/ui/pane"
	"github.com/opsconsole/opsconsole/internal/ui/style"
	"github.com/opsconsole/opsconsole/internal/ui/table"
)

// maxEntries bounds what the pane reads from a long-lived log.
const maxEntries = 5000

// Spec registers the pane.
func Spec() pane.Spec {
	return pane.Spec{ID: "audit", Title: "Audit", Tab: true, New: New}
}

// Pane shows the audit log.
type Pane struct {
	c       *pane.Context
	tbl     *table.Model
	entries []ops.Entry
	detail  *ops.Entry
	err     error
	skipped int
	height  int
}

// New builds the pane.
func New(c *pane.Context) pane.Pane {
	p := &Pane{c: c}
	p.tbl = table.New(c.Styles, []table.Column{
		{Title: "TIME", Min: 8}, {Title: "OUTCOME", Min: 7}, {Title: "ACTION", Min: 6},
		{Title: "RESOURCE", Min: 8, Max: 40}, {Title: "TARGET", Min: 6, Drop: 2}, {Title: "USER", Min: 6, Max: 40, Drop: 1}, {Title: "ERROR", Min: 5},
	})
	p.tbl.SetEmpty("no audit entries yet: every action you apply, refuse or cancel is recorded here")
	return p
}

func (p *Pane) ID() string    { return "audit" }
func (p *Pane) Title() string { return "Audit" }

type loadedMsg struct {
	entries []ops.Entry
	skipped int
	err     error
}

// Init reads the log off the UI goroutine.
func (p *Pane) Init() tea.Cmd {
	audit := p.c.Runner.Audit
	if audit == nil {
		p.err = fmt.Errorf("no audit log is open, so every action is refused; set --audit-log to a writable file")
		return nil
	}
	path := audit.Path()
	return func() tea.Msg {
		e, skipped, err := ops.ReadAudit(path, maxEntries)
		return loadedMsg{entries: e, skipped: skipped, err: err}
	}
}

func (p *Pane) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case loadedMsg:
		p.err = msg.err
		p.skipped = msg.skipped
		p.entries = msg.entries
		p.render()
		p.tbl.Top() // the newest entry is what the operator came for
	case pane.ActionDoneMsg:
		return p.Init()
	case tea.KeyMsg:
		return p.key(msg)
	}
	return nil
}

func (p *Pane) key(k tea.KeyMsg) tea.Cmd {
	km, ks := p.c.Keys, k.String()
	if p.detail != nil {
		return nil
	}
	if p.tbl.Navigate(km, ks, p.height) {
		return nil
	}
	switch {
	case km.Matches(ks, "enter"):
		if r, ok := p.tbl.Selected(); ok {
			var i int
			fmt.Sscan(r.Key, &i)
			e := p.entries[i]
			p.detail = &e
		}
	}
	return nil
}

func (p *Pane) render() {
	rows := make([]table.Row, 0, len(p.entries))
	for i := len(p.entries) - 1; i >= 0; i-- {
		e := p.entries[i]
		tone := style.Normal
		switch e.Outcome {
		case ops.OutcomeApplied:
			tone = style.OK
		case ops.OutcomeFailed, ops.OutcomeRefused:
			tone = style.Crit
		case ops.OutcomeCancelled:
			tone = style.Muted
		}
		target := e.Target
		if e.Environment != "" {
			target += " (" + e.Environment + ")"
		}
		rows = append(rows, table.Row{Key: fmt.Sprint(i), Cells: []table.Cell{
			table.Text(e.Time.Local().Format("01-02 15:04:05")),
			table.Toned(e.Outcome, tone),
			table.Text(e.Action), table.Text(e.Resource), table.Text(target), table.Text(e.User), table.Text(e.Error),
		}})
	}
	p.tbl.SetRows(rows)
}

// View shows the table, or one entry in full.
func (p *Pane) View(width, height int) string {
	st := p.c.Styles
	if p.err != nil {
		return pane.StatusView(st, width, height, style.Crit, "!! audit log unreadable", p.err.Error())
	}
	if p.detail != nil {
		return p.detailView(width, height)
	}
	p.height = height - 2
	status := " " + p.tbl.Position()
	if p.skipped > 0 {
		status += st.Tone(style.Warn, fmt.Sprintf("   ! %d unreadable lines skipped", p.skipped))
	}
	if p.c.Runner.Audit != nil {
		status += st.Tone(style.Muted, "   "+p.c.Runner.Audit.Path())
	}
	return p.tbl.View(width, height-1) + "\n" + status
}

func (p *Pane) detailView(width, height int) string {
	e := p.detail
	var b strings.Builder
	// Long values (requests, CLI lines, errors) wrap: they are read here
	// in full or not at all.
	field := func(k, v string) {
		for i, l := range pane.Wrap(pane.OneLine(v), max(20, width-16)) {
			if i > 0 {
				k = ""
			}
			fmt.Fprintf(&b, " %-12s %s\n", k, l)
		}
	}
	field("time", e.Time.Format(time.RFC3339))
	field("user", e.User)
	field("host", e.Host)
	field("target", e.Target+" ("+e.Environment+")")
	field("action", e.Action)
	field("resource", e.Resource)
	for k, v := range e.Params {
		field("param "+k, v)
	}
	for _, l := range strings.Split(e.Request, "\n") {
		field("request", l)
	}
	for _, l := range strings.Split(e.CLI, "\n") {
		field("cli", l)
	}
	field("outcome", e.Outcome)
	field("error", e.Error)
	field("duration", fmt.Sprintf("%d ms", e.DurationMS))
	b.WriteString("\n " + p.c.Styles.Tone(style.Muted, "esc back"))
	return b.String()
}

// Back closes the detail view.
func (p *Pane) Back() bool {
	if p.detail != nil {
		p.detail = nil
		return true
	}
	return false
}

func (p *Pane) SetFilter(f string) { p.tbl.SetFilter(f) }
func (p *Pane) Filter() string     { return p.tbl.Filter() }

func (p *Pane) Hints() []*keys.Binding { return p.c.Keys.Named("enter", "sort", "sort-reverse") }
