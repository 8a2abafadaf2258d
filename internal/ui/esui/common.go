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
	"github.com/opsconsole/opsconsole/internal/ui/pane"
	"github.com/opsconsole/opsconsole/internal/ui/style"
	"github.com/opsconsole/opsconsole/internal/ui/table"
	"github.com/opsconsole/opsconsole/internal/ui/units"
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
	if c.Backends.ES != nil {
		return c.Backends.ES, nil
	}
	s := c.Backends.Status(fleet.Elasticsearch)
	if s.State == fleet.Failed {
		return nil, fmt.Errorf("Elasticsearch is unavailable: %s", s.Summary())
	}
	return nil, fmt.Errorf("Elasticsearch is not configured for target %s: %s", c.Target.DisplayName(), s.Hint)
}

// unavailable is an ES pane's view without a client.
func unavailable(c *pane.Context, width, height int) string {
	s := c.Backends.Status(fleet.Elasticsearch)
	if s.State == fleet.Failed {
		return pane.StatusView(c.Styles, width, height, style.Crit, "!! Elasticsearch: "+pane.OneLine(s.Summary()),
			"fix the settings and press r, or pick another target with :ctx")
	}
	return pane.StatusView(c.Styles, width, height, style.Warn,
		"! Elasticsearch is not configured for target "+pane.OneLine(c.Target.DisplayName()), s.Hint)
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
