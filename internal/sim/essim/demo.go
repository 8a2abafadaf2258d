package essim

import (
	"fmt"
	"time"
)

// Facts of the demo dataset (DESIGN.md §5). Runbooks and UI tests rely on
// them; change them together.
const (
	// DemoClusterName is the cluster's name; it is yellow (one unassigned replica).
	DemoClusterName = "logging"

	// DemoUnmanagedIndex has no ILM policy, is still written to, and its
	// one primary shard is over 50GB (about 63GB and growing).
	DemoUnmanagedIndex = "functionbeat-8.7.1"
	// DemoManagedIndex is the healthy managed series' write index, behind
	// DemoWriteAlias, under DemoPolicy (rollover 30d / 50gb, delete 90d).
	DemoManagedIndex = "functionbeat-000001"
	DemoWriteAlias   = "functionbeat-write"
	DemoPolicy       = "functionbeat"
	// DemoTemplate matches functionbeat-* with DemoPolicy and
	// DemoWriteAlias; it was created after DemoUnmanagedIndex, which is why
	// that index has no policy.
	DemoTemplate = "functionbeat"

	// DemoILMErrorIndex is in ILM ERROR at hot / rollover /
	// check-rollover-ready: its template (metricbeat) set the policy but no
	// rollover alias. Fix: ilm-attach it with --rollover-alias
	// metricbeat-write --indexing-complete, then ilm-retry.
	DemoILMErrorIndex  = "metricbeat-7.17.0"
	DemoILMErrorPolicy = "metricbeat"

	// DemoUnassignedIndex has 3 replicas but must live on data-* nodes
	// (index.routing.allocation.require._name), so its third replica is
	// unassigned (REPLICA_ADDED). Fix: replicas geo-lookup 2.
	DemoUnassignedIndex = "geo-lookup"

	// DemoReadOnlyIndex carries index.blocks.read_only_allow_delete; its
	// shard 0 primary is on DemoHotDiskNode, so clear-read-only is refused
	// until that disk is under the high watermark.
	DemoReadOnlyIndex = "customer-exports"
	// DemoHotDiskNode is at 91.2% disk: over the high watermark (90%).
	DemoHotDiskNode = "data-1"
	// DemoHeapNode is the elected master and runs over 85% heap.
	DemoHeapNode = "monitoring-1"

	// DemoDataStream is a data stream with three backing indices under the
	// built-in-like policy "logs".
	DemoDataStream = "logs-nginx.access-default"
	// DemoAuditAlias is a second healthy rollover series (audit-000001
	// rolled over, audit-000002 is the write index).
	DemoAuditAlias = "audit-write"
)

// NewDemo returns the demo fleet's Elasticsearch cluster.
func NewDemo(opts ...Option) *Server {
	s := New(append([]Option{WithClusterName(DemoClusterName)}, opts...)...)
	addDemoNodes(s)
	s.building = true
	now := s.now()
	day := 24 * time.Hour
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	gb := func(f float64) int64 { return int64(f * (1 << 30)) }
	mb := func(f float64) int64 { return int64(f * (1 << 20)) }

	for name, p := range map[string]any{
		"functionbeat": ilmPolicy("30d", "50gb", "90d"),
		"metricbeat":   ilmPolicy("30d", "50gb", "60d"),
		"audit":        ilmPolicy("30d", "50gb", "90d"),
		"logs":         ilmPolicy("30d", "50gb", ""),
		"metrics":      ilmPolicy("30d", "50gb", ""),
	} {
		s.mustDo("PUT", "/_ilm/policy/"+name, mustJSON(map[string]any{"policy": p}))
	}
	for name, t := range map[string]map[string]any{
		"logs":         templateBody("logs-*-*", 100, "logs", "", true),
		"metrics":      templateBody("metrics-*-*", 100, "metrics", "", true),
		"metricbeat":   templateBody("metricbeat-*", 200, "metricbeat", "", false),
		"audit":        templateBody("audit-*", 200, "audit", "audit-write", false),
		"functionbeat": templateBody("functionbeat-*", 200, "functionbeat", "functionbeat-write", false),
	} {
		s.mustDo("PUT", "/_index_template/"+name, mustJSON(t))
	}

	add := func(spec IndexSpec) *index {
		ix, err := s.addIndex(spec, "")
		if err != nil {
			panic(err)
		}
		return ix
	}
	lifecycle := func(policy, alias string) map[string]string {
		m := map[string]string{"index.lifecycle.name": policy}
		if alias != "" {
			m["index.lifecycle.rollover_alias"] = alias
		}
		return m
	}

	// The seed notes' story: functionbeat-8.7.1 was written before the
	// functionbeat template and rollover alias existed.
	add(IndexSpec{Name: DemoUnmanagedIndex, Primaries: 1, Replicas: 1, Created: ago(142 * day),
		Docs: 181_400_000, PrimaryBytes: gb(63.4), DocsPerSec: 35, Nodes: [][]string{{DemoHotDiskNode, "data-2"}}})
	fb := add(IndexSpec{Name: DemoManagedIndex, Primaries: 1, Replicas: 1, Created: ago(12 * day),
		Docs: 58_200_000, PrimaryBytes: gb(21.7), DocsPerSec: 55, Settings: lifecycle(DemoPolicy, DemoWriteAlias),
		Aliases: map[string]*bool{DemoWriteAlias: boolPtr(true)}})
	s.setILM(fb, "hot", "rollover", "check-rollover-ready", ago(12*day-time.Minute), fb.created)

	mb717 := add(IndexSpec{Name: DemoILMErrorIndex, Primaries: 1, Replicas: 1, Created: ago(41 * day),
		Docs: 24_100_000, PrimaryBytes: gb(8.2), Settings: lifecycle(DemoILMErrorPolicy, "")})
	s.setILM(mb717, "hot", "rollover", "check-rollover-ready", ago(41*day-time.Minute), mb717.created)
	s.ilmError(mb717, "check-rollover-ready", "illegal_argument_exception",
		fmt.Sprintf("setting [index.lifecycle.rollover_alias] for index [%s] is empty or not defined", DemoILMErrorIndex), now)
	mb717.ilm.retryCount = 5760

	geo := add(IndexSpec{Name: DemoUnassignedIndex, Primaries: 1, Replicas: 3, Created: ago(200 * day),
		Docs: 2_400_000, PrimaryBytes: gb(1.1), Settings: map[string]string{"index.routing.allocation.require._name": "data-*"},
		Nodes: [][]string{{"data-0", DemoHotDiskNode, "data-2", ""}}, UnassignedReason: "REPLICA_ADDED"})
	for _, sc := range geo.shards {
		if sc.node == "" {
			sc.at = ago(3 * time.Hour)
		}
	}

	add(IndexSpec{Name: DemoReadOnlyIndex, Primaries: 2, Replicas: 1, Created: ago(300 * day),
		Docs: 14_000_000, PrimaryBytes: gb(9.5), Settings: map[string]string{"index.blocks.read_only_allow_delete": "true"},
		Nodes: [][]string{{DemoHotDiskNode, "data-2"}, {"data-0", "default-1"}}})

	a1 := add(IndexSpec{Name: "audit-000001", Primaries: 1, Replicas: 1, Created: ago(45 * day), Docs: 30_000_000,
		PrimaryBytes: gb(11), Settings: lifecycle("audit", DemoAuditAlias), Aliases: map[string]*bool{DemoAuditAlias: boolPtr(false)}})
	a1.rolledOver[DemoAuditAlias] = true
	a1.settings["index.lifecycle.indexing_complete"] = "true"
	s.setILM(a1, "hot", "complete", "complete", ago(15*day), ago(15*day))
	a2 := add(IndexSpec{Name: "audit-000002", Primaries: 1, Replicas: 1, Created: ago(15 * day), Docs: 9_000_000,
		PrimaryBytes: gb(3.3), DocsPerSec: 8, Settings: lifecycle("audit", DemoAuditAlias), Aliases: map[string]*bool{DemoAuditAlias: boolPtr(true)}})
	s.setILM(a2, "hot", "rollover", "check-rollover-ready", ago(15*day-time.Minute), a2.created)

	s.addStream(DemoDataStream, "logs", now, []streamGen{
		{age: 60 * day, rolled: 30 * day, bytes: gb(41), docs: 120_000_000},
		{age: 30 * day, rolled: 2 * day, bytes: gb(44.5), docs: 131_000_000},
		{age: 2 * day, bytes: gb(3.1), docs: 9_100_000, rate: 120},
	})
	s.addStream("logs-app.payments-default", "logs", now, []streamGen{
		{age: 40 * day, rolled: 10 * day, bytes: gb(6.2), docs: 15_000_000},
		{age: 10 * day, bytes: gb(1.9), docs: 4_700_000, rate: 6},
	})
	s.addStream("metrics-system.cpu-default", "metrics", now, []streamGen{
		{age: 31 * day, rolled: 1 * day, bytes: gb(2.2), docs: 26_000_000},
		{age: 1 * day, bytes: mb(75), docs: 880_000, rate: 10},
	})

	for _, spec := range []IndexSpec{
		{Name: ".kibana_8.19.7_001", Primaries: 1, Replicas: 1, Created: ago(400 * day), Docs: 2_310, PrimaryBytes: mb(11.4),
			Aliases: map[string]*bool{".kibana": nil, ".kibana_8.19.7": nil}},
		{Name: ".kibana_task_manager_8.19.7_001", Primaries: 1, Replicas: 1, Created: ago(400 * day), Docs: 37, PrimaryBytes: mb(0.3),
			Aliases: map[string]*bool{".kibana_task_manager": nil}},
		{Name: ".security-7", Primaries: 1, Replicas: 1, Created: ago(400 * day), Docs: 112, PrimaryBytes: mb(0.4),
			Aliases: map[string]*bool{".security": nil}},
		{Name: "products", Primaries: 3, Replicas: 1, Created: ago(520 * day), Docs: 4_800_000, PrimaryBytes: gb(5.8)},
		{Name: "customers", Primaries: 1, Replicas: 1, Created: ago(520 * day), Docs: 1_200_000, PrimaryBytes: gb(2.3)},
		{Name: "invoices", Primaries: 2, Replicas: 1, Created: ago(410 * day), Docs: 9_600_000, PrimaryBytes: gb(7.7)},
		{Name: "search-catalog", Primaries: 1, Replicas: 1, Created: ago(90 * day), Docs: 640_000, PrimaryBytes: mb(900),
			Aliases: map[string]*bool{"catalog": nil}},
		{Name: "kibana_sample_data_logs", Primaries: 1, Replicas: 0, Created: ago(380 * day), Docs: 14_074, PrimaryBytes: mb(8.1)},
		{Name: "winlogbeat-8.12.0", Primaries: 1, Replicas: 1, Created: ago(210 * day), Docs: 1_900_000, PrimaryBytes: mb(610)},
		{Name: "app-events-2025.10", Primaries: 1, Replicas: 1, Created: ago(50 * day), Docs: 1_100_000, PrimaryBytes: mb(420)},
	} {
		add(spec)
	}
	for d := 6; d >= 0; d-- {
		date := ago(time.Duration(d) * day).UTC().Format("2006.01.02")
		rate := 0.0
		if d == 0 {
			rate = 25
		}
		add(IndexSpec{Name: ".monitoring-es-7-" + date, Primaries: 1, Replicas: 1, Created: ago(time.Duration(d) * day),
			Docs: 2_150_000, PrimaryBytes: gb(1.4), DocsPerSec: rate})
		add(IndexSpec{Name: ".monitoring-kibana-7-" + date, Primaries: 1, Replicas: 1, Created: ago(time.Duration(d) * day),
			Docs: 17_280, PrimaryBytes: mb(4.6), DocsPerSec: rate / 25})
	}

	s.building = false
	for name, pct := range map[string]float64{
		"default-0": 41, "default-1": 38, "default-2": 44,
		"data-0": 63, DemoHotDiskNode: 91.2, "data-2": 72,
		"monitoring-0": 55, DemoHeapNode: 58, "monitoring-2": 52,
	} {
		s.setDiskPercent(s.nodeByName(name), pct, now)
	}
	return s
}

// addDemoNodes adds the nine nodes of the seed notes' _cat/nodes output.
func addDemoNodes(s *Server) {
	for _, n := range []NodeSpec{
		{Name: "default-0", IP: "10.199.18.75", Heap: 23, RAM: 91, CPU: 19, Load: [3]float64{1.61, 1.57, 1.06}, DiskTotal: 500 << 30},
		{Name: "default-1", IP: "10.199.6.164", Heap: 38, RAM: 55, CPU: 4, Load: [3]float64{0.96, 1.40, 1.33}, DiskTotal: 500 << 30},
		{Name: "default-2", IP: "10.199.43.136", Heap: 44, RAM: 61, CPU: 5, Load: [3]float64{1.69, 1.71, 1.51}, DiskTotal: 500 << 30},
		{Name: "data-0", IP: "10.199.30.70", Heap: 25, RAM: 51, CPU: 9, Load: [3]float64{1.61, 1.57, 1.06}, DiskTotal: 1 << 40},
		{Name: "data-1", IP: "10.199.38.215", Heap: 46, RAM: 100, CPU: 13, Load: [3]float64{1.69, 1.71, 1.51}, DiskTotal: 1 << 40},
		{Name: "data-2", IP: "10.199.15.193", Heap: 59, RAM: 56, CPU: 5, Load: [3]float64{0.96, 1.40, 1.33}, DiskTotal: 1 << 40},
		{Name: "monitoring-0", IP: "10.199.32.134", Heap: 75, RAM: 100, CPU: 27, Load: [3]float64{1.69, 1.71, 1.51}, DiskTotal: 300 << 30},
		{Name: "monitoring-1", IP: "10.199.1.249", Heap: 88, RAM: 76, CPU: 30, Load: [3]float64{0.96, 1.40, 1.33}, DiskTotal: 300 << 30, Master: true},
		{Name: "monitoring-2", IP: "10.199.23.94", Heap: 77, RAM: 100, CPU: 26, Load: [3]float64{1.61, 1.57, 1.06}, DiskTotal: 300 << 30},
	} {
		n.Roles = "cdfhilmrstw"
		s.AddNode(n)
	}
}

func ilmPolicy(maxAge, maxShard, deleteAfter string) map[string]any {
	phases := map[string]any{
		"hot": map[string]any{"actions": map[string]any{
			"rollover": map[string]any{"max_age": maxAge, "max_primary_shard_size": maxShard},
		}},
	}
	if deleteAfter != "" {
		phases["delete"] = map[string]any{"min_age": deleteAfter, "actions": map[string]any{"delete": map[string]any{}}}
	}
	return map[string]any{"phases": phases}
}

func templateBody(pattern string, priority int, policy, alias string, dataStream bool) map[string]any {
	settings := map[string]any{"index.lifecycle.name": policy}
	if alias != "" {
		settings["index.lifecycle.rollover_alias"] = alias
	}
	body := map[string]any{
		"index_patterns": []any{pattern}, "priority": priority,
		"template": map[string]any{"settings": settings},
	}
	if dataStream {
		body["data_stream"] = map[string]any{}
		body["_meta"] = map[string]any{"description": "default " + pattern + " template", "managed": true}
	}
	return body
}

// setILM places an index at a step directly (dataset loading).
func (s *Server) setILM(ix *index, phase, action, step string, since, lifecycleDate time.Time) {
	if ix.ilm == nil {
		s.startILM(ix, since)
	}
	ix.ilm.phase, ix.ilm.action, ix.ilm.step = phase, action, step
	ix.ilm.phaseTime, ix.ilm.actionTime, ix.ilm.stepTime = since, since, since
	ix.ilm.lifecycleDate = lifecycleDate
	ix.ilm.stepInfo = nil
}

// streamGen is one backing index of a demo data stream.
type streamGen struct {
	age, rolled time.Duration // created age ago; rolled over rolled ago (0: write index)
	bytes, docs int64
	rate        float64
}

func (s *Server) addStream(name, tmpl string, now time.Time, gens []streamGen) {
	ds := &dataStream{name: name, template: tmpl}
	s.streams[name] = ds
	policyName := s.templates[tmpl].settings()["index.lifecycle.name"]
	for i, g := range gens {
		created := now.Add(-g.age)
		ix, err := s.addIndex(IndexSpec{
			Name: backingIndexName(name, i+1, created), Primaries: 1, Replicas: 1, Created: created,
			Docs: g.docs, PrimaryBytes: g.bytes, DocsPerSec: g.rate,
			Settings: map[string]string{"index.lifecycle.name": policyName, "index.hidden": "true"},
		}, name)
		if err != nil {
			panic(err)
		}
		ds.indices = append(ds.indices, ix.name)
		ds.generation = i + 1
		if g.rolled > 0 {
			s.setILM(ix, "hot", "complete", "complete", now.Add(-g.rolled), now.Add(-g.rolled))
		} else {
			s.setILM(ix, "hot", "rollover", "check-rollover-ready", created.Add(time.Minute), created)
		}
	}
}
