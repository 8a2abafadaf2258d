package esui

import (
	"context"
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/opsconsole/opsconsole/internal/es"
	"github.com/opsconsole/opsconsole/internal/fleet"
	"github.com/opsconsole/opsconsole/internal/ui/keys"
	"github.com/opsconsole/opsconsole/internal/ui/listview"
	"github.com/opsconsole/opsconsole/internal/ui/pane"
	"github.com/opsconsole/opsconsole/internal/ui/style"
	"github.com/opsconsole/opsconsole/internal/ui/table"
)

// ilmPane is :ilm: every index ILM stopped on, then every policy with its
// phases and who uses it.
type ilmPane struct {
	base
	ov es.ILMOverview
}

func newILM(c *pane.Context) pane.Pane {
	p := &ilmPane{base: base{c: c}}
	p.list = listview.New(c, []table.Column{
		{Title: "KIND", Min: 6}, {Title: "NAME", Min: 10, Max: 40}, {Title: "DETAIL", Min: 20}, {Title: "USED BY", Min: 8, Drop: 1},
	}, "no ILM policies")
	return p
}

func (p *ilmPane) ID() string    { return "ilm" }
func (p *ilmPane) Title() string { return "ILM" }

type ilmMsg struct {
	ov  es.ILMOverview
	err error
}

func (p *ilmPane) Init() tea.Cmd {
	return p.load(false, func(ctx context.Context, c *es.Client) tea.Msg {
		ov, err := c.ILM(ctx)
		return ilmMsg{ov: ov, err: err}
	})
}

func (p *ilmPane) Update(msg tea.Msg) tea.Cmd {
	if cmd, ok := p.common(msg, p.Init); ok {
		return cmd
	}
	switch msg := msg.(type) {
	case ilmMsg:
		if p.loaded(msg.err) {
			p.ov = msg.ov
			p.render()
		}
	case tea.KeyMsg:
		return p.key(msg.String())
	}
	return nil
}

func (p *ilmPane) key(ks string) tea.Cmd {
	if p.list.Navigate(ks) {
		return nil
	}
	r, ok := p.list.Tbl.Selected()
	if !ok {
		return nil
	}
	kind, name, _ := strings.Cut(r.Key, ":")
	km := p.c.Keys
	switch {
	case km.Matches(ks, "enter"):
		if kind == "error" {
			p.list.ShowDetail(p.errorDetail(name))
		} else {
			p.list.ShowDetail(p.policyDetail(name))
		}
	case km.Matches(ks, "ilm-retry") && kind == "error":
		return pane.Action(es.NewILMRetryAction(p.c.Backends.ES, name))
	}
	return nil
}

func (p *ilmPane) render() {
	var rows []table.Row
	for _, e := range p.ov.Errors {
		rows = append(rows, table.Row{Key: "error:" + e.Index, Cells: []table.Cell{
			table.Toned("!! ERROR", style.Crit), table.Text(e.Index),
			table.Text(e.Position() + ": " + e.ErrorText()), table.Text("policy " + e.Policy),
		}})
	}
	names := make([]string, 0, len(p.ov.Policies))
	for _, pu := range p.ov.Policies {
		names = append(names, pu.Name)
		used := fmt.Sprintf("%d indices, %d templates", len(pu.ManagedIndices), len(pu.TemplateNames))
		rows = append(rows, table.Row{Key: "policy:" + pu.Name, Cells: []table.Cell{
			table.Text("policy"), table.Text(pu.Name), table.Text(pu.Summary()), table.Text(used),
		}})
	}
	p.list.Tbl.SetRows(rows)
	p.c.Names.Set("policies", names)
}

func (p *ilmPane) errorDetail(index string) []string {
	st := p.c.Styles
	for _, e := range p.ov.Errors {
		if e.Index != index {
			continue
		}
		line := func(k, v string) string { return fmt.Sprintf(" %-14s %s", k, pane.OneLine(v)) }
		return []string{
			st.Tone(style.Crit, " !! ILM stopped on "+pane.OneLine(e.Index)),
			line("policy", e.Policy), line("position", e.Position()), line("failed step", e.FailedStep),
			line("reason", e.ErrorText()), line("retries", fmt.Sprintf("%d (auto-retryable: %v)", e.RetryCount, e.AutoRetryable)),
			line("age", e.Age),
			"",
			" Fix the cause first (often a missing rollover alias: :ilm-attach " + pane.OneLine(e.Index) + " " + pane.OneLine(e.Policy) + " --rollover-alias ALIAS),",
			" then y (:ilm-retry " + pane.OneLine(e.Index) + ") moves the index back to the failed step.",
			" The es-ilm-error runbook walks through it: :runbook es-ilm-error",
		}
	}
	return nil
}

func (p *ilmPane) policyDetail(name string) []string {
	st := p.c.Styles
	for _, pu := range p.ov.Policies {
		if pu.Name != name {
			continue
		}
		out := []string{st.Tone(style.Accent, " policy "+pane.OneLine(pu.Name)), fmt.Sprintf(" version %d, modified %s", pu.Version, pu.Modified.Format("2006-01-02 15:04"))}
		for _, ph := range pu.Phases {
			min := ph.MinAge
			if min == "" {
				min = "0ms"
			}
			out = append(out, "", fmt.Sprintf(" %s (from min_age %s)", pane.OneLine(ph.Name), pane.OneLine(min)))
			for _, a := range ph.Actions {
				out = append(out, "   - "+pane.OneLine(a.Text()))
			}
		}
		out = append(out, "", " indices:   "+pane.OneLine(strings.Join(pu.ManagedIndices, ", ")),
			" templates: "+pane.OneLine(strings.Join(pu.TemplateNames, ", ")))
		if !pu.HasRollover() {
			out = append(out, st.Tone(style.Warn, " ! no rollover in the hot phase: indices using it grow until deleted"))
		}
		return out
	}
	return nil
}

func (p *ilmPane) View(width, height int) string {
	if p.c.Backends.ES == nil {
		return pane.UnavailableView(p.c, fleet.Elasticsearch, width, height)
	}
	st := p.c.Styles
	head := fmt.Sprintf(" %d policies, %d templates", len(p.ov.Policies), len(p.ov.Templates))
	if n := len(p.ov.Errors); n > 0 {
		head += "  " + st.Tone(style.Crit, fmt.Sprintf("!! %s in ILM ERROR (listed first; y retries)", plural(n, "index", "indices")))
	} else {
		head += "  " + st.Tone(style.OK, "no index in ILM ERROR")
	}
	var footer []string
	for _, w := range p.ov.Warnings {
		footer = append(footer, st.Tone(style.Warn, " ! "+pane.OneLine(w)))
	}
	// The selected row's detail in full: an ILM error's reason is what
	// the operator needs, and the column cuts it.
	if r, ok := p.list.Tbl.Selected(); ok && p.list.Detail == nil && len(r.Cells) > 2 {
		lines := pane.Wrap(r.Cells[2].Text, width-2)
		for i := 0; i < len(lines) && i < 2; i++ {
			footer = append(footer, " "+st.Tone(r.Cells[0].Tone, lines[i]))
		}
	}
	return p.list.View(width, height, []string{head}, footer)
}

func (p *ilmPane) Hints() []*keys.Binding { return p.c.Keys.Named("enter", "ilm-retry") }
