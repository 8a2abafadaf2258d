package ui

import (
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/opsconsole/opsconsole/internal/fleet"
	"github.com/opsconsole/opsconsole/internal/ops"
	"github.com/opsconsole/opsconsole/internal/ui/keys"
	"github.com/opsconsole/opsconsole/internal/ui/pane"
	"github.com/opsconsole/opsconsole/internal/ui/style"
	"github.com/opsconsole/opsconsole/internal/ui/table"
)

// ctxPane lists the targets with their environment and health; Enter
// switches to the selected one (the shell keeps the pane you were on).
type ctxPane struct {
	c      *pane.Context
	tbl    *table.Model
	health map[string]fleet.Health
	height int
}

func newCtxPane(c *pane.Context) pane.Pane {
	p := &ctxPane{c: c, health: map[string]fleet.Health{}}
	p.tbl = table.New(c.Styles, []table.Column{
		{Title: "TARGET", Min: 8}, {Title: "ENV", Min: 4}, {Title: "MODE", Min: 6},
		{Title: "KINESIS", Min: 8}, {Title: "ELASTICSEARCH", Min: 8}, {Title: "KUBERNETES", Min: 8},
	})
	p.tbl.SetEmpty("no targets: define them in the config file (targets:), or start with --demo")
	p.render()
	return p
}

func (p *ctxPane) ID() string    { return "ctx" }
func (p *ctxPane) Title() string { return "Targets" }

type healthMsg struct {
	name   string
	health fleet.Health
}

// Init probes every target's backends in parallel.
func (p *ctxPane) Init() tea.Cmd {
	var cmds []tea.Cmd
	for _, t := range p.c.Options.Targets {
		t := t
		opts := p.c.Options
		ctx := p.c.Ctx
		cmds = append(cmds, func() tea.Msg { return healthMsg{name: t.Name, health: fleet.Probe(ctx, opts, t)} })
	}
	return tea.Batch(cmds...)
}

func (p *ctxPane) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case healthMsg:
		p.health[msg.name] = msg.health
		p.render()
	case tea.KeyMsg:
		km := p.c.Keys
		ks := msg.String()
		switch {
		case km.Matches(ks, "enter"):
			if r, ok := p.tbl.Selected(); ok {
				name := r.Key
				return func() tea.Msg { return switchTargetMsg{name: name} }
			}
		default:
			p.tbl.Navigate(km, ks, p.height)
		}
	}
	return nil
}

func (p *ctxPane) render() {
	rows := make([]table.Row, 0, len(p.c.Options.Targets))
	for _, t := range p.c.Options.Targets {
		h, probed := p.health[t.Name]
		name := t.Name
		if t.Name == p.c.Target.Name {
			name = "● " + name
		}
		env := table.Text(t.Environment)
		if (ops.Target{Environment: t.Environment}).IsProduction() {
			env = table.Toned(t.Environment+" !!", style.Crit)
		}
		mode := "read-write"
		switch {
		case t.Locked:
			mode = "locked"
		case t.ReadOnly:
			mode = "read-only"
		}
		cells := []table.Cell{table.Text(name), env, table.Text(mode)}
		for _, b := range []string{fleet.Kinesis, fleet.Elasticsearch, fleet.Kubernetes} {
			if !probed {
				cells = append(cells, table.Toned("probing…", style.Muted))
				continue
			}
			cells = append(cells, healthCell(h[b]))
		}
		rows = append(rows, table.Row{Key: t.Name, Cells: cells})
	}
	p.tbl.SetRows(rows)
}

func healthCell(s fleet.Status) table.Cell {
	switch s.State {
	case fleet.Ready:
		return table.Toned(s.Word(), style.OK)
	case fleet.Failed:
		return table.Toned("!! "+s.Word(), style.Crit)
	}
	return table.Toned(s.Word(), style.Muted)
}

func (p *ctxPane) View(width, height int) string {
	st := p.c.Styles
	var notes []string
	if r, ok := p.tbl.Selected(); ok {
		for _, b := range []string{fleet.Kinesis, fleet.Elasticsearch, fleet.Kubernetes} {
			if s := p.health[r.Key][b]; s.State == fleet.Failed {
				for _, l := range pane.Wrap(b+": "+pane.OneLine(s.Summary()), width-4) {
					notes = append(notes, st.Tone(style.Crit, "  "+l))
				}
			}
		}
	}
	notes = append(notes, st.Tone(style.Muted, " enter switches  •  :ctx NAME switches directly  •  the pane you are on is kept"))
	tableH := max(3, height-len(notes)-1)
	p.height = tableH - 1
	return p.tbl.View(width, tableH) + "\n\n" + strings.Join(notes, "\n")
}

func (p *ctxPane) Hints() []*keys.Binding { return nil }
