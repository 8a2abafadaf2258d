package esui

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/opsconsole/opsconsole/internal/es"
	"github.com/opsconsole/opsconsole/internal/fleet"
	"github.com/opsconsole/opsconsole/internal/ui/keys"
	"github.com/opsconsole/opsconsole/internal/ui/listview"
	"github.com/opsconsole/opsconsole/internal/ui/pane"
	"github.com/opsconsole/opsconsole/internal/ui/style"
	"github.com/opsconsole/opsconsole/internal/ui/table"
	"github.com/opsconsole/opsconsole/internal/units"
)

// nodesPane is :nodes: the _cat/nodes columns of the seed notes plus disk
// against the watermarks.
type nodesPane struct {
	base
	view es.NodesView
}

func newNodes(c *pane.Context) pane.Pane {
	p := &nodesPane{base: base{c: c}}
	p.list = listview.New(c, []table.Column{
		{Title: "NAME", Min: 8}, {Title: "IP", Min: 7, Drop: 3}, {Title: "ROLES", Min: 5, Drop: 4},
		{Title: "MASTER", Min: 6}, {Title: "HEAP", Align: table.Right, Min: 4}, {Title: "RAM", Align: table.Right, Min: 4, Drop: 2},
		{Title: "CPU%", Align: table.Right, Min: 4}, {Title: "LOAD 1/5/15", Min: 11, Drop: 1},
		{Title: "DISK", Align: table.Right, Min: 9, Drop: 5}, {Title: "DISK%", Align: table.Right, Min: 6},
		{Title: "SHARDS", Align: table.Right, Min: 6, Drop: 6},
	}, "the cluster reported no nodes")
	return p
}

func (p *nodesPane) ID() string    { return "nodes" }
func (p *nodesPane) Title() string { return "Nodes" }

type nodesMsg struct {
	view es.NodesView
	err  error
}

func (p *nodesPane) Init() tea.Cmd {
	return p.load(true, func(ctx context.Context, c *es.Client) tea.Msg {
		v, err := c.Nodes(ctx)
		return nodesMsg{view: v, err: err}
	})
}

func (p *nodesPane) Update(msg tea.Msg) tea.Cmd {
	if cmd, ok := p.common(msg, p.Init); ok {
		return cmd
	}
	switch msg := msg.(type) {
	case nodesMsg:
		if p.loaded(msg.err) {
			p.view = msg.view
			p.render()
		}
	case tea.KeyMsg:
		ks := msg.String()
		if p.list.Navigate(ks) {
			return nil
		}
		if p.c.Keys.Matches(ks, "enter") {
			if r, ok := p.list.Tbl.Selected(); ok {
				if n, ok := p.view.NodeByName(r.Key); ok {
					p.list.ShowDetail(p.detail(n))
				}
			}
		}
	}
	return nil
}

func (p *nodesPane) render() {
	rows := make([]table.Row, 0, len(p.view.Nodes))
	for _, n := range p.view.Nodes {
		master := ""
		if n.Master {
			master = "*"
		}
		heap := pctCell(n.HeapPercent, n.HeapHigh)
		load := "-"
		if n.Load1.OK {
			load = fmt.Sprintf("%.2f %.2f %.2f", n.Load1.V, n.Load5.V, n.Load15.V)
		}
		disk := table.Toned("-", style.Muted)
		if n.DiskUsed.OK && n.DiskTotal.OK {
			disk = table.Num(units.Bytes(float64(n.DiskUsed.V))+"/"+units.Bytes(float64(n.DiskTotal.V)), float64(n.DiskUsed.V))
		}
		rows = append(rows, table.Row{Key: n.Name, Cells: []table.Cell{
			table.Text(n.Name), table.Text(n.IP), table.Text(n.RoleLetters), table.Toned(master, style.Accent),
			heap, pctCell(n.RAMPercent, false), numCell(n.CPU), table.Text(load), disk, diskPctCell(n), countCell(n.Shards),
		}})
	}
	p.list.Tbl.SetRows(rows)
}

func numCell(v es.Opt[int64]) table.Cell {
	if !v.OK {
		return table.Toned("-", style.Muted)
	}
	return table.Num(strconv.FormatInt(v.V, 10), float64(v.V))
}

// pctCell marks a percentage that crossed its limit with "!!".
func pctCell(v es.Opt[int64], high bool) table.Cell {
	if !v.OK {
		return table.Toned("-", style.Muted)
	}
	c := table.Num(strconv.FormatInt(v.V, 10)+"%", float64(v.V))
	if high {
		c.Text, c.Tone = "!! "+c.Text, style.Crit
	}
	return c
}

// diskPctCell shows disk use and which watermark it crossed.
func diskPctCell(n es.Node) table.Cell {
	if !n.DiskUsedPercent.OK {
		return table.Toned("-", style.Muted)
	}
	c := table.Num(fmt.Sprintf("%.1f%%", n.DiskUsedPercent.V), n.DiskUsedPercent.V)
	switch n.Disk {
	case es.DiskLow:
		c.Text, c.Tone = "! low "+c.Text, style.Warn
	case es.DiskHigh:
		c.Text, c.Tone = "!! high "+c.Text, style.Crit
	case es.DiskFlood:
		c.Text, c.Tone = "!! FLOOD "+c.Text, style.Crit
	}
	return c
}

func (p *nodesPane) detail(n es.Node) []string {
	line := func(k, v string) string { return fmt.Sprintf(" %-14s %s", k, pane.OneLine(v)) }
	out := []string{
		line("name", n.Name), line("ip", n.IP),
		line("roles", n.RoleLetters+"  ("+strings.Join(es.DecodeRoles(n.RoleLetters), ", ")+")"),
		line("master", map[bool]string{true: "elected master", false: "no"}[n.Master]),
		line("heap", optPct(n.HeapPercent)+heapNote(n)),
		line("ram", optPct(n.RAMPercent)), line("cpu", optPct(n.CPU)),
		line("disk", n.DiskSummary()), line("disk state", n.Disk.String()),
		line("watermarks", "low "+p.view.Watermarks.Low.String()+", high "+p.view.Watermarks.High.String()+
			", flood "+p.view.Watermarks.Flood.String()),
	}
	if n.Disk >= es.DiskHigh {
		out = append(out, "", p.c.Styles.Tone(style.Crit, " !! over the high watermark: Elasticsearch moves shards away from this node;"),
			p.c.Styles.Tone(style.Crit, "    at flood stage it blocks writes to every index with a shard here (read_only_allow_delete)."),
			"    free disk (delete old indices, add nodes or disk), then :clear-read-only INDEX if a block was set.")
	}
	return out
}

func heapNote(n es.Node) string {
	if n.HeapHigh {
		return fmt.Sprintf("  !! over %d%%: long GC pauses and circuit breakers are likely", es.HeapLimitPercent)
	}
	return ""
}

func optPct(v es.Opt[int64]) string {
	if !v.OK {
		return "-"
	}
	return strconv.FormatInt(v.V, 10) + "%"
}

func (p *nodesPane) View(width, height int) string {
	if p.c.Backends.ES == nil {
		return pane.UnavailableView(p.c, fleet.Elasticsearch, width, height)
	}
	st := p.c.Styles
	wm := p.view.Watermarks
	header := []string{clusterLine(st, p.cluster, p.clErr),
		st.Tone(style.Muted, fmt.Sprintf(" disk watermarks: low %s  high %s  flood %s   heap flagged over %d%%",
			wm.Low.String(), wm.High.String(), wm.Flood.String(), es.HeapLimitPercent))}
	var footer []string
	for _, w := range p.view.Warnings {
		footer = append(footer, st.Tone(style.Warn, " ! "+pane.OneLine(w)))
	}
	return p.list.View(width, height, header, footer)
}

func (p *nodesPane) Hints() []*keys.Binding {
	return p.c.Keys.Named("enter", "sort", "sort-reverse")
}
func (p *nodesPane) CopyValue() (string, bool) {
	r, ok := p.list.Tbl.Selected()
	return r.Key, ok
}
