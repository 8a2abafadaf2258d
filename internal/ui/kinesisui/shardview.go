// Package kinesisui holds the Kinesis panes: :streams (every stream with
// CloudWatch throughput, throttles, iterator age and lag) and :shards
// (every shard with lineage, keyspace share, heat and the keyspace map),
// and the Kinesis command-mode verbs.
package kinesisui

import (
	"context"
	"strings"
	"time"

	"github.com/opsconsole/opsconsole/internal/aws"
	"github.com/opsconsole/opsconsole/internal/aws/analysis"
	"github.com/opsconsole/opsconsole/internal/ui/style"
)

// shardView is one stream's shards with their metrics and heat: what the
// shards pane lists and what the streams pane's keyspace line draws.
type shardView struct {
	stream  string
	shards  []aws.Shard
	metrics map[string]aws.ShardMetrics // empty when enhanced monitoring is off
	heat    map[string]analysis.Heat
	keymap  analysis.KeyspaceMap
	// metricsErr is kept apart: shards without metrics are still worth
	// showing.
	metricsErr error
}

// heatWindow is how many one-minute periods the heat verdict averages.
const heatWindow = 5

// loadShardView lists the stream's shards and, when shard-level metrics are
// on, their metrics for the last hour.
func loadShardView(ctx context.Context, b *aws.Backend, stream string, monitored bool, now time.Time) (shardView, error) {
	v := shardView{stream: stream}
	shards, err := b.ListShards(ctx, stream)
	if err != nil {
		return v, err
	}
	v.shards = shards
	rates := map[string]analysis.ShardRates{}
	if monitored {
		var ids []string
		for _, s := range analysis.OpenShards(shards) {
			ids = append(ids, s.ID)
		}
		m, err := b.ShardMetrics(ctx, stream, ids, aws.LastHour(now))
		v.metrics, v.metricsErr = m, err
		for id, sm := range m {
			rates[id] = sm.Rates(heatWindow)
		}
	}
	v.heat = analysis.AssessHeat(shards, rates)
	v.keymap = analysis.BuildKeyspaceMap(shards, v.heat)
	return v, nil
}

// heatTone maps a heat level to a tone; the word itself is always shown too.
func heatTone(l analysis.HeatLevel) style.Tone {
	switch l {
	case analysis.HeatHot:
		return style.Crit
	case analysis.HeatWarm:
		return style.Warn
	case analysis.HeatCold:
		return style.Accent
	case analysis.HeatUnknown:
		return style.Muted
	}
	return style.Normal
}

// heatFill is the keyspace bar's fill per heat level; distinct characters
// keep the map readable without colour.
func heatFill(l analysis.HeatLevel) string {
	switch l {
	case analysis.HeatHot:
		return "X"
	case analysis.HeatWarm:
		return "x"
	case analysis.HeatCold:
		return "."
	case analysis.HeatUnknown:
		return "-"
	}
	return "#"
}

// keyspaceBar draws the open shards' share of the hash range in width
// cells, each coloured and filled by heat, separated by '|'.
func keyspaceBar(st *style.Styles, m analysis.KeyspaceMap, width int) string {
	n := len(m.Segments)
	if n == 0 || width < 2*n+1 {
		return ""
	}
	widths := m.Widths(width - (n - 1) - 2)
	var b strings.Builder
	b.WriteString("[")
	for i, seg := range m.Segments {
		if i > 0 {
			b.WriteString("|")
		}
		b.WriteString(st.Tone(heatTone(seg.Heat), strings.Repeat(heatFill(seg.Heat), widths[i])))
	}
	b.WriteString("]")
	return b.String()
}

// hottestLine is the keyspace line's verdict: which shard takes how much of
// the writes on how much of the keys.
func hottestLine(v shardView) (string, style.Tone) {
	id, h, ok := analysis.HottestShard(v.heat)
	switch {
	case !v.keymap.Complete && len(v.keymap.Segments) > 0:
		return "keyspace not fully covered (reshard in progress?)", style.Warn
	case !ok:
		return "no shard-level metrics: m turns them on", style.Muted
	case h.Level < analysis.HeatWarm:
		return "traffic is spread evenly", style.OK
	}
	return shortShard(id) + ": " + h.Reason, heatTone(h.Level)
}

// shortShard drops the "shardId-" prefix and leading zeros for tight
// columns: shardId-000000000001 -> shard 1.
func shortShard(id string) string {
	n := strings.TrimLeft(strings.TrimPrefix(id, "shardId-"), "0")
	if n == "" {
		n = "0"
	}
	if !strings.HasPrefix(id, "shardId-") {
		return id
	}
	return "shard " + n
}
