package runbook

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opsconsole/opsconsole/internal/ops"
)

// fakeProbes is a registry of probes that need no backend: "test.value"
// reports its argument as a number; "test.slow" waits for its context;
// "test.panic" panics; "test.kinesis" needs Kinesis.
func fakeProbes() *Registry {
	return NewRegistry(
		&Probe{Name: "test.value", Params: []ProbeParam{{Name: "v", Required: true}, {Name: "name", Default: "thing"}},
			Outputs:    []Output{{"value", KindNumber, ""}, {"name", KindText, ""}, {"age", KindDuration, ""}},
			Thresholds: map[string]Threshold{"value": mustThreshold("> 5", "> 10")},
			Run: func(_ context.Context, _ *Env, a Args) (Observation, error) {
				n, err := a.Int("v")
				if err != nil {
					return Observation{}, err
				}
				return Observation{Summary: "value is " + a.Str("v"), Evidence: []string{"raw \x1b[31mred\x1b[0m | pipe"},
					Outputs: map[string]Value{"value": Number(float64(n)), "name": Text(a.Str("name")), "age": Duration(time.Minute)}}, nil
			}},
		&Probe{Name: "test.slow", Run: func(ctx context.Context, _ *Env, _ Args) (Observation, error) {
			<-ctx.Done()
			return Observation{}, ctx.Err()
		}},
		&Probe{Name: "test.panic", Run: func(context.Context, *Env, Args) (Observation, error) { panic("boom") }},
		&Probe{Name: "test.kinesis", Backend: BackendKinesis, Run: func(context.Context, *Env, Args) (Observation, error) {
			return Observation{}, nil
		}},
	)
}

const engineBook = `id: eng
title: Engine test
symptoms: [s]
params:
  - {name: v, type: int}
steps:
  - id: first
    title: First
    explain: e
    check:
      probe: test.value
      with: {v: "${v}"}
    evidence: ["value ${value} of ${name} for ${v}"]
    fix:
      action: coredns-scale
      args: ["${value}"]
      when: warn
    next: {pass: last, fail: second}
  - id: second
    title: Second
    explain: e
    check:
      probe: test.value
      with: {v: "${first.value}", name: other}
      thresholds:
        value: {fail: "> 100"}
  - id: manual
    title: By hand
    explain: do it
  - id: last
    title: Last
    explain: e
    check:
      probe: test.slow
      timeout: 50ms
`

func engineRun(t *testing.T, v string, env *Env) *Run {
	t.Helper()
	rb, err := Parse("eng.yaml", []byte(engineBook), fakeProbes())
	if err != nil {
		t.Fatal(err)
	}
	if env == nil {
		env = &Env{}
	}
	clock := start
	r, err := NewRun(rb, fakeProbes(), env, map[string]string{"v": v}, RunInfo{Who: "alice", Target: "t1", Environment: "prod",
		Now: func() time.Time { clock = clock.Add(time.Second); return clock }})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestEngineBranchesAndVerdicts(t *testing.T) {
	pass := engineRun(t, "3", nil)
	pass.RunAll(context.Background(), nil)
	if s := statuses(pass); s["first"] != Pass || s["second"] != 0 || s["last"] != Error {
		t.Fatalf("pass branches to last, which times out: %v", s)
	}
	if res := pass.State("last").Check; !strings.Contains(res.Err, "no answer within 50ms") {
		t.Fatalf("timeout error: %q", res.Err)
	}
	fail := engineRun(t, "12", nil)
	var seen []string
	fail.RunAll(context.Background(), func(id string, _ *Result) { seen = append(seen, id) })
	if strings.Join(seen, ",") != "first,second,manual,last" {
		t.Fatalf("fail branches to second, then on in order: %v", seen)
	}
	if s := statuses(fail); s["first"] != Fail || s["second"] != Pass || s["manual"] != Manual {
		t.Fatalf("%v", s)
	}
	// second read ${first.value} and overrode the default threshold.
	if v := fail.State("second").Check.Outputs["value"].Num; v != 12 {
		t.Fatalf("second saw %v", v)
	}
	if reasons := fail.State("first").Check.Reasons; len(reasons) != 1 || reasons[0] != "value 12 > 10 (fail)" {
		t.Fatalf("reasons %v", reasons)
	}
	if ev := fail.State("first").Check.Evidence[0]; ev != "value 12 of thing for 12" {
		t.Fatalf("evidence template %q", ev)
	}
	if fail.Verdict() != Error {
		t.Fatal("an error anywhere makes the run an error")
	}
}

func TestEngineProposal(t *testing.T) {
	r := engineRun(t, "7", nil)
	if _, err := r.Proposal("first"); err == nil || !strings.Contains(err.Error(), "run the check of step first first") {
		t.Fatalf("before the check: %v", err)
	}
	if _, err := r.Proposal("second"); err == nil || !strings.Contains(err.Error(), "no fix the console can apply") {
		t.Fatalf("no fix: %v", err)
	}
	job, _ := r.Job("first", false)
	r.Record(job.Run(context.Background()))
	p, err := r.Proposal("first")
	if err != nil || p.Command() != ":coredns-scale 7" {
		t.Fatalf("warn offers the fix (when: warn): %+v %v", p, err)
	}
	if _, err := r.Action(p); err == nil || !strings.Contains(err.Error(), "kubernetes is not configured") {
		t.Fatalf("no backend: %v", err)
	}
	r.RecordFix(p, ops.Result{Outcome: ops.OutcomeFailed, Err: errors.New("denied")})
	if f := r.State("first").Fix; f.Outcome != "failed" || f.Err != "denied" {
		t.Fatalf("%+v", f)
	}
	ok := engineRun(t, "1", nil)
	job, _ = ok.Job("first", false)
	ok.Record(job.Run(context.Background()))
	if _, err := ok.Proposal("first"); err == nil || !strings.Contains(err.Error(), "is pass: no fix needed") {
		t.Fatalf("pass: %v", err)
	}
}

func TestEngineMissingReferenceAndSkip(t *testing.T) {
	r := engineRun(t, "1", nil)
	job, err := r.Job("second", false)
	if err != nil {
		t.Fatal(err)
	}
	res := job.Run(context.Background())
	if res.Status != Error || !strings.Contains(res.Err, "${first.value}") {
		t.Fatalf("second before first: %+v", res)
	}
	r.Skip("first")
	if r.State("first").Status != Skipped || r.Next("first") != "last" {
		t.Fatal("skipped follows next.pass")
	}
	if _, err := r.Job("manual", false); err == nil {
		t.Fatal("a manual step has no job")
	}
}

func TestEngineRecoversPanicsAndMissingBackends(t *testing.T) {
	reg := fakeProbes()
	for _, name := range []string{"test.panic", "test.kinesis"} {
		p, _ := reg.Get(name)
		_, err := runProbe(context.Background(), &Env{Unavailable: func(b string) error { return errors.New(b + " is not configured for target x") }}, p, nil, time.Second)
		if err == nil {
			t.Fatalf("%s: no error", name)
		}
		if name == "test.panic" && !strings.Contains(err.Error(), "internal error in probe test.panic: boom") {
			t.Fatalf("panic: %v", err)
		}
		if name == "test.kinesis" && err.Error() != "kinesis is not configured for target x" {
			t.Fatalf("backend: %v", err)
		}
	}
}

func TestTimelineMarkdownAndExport(t *testing.T) {
	r := engineRun(t, "12", nil)
	r.RunAll(context.Background(), nil)
	p, _ := r.Proposal("first")
	r.RecordFix(p, ops.Result{Outcome: ops.OutcomeApplied, Verified: "3 ready"})
	md := r.Timeline().Markdown()
	for _, want := range []string{
		"# Runbook timeline: Engine test (eng)",
		"- **Target:** t1 (prod)", "`v=12`", "- **Operator:** alice",
		"| Time (UTC) | Step | Event | Verdict | Evidence | Action | Outcome | Who |",
		"| first: First | check | FAIL | value is 12 |", "| first: First | fix |", "`:coredns-scale 12`", "applied: 3 ready",
		"| manual: By hand | manual |",
		"- threshold: value 12 > 10 (fail)",
		`raw \x1b[31mred\x1b[0m | pipe`, // evidence escaped in the code block
		"fixes applied in first",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("timeline lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "\x1b") {
		t.Fatal("escape bytes reached the timeline")
	}
	dir := filepath.Join(t.TempDir(), "state", "timelines")
	path, err := r.Timeline().Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(path) != "20261121T030406Z-eng.md" {
		t.Fatalf("name %s", path)
	}
	st, _ := os.Stat(path)
	dst, _ := os.Stat(dir)
	if st.Mode().Perm() != 0o600 || dst.Mode().Perm() != 0o700 {
		t.Fatalf("modes %v %v", st.Mode(), dst.Mode())
	}
	second, err := r.Timeline().Write(dir)
	if err != nil || second == path || !strings.HasSuffix(second, "-eng-2.md") {
		t.Fatalf("a second export must not overwrite: %s %v", second, err)
	}
	if got := TimelineDir("/var/lib/x/audit.jsonl"); got != "/var/lib/x/timelines" {
		t.Fatalf("TimelineDir %s", got)
	}
}
