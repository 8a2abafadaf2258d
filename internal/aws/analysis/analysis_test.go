package analysis

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/opsconsole/opsconsole/internal/units"
)

// layout builds shards from uniform ranges: ids shard-0..n-1, all open.
func layout(n int) []Shard {
	out := make([]Shard, n)
	for i, r := range UniformRanges(n) {
		out[i] = Shard{ID: fmt.Sprintf("shardId-%012d", i), Range: r, StartingSequence: "1"}
	}
	return out
}

// split closes parent (index i in shards) and appends its two children.
func split(shards []Shard, i int, next *int) []Shard {
	p := &shards[i]
	m, _ := p.Range.Midpoint()
	p.EndingSequence = "99"
	a := Shard{ID: fmt.Sprintf("shardId-%012d", *next), ParentID: p.ID, Range: HashRange{Start: p.Range.Start, End: m.Dec()}}
	b := Shard{ID: fmt.Sprintf("shardId-%012d", *next+1), ParentID: p.ID, Range: HashRange{Start: m, End: p.Range.End}}
	*next += 2
	return append(shards, a, b)
}

func TestLineagePutsChildrenUnderParents(t *testing.T) {
	shards := layout(2)
	next := 2
	shards = split(shards, 1, &next) // 1 -> 2, 3
	// merge 0 and 2 -> 4
	shards[0].EndingSequence, shards[2].EndingSequence = "50", "60"
	shards = append(shards, Shard{ID: "shardId-000000000004", ParentID: shards[2].ID, AdjacentParentID: shards[0].ID,
		Range: HashRange{Start: shards[0].Range.Start, End: shards[2].Range.End}})
	// An orphan whose parent has expired is a root.
	shards = append(shards, Shard{ID: "shardId-000000000009", ParentID: "shardId-gone", Range: HashRange{Start: MaxHashKey, End: MaxHashKey}})

	rows := Lineage(shards)
	var got []string
	for _, r := range rows {
		line := strings.Repeat("  ", r.Depth) + r.Shard.ID[len(r.Shard.ID)-1:]
		if r.AlsoChildOf != "" {
			line += "+" + r.AlsoChildOf[len(r.AlsoChildOf)-1:]
		}
		got = append(got, line)
	}
	want := []string{"0", "1", "  2", "    4+0", "  3", "9"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("lineage\n got %q\nwant %q", got, want)
	}
}

func TestLineageNeverLosesOrRepeatsAShard(t *testing.T) {
	// A corrupt listing: a two-shard cycle and a self-parent.
	shards := []Shard{
		{ID: "a", ParentID: "b"}, {ID: "b", ParentID: "a"}, {ID: "c", ParentID: "c"}, {ID: "d"},
	}
	rows := Lineage(shards)
	seen := map[string]int{}
	for _, r := range rows {
		seen[r.Shard.ID]++
	}
	if len(rows) != 4 || seen["a"] != 1 || seen["b"] != 1 || seen["c"] != 1 || seen["d"] != 1 {
		t.Errorf("rows %v", seen)
	}
}

func TestHeatFlagsHotAndColdShards(t *testing.T) {
	shards := layout(4)
	rates := map[string]ShardRates{
		shards[0].ID: {IncomingBytes: 0.20 * MiB, IncomingRecords: 150},
		shards[1].ID: {IncomingBytes: 0.99 * MiB, IncomingRecords: 700, WriteThrottled: 12},
		shards[2].ID: {IncomingBytes: 0.18 * MiB, IncomingRecords: 140},
		shards[3].ID: {IncomingBytes: 0.02 * MiB, IncomingRecords: 10},
	}
	heat := AssessHeat(shards, rates)
	if h := heat[shards[1].ID]; h.Level != HeatHot || !strings.Contains(h.Reason, "takes 71% of writes on 25% of keys") ||
		!strings.Contains(h.Reason, "12 writes throttled") || !strings.Contains(h.Reason, "99% of the 1 MiB/s write limit") {
		t.Errorf("hot shard: %+v", h)
	}
	if h := heat[shards[3].ID]; h.Level != HeatCold || !strings.Contains(h.Reason, "merge candidate") {
		t.Errorf("cold shard: %+v", h)
	}
	if h := heat[shards[0].ID]; h.Level != HeatNormal {
		t.Errorf("fair shard: %+v", h)
	}
	id, h, ok := HottestShard(heat)
	if !ok || id != shards[1].ID || h.Level != HeatHot {
		t.Errorf("hottest %s %+v", id, h)
	}

	// Throttling alone makes a shard hot, skew alone makes it warm.
	rates = map[string]ShardRates{
		shards[0].ID: {IncomingBytes: 1000, IncomingRecords: 1, WriteThrottled: 1},
		shards[1].ID: {IncomingBytes: 4000, IncomingRecords: 4},
		shards[2].ID: {IncomingBytes: 1000, IncomingRecords: 1},
		shards[3].ID: {IncomingBytes: 1000, IncomingRecords: 1},
	}
	heat = AssessHeat(shards, rates)
	if heat[shards[0].ID].Level != HeatHot {
		t.Errorf("throttled shard %+v", heat[shards[0].ID])
	}
	if heat[shards[1].ID].Level != HeatWarm {
		t.Errorf("skewed shard %+v", heat[shards[1].ID])
	}
	// Records limit counts too: 900 small records/s is 90% of 1,000.
	heat = AssessHeat(shards[:1], map[string]ShardRates{shards[0].ID: {IncomingBytes: 900 * 50, IncomingRecords: 900}})
	if h := heat[shards[0].ID]; h.Level != HeatHot || h.Limit != "1,000 records/s write limit" {
		t.Errorf("records-bound shard %+v", h)
	}
	// Read side: 1.8 MiB/s out of 2.
	heat = AssessHeat(shards[:1], map[string]ShardRates{shards[0].ID: {IncomingBytes: 1, IncomingRecords: 1, OutgoingBytes: 1.8 * MiB}})
	if h := heat[shards[0].ID]; h.Level != HeatHot || h.Limit != "2 MiB/s read limit" {
		t.Errorf("read-bound shard %+v", h)
	}
}

func TestHeatUnknownWithoutMetricsAndIdleStreams(t *testing.T) {
	shards := layout(2)
	heat := AssessHeat(shards, map[string]ShardRates{shards[0].ID: {}})
	if heat[shards[1].ID].Level != HeatUnknown {
		t.Errorf("shard without metrics: %+v", heat[shards[1].ID])
	}
	if h := heat[shards[0].ID]; h.Level != HeatCold || !strings.Contains(h.Reason, "idle") {
		t.Errorf("idle shard %+v", h)
	}
	closed := layout(1)
	closed[0].EndingSequence = "5"
	if len(AssessHeat(closed, map[string]ShardRates{closed[0].ID: {IncomingBytes: MiB}})) != 0 {
		t.Error("a closed shard was rated")
	}
	if _, _, ok := HottestShard(AssessHeat(shards, nil)); ok {
		t.Error("hottest shard without any metrics")
	}
}

func TestKeyspaceMapCoverageAndWidths(t *testing.T) {
	shards := layout(4)
	m := BuildKeyspaceMap(shards, map[string]Heat{shards[1].ID: {Level: HeatHot}})
	if !m.Complete || len(m.Segments) != 4 || m.Segments[1].Heat != HeatHot || m.Segments[1].Share != 0.25 {
		t.Errorf("map %+v", m)
	}
	if w := m.Widths(40); fmt.Sprint(w) != "[10 10 10 10]" {
		t.Errorf("widths %v", w)
	}
	// A missing shard leaves a gap; a parent still open beside its children overlaps.
	if m := BuildKeyspaceMap(shards[:3], nil); m.Complete || m.Gaps != 1 {
		t.Errorf("gap not found: %+v", m)
	}
	if m := BuildKeyspaceMap(append(layout(4)[:1], layout(4)...), nil); m.Complete || m.Overlaps == 0 {
		t.Errorf("overlap not found: %+v", m)
	}
	if m := BuildKeyspaceMap(layout(4)[1:], nil); m.Complete || m.Gaps != 1 {
		t.Errorf("gap at key 0 not found: %+v", m)
	}
	// Uneven shares: a tiny shard still gets a cell and widths add up.
	next := 4
	many := layout(2)
	for range 6 {
		many = split(many, len(many)-1, &next)
	}
	km := BuildKeyspaceMap(many, nil)
	if !km.Complete {
		t.Fatalf("split chain not complete: %+v", km)
	}
	w := km.Widths(30)
	sum := 0
	for _, c := range w {
		if c < 1 {
			t.Errorf("a segment got no cell: %v", w)
		}
		sum += c
	}
	if sum != 30 || w[0] < 12 {
		t.Errorf("widths %v (sum %d)", w, sum)
	}
	if w := km.Widths(3); len(w) != 8 {
		t.Errorf("narrow widths %v", w)
	}
}

func TestLagBacklogRetentionAndTimeToLoss(t *testing.T) {
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	var trend []AgePoint
	for i := range 60 { // age grows 0.5 s per second over the last hour
		trend = append(trend, AgePoint{Time: now.Add(time.Duration(i-59) * time.Minute),
			Age: 19*time.Hour + 30*time.Minute + time.Duration(i-59)*30*time.Second})
	}
	l := AssessLag(LagInput{IteratorAge: 19*time.Hour + 30*time.Minute, IncomingRecordsPerSec: 100,
		IncomingBytesPerSec: 1000, Retention: 24 * time.Hour, Trend: trend})
	if l.Level != LagAlarm || math.Abs(l.Growth-0.5) > 1e-9 || !l.LossKnown {
		t.Fatalf("lag %+v", l)
	}
	// 4.5 h of retention left at 0.5 s/s = 9 h.
	if l.TimeToLoss != 9*time.Hour || !strings.Contains(l.Message, "data will be lost in ~9 h") {
		t.Errorf("time to loss %v, message %q", l.TimeToLoss, l.Message)
	}
	if l.BacklogRecords != 70200*100 || l.BacklogBytes != 70200*1000 {
		t.Errorf("backlog %v %v", l.BacklogRecords, l.BacklogBytes)
	}

	for _, c := range []struct {
		age  time.Duration
		want LagLevel
	}{{12 * time.Hour, LagOK}, {12*time.Hour + time.Second, LagWarning}, {time.Duration(0.8 * 24 * float64(time.Hour)), LagWarning},
		{time.Duration(0.8*24*float64(time.Hour)) + time.Second, LagAlarm}} {
		if got := AssessLag(LagInput{IteratorAge: c.age, Retention: 24 * time.Hour}).Level; got != c.want {
			t.Errorf("age %v: level %v, want %v", c.age, got, c.want)
		}
	}
	stalled := AssessLag(LagInput{IteratorAge: 22 * time.Hour, Retention: 24 * time.Hour})
	if stalled.LossKnown || !strings.Contains(stalled.Message, "if consumers have stalled, data will be lost in ~2 h") {
		t.Errorf("no trend: %+v", stalled)
	}
	lost := AssessLag(LagInput{IteratorAge: 25 * time.Hour, Retention: 24 * time.Hour})
	if !lost.LossKnown || lost.TimeToLoss != 0 || !strings.Contains(lost.Message, "expiring unread now") {
		t.Errorf("past retention: %+v", lost)
	}
	recovering := AssessLag(LagInput{IteratorAge: 20 * time.Hour, Retention: 24 * time.Hour, Trend: []AgePoint{
		{now, 21 * time.Hour}, {now.Add(time.Hour), 20 * time.Hour}}})
	if recovering.LossKnown || recovering.Growth >= 0 || !strings.Contains(recovering.Message, "not growing") {
		t.Errorf("catching up: %+v", recovering)
	}
	if AssessLag(LagInput{Retention: time.Hour}).Message != "consumers are caught up" {
		t.Error("caught-up message")
	}
}

func TestReshardBoundsAndSuggestion(t *testing.T) {
	for _, c := range []struct{ cur, lo, hi int }{{1, 1, 2}, {4, 2, 8}, {5, 3, 10}, {6000, 3000, 10000}} {
		if lo, hi := ReshardBounds(c.cur); lo != c.lo || hi != c.hi {
			t.Errorf("bounds(%d) = %d..%d, want %d..%d", c.cur, lo, hi, c.lo, c.hi)
		}
	}
	s := SuggestShardCount(4, Peak{InBytesPerSec: 3.7 * MiB, InRecordsPerSec: 2900}, DefaultHeadroom)
	if s.Needed != 5 || s.Target != 5 || s.Clamped {
		t.Errorf("suggestion %+v", s)
	}
	s = SuggestShardCount(4, Peak{InBytesPerSec: 0.1 * MiB, InRecordsPerSec: 9000}, DefaultHeadroom)
	if s.Needed != 11 || s.Target != 8 || !s.Clamped || !strings.Contains(s.Reason, "again once the stream is ACTIVE") {
		t.Errorf("records-bound clamped suggestion %+v", s)
	}
	s = SuggestShardCount(8, Peak{InBytesPerSec: 100}, DefaultHeadroom)
	if s.Needed != 1 || s.Target != 4 || !s.Clamped {
		t.Errorf("scale-down suggestion %+v", s)
	}
	s = SuggestShardCount(2, Peak{OutBytesPerSec: 5 * MiB}, 0)
	if s.Needed != 3 {
		t.Errorf("read-bound suggestion %+v", s)
	}
}

func TestRetentionLoss(t *testing.T) {
	l := EstimateRetentionLoss(168, 24, 1000, 10)
	if l.Span != 144*time.Hour || l.Bytes != 144*3600*1000 || l.Records != 144*3600*10 || !l.RatesKnown {
		t.Errorf("loss %+v", l)
	}
	if l := EstimateRetentionLoss(48, 24, -1, -1); l.RatesKnown || l.Span != 24*time.Hour {
		t.Errorf("unknown rates %+v", l)
	}
	if l := EstimateRetentionLoss(24, 48, 1, 1); l.Span != 0 {
		t.Errorf("increase %+v", l)
	}
}

func TestFormatting(t *testing.T) {
	for in, want := range map[float64]string{0: "0 B", 1023: "1023 B", 1536: "1.5 KiB", 3.7 * MiB: "3.7 MiB", 1 << 30: "1 GiB"} {
		if got := units.Bytes(in); got != want {
			t.Errorf("units.Bytes(%v) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[float64]string{999: "999", 920000: "920k", 1.25e6: "1.2M", 3e9: "3G"} {
		if got := units.Count(in); got != want {
			t.Errorf("units.Count(%v) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[time.Duration]string{41 * time.Minute: "41m", 150 * time.Minute: "2.5 h", 24 * time.Hour: "24 h", 168 * time.Hour: "7 d"} {
		if got := FormatDuration(in); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", in, got, want)
		}
	}
}
