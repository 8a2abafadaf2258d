package ops

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeAction counts what the pipeline calls, so a test can prove that a
// refused action sent nothing.
type fakeAction struct {
	risk        Risk
	validateErr error
	applyErr    error
	permErr     error
	applied     int
	verified    int
}

func (f *fakeAction) Name() string              { return "reshard" }
func (f *fakeAction) Backend() string           { return "kinesis" }
func (f *fakeAction) Resource() string          { return "app-logs" }
func (f *fakeAction) Params() map[string]string { return map[string]string{"target_shard_count": "8"} }
func (f *fakeAction) Validate(context.Context) error {
	return f.validateErr
}
func (f *fakeAction) Plan(context.Context) (Plan, error) {
	return Plan{
		Title:       "Reshard app-logs",
		Changes:     []string{"4 -> 8 open shards"},
		Requests:    []Request{{API: "Kinesis.UpdateShardCount", Body: `{"StreamName":"app-logs","TargetShardCount":8}`}},
		CLI:         []string{"aws kinesis update-shard-count --stream-name app-logs --target-shard-count 8"},
		Risk:        f.risk,
		ConfirmName: "app-logs",
	}, nil
}
func (f *fakeAction) Apply(context.Context) error { f.applied++; return f.applyErr }
func (f *fakeAction) Verify(context.Context) (string, error) {
	f.verified++
	return "ACTIVE, 8 open shards", nil
}

type permAction struct{ *fakeAction }

func (p permAction) CheckPermission(context.Context) error { return p.permErr }

func newRunner(t *testing.T) (*Runner, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state", "audit.jsonl")
	log, err := OpenAudit(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	clock := time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC)
	return &Runner{
		Audit:  log,
		Who:    Identity{User: "alice", Host: "bastion"},
		Target: Target{Name: "staging", Environment: "staging"},
		Now:    func() time.Time { clock = clock.Add(10 * time.Millisecond); return clock },
	}, path
}

func readEntries(t *testing.T, path string) []Entry {
	t.Helper()
	e, skipped, err := ReadAudit(path, 0)
	if err != nil || skipped != 0 {
		t.Fatalf("ReadAudit: %v, %d skipped", err, skipped)
	}
	return e
}

func TestApplyWritesAuditAndVerifies(t *testing.T) {
	r, path := newRunner(t)
	a := &fakeAction{}
	p, err := r.Prepare(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Confirmations) != 0 || p.Refusal != nil {
		t.Fatalf("plain action on staging should be y/n, got %+v", p)
	}
	res := r.Execute(context.Background(), p, nil)
	if res.Outcome != OutcomeApplied || res.Err != nil || res.AuditErr != nil {
		t.Fatalf("result %+v", res)
	}
	if a.applied != 1 || a.verified != 1 || res.Verified != "ACTIVE, 8 open shards" {
		t.Fatalf("applied %d verified %d (%q)", a.applied, a.verified, res.Verified)
	}
	e := readEntries(t, path)
	if len(e) != 1 {
		t.Fatalf("want 1 audit entry, got %d", len(e))
	}
	got := e[0]
	if got.User != "alice" || got.Host != "bastion" || got.Target != "staging" || got.Environment != "staging" ||
		got.Action != "reshard" || got.Resource != "app-logs" || got.Params["target_shard_count"] != "8" ||
		!strings.Contains(got.Request, "UpdateShardCount") || !strings.HasPrefix(got.CLI, "aws kinesis") ||
		got.Outcome != OutcomeApplied || got.DurationMS != 10 {
		t.Fatalf("audit entry %+v", got)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("audit file mode %v (%v), want 0600", st.Mode().Perm(), err)
	}
}

func TestReadOnlyRefusesAndSendsNothing(t *testing.T) {
	r, path := newRunner(t)
	r.Guard = Guard{ReadOnlyReasons: []string{"started with --read-only"}}
	a := &fakeAction{risk: RiskTyped}
	p, err := r.Prepare(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	if p.Refusal == nil || !errors.Is(p.Refusal, ErrReadOnly) {
		t.Fatalf("Prepare should announce the refusal, got %v", p.Refusal)
	}
	// Even with the right confirmation typed, nothing is applied.
	res := r.Execute(context.Background(), p, []string{"app-logs"})
	if res.Outcome != OutcomeRefused || !errors.Is(res.Err, ErrReadOnly) {
		t.Fatalf("result %+v", res)
	}
	if a.applied != 0 || a.verified != 0 {
		t.Fatalf("read-only sent the action: applied %d", a.applied)
	}
	e := readEntries(t, path)
	if len(e) != 1 || e[0].Outcome != OutcomeRefused || !strings.Contains(e[0].Error, "--read-only") {
		t.Fatalf("audit %+v", e)
	}
}

func TestTypedConfirmation(t *testing.T) {
	r, _ := newRunner(t)
	a := &fakeAction{risk: RiskTyped}
	p, err := r.Prepare(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Confirmations) != 1 || p.Confirmations[0].Expect != "app-logs" {
		t.Fatalf("confirmations %+v", p.Confirmations)
	}
	res := r.Execute(context.Background(), p, []string{"app-log"})
	if res.Outcome != OutcomeRefused || !errors.Is(res.Err, ErrConfirmation) || a.applied != 0 {
		t.Fatalf("mismatch must refuse and send nothing: %+v applied=%d", res, a.applied)
	}
	res = r.Execute(context.Background(), p, nil)
	if res.Outcome != OutcomeRefused || a.applied != 0 {
		t.Fatalf("missing confirmation must refuse: %+v", res)
	}
	res = r.Execute(context.Background(), p, []string{"app-logs"})
	if res.Outcome != OutcomeApplied || a.applied != 1 {
		t.Fatalf("correct confirmation must apply: %+v", res)
	}
}

func TestProductionTargetNeedsTargetName(t *testing.T) {
	r, _ := newRunner(t)
	r.Target = Target{Name: "prod-eu", Environment: "prod"}
	a := &fakeAction{risk: RiskTyped}
	p, err := r.Prepare(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Confirmations) != 2 || p.Confirmations[1].Expect != "prod-eu" {
		t.Fatalf("prod must ask for the target name after the resource: %+v", p.Confirmations)
	}
	if res := r.Execute(context.Background(), p, []string{"app-logs", "staging"}); res.Outcome != OutcomeRefused || a.applied != 0 {
		t.Fatalf("wrong target name applied: %+v", res)
	}
	plain := &fakeAction{}
	p, _ = r.Prepare(context.Background(), plain)
	if len(p.Confirmations) != 1 {
		t.Fatalf("even a low-risk action on prod asks for the target name: %+v", p.Confirmations)
	}
}

func TestValidationErrorSendsNothingAndIsNotAudited(t *testing.T) {
	r, path := newRunner(t)
	a := &fakeAction{validateErr: errors.New("stream is UPDATING")}
	if _, err := r.Prepare(context.Background(), a); err == nil || a.applied != 0 {
		t.Fatalf("Prepare err %v applied %d", err, a.applied)
	}
	if e := readEntries(t, path); len(e) != 0 {
		t.Fatalf("a rejected command changed nothing and needs no audit entry, got %+v", e)
	}
}

func TestPermissionPrecheckRefuses(t *testing.T) {
	r, path := newRunner(t)
	a := permAction{&fakeAction{permErr: errors.New("cannot patch deployments in kube-system")}}
	p, err := r.Prepare(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	res := r.Execute(context.Background(), p, nil)
	if res.Outcome != OutcomeRefused || a.applied != 0 || !strings.Contains(res.Err.Error(), "patch deployments") {
		t.Fatalf("%+v applied=%d", res, a.applied)
	}
	if e := readEntries(t, path); len(e) != 1 || e[0].Outcome != OutcomeRefused {
		t.Fatalf("audit %+v", e)
	}
}

func TestApplyFailureAudited(t *testing.T) {
	r, path := newRunner(t)
	a := &fakeAction{applyErr: errors.New("LimitExceededException: 10 scalings per 24h")}
	p, _ := r.Prepare(context.Background(), a)
	res := r.Execute(context.Background(), p, nil)
	if res.Outcome != OutcomeFailed || a.verified != 0 {
		t.Fatalf("%+v verified=%d", res, a.verified)
	}
	if e := readEntries(t, path); len(e) != 1 || e[0].Outcome != OutcomeFailed || !strings.Contains(e[0].Error, "LimitExceeded") {
		t.Fatalf("audit %+v", e)
	}
}

func TestCancelAudited(t *testing.T) {
	r, path := newRunner(t)
	a := &fakeAction{}
	p, _ := r.Prepare(context.Background(), a)
	if res := r.Cancel(p); res.Outcome != OutcomeCancelled || res.AuditErr != nil {
		t.Fatalf("%+v", res)
	}
	if e := readEntries(t, path); len(e) != 1 || e[0].Outcome != OutcomeCancelled || a.applied != 0 {
		t.Fatalf("audit %+v applied %d", e, a.applied)
	}
}

func TestAuditWriteFailureIsReported(t *testing.T) {
	r, _ := newRunner(t)
	r.Audit.Close() // every later write fails
	a := &fakeAction{}
	p, _ := r.Prepare(context.Background(), a)
	res := r.Execute(context.Background(), p, nil)
	if res.AuditErr == nil {
		t.Fatal("a failed audit write must be reported, not swallowed")
	}
	if res.Outcome != OutcomeApplied {
		t.Fatalf("outcome %q", res.Outcome)
	}
}

func TestNoAuditLogRefuses(t *testing.T) {
	r, _ := newRunner(t)
	r.Audit = nil
	a := &fakeAction{}
	p, _ := r.Prepare(context.Background(), a)
	res := r.Execute(context.Background(), p, nil)
	if res.Outcome != OutcomeRefused || a.applied != 0 {
		t.Fatalf("without an audit log nothing may change: %+v applied %d", res, a.applied)
	}
}

func TestOpenAuditTightensPermissions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	if err := os.WriteFile(path, []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := OpenAudit(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode().Perm())
	}
}

func TestOpenAuditUnwritable(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	os.WriteFile(blocker, nil, 0o600)
	if _, err := OpenAudit(filepath.Join(blocker, "audit.jsonl")); err == nil {
		t.Fatal("opening an audit log under a file must fail")
	}
}

func TestReadAuditSkipsTornLines(t *testing.T) {
	in := `{"action":"a","outcome":"applied"}
not json
{"action":"b","outcome":"refused"}
{"action":"c","outco`
	e, skipped, err := parseAudit(strings.NewReader(in), 0)
	if err != nil || skipped != 2 || len(e) != 2 || e[1].Action != "b" {
		t.Fatalf("entries %+v skipped %d err %v", e, skipped, err)
	}
	e, _, _ = parseAudit(strings.NewReader(strings.Repeat(`{"action":"x"}`+"\n", 10)+`{"action":"last"}`), 3)
	if len(e) != 3 || e[2].Action != "last" {
		t.Fatalf("newest 3: %+v", e)
	}
}

func TestPlanMustBeComplete(t *testing.T) {
	for _, p := range []Plan{{}, {Title: "x"}, {Title: "x", Requests: []Request{{API: "a"}}, Risk: RiskTyped}} {
		if p.validate() == nil {
			t.Errorf("plan %+v should be rejected", p)
		}
	}
}

func TestIsProduction(t *testing.T) {
	for env, want := range map[string]bool{
		"prod": true, "PROD": true, "prod-eu": true, "us_production": true, "live": true, "eu.prd.2": true,
		"preprod": false, "nonprod": false, "staging": false, "dev": false, "": false, "product-demo": false,
	} {
		if got := (Target{Environment: env}).IsProduction(); got != want {
			t.Errorf("%q: IsProduction = %v, want %v", env, got, want)
		}
	}
}
