package runbook

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/opsconsole/opsconsole/internal/sim/simclock"

	"github.com/opsconsole/opsconsole/internal/config"
	"github.com/opsconsole/opsconsole/internal/fleet"
	"github.com/opsconsole/opsconsole/internal/ops"
	"github.com/opsconsole/opsconsole/internal/sim"
)

// start pins the demo's clock so every run sees the same fleet.
var start = time.Date(2026, 11, 21, 3, 4, 5, 0, time.UTC)

// demoRig is a fresh demo fleet on a fake clock, an environment on it,
// and an ops.Runner writing a temporary audit log.
type demoRig struct {
	demo   *sim.Demo
	clock  *simclock.Clock
	fleet  *fleet.Fleet
	env    *Env
	runner *ops.Runner
	audit  string
}

func newRig(t testing.TB) *demoRig {
	t.Helper()
	clock := simclock.New(start)
	d := sim.NewDemo(clock.Now)
	d.Sleep = func(ctx context.Context, dur time.Duration) error { clock.Advance(dur); return ctx.Err() }
	f := fleet.ConnectDemo(context.Background(), config.Target{Name: "demo-staging", Environment: "staging", Demo: true}, d)
	t.Cleanup(f.Close)
	env := EnvFromFleet(f)
	env.Now, env.Sleep = clock.Now, d.Sleep
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	log, err := ops.OpenAudit(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	r := &ops.Runner{Audit: log, Who: ops.Identity{User: "sre", Host: "ci"}, Target: ops.Target{Name: "demo-staging", Environment: "staging"},
		VerifyTimeout: 2 * time.Minute, Now: clock.Now}
	return &demoRig{demo: d, clock: clock, fleet: f, env: env, runner: r, audit: path}
}

// run starts a run of a built-in runbook on the rig.
func (g *demoRig) run(t *testing.T, id string, params map[string]string) *Run {
	t.Helper()
	rb, err := Load(Probes()).Get(id)
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewRun(rb, Probes(), g.env, params, RunInfo{Who: "sre", Target: "demo-staging", Environment: "staging", Now: g.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// check runs a step's check (or re-check) and records it.
func (g *demoRig) check(t *testing.T, r *Run, step string, recheck bool) Result {
	t.Helper()
	job, err := r.Job(step, recheck)
	if err != nil {
		t.Fatal(err)
	}
	res := job.Run(context.Background())
	r.Record(res)
	return res
}

// apply takes a step's proposed fix through the ops.Runner, typing every
// confirmation it asks for, records the outcome and returns it.
func (g *demoRig) apply(t *testing.T, r *Run, step string) ops.Result {
	t.Helper()
	p, err := r.Proposal(step)
	if err != nil {
		t.Fatalf("no fix for %s: %v", step, err)
	}
	a, err := r.Action(p)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	prep, err := g.runner.Prepare(ctx, a)
	if err != nil {
		t.Fatalf("%s refused: %v", p.Command(), err)
	}
	var typed []string
	for _, c := range prep.Confirmations {
		typed = append(typed, c.Expect)
	}
	res := g.runner.Execute(ctx, prep, typed)
	r.RecordFix(p, res)
	if res.Outcome != ops.OutcomeApplied || res.VerifyErr != nil || res.AuditErr != nil {
		t.Fatalf("%s: %s %v %v %v", p.Command(), res.Outcome, res.Err, res.VerifyErr, res.AuditErr)
	}
	return res
}

// statuses maps every visited step to its status.
func statuses(r *Run) map[string]Status {
	out := map[string]Status{}
	for _, st := range r.Runbook().Steps {
		if s := r.State(st.ID); s.Visited {
			out[st.ID] = s.Status
		}
	}
	return out
}

// wantStatus fails unless the step's status is want.
func wantStatus(t *testing.T, r *Run, step string, want Status) {
	t.Helper()
	s := r.State(step)
	if s.Status != want {
		res := s.Latest()
		detail := ""
		if res != nil {
			detail = res.Summary + " " + res.Err
			for _, e := range res.Evidence {
				detail += "\n  " + e
			}
		}
		t.Fatalf("step %s is %s, want %s (all: %v): %s", step, s.Status, want, statuses(r), detail)
	}
}

// drive runs the simulated Kubernetes controllers one simulated second per
// few real milliseconds until stop is called, as the cluster would while an
// action verifies.
func (g *demoRig) drive(t *testing.T) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				g.clock.Advance(time.Second)
				if err := g.demo.K8s.Step(); err != nil {
					t.Error(err)
					return
				}
			}
		}
	}()
	return func() { cancel(); <-done }
}
