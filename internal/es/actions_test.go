package es_test

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/opsconsole/opsconsole/internal/es"
	"github.com/opsconsole/opsconsole/internal/ops"
	"github.com/opsconsole/opsconsole/internal/sim/essim"
)

// run takes an action through Validate, Plan, Apply and Verify, and checks
// on the wire that Apply sent exactly the planned requests: same method,
// path and body, once each.
func run(t *testing.T, e *env, a ops.Action) (ops.Plan, string) {
	t.Helper()
	e.rec.Reset()
	if err := a.Validate(ctx(t)); err != nil {
		t.Fatalf("validate: %v", err)
	}
	p, err := a.Plan(ctx(t))
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	if len(e.rec.Mutations()) != 0 {
		t.Fatalf("validate/plan sent a mutation: %+v", e.rec.Mutations())
	}
	if len(p.CLI) != len(p.Requests) || p.Title == "" {
		t.Fatalf("plan incomplete: %+v", p)
	}
	e.rec.Reset()
	if err := a.Apply(ctx(t)); err != nil {
		t.Fatalf("apply: %v", err)
	}
	muts := e.rec.Mutations()
	if len(muts) != len(p.Requests) {
		t.Fatalf("apply sent %d mutations for %d planned requests", len(muts), len(p.Requests))
	}
	for i, m := range muts {
		if got := m.Method + " " + m.Path; got != p.Requests[i].API {
			t.Errorf("request %d: sent %s, planned %s", i, got, p.Requests[i].API)
		}
		if m.Body != p.Requests[i].Body {
			t.Errorf("request %d: sent body %s, planned %s", i, m.Body, p.Requests[i].Body)
		}
		if m.Body != "" && m.Header.Get("Content-Type") != "application/json" {
			t.Errorf("request %d: Content-Type %q", i, m.Header.Get("Content-Type"))
		}
		method, _, _ := strings.Cut(p.Requests[i].API, " ")
		if !strings.Contains(p.CLI[i], "-X "+method+" ") || !strings.Contains(p.CLI[i], demoURL+m.Path) {
			t.Errorf("curl %q does not match %s", p.CLI[i], p.Requests[i].API)
		}
		if m.Body != "" && !strings.Contains(p.CLI[i], "-d '"+m.Body+"'") {
			t.Errorf("curl %q does not carry the body", p.CLI[i])
		}
	}
	state, err := a.Verify(ctx(t))
	if err != nil {
		t.Fatalf("verify: %v (%s)", err, state)
	}
	return p, state
}

// refused checks that Validate refuses with a message containing want,
// and that nothing was sent that changes state.
func refused(t *testing.T, e *env, a ops.Action, want string) {
	t.Helper()
	e.rec.Reset()
	err := a.Validate(ctx(t))
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("%s %s: err = %v, want %q", a.Name(), a.Resource(), err, want)
	}
	if m := e.rec.Mutations(); len(m) != 0 {
		t.Fatalf("a refused action sent %+v", m)
	}
}

func jsonEqual(t *testing.T, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("not JSON: %s", got)
	}
	_ = json.Unmarshal([]byte(want), &w)
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("body = %s\nwant   %s", got, want)
	}
}

func TestILMPolicyCreate(t *testing.T) {
	e := newEnv(t)
	a := es.NewILMPolicyAction(e.c, "orders", es.PolicyOptions{RolloverMaxAge: "7d", RolloverMaxPrimaryShardSize: "50GB", DeleteMinAge: "30d"})
	p, state := run(t, e, a)
	if p.Requests[0].API != "PUT /_ilm/policy/orders" {
		t.Fatalf("API = %s", p.Requests[0].API)
	}
	jsonEqual(t, p.Requests[0].Body, `{"policy":{"phases":{"hot":{"actions":{"rollover":{"max_age":"7d","max_primary_shard_size":"50gb"}}},"delete":{"min_age":"30d","actions":{"delete":{}}}}}}`)
	if p.Title != "Create ILM policy orders" || !strings.Contains(p.Changes[0], "rollover (max_age 7d, max_primary_shard_size 50gb) -> delete after 30d") {
		t.Fatalf("plan = %+v", p)
	}
	if !strings.Contains(state, "version 1") {
		t.Fatalf("verify state = %q", state)
	}
}

func TestILMPolicyUpdateKeepsTheRest(t *testing.T) {
	e := newEnv(t)
	simCall(t, e.sim, "PUT", "/_ilm/policy/"+essim.DemoPolicy, `{"policy":{"phases":{"hot":{"actions":{"rollover":{"max_age":"30d","max_primary_shard_size":"50gb"},"set_priority":{"priority":100}}},"warm":{"min_age":"7d","actions":{"forcemerge":{"max_num_segments":1}}},"delete":{"min_age":"90d","actions":{"delete":{}}}},"_meta":{"owner":"sre"}}}`)
	a := es.NewILMPolicyAction(e.c, essim.DemoPolicy, es.PolicyOptions{RolloverMaxAge: "7d"})
	p, _ := run(t, e, a)
	if p.Title != "Update ILM policy functionbeat" || len(p.Changes) != 1 || p.Changes[0] != "hot.rollover.max_age: 30d -> 7d" {
		t.Fatalf("changes = %q", p.Changes)
	}
	if !strings.Contains(strings.Join(p.Notes, "\n"), "kept as they are: delete.delete, hot.set_priority, warm.forcemerge") {
		t.Fatalf("notes = %q", p.Notes)
	}
	var body struct {
		Policy struct {
			Phases map[string]map[string]any `json:"phases"`
			Meta   map[string]any            `json:"_meta"`
		} `json:"policy"`
	}
	_ = json.Unmarshal([]byte(p.Requests[0].Body), &body)
	if body.Policy.Phases["warm"] == nil || body.Policy.Meta["owner"] != "sre" {
		t.Fatalf("update dropped parts of the policy: %s", p.Requests[0].Body)
	}
	pol, err := e.c.GetPolicy(ctx(t), essim.DemoPolicy)
	if err != nil || pol.Version != 3 || !strings.Contains(pol.Summary(), "max_age 7d") || !strings.Contains(pol.Summary(), "warm after 7d") {
		t.Fatalf("policy after = %+v %v", pol.Summary(), err)
	}
}

func TestILMPolicyRefusals(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		name string
		opts es.PolicyOptions
		want string
	}{
		{"_bad", es.PolicyOptions{RolloverMaxAge: "7d"}, "must not start with '_'"},
		{"bad name", es.PolicyOptions{RolloverMaxAge: "7d"}, "contains"},
		{"p", es.PolicyOptions{}, "nothing to set"},
		{"p", es.PolicyOptions{RolloverMaxAge: "7 days"}, "--rollover-max-age"},
		{"p", es.PolicyOptions{RolloverMaxSize: "50"}, "--rollover-max-size"},
		{"p", es.PolicyOptions{RolloverMaxPrimaryShardSize: "lots"}, "--rollover-max-primary-shard-size"},
		{"p", es.PolicyOptions{DeleteMinAge: "90d"}, "no rollover condition"},
		{"p", es.PolicyOptions{RolloverMaxAge: "30d", DeleteMinAge: "30d"}, "must be longer than rollover max_age"},
		{essim.DemoPolicy, es.PolicyOptions{RolloverMaxAge: "30d"}, "already has these settings"},
		{essim.DemoPolicy, es.PolicyOptions{DeleteMinAge: "20d"}, "must be longer than rollover max_age 30d"},
	} {
		refused(t, e, es.NewILMPolicyAction(e.c, c.name, c.opts), c.want)
	}
}

func TestILMAttach(t *testing.T) {
	e := newEnv(t)
	a := es.NewILMAttachAction(e.c, essim.DemoUnmanagedIndex, essim.DemoPolicy, es.AttachOptions{})
	p, state := run(t, e, a)
	jsonEqual(t, p.Requests[0].Body, `{"index.lifecycle.name":"functionbeat"}`)
	if p.Requests[0].API != "PUT /functionbeat-8.7.1/_settings" || p.Changes[0] != "index.lifecycle.name: (none) -> functionbeat" {
		t.Fatalf("plan = %+v", p)
	}
	notes := strings.Join(p.Notes, "\n")
	// The policy rolls over and the index has no rollover alias: warned.
	if !strings.Contains(notes, "no index.lifecycle.rollover_alias") || !strings.Contains(notes, "--indexing-complete") {
		t.Fatalf("notes lack the rollover warning:\n%s", notes)
	}
	// 142 days old with a 90d delete phase: dangerous, so typed confirmation.
	if p.Risk != ops.RiskTyped || p.ConfirmName != essim.DemoUnmanagedIndex || !strings.Contains(notes, "DANGER") {
		t.Fatalf("risk %v, notes:\n%s", p.Risk, notes)
	}
	if !strings.HasPrefix(state, "managed by functionbeat") {
		t.Fatalf("state = %q", state)
	}
}

func TestILMAttachFixesTheDemoILMError(t *testing.T) {
	e := newEnv(t)
	a := es.NewILMAttachAction(e.c, essim.DemoILMErrorIndex, essim.DemoILMErrorPolicy,
		es.AttachOptions{RolloverAlias: "metricbeat-write", IndexingComplete: true})
	p, _ := run(t, e, a)
	jsonEqual(t, p.Requests[0].Body, `{"index.lifecycle.name":"metricbeat","index.lifecycle.rollover_alias":"metricbeat-write","index.lifecycle.indexing_complete":true}`)
	if strings.Contains(strings.Join(p.Notes, "\n"), "WARNING") || p.Risk != ops.RiskConfirm {
		t.Fatalf("a correct fix is warned about: %+v", p)
	}
	// Then retry: ILM skips the rollover and completes the hot phase.
	r := es.NewILMRetryAction(e.c, essim.DemoILMErrorIndex)
	rp, state := run(t, e, r)
	if rp.Requests[0].API != "POST /metricbeat-7.17.0/_ilm/retry" || rp.Requests[0].Body != "" || !strings.Contains(state, "check-rollover-ready") {
		t.Fatalf("retry plan %+v, state %q", rp, state)
	}
	e.clock.Advance(2 * time.Minute)
	s, err := e.c.ILMExplain(ctx(t), essim.DemoILMErrorIndex)
	if err != nil || s.InError() || s.Position() != "hot / complete / complete" {
		t.Fatalf("after retry: %s %v", s.Position(), err)
	}
}

func TestILMAttachWarnsAboutAnAliasThatDoesNotPointToTheIndex(t *testing.T) {
	e := newEnv(t)
	a := es.NewILMAttachAction(e.c, essim.DemoUnmanagedIndex, essim.DemoPolicy, es.AttachOptions{RolloverAlias: essim.DemoWriteAlias})
	if err := a.Validate(ctx(t)); err != nil {
		t.Fatal(err)
	}
	p, _ := a.Plan(ctx(t))
	if !strings.Contains(strings.Join(p.Notes, "\n"), "alias functionbeat-write does not point to index functionbeat-8.7.1") {
		t.Fatalf("notes = %q", p.Notes)
	}
}

func TestILMAttachRefusals(t *testing.T) {
	e := newEnv(t)
	refused(t, e, es.NewILMAttachAction(e.c, "no-such-index", essim.DemoPolicy, es.AttachOptions{}), "does not exist")
	refused(t, e, es.NewILMAttachAction(e.c, essim.DemoUnmanagedIndex, "no-such-policy", es.AttachOptions{}), "policy no-such-policy does not exist")
	refused(t, e, es.NewILMAttachAction(e.c, essim.DemoWriteAlias, essim.DemoPolicy, es.AttachOptions{}), "is an alias")
	refused(t, e, es.NewILMAttachAction(e.c, essim.DemoManagedIndex, essim.DemoPolicy, es.AttachOptions{}), "already managed")
	refused(t, e, es.NewILMAttachAction(e.c, "Bad", essim.DemoPolicy, es.AttachOptions{}), "lower case")
}

func TestILMRetryWithoutFixFailsAgain(t *testing.T) {
	e := newEnv(t)
	run(t, e, es.NewILMRetryAction(e.c, essim.DemoILMErrorIndex))
	e.clock.Advance(2 * time.Minute)
	s, _ := e.c.ILMExplain(ctx(t), essim.DemoILMErrorIndex)
	if !s.InError() {
		t.Fatalf("the cause was not fixed, yet ILM is at %s", s.Position())
	}
	refused(t, e, es.NewILMRetryAction(e.c, essim.DemoManagedIndex), "not in ILM ERROR (it is at hot / rollover / check-rollover-ready)")
	refused(t, e, es.NewILMRetryAction(e.c, "products"), "not managed by ILM")
}

func TestILMBootstrap(t *testing.T) {
	e := newEnv(t)
	p, state := run(t, e, es.NewILMBootstrapAction(e.c, "orders-write", essim.DemoPolicy))
	if p.Requests[0].API != "PUT /orders-write-000001" {
		t.Fatalf("API = %s", p.Requests[0].API)
	}
	jsonEqual(t, p.Requests[0].Body, `{"aliases":{"orders-write":{"is_write_index":true}},"settings":{"index.lifecycle.name":"functionbeat","index.lifecycle.rollover_alias":"orders-write"}}`)
	if state != "alias orders-write writes to orders-write-000001" {
		t.Fatalf("state = %q", state)
	}
	ix, err := e.c.ILMExplain(ctx(t), "orders-write-000001")
	if err != nil || !ix.Managed || ix.Policy != essim.DemoPolicy {
		t.Fatalf("new index ILM = %+v %v", ix, err)
	}
	// Without a policy and with no template: warned.
	a := es.NewILMBootstrapAction(e.c, "misc-write", "")
	if err := a.Validate(ctx(t)); err != nil {
		t.Fatal(err)
	}
	bp, _ := a.Plan(ctx(t))
	if !strings.Contains(strings.Join(bp.Notes, "\n"), "WARNING: no policy given") || strings.Contains(bp.Requests[0].Body, "settings") {
		t.Fatalf("plan = %+v", bp)
	}
}

func TestILMBootstrapRefusals(t *testing.T) {
	e := newEnv(t)
	refused(t, e, es.NewILMBootstrapAction(e.c, essim.DemoWriteAlias, ""), "already has write index functionbeat-000001")
	refused(t, e, es.NewILMBootstrapAction(e.c, "products", ""), "an index named products exists")
	refused(t, e, es.NewILMBootstrapAction(e.c, essim.DemoDataStream, ""), "is a data stream")
	refused(t, e, es.NewILMBootstrapAction(e.c, "orders", "no-such-policy"), "does not exist")
	simCall(t, e.sim, "PUT", "/stray-000001", `{}`)
	refused(t, e, es.NewILMBootstrapAction(e.c, "stray", ""), "stray-000001 already exists")
}

func TestILMTemplate(t *testing.T) {
	e := newEnv(t)
	a := es.NewILMTemplateAction(e.c, "winlogbeat", es.TemplateOptions{Patterns: []string{"winlogbeat-*"}, Policy: essim.DemoILMErrorPolicy, RolloverAlias: "winlogbeat-write"})
	p, state := run(t, e, a)
	jsonEqual(t, p.Requests[0].Body, `{"index_patterns":["winlogbeat-*"],"priority":200,"template":{"settings":{"index.lifecycle.name":"metricbeat","index.lifecycle.rollover_alias":"winlogbeat-write"}}}`)
	notes := strings.Join(p.Notes, "\n")
	if !strings.Contains(notes, "existing indices are not touched") || !strings.Contains(notes, ":ilm-attach winlogbeat-8.12.0 metricbeat") {
		t.Fatalf("notes:\n%s", notes)
	}
	if !strings.Contains(state, "sets policy metricbeat") {
		t.Fatalf("state = %q", state)
	}
	// Templates apply to indices created afterwards, not to the old one.
	run(t, e, es.NewILMBootstrapAction(e.c, "winlogbeat-write", ""))
	if s, _ := e.c.ILMExplain(ctx(t), "winlogbeat-write-000001"); !s.Managed || s.Policy != "metricbeat" {
		t.Fatalf("new index not under the template's policy: %+v", s)
	}
	if s, _ := e.c.ILMExplain(ctx(t), "winlogbeat-8.12.0"); s.Managed {
		t.Fatal("the template touched an existing index")
	}
}

func TestILMTemplateUpdateAndRefusals(t *testing.T) {
	e := newEnv(t)
	p, _ := run(t, e, es.NewILMTemplateAction(e.c, essim.DemoTemplate, es.TemplateOptions{Patterns: []string{"functionbeat-*"}, Policy: "audit"}))
	if p.Title != "Update index template functionbeat" || strings.Join(p.Changes, ";") != "index.lifecycle.name: functionbeat -> audit" {
		t.Fatalf("changes = %q", p.Changes)
	}
	var body map[string]any
	_ = json.Unmarshal([]byte(p.Requests[0].Body), &body)
	if _, ok := body["created_date_millis"]; ok {
		t.Fatal("server-owned fields sent back")
	}
	refused(t, e, es.NewILMTemplateAction(e.c, "fb2", es.TemplateOptions{Patterns: []string{"functionbeat-8*"}, Policy: essim.DemoPolicy}), "same priority 200")
	refused(t, e, es.NewILMTemplateAction(e.c, "x", es.TemplateOptions{Policy: essim.DemoPolicy}), "--pattern")
	refused(t, e, es.NewILMTemplateAction(e.c, "x", es.TemplateOptions{Patterns: []string{"x-*"}}), "--policy")
	refused(t, e, es.NewILMTemplateAction(e.c, "x", es.TemplateOptions{Patterns: []string{"X-*"}, Policy: essim.DemoPolicy}), "upper-case")
	refused(t, e, es.NewILMTemplateAction(e.c, "x", es.TemplateOptions{Patterns: []string{"x-*"}, Policy: "nope"}), "does not exist")
	// Outranking a data stream template is allowed, with a warning.
	a := es.NewILMTemplateAction(e.c, "nginx", es.TemplateOptions{Patterns: []string{"logs-nginx*"}, Policy: essim.DemoPolicy})
	if err := a.Validate(ctx(t)); err != nil {
		t.Fatal(err)
	}
	np, _ := a.Plan(ctx(t))
	if !strings.Contains(strings.Join(np.Notes, "\n"), "outranks data stream template logs") {
		t.Fatalf("notes = %q", np.Notes)
	}
}

func TestRollover(t *testing.T) {
	e := newEnv(t)
	p, state := run(t, e, es.NewRolloverAction(e.c, essim.DemoWriteAlias))
	if p.Requests[0].API != "POST /functionbeat-write/_rollover" || p.Requests[0].Body != "" {
		t.Fatalf("request = %+v", p.Requests[0])
	}
	if !strings.Contains(p.Changes[0], "create functionbeat-000002") || !strings.Contains(strings.Join(p.Notes, "\n"), "template functionbeat applies to functionbeat-000002") {
		t.Fatalf("plan = %+v", p)
	}
	if state != "alias functionbeat-write writes to functionbeat-000002" {
		t.Fatalf("state = %q", state)
	}
	snap := mustSnapshot(t, e)
	old := mustIndex(t, snap, essim.DemoManagedIndex)
	next := mustIndex(t, snap, "functionbeat-000002")
	if old.WriteAlias != "" || next.WriteAlias != essim.DemoWriteAlias || next.ILM.Policy != essim.DemoPolicy || next.RolloverAlias != essim.DemoWriteAlias {
		t.Fatalf("old %+v\nnew %+v", old, next)
	}
	// The writer moved: the old index stops growing, the new one grows.
	e.clock.Advance(time.Minute)
	later := mustSnapshot(t, e)
	if mustIndex(t, later, essim.DemoManagedIndex).DocsGrowth != 0 || mustIndex(t, later, "functionbeat-000002").DocsGrowth <= 0 {
		t.Fatal("growth did not move to the new write index")
	}
	// ILM sees the rollover and moves the old index on.
	if s, _ := e.c.ILMExplain(ctx(t), essim.DemoManagedIndex); s.Position() != "hot / complete / complete" {
		t.Fatalf("old index ILM = %s", s.Position())
	}
}

func TestRolloverDataStream(t *testing.T) {
	e := newEnv(t)
	_, state := run(t, e, es.NewRolloverAction(e.c, essim.DemoDataStream))
	if !strings.HasSuffix(state, "-000004") {
		t.Fatalf("state = %q", state)
	}
}

func TestRolloverRefusals(t *testing.T) {
	e := newEnv(t)
	refused(t, e, es.NewRolloverAction(e.c, "products"), "is an index, not an alias")
	refused(t, e, es.NewRolloverAction(e.c, "nothing-here"), "no alias or data stream named nothing-here")
	refused(t, e, es.NewRolloverAction(e.c, "catalog"), "does not end in a counter")
	simCall(t, e.sim, "PUT", "/old-a", `{"aliases":{"old":{}}}`)
	simCall(t, e.sim, "PUT", "/old-b", `{"aliases":{"old":{}}}`)
	refused(t, e, es.NewRolloverAction(e.c, "old"), "alias old has no write index (it points to old-a, old-b)")
	simCall(t, e.sim, "PUT", "/functionbeat-000002", `{}`)
	refused(t, e, es.NewRolloverAction(e.c, essim.DemoWriteAlias), "the next index functionbeat-000002 already exists")
}

func TestReplicasFixesTheUnassignedReplica(t *testing.T) {
	e := newEnv(t)
	p, state := run(t, e, es.NewReplicasAction(e.c, essim.DemoUnassignedIndex, 2))
	jsonEqual(t, p.Requests[0].Body, `{"index":{"number_of_replicas":2}}`)
	if p.Requests[0].API != "PUT /geo-lookup/_settings" || p.Changes[0] != "index.number_of_replicas: 3 -> 2" || p.Risk != ops.RiskConfirm {
		t.Fatalf("plan = %+v", p)
	}
	if state != "number_of_replicas is 2; 3 shard copies, 0 unassigned" {
		t.Fatalf("state = %q", state)
	}
	cs, _ := e.c.Cluster(ctx(t))
	if cs.Status != "green" {
		t.Fatalf("cluster %s after the fix", cs.Status)
	}
}

func TestReplicasRules(t *testing.T) {
	e := newEnv(t)
	a := es.NewReplicasAction(e.c, "products", 0)
	if err := a.Validate(ctx(t)); err != nil {
		t.Fatal(err)
	}
	p, _ := a.Plan(ctx(t))
	if p.Risk != ops.RiskTyped || p.ConfirmName != "products" {
		t.Fatalf("0 replicas: risk %v confirm %q", p.Risk, p.ConfirmName)
	}
	a = es.NewReplicasAction(e.c, "customers", 9)
	if err := a.Validate(ctx(t)); err != nil {
		t.Fatal(err)
	}
	p, _ = a.Plan(ctx(t))
	notes := strings.Join(p.Notes, "\n")
	if !strings.Contains(notes, "need 10 data nodes and the cluster has 9") || !strings.Contains(notes, "copies about") {
		t.Fatalf("notes = %q", notes)
	}
	refused(t, e, es.NewReplicasAction(e.c, "products", 1), "already has 1 replicas")
	refused(t, e, es.NewReplicasAction(e.c, "products", -1), "0 or more")
	refused(t, e, es.NewReplicasAction(e.c, "nope", 1), "does not exist")
	simCall(t, e.sim, "PUT", "/auto", `{"settings":{"index.auto_expand_replicas":"0-all"}}`)
	refused(t, e, es.NewReplicasAction(e.c, "auto", 1), "auto_expand_replicas")
}

func TestClearReadOnly(t *testing.T) {
	e := newEnv(t)
	// data-1 holds a shard and is over the high watermark: refused.
	refused(t, e, es.NewClearReadOnlyAction(e.c, essim.DemoReadOnlyIndex), "data-1 at 91.2% of 1tb used (over high watermark, high watermark 90%)")
	refused(t, e, es.NewClearReadOnlyAction(e.c, "products"), "no read_only_allow_delete block")

	if err := e.sim.SetNodeDiskPercent(essim.DemoHotDiskNode, 80); err != nil {
		t.Fatal(err)
	}
	p, state := run(t, e, es.NewClearReadOnlyAction(e.c, essim.DemoReadOnlyIndex))
	if p.Requests[0].API != "PUT /customer-exports/_settings" || p.Requests[0].Body != `{"index.blocks.read_only_allow_delete":null}` {
		t.Fatalf("request = %+v", p.Requests[0])
	}
	if !strings.Contains(p.Notes[0], "data-0, data-1, data-2, default-1") || !strings.Contains(state, "accepts writes") {
		t.Fatalf("notes %q state %q", p.Notes, state)
	}
	snap := mustSnapshot(t, e)
	if ix := mustIndex(t, snap, essim.DemoReadOnlyIndex); ix.ReadOnlyAllowDelete || ix.Has(es.ProblemReadOnly) {
		t.Fatalf("block still there: %+v", ix)
	}
}

func TestCurlPlaceholders(t *testing.T) {
	e := newEnv(t, func(c *es.Config) { c.APIKey = secretKey })
	a := es.NewReplicasAction(e.c, "products", 2)
	if err := a.Validate(ctx(t)); err != nil {
		t.Fatal(err)
	}
	p, _ := a.Plan(ctx(t))
	want := `curl -sS -X PUT -H "Authorization: ApiKey $ELASTICSEARCH_API_KEY" ` + demoURL + `/products/_settings -H 'Content-Type: application/json' -d '{"index":{"number_of_replicas":2}}'`
	if p.CLI[0] != want {
		t.Fatalf("curl =\n%s\nwant\n%s", p.CLI[0], want)
	}
	assertNoSecret(t, p.CLI[0], p.RequestsText())
}

// The Runner's guard refuses under --read-only, and nothing reaches the
// cluster: the recorder sees no mutation.
func TestReadOnlyRunnerSendsNothing(t *testing.T) {
	e := newEnv(t)
	audit, err := ops.OpenAudit(filepath.Join(t.TempDir(), "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	r := &ops.Runner{Guard: ops.Guard{ReadOnlyReasons: []string{"--read-only"}}, Audit: audit}
	prep, err := r.Prepare(ctx(t), es.NewRolloverAction(e.c, essim.DemoWriteAlias))
	if err != nil {
		t.Fatal(err)
	}
	res := r.Execute(ctx(t), prep, nil)
	if res.Outcome != ops.OutcomeRefused || len(e.rec.Mutations()) != 0 {
		t.Fatalf("outcome %s, mutations %+v", res.Outcome, e.rec.Mutations())
	}
}

func TestParseAction(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		verb     string
		args     []string
		resource string
		params   map[string]string
	}{
		{"ilm-policy", []string{"logs", "--rollover-max-age", "30d", "--delete-min-age=90d"}, "logs",
			map[string]string{"policy": "logs", "rollover_max_age": "30d", "delete_min_age": "90d"}},
		{"ilm-attach", []string{"--rollover-alias", "fb-write", "fb-1", "fb", "--indexing-complete"}, "fb-1",
			map[string]string{"index": "fb-1", "policy": "fb", "rollover_alias": "fb-write", "indexing_complete": "true"}},
		{"ilm-bootstrap", []string{"fb-write", "--policy", "fb"}, "fb-write", map[string]string{"alias": "fb-write", "policy": "fb"}},
		{"ilm-template", []string{"fb", "--pattern", "fb-*,fbx-*", "--policy", "fb", "--priority", "300"}, "fb",
			map[string]string{"template": "fb", "pattern": "fb-*,fbx-*", "policy": "fb", "priority": "300"}},
		{"ilm-retry", []string{"x"}, "x", map[string]string{"index": "x"}},
		{"rollover", []string{"a"}, "a", map[string]string{"alias": "a"}},
		{"replicas", []string{"x", "2"}, "x", map[string]string{"index": "x", "replicas": "2"}},
		{"clear-read-only", []string{"x"}, "x", map[string]string{"index": "x"}},
	} {
		a, err := es.ParseAction(e.c, c.verb, c.args)
		if err != nil {
			t.Fatalf("%s %v: %v", c.verb, c.args, err)
		}
		if a.Name() != c.verb || a.Resource() != c.resource || a.Backend() != "elasticsearch" || !reflect.DeepEqual(a.Params(), c.params) {
			t.Errorf("%s: name %s resource %s params %v", c.verb, a.Name(), a.Resource(), a.Params())
		}
	}
	for _, c := range []struct {
		verb string
		args []string
		want string
	}{
		{"nuke", nil, "unknown Elasticsearch action"},
		{"rollover", nil, "takes one argument (ALIAS)"},
		{"replicas", []string{"x"}, "takes 2 arguments (INDEX N)"},
		{"replicas", []string{"x", "two"}, "not a whole number"},
		{"ilm-policy", []string{"p", "--rollover-max-age"}, "--rollover-max-age needs a value"},
		{"ilm-policy", []string{"p", "--max-age", "3d"}, "has no flag --max-age"},
		{"ilm-attach", []string{"i", "p", "--indexing-complete=maybe"}, "takes no value"},
		{"ilm-template", []string{"t", "--priority", "-1"}, "--priority"},
	} {
		if _, err := es.ParseAction(e.c, c.verb, c.args); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %v: err = %v, want %q", c.verb, c.args, err, c.want)
		}
	}
	if len(es.Verbs()) != 8 || es.Usage("rollover") != "rollover ALIAS" || !reflect.DeepEqual(es.Flags("ilm-bootstrap"), []string{"--policy"}) {
		t.Fatal("verbs/usage/flags")
	}
}

// Every action asks _has_privileges for what it needs before the guard lets
// it apply; a denial names the privilege, and without one the check passes.
func TestEveryActionChecksItsPrivileges(t *testing.T) {
	cases := []struct {
		action func(c *es.Client) ops.Action
		denial essim.Denial
		want   string
	}{
		{func(c *es.Client) ops.Action {
			return es.NewILMPolicyAction(c, "p", es.PolicyOptions{RolloverMaxAge: "1d"})
		}, essim.Denial{Kind: "cluster", Privileges: []string{"manage_ilm"}}, "cluster privilege manage_ilm"},
		{func(c *es.Client) ops.Action {
			return es.NewILMAttachAction(c, "products", "p", es.AttachOptions{})
		}, essim.Denial{Kind: "index", Privileges: []string{"manage"}}, "index privilege manage on [products]"},
		{func(c *es.Client) ops.Action { return es.NewILMBootstrapAction(c, "new-write", "") },
			essim.Denial{Kind: "index", Privileges: []string{"create_index"}}, "index privilege create_index on [new-write-000001]"},
		{func(c *es.Client) ops.Action {
			return es.NewILMTemplateAction(c, "t", es.TemplateOptions{Patterns: []string{"t-*"}, Policy: "p"})
		}, essim.Denial{Kind: "cluster", Privileges: []string{"manage_index_templates"}}, "cluster privilege manage_index_templates"},
		{func(c *es.Client) ops.Action { return es.NewILMRetryAction(c, essim.DemoILMErrorIndex) },
			essim.Denial{Kind: "index", Privileges: []string{"manage_ilm"}}, "index privilege manage_ilm on [metricbeat-7.17.0]"},
		{func(c *es.Client) ops.Action { return es.NewRolloverAction(c, essim.DemoWriteAlias) },
			essim.Denial{Kind: "index", Privileges: []string{"manage"}}, "index privilege manage on [functionbeat-write]"},
		{func(c *es.Client) ops.Action { return es.NewReplicasAction(c, "products", 2) },
			essim.Denial{Kind: "index", Privileges: []string{"manage"}}, "index privilege manage on [products]"},
		{func(c *es.Client) ops.Action { return es.NewClearReadOnlyAction(c, essim.DemoReadOnlyIndex) },
			essim.Denial{Kind: "index", Privileges: []string{"manage"}}, "index privilege manage on [customer-exports]"},
	}
	for _, c := range cases {
		free := newEnv(t)
		a := c.action(free.c)
		if err := a.(ops.PermissionChecker).CheckPermission(ctx(t)); err != nil {
			t.Errorf("%s without denial: %v", a.Name(), err)
		}
		denied := newEnv(t)
		// The denial's action matches no request: only _has_privileges says no.
		c.denial.Action = "unused:" + a.Name()
		denied.sim.Deny(c.denial)
		err := c.action(denied.c).(ops.PermissionChecker).CheckPermission(ctx(t))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", a.Name(), err, c.want)
		}
	}
}
