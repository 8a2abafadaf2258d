// Package esui holds the Elasticsearch panes (:nodes, :indices,
// :es-shards, :ilm) and the Elasticsearch command-mode verbs.
package esui

import (
	"context"
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/opsconsole/opsconsole/internal/es"
	"github.com/opsconsole/opsconsole/internal/fleet"
	"github.com/opsconsole/opsconsole/internal/ui/listview"
	"github.com/opsconsole/opsconsole/internal/ui/pane"
	"github.com/opsconsole/opsconsole/internal/ui/style"
	"github.com/opsconsole/opsconsole/internal/ui/table"
	"github.com/opsconsole/opsconsole/internal/units"
)

// Specs registers the Elasticsearch panes in tab order.
func Specs() []pane.Spec {
	return []pane.Spec{
		{ID: "nodes", Title: "Nodes", Tab: true, New: newNodes},
		{ID: "indices", Title: "Indices", Tab: true, New: newIndices},
		{ID: "es-shards", Title: "ES-Shards", Tab: true, New: newShards},
		{ID: "ilm", Title: "ILM", Tab: true, New: newILM},
	}
}

// client returns the target's Elasticsearch client or says why there is
// none.
func client(c *pane.Context) (*es.Client, error) {
	if c.Backends.ES == nil {
		return nil, pane.Unavailable(c, fleet.Elasticsearch)
	}
	return c.Backends.ES, nil
}

// clusterMsg carries the cluster summary every ES pane shows on top.
type clusterMsg struct {
	summary es.ClusterSummary
	err     error
}

// loadCluster reads _cluster/health for the pane's first line.
func loadCluster(ctx context.Context, c *es.Client) tea.Cmd {
	return func() tea.Msg {
		s, err := c.Cluster(ctx)
		return clusterMsg{summary: s, err: err}
	}
}

// clusterLine: "logging  ● yellow  9 nodes (6 data)  1 unassigned  0 pending tasks".
func clusterLine(st *style.Styles, s es.ClusterSummary, err error) string {
	if err != nil {
		return st.Tone(style.Crit, " !! cluster health: "+pane.OneLine(err.Error()))
	}
	if s.Name == "" {
		return st.Tone(style.Muted, " cluster: loading…")
	}
	parts := []string{" " + pane.OneLine(s.Name), healthText(st, s.Status),
		fmt.Sprintf("%d nodes (%d data)", s.Nodes, s.DataNodes)}
	un := fmt.Sprintf("%d unassigned", s.UnassignedShards)
	if s.UnassignedShards > 0 {
		un = st.Tone(style.Warn, "! "+un)
	}
	parts = append(parts, un, fmt.Sprintf("%d relocating, %d initializing", s.RelocatingShards, s.InitializingShards))
	pt := fmt.Sprintf("%d pending tasks", s.PendingTasks)
	if s.PendingTasks > 0 {
		pt = st.Tone(style.Warn, "! "+pt)
	}
	parts = append(parts, pt)
	if s.TimedOut {
		parts = append(parts, st.Tone(style.Crit, "!! health timed out on the master"))
	}
	return strings.Join(parts, "  ")
}

// healthTone: green ok, yellow warn, red crit; the word is always shown.
func healthTone(h string) style.Tone {
	switch h {
	case "green":
		return style.OK
	case "yellow":
		return style.Warn
	case "red":
		return style.Crit
	}
	return style.Muted
}

func healthText(st *style.Styles, h string) string {
	t := healthTone(h)
	text := h
	if m := style.Marker(t); m != "" && t != style.OK {
		text = m + " " + h
	}
	return st.Tone(t, text)
}

func healthCell(h string) table.Cell {
	t := healthTone(h)
	text := h
	if text == "" {
		text = "-"
	}
	if t == style.Warn || t == style.Crit {
		text = style.Marker(t) + " " + text
	}
	return table.Toned(text, t)
}

// sizeCell shows bytes and sorts by them; unknown values are "-".
func sizeCell(v es.Opt[int64]) table.Cell {
	if !v.OK {
		return table.Toned("-", style.Muted)
	}
	return table.Num(units.Bytes(float64(v.V)), float64(v.V))
}

func countCell(v es.Opt[int64]) table.Cell {
	if !v.OK {
		return table.Toned("-", style.Muted)
	}
	return table.Num(units.Count(float64(v.V)), float64(v.V))
}

// base is what every Elasticsearch pane shares: its list, the cluster line
// on top, how it loads, and when it reloads (a due tick, or after any
// Elasticsearch action).
type base struct {
	c       *pane.Context
	list    *listview.List
	cluster es.ClusterSummary
	clErr   error
}

// load starts a load of the pane's data (fetch runs off the UI goroutine)
// and, with withCluster, of the cluster line.
func (b *base) load(withCluster bool, fetch func(context.Context, *es.Client) tea.Msg) tea.Cmd {
	c, err := client(b.c)
	if err != nil || !b.list.Begin() {
		return nil
	}
	ctx := b.c.Ctx
	cmds := []tea.Cmd{func() tea.Msg { return fetch(ctx, c) }}
	if withCluster {
		cmds = append(cmds, loadCluster(ctx, c))
	}
	return tea.Batch(cmds...)
}

// loaded records a load's outcome and reports whether there is new data.
func (b *base) loaded(err error) bool {
	b.list.Done(err)
	return err == nil
}

// common handles the messages every ES pane treats alike; reload is how
// the pane reloads. handled is false for the pane's own messages.
func (b *base) common(msg tea.Msg, reload func() tea.Cmd) (cmd tea.Cmd, handled bool) {
	switch msg := msg.(type) {
	case clusterMsg:
		b.cluster, b.clErr = msg.summary, msg.err
		return nil, true
	case pane.TickMsg:
		if b.list.Due() && b.list.Detail == nil {
			return reload(), true
		}
		return nil, true
	case pane.ActionDoneMsg:
		if msg.Action.Backend() == "elasticsearch" {
			return reload(), true
		}
		return nil, true
	}
	return nil, false
}

func (b *base) SetFilter(f string) { b.list.SetFilter(f) }
func (b *base) Filter() string     { return b.list.Filter() }
func (b *base) Back() bool         { return b.list.Back() }

// plural is "1 index" or "3 indices".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
