package essim_test

// These tests hold the simulator and the client's parsers against upstream
// Elasticsearch examples (testdata/upstream, each with a .source.txt naming
// its origin and its known defects):
//
//  (a) every sample parses with internal/es's parsers, giving the values the
//      sample holds;
//  (b) the simulator's answer to the same request has the sample's shape:
//      the same keys (the simulator may add newer ones), the same JSON types,
//      and null where the sample has null.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/opsconsole/opsconsole/internal/es"
	"github.com/opsconsole/opsconsole/internal/sim/essim"
)

var trailingComma = regexp.MustCompile(`,(\s*[}\]])`)

// repairs turn the three samples that are not valid JSON upstream into
// JSON, changing only what their .source.txt names as the defect.
var repairs = map[string]func(string) string{
	// A bare string without a key inside unassigned_info (it is the
	// "details" field in real answers) and a trailing comma.
	"allocation_explain_max_retry_raw.txt": func(s string) string {
		s = strings.Replace(s, `"failed shard on node`, `"details": "failed shard on node`, 1)
		return trailingComma.ReplaceAllString(s, "$1")
	},
	// A missing comma after "action": "complete".
	"ilm_explain_spec_raw.txt": func(s string) string {
		return strings.Replace(s, `"action": "complete"`+"\n", `"action": "complete",`+"\n", 1)
	},
	// A trailing comma after the last condition.
	"rollover_response_raw.txt": func(s string) string { return trailingComma.ReplaceAllString(s, "$1") },
}

func sample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "upstream", name))
	if err != nil {
		t.Fatal(err)
	}
	if fix, ok := repairs[name]; ok {
		b = []byte(fix(string(b)))
	}
	if !json.Valid(b) {
		t.Fatalf("%s is not valid JSON (after documented repairs)", name)
	}
	return b
}

// TestEverySampleHasASourceAndATest keeps the set honest: each sample has
// its .source.txt, and each is used by the parse test below.
func TestEverySampleHasASourceAndATest(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "upstream", "*"))
	for _, f := range files {
		name := filepath.Base(f)
		if strings.HasSuffix(name, ".source.txt") {
			continue
		}
		base := strings.TrimSuffix(strings.TrimSuffix(name, ".json"), ".txt")
		if _, err := os.Stat(filepath.Join("testdata", "upstream", base+".source.txt")); err != nil {
			t.Errorf("%s has no source note", name)
		}
		if _, ok := parseChecks[name]; !ok {
			t.Errorf("%s is not parsed by any test", name)
		}
	}
}

// parseChecks parse each sample with the client's parser and check what it
// read.
var parseChecks = map[string]func(t *testing.T, b []byte){
	"allocation_explain.json": func(t *testing.T, b []byte) {
		ex := mustExplain(t, b)
		want(t, ex.Decision == "no" && ex.UnassignedReason == "INDEX_CREATED" && ex.Primary, "decision %+v", ex)
		want(t, strings.Contains(strings.Join(ex.Details, ""), `filter on node-0: node does not match index setting [index.routing.allocation.include] filters [_name:"nonexistent_node"]`), "details %q", ex.Details)
		want(t, strings.Contains(strings.Join(ex.Advice, ""), "allocation filter"), "advice %q", ex.Advice)
	},
	"allocation_explain_cannot_remain.json": func(t *testing.T, b []byte) {
		ex := mustExplain(t, b)
		want(t, ex.Node == "node_t1" && strings.Contains(ex.Summary, "must move off that node, but no other node accepts it"), "summary %q", ex.Summary)
		want(t, len(ex.Details) == 1 && strings.Contains(ex.Details[0], "node_t1 (current), node_t0"), "details %q", ex.Details)
	},
	"allocation_explain_delayed.json": func(t *testing.T, b []byte) {
		ex := mustExplain(t, b)
		// Upstream's text carries an unformatted "[%s]"; the summary is
		// built from configured_delay instead.
		want(t, strings.Contains(ex.Summary, "for up to 1m (59.8s left)") && !strings.Contains(ex.Summary, "%s"), "summary %q", ex.Summary)
		want(t, ex.CandidateNodes[0] == "node_t2" && strings.HasPrefix(ex.Advice[0], "wait"), "candidates %v advice %v", ex.CandidateNodes, ex.Advice)
		want(t, strings.Contains(ex.Why, "node_left[G92ZwuuaRY-9n8_tc-IzEg]"), "why %q", ex.Why)
	},
	"allocation_explain_max_retry_raw.txt": func(t *testing.T, b []byte) {
		ex := mustExplain(t, b)
		want(t, ex.FailedAttempts == 5 && strings.Contains(ex.Why, "5 failed allocation attempts"), "why %q", ex.Why)
		want(t, strings.Contains(strings.Join(ex.Advice, ""), "retry_failed=true"), "advice %q", ex.Advice)
	},
	"allocation_explain_must_remain.json": func(t *testing.T, b []byte) {
		ex := mustExplain(t, b)
		want(t, strings.Contains(ex.Summary, "is on node_t0 and may stay there") && len(ex.CandidateNodes) == 1, "explanation %+v", ex)
	},
	"allocation_explain_no_valid_shard_copy.json": func(t *testing.T, b []byte) {
		ex := mustExplain(t, b)
		want(t, strings.Contains(ex.Summary, "no node holds a valid copy") && strings.Contains(ex.Advice[0], "snapshot"), "explanation %+v", ex)
	},
	"allocation_explain_throttled.json": func(t *testing.T, b []byte) {
		ex := mustExplain(t, b)
		want(t, strings.Contains(ex.Summary, "busy with other recoveries") && strings.Contains(strings.Join(ex.Details, ""), "throttling on node_t0"), "explanation %+v", ex)
	},
	"cat_allocation.json": func(t *testing.T, b []byte) {
		rows, err := es.ParseCatAllocation(b)
		want(t, err == nil && len(rows) == 1 && rows[0].Node == "CSUXak2" && rows[0].DiskPercent.V == 46 && rows[0].Shards.V == 1, "rows %+v %v", rows, err)
		want(t, rows[0].DiskTotal.V == 108125801677 && rows[0].DiskIndices.V == 260, "sizes %+v", rows[0])
	},
	"cat_indices.json": func(t *testing.T, b []byte) {
		ix, err := es.ParseCatIndices(b)
		want(t, err == nil && len(ix) == 2 && ix[0].Docs.V == 1200 && ix[0].Replicas == 1 && ix[0].Health == "yellow", "indices %+v %v", ix, err)
		// Upstream's uuid has a trailing space; cells are trimmed.
		want(t, ix[1].UUID == "nYFWZEO7TUiOjLQXBaYJpA" && ix[1].PrimaryStoreSize.V == 260, "second %+v", ix[1])
	},
	"cat_nodes.json": func(t *testing.T, b []byte) {
		n, err := es.ParseCatNodes(b)
		want(t, err == nil && len(n) == 1, "nodes %v %v", n, err)
		want(t, n[0].Load1.OK && n[0].Load1.V == 3.07 && !n[0].Load5.OK && !n[0].Load15.OK && n[0].Master && len(n[0].Roles) == 11 && n[0].HeapPercent.V == 65, "node %+v", n[0])
	},
	"cat_nodes_columns.json": func(t *testing.T, b []byte) {
		// Other columns (keyed by the aliases asked for): what is known is
		// read, the rest is absent, nothing fails.
		n, err := es.ParseCatNodes(b)
		want(t, err == nil && len(n) == 1 && n[0].IP == "127.0.0.1" && n[0].Name == "" && !n[0].HeapPercent.OK, "node %+v %v", n, err)
	},
	"cat_shards.json": func(t *testing.T, b []byte) {
		s := mustShards(t, b)
		want(t, s[0].Primary && s[0].State == "STARTED" && s[0].Docs.V == 3014 && s[0].Store.V == 32610714 && s[0].Node == "H5dfFeA", "shard %+v", s[0])
	},
	"cat_shards_initializing.json": func(t *testing.T, b []byte) {
		s := mustShards(t, b)
		want(t, len(s) == 2 && !s[1].Primary && s[1].State == "INITIALIZING" && s[1].Node == "bGG90GE", "shards %+v", s)
	},
	"cat_shards_relocating.json": func(t *testing.T, b []byte) {
		s := mustShards(t, b)
		want(t, s[0].State == "RELOCATING" && s[0].Node == "H5dfFeA" && s[0].RelocatingTo == "bGG90GE", "shard %+v", s[0])
	},
	"cat_shards_unassigned.json": func(t *testing.T, b []byte) {
		s := mustShards(t, b)
		want(t, s[0].Unassigned() && s[0].Node == "" && s[0].UnassignedReason == "INDEX_CREATED" && !s[0].Store.OK, "shard %+v", s[0])
	},
	"cat_shards_unassigned_reason.json": func(t *testing.T, b []byte) {
		s := mustShards(t, b)
		// Upstream's STARTED rows carry junk in unassigned.reason; it is
		// only read for unassigned copies.
		want(t, s[0].UnassignedReason == "" && s[3].UnassignedReason == "ALLOCATION_FAILED", "shards %+v", s)
	},
	"cluster_health.json": func(t *testing.T, b []byte) {
		h, err := es.ParseClusterHealth(b)
		want(t, err == nil && h.Name == "testcluster" && h.Status == "yellow" && h.UnassignedShards == 1 && h.ActiveShardsPercent == 50, "health %+v %v", h, err)
	},
	"data_stream_get.json": func(t *testing.T, b []byte) {
		ds, err := es.ParseDataStreams(b)
		want(t, err == nil && len(ds) == 2 && ds[0].WriteIndex == ".ds-my-data-stream-2099.03.08-000002" && ds[0].ILMPolicy == "my-lifecycle-policy" && ds[1].Status == "YELLOW", "streams %+v %v", ds, err)
	},
	"ilm_explain.json": func(t *testing.T, b []byte) {
		s := mustExplainILM(t, b, "my_index")
		want(t, s.Managed && s.Position() == "new / complete / complete" && !s.InError() && s.LifecycleDate.UnixMilli() == 1538475653281, "state %+v", s)
	},
	"ilm_explain_datastream.json": func(t *testing.T, b []byte) {
		s := mustExplainILM(t, b, ".ds-metrics-system.process-default-2025.06.04-000001")
		want(t, s.Policy == "metrics" && s.Position() == "hot / rollover / check-rollover-ready", "state %+v", s)
	},
	"ilm_explain_error.json": func(t *testing.T, b []byte) {
		s := mustExplainILM(t, b, "test-000056")
		want(t, s.InError() && s.FailedStep == "check-rollover-ready" && s.AutoRetryable && s.RetryCount == 1, "state %+v", s)
		// The reason is kept verbatim, missing ']' included.
		want(t, s.ErrorText() == "cluster_block_exception: index [test-000057/H7lF9n36Rzqa-KfKcnGQMg] blocked by: [FORBIDDEN/5/index read-only (api)", "text %q", s.ErrorText())
	},
	"ilm_explain_error_policy_missing.json": func(t *testing.T, b []byte) {
		m, err := es.ParseILMExplain(b)
		want(t, err == nil && len(m) == 1, "explain %v %v", m, err)
		for _, s := range m {
			want(t, s.InError() && s.Phase == "" && s.Position() == "ERROR" && strings.Contains(s.ErrorText(), "does not exist"), "state %+v", s)
		}
	},
	"ilm_explain_error_rollover.json": func(t *testing.T, b []byte) {
		s := mustExplainILM(t, b, "test-000056")
		want(t, s.Position() == "ERROR at hot / rollover / attempt-rollover" && strings.HasPrefix(s.ErrorText(), "resource_already_exists_exception"), "state %+v", s)
	},
	"ilm_explain_error_shrink.json": func(t *testing.T, b []byte) {
		s := mustExplainILM(t, b, "my-index-000001")
		want(t, s.Position() == "ERROR at warm / shrink / shrink" && strings.Contains(s.ErrorText(), "target shards [4]"), "state %+v", s)
	},
	"ilm_explain_phase_execution.json": func(t *testing.T, b []byte) {
		s := mustExplainILM(t, b, "test-000069")
		want(t, s.Position() == "hot / rollover / attempt-rollover" && s.Age == "25.14s", "state %+v", s)
	},
	"ilm_explain_spec_raw.txt": func(t *testing.T, b []byte) {
		s := mustExplainILM(t, b, "my-index-000001")
		want(t, s.Policy == "my_policy" && s.Phase == "new", "state %+v", s)
	},
	"ilm_explain_step_info_waiting.json": func(t *testing.T, b []byte) {
		s := mustExplainILM(t, b, "test-000020")
		want(t, !s.InError() && s.StepInfo.Message == "Waiting for all shard copies to be active" && s.ErrorText() == s.StepInfo.Message, "state %+v", s)
	},
	"ilm_policy_get.json": func(t *testing.T, b []byte) {
		ps, err := es.ParsePolicies(b)
		want(t, err == nil && len(ps) == 1, "policies %v %v", ps, err)
		p := ps[0]
		want(t, p.Name == "my_policy" && p.Version == 1 && !p.HasRollover() && len(p.Indices) == 0, "policy %+v", p)
		want(t, p.Summary() == "warm after 10d: forcemerge (max_num_segments 1) -> delete after 30d: delete (delete_searchable_snapshot true)", "summary %q", p.Summary())
		// The sample's modified_date is a number; real answers use a date
		// string. Both are read.
		want(t, p.Modified.UnixMilli() == 82392349, "modified %v", p.Modified)
	},
	"index_template_get.json": func(t *testing.T, b []byte) {
		ts, err := es.ParseIndexTemplates(b)
		want(t, err == nil && len(ts) == 1, "templates %v %v", ts, err)
		tm := ts[0]
		want(t, tm.Name == "my-index-template" && tm.Priority == 200 && tm.Patterns[0] == "logs-*" && tm.ComposedOf[0] == "my-component-template" && tm.Policy == "" && !tm.DataStream, "template %+v", tm)
	},
	"rollover_response_raw.txt": func(t *testing.T, b []byte) {
		old, next, rolled, err := es.ParseRollover(b)
		want(t, err == nil && old == "logs-000001" && next == "logs-000002" && rolled, "rollover %s %s %v %v", old, next, rolled, err)
	},
}

func want(t *testing.T, ok bool, format string, args ...any) {
	t.Helper()
	if !ok {
		t.Errorf(format, args...)
	}
}

func mustExplain(t *testing.T, b []byte) es.AllocationExplanation {
	t.Helper()
	ex, err := es.ParseAllocationExplain(b)
	if err != nil {
		t.Fatal(err)
	}
	return ex
}

func mustShards(t *testing.T, b []byte) []es.ShardCopy {
	t.Helper()
	s, err := es.ParseCatShards(b, es.DefaultMaxShardSize)
	if err != nil || len(s) == 0 {
		t.Fatalf("shards %v %v", s, err)
	}
	return s
}

func mustExplainILM(t *testing.T, b []byte, index string) es.ILMState {
	t.Helper()
	m, err := es.ParseILMExplain(b)
	if err != nil {
		t.Fatal(err)
	}
	s, ok := m[index]
	if !ok {
		t.Fatalf("no %s in %v", index, m)
	}
	return s
}

func TestUpstreamSamplesParse(t *testing.T) {
	for name, check := range parseChecks {
		t.Run(name, func(t *testing.T) { check(t, sample(t, name)) })
	}
}

// ---- (b) shapes -----------------------------------------------------------

// shapeCase is one sample compared with the simulator's answer to the same
// request.
type shapeCase struct {
	sample string
	method string
	path   string
	body   string
	// setup arranges state so the simulator can answer like the sample;
	// advance moves the simulator's clock.
	setup func(t *testing.T, s *essim.Server, advance func(time.Duration))
	// rows picks which sample array elements are comparable (documented
	// upstream defects); nil means all.
	rows func(elem map[string]any) bool
	// cat compares _cat rows exactly: same keys, values string or null.
	cat bool
	// keyed lists maps keyed by names (indices by index name, policies by
	// policy name, "" for the root): each sample entry is compared with
	// one simulator entry.
	keyed []string
	// free lists paths whose contents are free-form (step_info differs by
	// error type, _meta is the user's) or documented as differing
	// (modified_date is a number in the sample, a string in real answers).
	free []string
}

var shapeCases = []shapeCase{
	{sample: "cat_nodes.json", path: "/_cat/nodes?format=json", cat: true,
		setup: func(t *testing.T, s *essim.Server, advance func(time.Duration)) {
			for _, n := range []string{"default-0", "default-1", "default-2", "data-0", "data-1", "data-2", "monitoring-0", "monitoring-1", "monitoring-2"} {
				s.SetNodeNulls(n, "load_5m", "load_15m")
			}
		}},
	{sample: "cat_nodes_columns.json", path: "/_cat/nodes?format=json&h=id,ip,port,v,m", cat: true},
	{sample: "cat_allocation.json", path: "/_cat/allocation?format=json", cat: true,
		rows: func(e map[string]any) bool { return e["node"] != "UNASSIGNED" }},
	{sample: "cat_indices.json", path: "/_cat/indices/products,geo-lookup?format=json&s=index", cat: true},
	{sample: "cat_shards.json", path: "/_cat/shards/products?format=json", cat: true},
	{sample: "cat_shards_initializing.json", path: "/_cat/shards/products?format=json", cat: true},
	{sample: "cat_shards_relocating.json", path: "/_cat/shards/products?format=json", cat: true},
	{sample: "cat_shards_unassigned.json", path: "/_cat/shards/geo-lookup?format=json&h=index,shard,prirep,state,node,unassigned.reason&s=state:desc", cat: true},
	{sample: "cat_shards_unassigned_reason.json", path: "/_cat/shards/geo-lookup?format=json&h=index,shard,prirep,state,unassigned.reason&s=state:desc", cat: true,
		rows: func(e map[string]any) bool { return e["state"] == "UNASSIGNED" }},
	{sample: "cluster_health.json", path: "/_cluster/health"},
	{sample: "allocation_explain.json", method: "POST", path: "/_cluster/allocation/explain",
		body: `{"index":"geo-lookup","shard":0,"primary":false}`},
	{sample: "allocation_explain_cannot_remain.json", method: "POST", path: "/_cluster/allocation/explain",
		body: `{"index":"customer-exports","shard":0,"primary":true}`},
	{sample: "allocation_explain_must_remain.json", method: "POST", path: "/_cluster/allocation/explain",
		body: `{"index":"customer-exports","shard":1,"primary":true}`},
	{sample: "data_stream_get.json", path: "/_data_stream", free: []string{"_meta"}},
	{sample: "ilm_explain.json", path: "/fresh/_ilm/explain",
		setup: func(t *testing.T, s *essim.Server, advance func(time.Duration)) {
			call(t, s, "PUT", "/fresh", `{"settings":{"index.lifecycle.name":"audit"}}`)
		}, keyed: []string{"indices"}},
	{sample: "ilm_explain_datastream.json", path: "/.ds-*/_ilm/explain", keyed: []string{"indices"}, free: []string{"phase_definition.actions"}},
	{sample: "ilm_explain_error.json", path: "/metricbeat-7.17.0/_ilm/explain?human=true",
		keyed: []string{"indices"}, free: []string{"step_info", "phase_definition.actions"}},
	{sample: "ilm_explain_error_policy_missing.json", path: "/orphan/_ilm/explain",
		setup: func(t *testing.T, s *essim.Server, advance func(time.Duration)) {
			call(t, s, "PUT", "/orphan", `{"settings":{"index.lifecycle.name":"no-such-policy"}}`)
			advance(2 * time.Minute) // ILM notices at its next poll
		}, keyed: []string{"indices"}},
	{sample: "ilm_explain_phase_execution.json", path: "/audit-000002/_ilm/explain?human=true", keyed: []string{"indices"}, free: []string{"phase_definition.actions"}},
	{sample: "ilm_policy_get.json", path: "/_ilm/policy", keyed: []string{""}, free: []string{"modified_date", "phases"}},
	{sample: "index_template_get.json", path: "/_index_template/full?human=true",
		setup: func(t *testing.T, s *essim.Server, advance func(time.Duration)) {
			call(t, s, "PUT", "/_index_template/full", `{"index_patterns":["full-*"],"priority":300,"composed_of":["c1"],"version":1,"_meta":{"description":"x"},
			  "template":{"settings":{"index":{"number_of_shards":"1","number_of_replicas":"1"}},"mappings":{"properties":{"@timestamp":{"type":"date"}}}}}`)
		}, free: []string{"template.settings", "template.mappings", "_meta"}},
	{sample: "rollover_response_raw.txt", method: "POST", path: "/functionbeat-write/_rollover",
		body: `{"conditions":{"max_age":"7d","max_docs":1000,"max_size":"5gb"}}`},
}

func call(t *testing.T, s *essim.Server, method, path, body string) []byte {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		t.Fatalf("%s %s: %d %s", method, path, w.Code, w.Body.String())
	}
	if w.Header().Get("X-Elastic-Product") != "Elasticsearch" {
		t.Fatalf("%s %s: no X-Elastic-Product header", method, path)
	}
	return w.Body.Bytes()
}

func TestSimulatorMatchesUpstreamShapes(t *testing.T) {
	for _, c := range shapeCases {
		t.Run(c.sample, func(t *testing.T) {
			clk := time.Date(2025, 11, 3, 10, 0, 0, 0, time.UTC)
			s := essim.NewDemo(essim.WithClock(func() time.Time { return clk }))
			if c.setup != nil {
				c.setup(t, s, func(d time.Duration) { clk = clk.Add(d) })
			}
			method := c.method
			if method == "" {
				method = "GET"
			}
			var up, got any
			_ = json.Unmarshal(sample(t, c.sample), &up)
			if err := json.Unmarshal(call(t, s, method, c.path, c.body), &got); err != nil {
				t.Fatal(err)
			}
			if c.cat {
				compareCat(t, up, got, c.rows)
				return
			}
			var problems []string
			compareShape("", up, got, c, &problems)
			sort.Strings(problems)
			for _, p := range problems {
				t.Error(p)
			}
		})
	}
}

// compareCat checks _cat rows: the simulator's rows have exactly the
// sample's keys, every value a string or null, and null wherever the
// sample has null (for the same column and state).
func compareCat(t *testing.T, up, got any, pick func(map[string]any) bool) {
	t.Helper()
	upRows, _ := up.([]any)
	gotRows, ok := got.([]any)
	if !ok || len(gotRows) == 0 {
		t.Fatalf("simulator answered %v", got)
	}
	for _, g := range gotRows {
		for k, v := range g.(map[string]any) {
			if _, isString := v.(string); v != nil && !isString {
				t.Errorf("column %s is %T, not a string or null", k, v)
			}
		}
	}
	for _, u := range upRows {
		urow := u.(map[string]any)
		if pick != nil && !pick(urow) {
			continue
		}
		// Compare with a simulator row in the same state; the simulator
		// never has INITIALIZING or RELOCATING copies, so those compare
		// with its first row (same columns).
		var match map[string]any
		for _, g := range gotRows {
			grow := g.(map[string]any)
			if pick != nil && !pick(grow) {
				continue
			}
			if match == nil || (urow["state"] != nil && grow["state"] == urow["state"] && match["state"] != urow["state"]) {
				match = grow
			}
		}
		if urow["state"] == "UNASSIGNED" && match != nil && match["state"] != "UNASSIGNED" {
			match = nil
		}
		if match == nil {
			t.Fatalf("no simulator row comparable to %v", urow)
		}
		if k1, k2 := keys(urow), keys(match); k1 != k2 {
			t.Errorf("keys differ:\n upstream  %s\n simulator %s", k1, k2)
		}
		for k, v := range urow {
			if v == nil && match[k] != nil {
				t.Errorf("column %s is null upstream but %q in the simulator", k, match[k])
			}
		}
	}
}

func keys(m map[string]any) string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}

// compareShape walks the sample: every key it has, the simulator has, with
// the same JSON type (null in the sample accepts anything, as the sample
// shows one possible value). Free paths are compared by type only; keyed
// maps entry by entry against one simulator entry; array elements against
// the simulator element that lacks the fewest of their keys.
func compareShape(path string, up, got any, c shapeCase, problems *[]string) {
	add := func(format string, args ...any) { *problems = append(*problems, fmt.Sprintf(format, args...)) }
	for _, f := range c.free {
		if path == f || strings.HasSuffix(path, "."+f) {
			if typeOf(up) != typeOf(got) && f != "modified_date" {
				add("%s: upstream %s, simulator %s", path, typeOf(up), typeOf(got))
			}
			return
		}
	}
	if up == nil {
		return
	}
	if typeOf(up) != typeOf(got) {
		add("%s: upstream %s, simulator %s", path, typeOf(up), typeOf(got))
		return
	}
	switch u := up.(type) {
	case map[string]any:
		g := got.(map[string]any)
		for _, k := range c.keyed {
			if path == k || strings.HasSuffix(path, "."+k) {
				if len(g) == 0 {
					add("%s: simulator map is empty", path)
					return
				}
				first := g[strings.Split(keys(g), ",")[0]]
				for _, uv := range u {
					compareShape(strings.TrimPrefix(path+".*", "."), uv, first, c, problems)
				}
				return
			}
		}
		for k, uv := range u {
			gv, ok := g[k]
			if !ok {
				add("%s: simulator lacks key %q", path, k)
				continue
			}
			compareShape(strings.TrimPrefix(path+"."+k, "."), uv, gv, c, problems)
		}
	case []any:
		g := got.([]any)
		if len(u) > 0 && len(g) == 0 {
			add("%s: simulator array is empty", path)
			return
		}
		for _, uv := range u {
			compareShape(path+"[]", uv, closest(uv, g), c, problems)
		}
	}
}

// closest is the simulator element that lacks the fewest of the sample
// element's keys (a node decision with deciders for one with deciders).
func closest(up any, candidates []any) any {
	um, ok := up.(map[string]any)
	if !ok {
		return candidates[0]
	}
	best, bestMissing := candidates[0], -1
	for _, c := range candidates {
		cm, ok := c.(map[string]any)
		if !ok {
			continue
		}
		missing := 0
		for k := range um {
			if _, ok := cm[k]; !ok {
				missing++
			}
		}
		if bestMissing < 0 || missing < bestMissing {
			best, bestMissing = c, missing
		}
	}
	return best
}

func typeOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}
