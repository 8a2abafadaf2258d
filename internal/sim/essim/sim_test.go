package essim

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

type testClock struct{ t time.Time }

func (c *testClock) now() time.Time { return c.t }

func demo(t *testing.T) (*Server, *testClock) {
	t.Helper()
	clk := &testClock{t: time.Date(2025, 11, 3, 10, 0, 0, 0, time.UTC)}
	return NewDemo(WithClock(clk.now)), clk
}

// do sends one request and returns status and body; every answer must carry
// the product header.
func do(t *testing.T, s *Server, method, path, body string) (int, string) {
	t.Helper()
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest(method, path, strings.NewReader(body)))
	if w.Header().Get("X-Elastic-Product") != "Elasticsearch" {
		t.Fatalf("%s %s: no product header", method, path)
	}
	return w.Code, w.Body.String()
}

func ok(t *testing.T, s *Server, method, path, body string) string {
	t.Helper()
	code, out := do(t, s, method, path, body)
	if code != 200 {
		t.Fatalf("%s %s: %d %s", method, path, code, out)
	}
	return out
}

func decode[T any](t *testing.T, s string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%v: %s", err, s)
	}
	return v
}

func TestErrorBodyShape(t *testing.T) {
	s, _ := demo(t)
	code, out := do(t, s, "GET", "/nope/_settings", "")
	if code != 404 {
		t.Fatalf("code %d", code)
	}
	b := decode[map[string]any](t, out)
	e := b["error"].(map[string]any)
	rc := e["root_cause"].([]any)[0].(map[string]any)
	if b["status"] != 404.0 || e["type"] != "index_not_found_exception" || rc["reason"] != "no such index [nope]" || rc["index"] != "nope" {
		t.Fatalf("error body = %s", out)
	}
	if code, _ := do(t, s, "DELETE", "/_cluster/health", ""); code != 405 {
		t.Fatalf("unknown method: %d", code)
	}
}

func TestCatParameters(t *testing.T) {
	s, _ := demo(t)
	rows := decode[[]map[string]any](t, ok(t, s, "GET", "/_cat/shards?format=json&h=i,sto,n&s=store:desc&bytes=mb", ""))
	if len(rows) == 0 || !reflect.DeepEqual(keysOf(rows[0]), []string{"i", "n", "sto"}) {
		t.Fatalf("alias keys: %v", rows[0])
	}
	if rows[0]["i"] != DemoUnmanagedIndex || rows[0]["sto"] != "64921" {
		t.Fatalf("largest first in mb: %v", rows[0])
	}
	human := decode[[]map[string]any](t, ok(t, s, "GET", "/_cat/indices/functionbeat-8.7.1?format=json&h=pri.store.size", ""))
	if human[0]["pri.store.size"] != "63.4gb" {
		t.Fatalf("human size: %v", human)
	}
	text := ok(t, s, "GET", "/_cat/nodes?v&h=name,heap.percent,node.role,master&s=name", "")
	lines := strings.Split(strings.TrimSpace(text), "\n")
	if len(lines) != 10 || !strings.HasPrefix(lines[0], "name         heap.percent node.role   master") ||
		!strings.HasPrefix(lines[1], "data-0                 ") {
		t.Fatalf("text table:\n%s", text)
	}
	if code, out := do(t, s, "GET", "/_cat/indices?s=nope&format=json", ""); code != 400 || !strings.Contains(out, "unknown sort key `nope`") {
		t.Fatalf("bad sort key: %d %s", code, out)
	}
}

func keysOf(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestFilterPath(t *testing.T) {
	v := map[string]any{
		"indices": map[string]any{
			"a.b": map[string]any{"index": "a.b", "phase_execution": map[string]any{"x": 1.0}, "step": "s"},
			"c":   map[string]any{"index": "c", "step": "t"},
		},
		"other": []any{map[string]any{"name": "n", "drop": true}},
	}
	got := filterPath(v, []string{"indices.*.index", "indices.*.step", "other.name"})
	want := map[string]any{
		"indices": map[string]any{"a.b": map[string]any{"index": "a.b", "step": "s"}, "c": map[string]any{"index": "c", "step": "t"}},
		"other":   []any{map[string]any{"name": "n"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("filterPath = %v", got)
	}
	if got := filterPath(v, []string{"**.name"}); !reflect.DeepEqual(got, map[string]any{"other": []any{map[string]any{"name": "n"}}}) {
		t.Fatalf("** = %v", got)
	}
	if got := filterPath(v, []string{"nothing"}); !reflect.DeepEqual(got, map[string]any{}) {
		t.Fatalf("no match = %v", got)
	}
}

func TestNestLikeElasticsearch(t *testing.T) {
	got := nest(map[string]string{
		"cluster.routing.allocation.disk.watermark.low":              "85%",
		"cluster.routing.allocation.disk.watermark.low.max_headroom": "200gb",
		"cluster.max_shards_per_node":                                "1000",
	})
	want := map[string]any{"cluster": map[string]any{
		"max_shards_per_node": "1000",
		"routing":             map[string]any{"allocation": map[string]any{"disk": map[string]any{"watermark": map[string]any{"low": "85%", "low.max_headroom": "200gb"}}}},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("nest = %v", got)
	}
	// filter_path on the nested form is how the client reads watermarks.
	out := ok(t, New(), "GET", "/_cluster/settings?include_defaults=true&filter_path=defaults.cluster.routing.allocation.disk", "")
	if !strings.Contains(out, `"low.max_headroom":"200gb"`) || strings.Contains(out, "max_shards_per_node") {
		t.Fatalf("settings = %s", out)
	}
}

func TestGlobsIntersect(t *testing.T) {
	if !globsIntersect("functionbeat-*", "*-8.7.1") || globsIntersect("logs-*-a", "logs-*-b") || !globsIntersect("a*", "*") {
		t.Fatal("globsIntersect")
	}
}

func TestFaults(t *testing.T) {
	s, _ := demo(t)
	remove := s.AddFault(Fault{Method: "GET", PathPrefix: "/_cluster/health", Status: 429, Times: 1})
	if code, out := do(t, s, "GET", "/_cluster/health", ""); code != 429 || !strings.Contains(out, "es_rejected_execution_exception") {
		t.Fatalf("first: %d %s", code, out)
	}
	ok(t, s, "GET", "/_cluster/health", "")
	remove()

	s.AddFault(Fault{PathPrefix: "/_cat/nodes", NoProductHeader: true})
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest("GET", "/_cat/nodes", nil))
	if w.Code != 200 || w.Header().Get("X-Elastic-Product") != "" {
		t.Fatalf("no-product fault: %d %v", w.Code, w.Header())
	}

	s.AddFault(Fault{PathPrefix: "/_cat/indices", Latency: time.Hour})
	c, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequest("GET", "http://sim/_cat/indices", nil).WithContext(c)
	if _, err := s.RoundTrip(req); err == nil {
		t.Fatal("a cancelled request got an answer")
	}
}

func TestRoundTripAsTransport(t *testing.T) {
	s, _ := demo(t)
	client := &http.Client{Transport: s}
	res, err := client.Get("http://anywhere:9200/")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var info map[string]any
	_ = json.NewDecoder(res.Body).Decode(&info)
	if res.Header.Get("X-Elastic-Product") != "Elasticsearch" || info["tagline"] != "You Know, for Search" {
		t.Fatalf("info = %v", info)
	}
}

func TestSecurity(t *testing.T) {
	s, _ := demo(t)
	s.RequireAPIKey("k1")
	req := httptest.NewRequest("GET", "/_cluster/health", nil)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	if w.Code != 401 || !strings.Contains(w.Body.String(), "missing authentication credentials") || w.Header().Get("WWW-Authenticate") == "" {
		t.Fatalf("no credentials: %d %s", w.Code, w.Body.String())
	}
	req.Header.Set("Authorization", "ApiKey k1")
	w = httptest.NewRecorder()
	s.ServeHTTP(w, req)
	if w.Code != 200 {
		t.Fatalf("right key: %d", w.Code)
	}

	s2, _ := demo(t)
	s2.Deny(Denial{Action: "indices:admin/settings/update", Kind: "index", Privileges: []string{"manage", "all"}})
	code, out := do(t, s2, "PUT", "/products/_settings", `{"index":{"number_of_replicas":2}}`)
	if code != 403 || !strings.Contains(out, "action [indices:admin/settings/update] is unauthorized for user [elastic] with effective roles [console_reader] on indices [products], this action is granted by the index privileges [manage,all]") {
		t.Fatalf("denied: %d %s", code, out)
	}
	hp := decode[map[string]any](t, ok(t, s2, "POST", "/_security/user/_has_privileges", `{"cluster":["monitor"],"index":[{"names":["products"],"privileges":["manage","read"]}]}`))
	idx := hp["index"].(map[string]any)["products"].(map[string]any)
	if hp["has_all_requested"] != false || idx["manage"] != false || idx["read"] != true {
		t.Fatalf("has_privileges = %v", hp)
	}
}

func TestTemplatesApplyOnlyToNewIndices(t *testing.T) {
	s, _ := demo(t)
	ok(t, s, "PUT", "/_index_template/cat", `{"index_patterns":["search-*"],"priority":300,"template":{"settings":{"index.lifecycle.name":"audit","number_of_shards":2}}}`)
	old := decode[map[string]any](t, ok(t, s, "GET", "/search-catalog/_settings?flat_settings=true", ""))
	if _, set := old["search-catalog"].(map[string]any)["settings"].(map[string]any)["index.lifecycle.name"]; set {
		t.Fatal("template changed an existing index")
	}
	ok(t, s, "PUT", "/search-new", "")
	nw := decode[map[string]any](t, ok(t, s, "GET", "/search-new/_settings/index.lifecycle.name,index.number_of_shards?flat_settings=true", ""))
	st := nw["search-new"].(map[string]any)["settings"].(map[string]any)
	if st["index.lifecycle.name"] != "audit" || st["index.number_of_shards"] != "2" {
		t.Fatalf("new index settings = %v", st)
	}
	// Same priority and overlapping patterns are refused.
	if code, out := do(t, s, "PUT", "/_index_template/cat2", `{"index_patterns":["search-c*"],"priority":300}`); code != 400 || !strings.Contains(out, "same priority [300]") {
		t.Fatalf("overlap: %d %s", code, out)
	}
	// A data-stream template refuses plain indices.
	if code, out := do(t, s, "PUT", "/logs-app-plain", ""); code != 400 || !strings.Contains(out, "creates data streams only") {
		t.Fatalf("data stream template: %d %s", code, out)
	}
}

func TestSettingsRules(t *testing.T) {
	s, _ := demo(t)
	if code, out := do(t, s, "PUT", "/products/_settings", `{"index":{"number_of_shards":4}}`); code != 400 || !strings.Contains(out, "Can't update non dynamic settings") {
		t.Fatalf("static: %d %s", code, out)
	}
	if code, out := do(t, s, "PUT", "/products/_settings", `{"index.made_up":1}`); code != 400 || !strings.Contains(out, "unknown setting [index.made_up]") {
		t.Fatalf("unknown: %d %s", code, out)
	}
	ok(t, s, "PUT", "/products/_settings", `{"index.blocks.write":true}`)
	ok(t, s, "PUT", "/products/_settings", `{"index.blocks.write":null}`)
	out := ok(t, s, "GET", "/products/_settings/index.blocks.*", "")
	if out != "{}" {
		t.Fatalf("indices without the requested settings are left out: %s", out)
	}
}

func TestReplicaChangesShardRows(t *testing.T) {
	s, _ := demo(t)
	ok(t, s, "PUT", "/customers/_settings", `{"index":{"number_of_replicas":8}}`)
	rows := decode[[]map[string]any](t, ok(t, s, "GET", "/_cat/shards/customers?format=json&h=prirep,state,unassigned.reason", ""))
	if len(rows) != 9 {
		t.Fatalf("rows = %d", len(rows))
	}
	unassigned := 0
	for _, r := range rows {
		if r["state"] == "UNASSIGNED" {
			unassigned++
			if r["unassigned.reason"] != "REPLICA_ADDED" {
				t.Fatalf("reason = %v", r)
			}
		}
	}
	// data-1 is over the low watermark, so at least that replica waits.
	if unassigned == 0 {
		t.Fatal("no replica left unassigned although data-1 is full")
	}
	ok(t, s, "PUT", "/customers/_settings", `{"index":{"number_of_replicas":1}}`)
	rows = decode[[]map[string]any](t, ok(t, s, "GET", "/_cat/shards/customers?format=json&h=state", ""))
	if len(rows) != 2 || rows[0]["state"] != "STARTED" || rows[1]["state"] != "STARTED" {
		t.Fatalf("after lowering: %v", rows)
	}
}

func TestRolloverSemantics(t *testing.T) {
	s, _ := demo(t)
	out := decode[map[string]any](t, ok(t, s, "POST", "/"+DemoWriteAlias+"/_rollover", ""))
	if out["new_index"] != "functionbeat-000002" || out["rolled_over"] != true {
		t.Fatalf("rollover = %v", out)
	}
	rows := decode[[]map[string]any](t, ok(t, s, "GET", "/_cat/aliases/"+DemoWriteAlias+"?format=json&s=index", ""))
	if len(rows) != 2 || rows[0]["is_write_index"] != "false" || rows[1]["is_write_index"] != "true" {
		t.Fatalf("explicit write alias after rollover: %v", rows)
	}
	// An alias without the flag moves entirely.
	ok(t, s, "PUT", "/plain-000001", `{"aliases":{"plain":{}}}`)
	ok(t, s, "POST", "/plain/_rollover", "")
	rows = decode[[]map[string]any](t, ok(t, s, "GET", "/_cat/aliases/plain?format=json", ""))
	if len(rows) != 1 || rows[0]["index"] != "plain-000002" {
		t.Fatalf("implicit alias after rollover: %v", rows)
	}
	// Conditions not met: nothing happens.
	out = decode[map[string]any](t, ok(t, s, "POST", "/plain/_rollover", `{"conditions":{"max_docs":1000000}}`))
	if out["rolled_over"] != false {
		t.Fatalf("conditions = %v", out)
	}
	ds := decode[map[string]any](t, ok(t, s, "POST", "/"+DemoDataStream+"/_rollover", ""))
	if !strings.HasSuffix(ds["new_index"].(string), "-000004") || !strings.HasPrefix(ds["new_index"].(string), ".ds-"+DemoDataStream+"-2025.11.03") {
		t.Fatalf("data stream rollover = %v", ds)
	}
	if code, out := do(t, s, "POST", "/products/_rollover", ""); code != 400 || !strings.Contains(out, "concrete index") {
		t.Fatalf("index as target: %d %s", code, out)
	}
}

func TestILMRollsOverWhenConditionsAreMet(t *testing.T) {
	s, clk := demo(t)
	// functionbeat-000001 is 12 days old; max_age is 30d.
	clk.t = clk.t.Add(19 * 24 * time.Hour)
	ok(t, s, "GET", "/_cluster/health", "")
	ex := decode[map[string]any](t, ok(t, s, "GET", "/functionbeat-*/_ilm/explain", ""))["indices"].(map[string]any)
	old := ex[DemoManagedIndex].(map[string]any)
	next, created := ex["functionbeat-000002"].(map[string]any)
	if !created || old["step"] != "complete" || next["policy"] != DemoPolicy {
		t.Fatalf("explain after 31 days: %v", ex)
	}
	if unmanaged := ex[DemoUnmanagedIndex].(map[string]any); unmanaged["managed"] != false {
		t.Fatalf("%s became managed", DemoUnmanagedIndex)
	}
}

func TestDemoIsAlive(t *testing.T) {
	s, clk := demo(t)
	docs := func() string {
		rows := decode[[]map[string]any](t, ok(t, s, "GET", "/_cat/indices/"+DemoManagedIndex+"?format=json&h=docs.count", ""))
		return rows[0]["docs.count"].(string)
	}
	before := docs()
	clk.t = clk.t.Add(time.Minute)
	if after := docs(); after == before {
		t.Fatalf("docs did not grow: %s", after)
	}
	for i := 0; i < 20; i++ {
		clk.t = clk.t.Add(7 * time.Second)
		rows := decode[[]map[string]any](t, ok(t, s, "GET", "/_cat/nodes?format=json&h=name,heap.percent", ""))
		for _, r := range rows {
			if heap, _ := strconv.Atoi(r["heap.percent"].(string)); r["name"] == DemoHeapNode && heap <= 85 {
				t.Fatalf("%s heap dropped to %v", DemoHeapNode, r["heap.percent"])
			}
		}
	}
}

func TestLargeDataset(t *testing.T) {
	s := NewLarge(1000, 5000)
	rows := decode[[]map[string]any](t, ok(t, s, "GET", "/_cat/shards?format=json&h=index", ""))
	idx := decode[[]map[string]any](t, ok(t, s, "GET", "/_cat/indices?format=json&h=index", ""))
	if len(idx) != 1000 || len(rows) < 4900 || len(rows) > 5100 {
		t.Fatalf("indices %d shards %d", len(idx), len(rows))
	}
}

func TestAddIndexAndPollInterval(t *testing.T) {
	clk := &testClock{t: time.Date(2025, 11, 3, 10, 0, 0, 0, time.UTC)}
	s := New(WithClock(clk.now), WithILMPollInterval(10*time.Second))
	s.AddNode(NodeSpec{Name: "n1", IP: "10.0.0.1", Roles: "dm", Master: true, DiskTotal: 100 << 30})
	s.AddNode(NodeSpec{Name: "n2", IP: "10.0.0.2", Roles: "dim", DiskTotal: 100 << 30})
	ok(t, s, "PUT", "/_ilm/policy/p", `{"policy":{"phases":{"hot":{"actions":{"rollover":{"max_docs":10}}}}}}`)
	err := s.AddIndex(IndexSpec{Name: "a-000001", Primaries: 2, Replicas: 1, Docs: 100, PrimaryBytes: 1 << 20,
		Settings: map[string]string{"index.lifecycle.name": "p", "index.lifecycle.rollover_alias": "a"}, Aliases: map[string]*bool{"a": boolPtr(true)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddIndex(IndexSpec{Name: "a-000001"}); err == nil {
		t.Fatal("duplicate index accepted")
	}
	rows := decode[[]map[string]any](t, ok(t, s, "GET", "/_cat/shards?format=json&h=node&s=node", ""))
	if len(rows) != 4 || rows[0]["node"] != "n1" || rows[3]["node"] != "n2" {
		t.Fatalf("placement = %v", rows)
	}
	// new -> hot/check-rollover-ready -> rolled over (100 docs >= 10), one
	// step per 10s poll.
	for i := 0; i < 2; i++ {
		clk.t = clk.t.Add(10 * time.Second)
		ok(t, s, "GET", "/_cluster/health", "")
	}
	out := decode[map[string]any](t, ok(t, s, "GET", "/a/_ilm/explain", ""))
	if _, ok := out["indices"].(map[string]any)["a-000002"]; !ok {
		t.Fatalf("no rollover after two polls: %v", out)
	}
}
