package recordsui

import (
	"fmt"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/opsconsole/opsconsole/internal/decode"
	"github.com/opsconsole/opsconsole/internal/ui/pane"
	"github.com/opsconsole/opsconsole/internal/ui/table"
	"github.com/opsconsole/opsconsole/internal/units"
)

// maxTemplates bounds the top-messages aggregation (events of further
// templates are counted as overflow).
const maxTemplates = 1000

// topView groups the buffered events that pass the filter by (level,
// message template), most frequent first.
type topView struct {
	tbl      *table.Model
	byKey    map[string]decode.TemplateCount
	events   int
	overflow int
}

func newTopView(c *pane.Context) *topView {
	t := table.New(c.Styles, []table.Column{
		{Title: "COUNT", Align: table.Right, Min: 5},
		{Title: "LEVEL", Min: 8},
		{Title: "TEMPLATE", Min: 50, Max: 100},
		{Title: "LAST SEEN", Min: 12},
		{Title: "FIRST SEEN", Min: 12},
		{Title: "SOURCE", Min: 8, Max: 32},
		{Title: "EXAMPLE", Max: 48},
	})
	t.SetEmpty("no buffered events to group yet")
	return &topView{tbl: t}
}

// refreshTop re-aggregates the buffer (it is cheap enough to do at most
// once a second; see BenchmarkTopMessages).
func (p *Pane) refreshTop() {
	agg := decode.NewTopMessages(maxTemplates)
	p.buf.each(agg.Add)
	counts := agg.Top(0, "")
	t := p.top
	t.events, t.overflow = agg.Total(), agg.Overflow()
	t.byKey = make(map[string]decode.TemplateCount, len(counts))
	rows := make([]table.Row, 0, len(counts))
	for _, r := range counts {
		key := r.Level + "\x00" + r.Template
		t.byKey[key] = r
		lv := levels[r.Level]
		rows = append(rows, table.Row{Key: key, Cells: []table.Cell{
			table.Num(units.Count(float64(r.Count)), float64(r.Count)),
			table.Toned(lv.label, lv.tone),
			table.Text(r.Template),
			table.Text(r.LastSeen.UTC().Format("15:04:05.000")),
			table.Text(r.FirstSeen.UTC().Format("15:04:05.000")),
			table.Text(r.Source),
			table.Text(r.Example),
		}})
	}
	t.tbl.SetRows(rows) // sanitises every cell
	p.changed = false
}

func (t *topView) selected() (decode.TemplateCount, bool) {
	r, ok := t.tbl.Selected()
	if !ok {
		return decode.TemplateCount{}, false
	}
	c, ok := t.byKey[r.Key]
	return c, ok
}

func (p *Pane) topKey(k string) tea.Cmd {
	km := p.c.Keys
	switch {
	case km.Matches(k, "top-messages"):
		p.top = nil
	case km.Matches(k, "enter"):
		// Show the events of this row: the list, filtered to its template.
		if r, ok := p.top.selected(); ok {
			p.top = nil
			p.SetFilter("tpl:" + r.Template)
			p.follow = true
		}
	default:
		p.top.tbl.Navigate(km, k, p.rows)
	}
	return nil
}

func (t *topView) view(width, height int) string {
	summary := fmt.Sprintf(" top messages of %s buffered events: %d templates", units.Count(float64(t.events)), t.tbl.Total())
	if t.overflow > 0 {
		summary += fmt.Sprintf(", %s events of further templates not grouped", units.Count(float64(t.overflow)))
	}
	summary += "  (enter shows a template's events, T or esc returns)"
	return fit(summary, width) + "\n" + t.tbl.View(width, height-1)
}
