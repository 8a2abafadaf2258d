package runbook

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opsconsole/opsconsole/internal/config"
	"github.com/opsconsole/opsconsole/internal/es"
	"github.com/opsconsole/opsconsole/internal/fleet"
	"github.com/opsconsole/opsconsole/internal/sim/essim"
)

// cliRig runs the CLI on a fresh demo fleet, with every Elasticsearch
// request recorded.
type cliRig struct {
	*demoRig
	rec *essim.Recorder
	// noES leaves Elasticsearch unconfigured.
	noES bool
	// before is the mutation count when the rig was built (the simulated
	// cluster's own controllers write pod status while it starts).
	before int
}

func newCLIRig(t *testing.T) *cliRig {
	t.Helper()
	t.Setenv("XDG_CONFIG_HOME", t.TempDir()) // no user runbooks from the machine
	g := &cliRig{demoRig: newRig(t)}
	g.rec = essim.NewRecorder(g.demo.ES)
	g.before = g.mutations()
	return g
}

func (g *cliRig) main(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	opts, err := config.Parse(append([]string{"runbook", "--demo"}, args...), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	cli := &CLI{Options: &opts, Who: "cron", Stdout: &out, Stderr: &errOut,
		Connect: func(context.Context, config.Target) *fleet.Fleet { return g.fleet },
		Env: func(f *fleet.Fleet) *Env {
			env := *g.env
			c, err := es.New(es.Config{URLs: []string{"http://elasticsearch.demo:9200"}, Transport: g.rec, Now: g.clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			env.ES = c
			if g.noES {
				env.ES = nil
			}
			return &env
		}}
	code = cli.Main(context.Background())
	return code, out.String(), errOut.String()
}

// mutations counts every mutating call any backend saw.
func (g *cliRig) mutations() int {
	n := 0
	for _, api := range []string{"UpdateShardCount", "SplitShard", "MergeShards", "IncreaseStreamRetentionPeriod",
		"DecreaseStreamRetentionPeriod", "EnableEnhancedMonitoring", "DisableEnhancedMonitoring", "PutRecord", "PutRecords"} {
		n += g.demo.Kinesis.Calls(api)
	}
	for _, r := range g.rec.Requests() {
		if r.IsMutation() {
			n++
		}
	}
	for _, a := range g.demo.K8s.Clientset().Actions() {
		switch a.GetVerb() {
		case "patch", "update", "delete":
			n++
		}
	}
	return n
}

// jsonReport is what a machine reads from `runbook run --format json`.
type jsonReport struct {
	Runbook string
	Verdict string
	Steps   []struct {
		ID      string
		Status  string
		Outputs map[string]any
	}
}

func TestCLIRunFailingRunbookProposesWithoutApplying(t *testing.T) {
	g := newCLIRig(t)
	code, out, errOut := g.main(t, "run", "es-unassigned-shards")
	if code != 1 {
		t.Fatalf("exit %d, want 1 (a check failed)\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"**Result: FAIL**", "## [FAIL] unassigned:", "geo-lookup shard 0 replica: UNASSIGNED",
		"**Proposed fix (not applied):** `:replicas geo-lookup 2`", "- request: `PUT /geo-lookup/_settings", "- CLI: `curl"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if n := g.mutations() - g.before; n != 0 {
		t.Fatalf("runbook run sent %d mutations", n)
	}
	if len(g.rec.Requests()) == 0 {
		t.Fatal("the recorder saw nothing: the test would prove nothing")
	}
}

func TestCLIRunEveryBuiltinSendsNoMutation(t *testing.T) {
	g := newCLIRig(t)
	params := map[string][]string{
		"kinesis-not-capturing": {"--param", "stream=app-logs"}, "kinesis-consumer-lag": {"--param", "stream=app-logs"},
		"logs-repetitive-errors": {"--param", "stream=app-logs"},
		"kinesis-permissions":    {"--param", "stream=app-logs", "--param", "principal=arn:aws:iam::123456789012:role/log-processor"},
	}
	for _, rb := range Load(Probes()).List() {
		code, out, errOut := g.main(t, append([]string{"run", rb.ID, "--format", "json"}, params[rb.ID]...)...)
		if code != 1 {
			t.Errorf("%s: exit %d, want 1 (the demo plants a problem for every runbook)\n%s", rb.ID, code, errOut)
		}
		var rep jsonReport
		if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Runbook != rb.ID || len(rep.Steps) == 0 || rep.Verdict != "fail" {
			t.Errorf("%s: JSON report: %v\n%s", rb.ID, err, out)
		}
	}
	if n := g.mutations() - g.before; n != 0 {
		t.Fatalf("runbook run sent %d mutations", n)
	}
}

func TestCLIRunPassingExitsZero(t *testing.T) {
	g := newCLIRig(t)
	code, out, errOut := g.main(t, "run", "kinesis-permissions", "--param", "stream=app-logs", "--param",
		"principal=arn:aws:iam::123456789012:role/log-pipeline", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	var rep jsonReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Verdict != "pass" {
		t.Fatalf("%v %s", err, out)
	}
	if !strings.Contains(out, `"verdict": "pass"`) || !strings.Contains(out, `"denied": 0`) {
		t.Fatalf("json shape:\n%s", out)
	}
}

func TestCLIErrorsExitTwo(t *testing.T) {
	g := newCLIRig(t)
	cases := map[string][]string{
		`no runbook "nope"`:                     {"run", "nope"},
		"parameter stream is required":          {"run", "kinesis-consumer-lag"},
		`parameter window must be at least 5m`:  {"run", "kinesis-consumer-lag", "--param", "stream=app-logs", "--param", "window=1m"},
		`has no parameter "color"`:              {"run", "es-ilm-error", "--param", "color=red"},
		`write it as NAME=VALUE`:                {"run", "es-ilm-error", "--param", "oops"},
		"--param applies to runbook run only":   {"show", "es-ilm-error", "--param", "a=b"},
		`--format "yaml": use markdown or json`: {"list", "--format", "yaml"},
		"usage: opsconsole runbook list":        {},
		`unknown runbook command "walk"`:        {"walk"},
		"runbook show takes one runbook id":     {"show"},
	}
	for want, args := range cases {
		code, _, errOut := g.main(t, args...)
		if code != 2 || !strings.Contains(errOut, want) {
			t.Errorf("%v: exit %d, want 2 and %q in:\n%s", args, code, want, errOut)
		}
	}
	// A backend that is not there is an error, not a failed check.
	g.noES = true
	code, out, _ := g.main(t, "run", "es-disk-watermark")
	if code != 2 || !strings.Contains(out, "## [ERROR] disk:") || !strings.Contains(out, "Elasticsearch is not available for target demo-staging") {
		t.Fatalf("missing backend: exit %d\n%s", code, out)
	}
}

func TestCLIUnreachableBackendExitsTwo(t *testing.T) {
	g := newCLIRig(t)
	g.demo.ES.AddFault(essim.Fault{Status: http.StatusUnauthorized})
	code, out, _ := g.main(t, "run", "es-disk-watermark")
	if code != 2 || !strings.Contains(out, "**Result: ERROR**") {
		t.Fatalf("exit %d\n%s", code, out)
	}
}

func TestCLIListAndShow(t *testing.T) {
	g := newCLIRig(t)
	dir := filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "opsconsole", "runbooks")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "evil.yaml"), []byte("id: evil\ntitle: \"Evil \\e[2J title\"\nsymptoms: [s]\nsteps:\n  - {id: a, title: A, explain: \"x\\e]52;c;AAAA\\a\"}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte("id: bad\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := g.main(t, "list")
	if code != 0 || !strings.Contains(out, "kinesis-consumer-lag") || !strings.Contains(out, "builtin") || !strings.Contains(out, "evil") {
		t.Fatalf("list: %d\n%s", code, out)
	}
	if !strings.Contains(errOut, "rejected: "+filepath.Join(dir, "bad.yaml")+`:1: runbook: "title" is required`) {
		t.Fatalf("rejected files go to stderr:\n%s", errOut)
	}
	code, out, _ = g.main(t, "show", "evil")
	if code != 0 || strings.ContainsAny(out, "\x1b\x07") || !strings.Contains(out, `\x1b[2J`) {
		t.Fatalf("show must sanitise: %q", out)
	}
	code, out, _ = g.main(t, "show", "kinesis-consumer-lag")
	for _, want := range []string{"# kinesis-consumer-lag:", "| stream | string | (required) |", "### 4. hot-shard:",
		"probe `kinesis.hot_shards` with `stream=${stream} window=5m`", "**Fix** (on fail): `:split ${stream} ${hot_shard}`", "*Manual step.*"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = g.main(t, "show", "es-ilm-error", "--format", "json")
	var rb struct {
		ID    string
		Steps []struct {
			ID    string
			Check struct{ Probe, Timeout string }
		}
	}
	if code != 0 || json.Unmarshal([]byte(out), &rb) != nil || rb.ID != "es-ilm-error" || len(rb.Steps) != 3 || rb.Steps[0].Check.Timeout != "30s" {
		t.Fatalf("show json: %d %s", code, out)
	}
}
