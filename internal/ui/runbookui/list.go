package runbookui

import (
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/opsconsole/opsconsole/internal/runbook"
	"github.com/opsconsole/opsconsole/internal/ui/keys"
	"github.com/opsconsole/opsconsole/internal/ui/listview"
	"github.com/opsconsole/opsconsole/internal/ui/pane"
	"github.com/opsconsole/opsconsole/internal/ui/style"
	"github.com/opsconsole/opsconsole/internal/ui/table"
)

// listPane is :runbooks: every runbook with its symptoms and source;
// Enter opens the walkthrough.
type listPane struct {
	c    *pane.Context
	list *listview.List
	cat  *runbook.Catalog
}

func newList(c *pane.Context) pane.Pane {
	return &listPane{c: c, list: listview.New(c, []table.Column{
		{Title: "ID", Min: 12, Max: 24}, {Title: "SOURCE", Min: 7}, {Title: "TITLE", Min: 16, Max: 50},
		{Title: "SYMPTOMS", Min: 10, Max: 90},
	}, "no runbooks")}
}

func (p *listPane) ID() string    { return ListID }
func (p *listPane) Title() string { return "Runbooks" }

type catalogMsg struct{ cat *runbook.Catalog }

// loadCatalog reads the built-ins and the user directories (disk I/O, so
// in a command).
func loadCatalog(c *pane.Context) tea.Cmd {
	dirs := runbook.UserDirs(c.Options)
	return func() tea.Msg { return catalogMsg{cat: runbook.Load(runbook.Probes(), dirs...)} }
}

// publish feeds command-line completion from a loaded catalog.
func publish(c *pane.Context, cat *runbook.Catalog) {
	c.Names.Set(namesRunbooks, cat.IDs())
	for _, rb := range cat.List() {
		c.Names.Set(namesParams+rb.ID, paramCandidates(rb))
	}
}

func (p *listPane) Init() tea.Cmd {
	if !p.list.Begin() {
		return nil
	}
	return loadCatalog(p.c)
}

func (p *listPane) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case catalogMsg:
		p.list.Done(nil)
		p.cat = msg.cat
		publish(p.c, p.cat)
		rows := make([]table.Row, 0, len(p.cat.List()))
		for _, rb := range p.cat.List() {
			src := table.Text(rb.Source)
			if rb.Source == runbook.SourceUser {
				src = table.Toned(rb.Source, style.Accent)
			}
			rows = append(rows, table.Row{Key: rb.ID, Cells: []table.Cell{
				table.Text(pane.OneLine(rb.ID)), src, table.Text(pane.OneLine(rb.Title)),
				table.Text(pane.OneLine(strings.Join(rb.Symptoms, "; "))),
			}})
		}
		p.list.Tbl.SetRows(rows)
	case tea.KeyMsg:
		ks := msg.String()
		if p.list.Navigate(ks) {
			return nil
		}
		if p.c.Keys.Matches(ks, "enter") {
			if r, ok := p.list.Tbl.Selected(); ok {
				return pane.Open(WalkID, r.Key)
			}
		}
	}
	return nil
}

func (p *listPane) View(width, height int) string {
	var footer []string
	if p.cat != nil && len(p.cat.Problems) > 0 {
		first := strings.SplitN(p.cat.Problems[0].Error(), "\n", 2)[0]
		footer = append(footer, p.c.Styles.Tone(style.Warn, fmt.Sprintf("! %d runbook file(s) rejected; first: %s", len(p.cat.Problems), pane.OneLine(first))))
	}
	// The selected runbook's title and symptoms in full: the columns cut
	// them at 80 columns, and they are how an operator picks one.
	if r, ok := p.list.Tbl.Selected(); ok && len(r.Cells) > 3 {
		for _, c := range []table.Cell{r.Cells[2], r.Cells[3]} {
			for i, l := range pane.Wrap(c.Text, width-2) {
				if i == 2 {
					break
				}
				footer = append(footer, " "+l)
			}
		}
	}
	footer = append(footer, p.c.Styles.Tone(style.Muted, "enter walks through the selected runbook; user runbooks: "+pane.OneLine(strings.Join(runbook.UserDirs(p.c.Options), ", "))))
	return p.list.View(width, height, nil, footer)
}

func (p *listPane) Hints() []*keys.Binding { return p.c.Keys.Named("enter") }

// SetFilter and Filter make the list filterable.
func (p *listPane) SetFilter(f string) { p.list.SetFilter(f) }
func (p *listPane) Filter() string     { return p.list.Filter() }
