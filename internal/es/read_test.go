package es_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/opsconsole/opsconsole/internal/es"
	"github.com/opsconsole/opsconsole/internal/sim/essim"
)

func TestClusterSummary(t *testing.T) {
	e := newEnv(t)
	cs, err := e.c.Cluster(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if cs.Name != essim.DemoClusterName || cs.Status != "yellow" || cs.Nodes != 9 || cs.DataNodes != 9 || cs.UnassignedShards != 1 {
		t.Fatalf("summary = %+v", cs)
	}
	if cs.ActiveShardsPercent <= 90 || cs.ActiveShardsPercent >= 100 {
		t.Fatalf("active shards percent = %v", cs.ActiveShardsPercent)
	}
}

func TestNodes(t *testing.T) {
	e := newEnv(t)
	v, err := e.c.Nodes(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Nodes) != 9 || len(v.Warnings) != 0 {
		t.Fatalf("nodes = %d, warnings %v", len(v.Nodes), v.Warnings)
	}
	if v.Watermarks.High.UsedPercent != 90 || v.Watermarks.Low.Raw != "85%" || v.Watermarks.Flood.UsedPercent != 95 {
		t.Fatalf("watermarks = %+v", v.Watermarks)
	}
	hot, _ := v.NodeByName(essim.DemoHotDiskNode)
	if hot.Disk != es.DiskHigh || !strings.Contains(hot.DiskSummary(), "91.2%") {
		t.Fatalf("%s disk = %v (%s)", hot.Name, hot.Disk, hot.DiskSummary())
	}
	master, _ := v.NodeByName(essim.DemoHeapNode)
	if !master.Master || !master.HeapHigh || master.IP != "10.199.1.249" {
		t.Fatalf("%s = %+v", master.Name, master)
	}
	for _, n := range v.Nodes {
		if n.Name != essim.DemoHotDiskNode && n.Disk != es.DiskOK {
			t.Errorf("%s disk %v, want ok", n.Name, n.Disk)
		}
		if !n.Shards.OK || n.Shards.V == 0 || !n.DiskIndices.OK {
			t.Errorf("%s allocation not merged: %+v", n.Name, n)
		}
		if !slices.Contains(n.Roles, "data_hot") || !slices.Contains(n.Roles, "remote_cluster_client") || len(n.Roles) != 11 {
			t.Errorf("%s roles = %v", n.Name, n.Roles)
		}
	}
	if v.UnassignedShards != 1 || v.DataNodes() != 9 {
		t.Fatalf("unassigned %d, data nodes %d", v.UnassignedShards, v.DataNodes())
	}
}

func TestDecodeRoles(t *testing.T) {
	got := es.DecodeRoles("cdfhilmrstvw")
	want := []string{"data_cold", "data", "data_frozen", "data_hot", "ingest", "ml", "master", "remote_cluster_client",
		"data_content", "transform", "voting_only", "data_warm"}
	if !slices.Equal(got, want) {
		t.Fatalf("DecodeRoles = %v", got)
	}
	if r := es.DecodeRoles("-"); !slices.Equal(r, []string{"coordinating_only"}) {
		t.Fatalf("coordinating = %v", r)
	}
	if r := es.DecodeRoles("mx"); !slices.Equal(r, []string{"master", "?x"}) {
		t.Fatalf("unknown letter = %v", r)
	}
	if es.HoldsData("mr") || !es.HoldsData("ms") {
		t.Fatal("HoldsData wrong")
	}
}

func TestNodesWithNullsAndAbsoluteWatermark(t *testing.T) {
	e := newEnv(t)
	e.sim.SetNodeNulls("default-0", "load_5m", "load_15m", "heap.percent", "disk.total", "disk.used", "disk.used_percent")
	// An absolute watermark means "keep this much free": 1tb disks with
	// 150gb free required put data-2 (72% used, ~287gb free) under it.
	simCall(t, e.sim, "PUT", "/_cluster/settings", `{"persistent":{"cluster.routing.allocation.disk.watermark.low":"300gb","cluster.routing.allocation.disk.watermark.high":"150gb","cluster.routing.allocation.disk.watermark.flood_stage":"50gb"}}`)
	v, err := e.c.Nodes(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	n, _ := v.NodeByName("default-0")
	if n.Load5.OK || n.Load15.OK || n.HeapPercent.OK || !n.Load1.OK || n.HeapHigh {
		t.Fatalf("nulls not kept absent: %+v", n)
	}
	// Disk falls back to _cat/allocation when _cat/nodes has none.
	if !n.DiskTotal.OK || !n.DiskUsed.OK {
		t.Fatalf("disk not filled from allocation: %+v", n)
	}
	if !v.Watermarks.High.IsAbsolute() || v.Watermarks.High.FreeBytes != 150<<30 {
		t.Fatalf("high = %+v", v.Watermarks.High)
	}
	d2, _ := v.NodeByName("data-2")
	if d2.Disk != es.DiskLow {
		t.Fatalf("data-2 with 300gb low watermark = %v (%s)", d2.Disk, d2.DiskSummary())
	}
}

func TestSnapshotDemoFacts(t *testing.T) {
	e := newEnv(t)
	snap := mustSnapshot(t, e)
	if len(snap.Warnings) > 0 {
		t.Fatalf("warnings: %v", snap.Warnings)
	}
	if len(snap.Indices) < 30 {
		t.Fatalf("only %d indices", len(snap.Indices))
	}

	fb := mustIndex(t, snap, essim.DemoUnmanagedIndex)
	if !fb.Has(es.ProblemNoLifecycle) || !fb.Has(es.ProblemOversizedShard) || fb.Lifecycle() != "unmanaged" {
		t.Fatalf("%s problems = %v", fb.Name, fb.Problems)
	}
	if fb.LargestPrimary.V <= es.DefaultMaxShardSize || fb.OversizedShards != 1 || fb.Primaries != 1 || fb.Replicas != 1 {
		t.Fatalf("%s sizes: %+v", fb.Name, fb)
	}

	m := mustIndex(t, snap, essim.DemoManagedIndex)
	if m.ILM.Policy != essim.DemoPolicy || !m.ILM.Managed || m.WriteAlias != essim.DemoWriteAlias || len(m.Problems) != 0 {
		t.Fatalf("%s = %+v", m.Name, m)
	}
	if m.ILM.Position() != "hot / rollover / check-rollover-ready" || m.RolloverAlias != essim.DemoWriteAlias {
		t.Fatalf("%s ILM = %s, alias %s", m.Name, m.ILM.Position(), m.RolloverAlias)
	}

	errIx := mustIndex(t, snap, essim.DemoILMErrorIndex)
	if !errIx.ILM.InError() || !errIx.Has(es.ProblemILMError) || errIx.ILM.FailedStep != "check-rollover-ready" ||
		!strings.Contains(errIx.ILM.ErrorText(), "index.lifecycle.rollover_alias") {
		t.Fatalf("%s ILM = %+v", errIx.Name, errIx.ILM)
	}

	ro := mustIndex(t, snap, essim.DemoReadOnlyIndex)
	if !ro.ReadOnlyAllowDelete || !ro.Has(es.ProblemReadOnly) || !slices.Equal(ro.Blocks, []string{"read_only_allow_delete"}) {
		t.Fatalf("%s = %+v", ro.Name, ro)
	}

	geo := mustIndex(t, snap, essim.DemoUnassignedIndex)
	if geo.Health != "yellow" || geo.Replicas != 3 {
		t.Fatalf("%s health %s replicas %d", geo.Name, geo.Health, geo.Replicas)
	}

	ds, ok := snap.DataStream(essim.DemoDataStream)
	if !ok || len(ds.Indices) != 3 || ds.ILMPolicy != "logs" || ds.WriteIndex != ds.Indices[2] {
		t.Fatalf("data stream = %+v", ds)
	}
	backing := mustIndex(t, snap, ds.WriteIndex)
	if backing.DataStream != essim.DemoDataStream || backing.Has(es.ProblemNoLifecycle) || !backing.Hidden {
		t.Fatalf("backing index = %+v", backing)
	}

	al, ok := snap.Alias(essim.DemoAuditAlias)
	if !ok || al.WriteIndex != "audit-000002" || !al.ExplicitWrite || len(al.Indices) != 2 {
		t.Fatalf("audit alias = %+v", al)
	}
	// A single-index alias without is_write_index is a read alias: not a
	// reason to flag an index.
	if cat := mustIndex(t, snap, "search-catalog"); cat.Has(es.ProblemNoLifecycle) || cat.WriteAlias != "catalog" {
		t.Fatalf("search-catalog = %+v", cat)
	}
	// Small static indices that merely look like time series are not flagged.
	for _, name := range []string{"winlogbeat-8.12.0", "app-events-2025.10", "products", ".monitoring-es-7-2025.11.03"} {
		if ix := mustIndex(t, snap, name); len(ix.Problems) != 0 {
			t.Errorf("%s flagged: %v", name, ix.Problems)
		}
	}
	// One parallel round of six requests.
	if n := e.rec.Count(); n != 6 {
		t.Fatalf("snapshot sent %d requests, want 6", n)
	}
}

func TestSnapshotRequestsAskForExactSizes(t *testing.T) {
	e := newEnv(t)
	mustSnapshot(t, e)
	for _, r := range e.rec.Requests() {
		q, _ := url.ParseQuery(r.Query)
		if strings.HasPrefix(r.Path, "/_cat/") {
			if q.Get("format") != "json" || q.Get("h") == "" {
				t.Errorf("%s?%s lacks format=json or h=", r.Path, r.Query)
			}
			if r.Path != "/_cat/aliases" && q.Get("bytes") != "b" {
				t.Errorf("%s?%s lacks bytes=b", r.Path, r.Query)
			}
		}
	}
}

func TestSnapshotGrowingUnmanagedIndexIsFlagged(t *testing.T) {
	e := newEnv(t)
	simCall(t, e.sim, "PUT", "/fresh-orders", `{"settings":{"number_of_shards":1,"number_of_replicas":0}}`)
	first := mustSnapshot(t, e)
	if mustIndex(t, first, "fresh-orders").Has(es.ProblemNoLifecycle) {
		t.Fatal("a new empty index is flagged before it grows")
	}
	// The demo's unmanaged index keeps being written: between two refreshes
	// its doc count grows, which is reason enough to flag it.
	e.clock.Advance(5 * time.Minute)
	second := mustSnapshot(t, e)
	fb := mustIndex(t, second, essim.DemoUnmanagedIndex)
	if fb.DocsGrowth <= 0 || !strings.Contains(fb.Problems[0].Text, "grew by") {
		t.Fatalf("growth not seen: %d %v", fb.DocsGrowth, fb.Problems)
	}
	if m := mustIndex(t, second, essim.DemoManagedIndex); m.DocsGrowth <= 0 || m.Has(es.ProblemNoLifecycle) {
		t.Fatalf("managed write index: growth %d problems %v", m.DocsGrowth, m.Problems)
	}
}

func TestShardsSortedAndFlagged(t *testing.T) {
	e := newEnv(t)
	shards, err := e.c.Shards(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if shards[0].Index != essim.DemoUnmanagedIndex || !shards[0].Oversized || !shards[0].Primary {
		t.Fatalf("largest shard = %+v", shards[0])
	}
	var unassigned []es.ShardCopy
	for i, s := range shards {
		if i > 0 && s.Store.OK && shards[i-1].Store.OK && s.Store.V > shards[i-1].Store.V {
			t.Fatalf("not sorted by store desc at %d", i)
		}
		if s.Oversized && s.Index != essim.DemoUnmanagedIndex {
			t.Errorf("unexpected oversized %+v", s)
		}
		if s.Unassigned() {
			unassigned = append(unassigned, s)
		}
	}
	snap := mustSnapshot(t, e)
	if geo := snap.ShardsOf(essim.DemoUnassignedIndex); len(geo) != 4 {
		t.Fatalf("ShardsOf(%s) = %d copies, want 4", essim.DemoUnassignedIndex, len(geo))
	}
	if len(unassigned) != 1 || unassigned[0].Index != essim.DemoUnassignedIndex || unassigned[0].UnassignedReason != "REPLICA_ADDED" ||
		unassigned[0].Node != "" || unassigned[0].Store.OK {
		t.Fatalf("unassigned = %+v", unassigned)
	}
}

func TestMaxShardSizeIsConfigurable(t *testing.T) {
	e := newEnv(t, func(c *es.Config) { c.MaxShardSize = 20 << 30 })
	snap := mustSnapshot(t, e)
	if !mustIndex(t, snap, essim.DemoManagedIndex).Has(es.ProblemOversizedShard) {
		t.Fatal("21.7gb primary not flagged with a 20gb limit")
	}
}

func TestExplainAllocationDemo(t *testing.T) {
	e := newEnv(t)
	for _, ref := range []es.ShardRef{{}, {Index: essim.DemoUnassignedIndex, Shard: 0, Primary: false}} {
		ex, err := e.c.ExplainAllocation(ctx(t), ref)
		if err != nil {
			t.Fatal(err)
		}
		if ex.Index != essim.DemoUnassignedIndex || ex.Decision != "no" || ex.UnassignedReason != "REPLICA_ADDED" {
			t.Fatalf("explanation = %+v", ex)
		}
		joined := strings.Join(ex.Details, "\n")
		for _, want := range []string{"same_shard on data-0, data-1, data-2", "filter on default-0", "disk_threshold on data-1"} {
			if !strings.Contains(joined, want) {
				t.Errorf("details lack %q:\n%s", want, joined)
			}
		}
		if !strings.Contains(strings.Join(ex.Advice, "\n"), ":replicas INDEX N") || !strings.Contains(ex.Why, "replica was added") {
			t.Errorf("advice %v why %q", ex.Advice, ex.Why)
		}
	}
	// An assigned shard on the full node must move but cannot.
	ex, err := e.c.ExplainAllocation(ctx(t), es.ShardRef{Index: essim.DemoReadOnlyIndex, Shard: 0, Primary: true})
	if err != nil {
		t.Fatal(err)
	}
	if ex.Node != essim.DemoHotDiskNode || !strings.Contains(ex.Summary, "must move off") || !strings.Contains(strings.Join(ex.Details, " "), "disk_threshold") {
		t.Fatalf("started shard explanation = %+v", ex)
	}
}

func TestExplainAllocationNothingUnassigned(t *testing.T) {
	e := newEnv(t)
	simCall(t, e.sim, "PUT", "/geo-lookup/_settings", `{"index":{"number_of_replicas":2}}`)
	_, err := e.c.ExplainAllocation(ctx(t), es.ShardRef{})
	if err == nil || !strings.Contains(err.Error(), "no unassigned shards") {
		t.Fatalf("err = %v", err)
	}
}

func TestILMOverview(t *testing.T) {
	e := newEnv(t)
	ov, err := e.c.ILM(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	var fb *es.PolicyUse
	for i := range ov.Policies {
		if ov.Policies[i].Name == essim.DemoPolicy {
			fb = &ov.Policies[i]
		}
	}
	if fb == nil || !slices.Equal(fb.ManagedIndices, []string{essim.DemoManagedIndex}) || !slices.Equal(fb.TemplateNames, []string{essim.DemoTemplate}) {
		t.Fatalf("functionbeat policy use = %+v", fb)
	}
	if fb.Summary() != "hot: rollover (max_age 30d, max_primary_shard_size 50gb) -> delete after 90d: delete (delete_searchable_snapshot true)" {
		t.Fatalf("summary = %q", fb.Summary())
	}
	if !fb.HasRollover() || len(fb.Phases) != 2 || fb.Phases[0].Name != "hot" {
		t.Fatalf("phases = %+v", fb.Phases)
	}
	if len(ov.Errors) != 1 || ov.Errors[0].Index != essim.DemoILMErrorIndex {
		t.Fatalf("errors = %+v", ov.Errors)
	}
	var logsTemplate *es.Template
	for i := range ov.Templates {
		if ov.Templates[i].Name == "logs" {
			logsTemplate = &ov.Templates[i]
		}
	}
	if logsTemplate == nil || !logsTemplate.DataStream || logsTemplate.Priority != 100 || !logsTemplate.Matches("logs-a-b") || logsTemplate.Matches("logs-a") {
		t.Fatalf("logs template = %+v", logsTemplate)
	}
}

func TestILMAdvancesWithTheClock(t *testing.T) {
	e := newEnv(t)
	// The error index retries on every poll and fails again: the count grows.
	before, err := e.c.ILMExplain(ctx(t), essim.DemoILMErrorIndex)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(3 * time.Minute)
	after, err := e.c.ILMExplain(ctx(t), essim.DemoILMErrorIndex)
	if err != nil {
		t.Fatal(err)
	}
	if !after.InError() || after.RetryCount <= before.RetryCount || !after.AutoRetryable {
		t.Fatalf("before %+v after %+v", before, after)
	}
}

func TestSnapshotDegradesWithoutILMPrivilege(t *testing.T) {
	e := newEnv(t)
	e.sim.Deny(essim.Denial{Action: "indices:admin/ilm/explain", Kind: "index", Privileges: []string{"view_index_metadata", "manage_ilm", "manage", "all"}})
	snap := mustSnapshot(t, e)
	if len(snap.Warnings) != 1 || !strings.Contains(snap.Warnings[0], "ILM state unavailable") || !strings.Contains(snap.Warnings[0], "index privilege view_index_metadata") {
		t.Fatalf("warnings = %v", snap.Warnings)
	}
	if len(snap.Indices) < 30 || !mustIndex(t, snap, essim.DemoReadOnlyIndex).ReadOnlyAllowDelete {
		t.Fatal("the rest of the snapshot is missing")
	}
	// Without the ILM answer nothing is wrongly reported as an ILM error,
	// and the lifecycle setting still tells managed indices apart.
	if mustIndex(t, snap, essim.DemoILMErrorIndex).Has(es.ProblemILMError) {
		t.Fatal("ILM error invented")
	}
	if m := mustIndex(t, snap, essim.DemoManagedIndex); m.Has(es.ProblemNoLifecycle) || m.Lifecycle() != essim.DemoPolicy {
		t.Fatalf("managed index judged unmanaged: %+v", m)
	}
	if !mustIndex(t, snap, essim.DemoUnmanagedIndex).Has(es.ProblemNoLifecycle) {
		t.Fatal("unmanaged index no longer flagged")
	}
}
