package runbook

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"github.com/opsconsole/opsconsole/internal/ops"
)

// RunInfo says who runs a runbook against what, for the timeline.
type RunInfo struct {
	// Who is the operator ("alice" or an SSH key's fingerprint and comment).
	Who string
	// Target and Environment name the target ("demo-prod", "prod").
	Target      string
	Environment string
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Result is one execution of a step's check or re-check.
type Result struct {
	Step    string `json:"step"`
	Recheck bool   `json:"recheck"`
	Status  Status `json:"status"`
	Summary string `json:"summary"`
	// Evidence is the step's own evidence lines (templates filled in)
	// followed by the probe's. Raw text: sanitise before printing.
	Evidence []string `json:"evidence"`
	// Reasons are the thresholds that decided a warn or fail.
	Reasons  []string         `json:"reasons,omitempty"`
	Outputs  map[string]Value `json:"outputs,omitempty"`
	Err      string           `json:"error,omitempty"`
	Started  time.Time        `json:"started"`
	Duration time.Duration    `json:"duration_ns"`
}

// FixRecord is what happened to a step's fix.
type FixRecord struct {
	Command  string    `json:"command"`
	Outcome  string    `json:"outcome"`
	Verified string    `json:"verified,omitempty"`
	Err      string    `json:"error,omitempty"`
	At       time.Time `json:"at"`
}

// StepState is a step's progress in a run.
type StepState struct {
	Status  Status
	Check   *Result
	Recheck *Result
	Fix     *FixRecord
	// Visited is set once the step was checked, skipped or (manual) shown.
	Visited bool
}

// Latest is the newest result: the re-check after a fix, else the check.
func (s *StepState) Latest() *Result {
	if s.Recheck != nil {
		return s.Recheck
	}
	return s.Check
}

// Run is one execution of a runbook with bound parameters. Its methods are
// not safe for concurrent use: drive it from one goroutine (the UI's) and
// run only Job.Run elsewhere.
type Run struct {
	rb       *Runbook
	reg      *Registry
	env      *Env
	info     RunInfo
	params   map[string]string
	states   map[string]*StepState
	timeline *Timeline
}

// MissingParams lists the required parameters given lacks, in order.
func MissingParams(rb *Runbook, given map[string]string) []Param {
	var out []Param
	for _, p := range rb.Params {
		if _, ok := given[p.Name]; !ok && p.Required() {
			out = append(out, p)
		}
	}
	return out
}

// BindParams checks given values against the runbook's parameters and
// fills in defaults. Unknown names, bad values and missing required
// parameters are errors in the operator's words.
func BindParams(rb *Runbook, given map[string]string) (map[string]string, error) {
	out := map[string]string{}
	var problems []string
	for _, name := range sortedKeys(given) {
		p, ok := rb.Param(name)
		if !ok {
			problems = append(problems, fmt.Sprintf("runbook %s has no parameter %q (parameters: %s)", rb.ID, name, paramNames(rb)))
			continue
		}
		v, err := p.Normalize(given[name])
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		out[name] = v
	}
	for _, p := range rb.Params {
		if _, ok := out[p.Name]; ok {
			continue
		}
		if _, bad := given[p.Name]; bad {
			continue
		}
		if p.HasDefault {
			out[p.Name] = p.Default
			continue
		}
		help := ""
		if p.Help != "" {
			help = ": " + p.Help
		}
		problems = append(problems, fmt.Sprintf("parameter %s is required (%s)%s; give it as %s=VALUE (on the command line: --param %s=VALUE)", p.Name, p.Type, help, p.Name, p.Name))
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "; "))
	}
	return out, nil
}

// NewRun binds the parameters and starts a run (nothing is checked yet).
func NewRun(rb *Runbook, reg *Registry, env *Env, given map[string]string, info RunInfo) (*Run, error) {
	params, err := BindParams(rb, given)
	if err != nil {
		return nil, err
	}
	if info.Now == nil {
		info.Now = time.Now
	}
	r := &Run{rb: rb, reg: reg, env: env, info: info, params: params, states: map[string]*StepState{}}
	for _, st := range rb.Steps {
		s := &StepState{Status: Pending}
		if st.Check == nil {
			s.Status = Manual
		}
		r.states[st.ID] = s
	}
	r.timeline = newTimeline(rb, info, params)
	return r, nil
}

// Runbook is the runbook being run.
func (r *Run) Runbook() *Runbook { return r.rb }

// Params are the bound parameters.
func (r *Run) Params() map[string]string { return r.params }

// State is a step's progress.
func (r *Run) State(stepID string) *StepState { return r.states[stepID] }

// Timeline is the run's record so far.
func (r *Run) Timeline() *Timeline { return r.timeline }

// First is the id of the first step.
func (r *Run) First() string { return r.rb.Steps[0].ID }

// Next is where the run goes after a step, by its status: pass, skipped and
// manual follow next.pass; warn follows next.warn, else next.pass; fail and
// error follow next.fail. A missing edge is the following step.
func (r *Run) Next(stepID string) string {
	st, ok := r.rb.Step(stepID)
	if !ok {
		return Done
	}
	var keys []string
	switch r.states[stepID].Status {
	case Warn:
		keys = []string{"warn", "pass"}
	case Fail, Error:
		keys = []string{"fail"}
	default:
		keys = []string{"pass"}
	}
	for _, k := range keys {
		if t, ok := st.Next[k]; ok {
			return t
		}
	}
	for i := range r.rb.Steps {
		if r.rb.Steps[i].ID == stepID && i+1 < len(r.rb.Steps) {
			return r.rb.Steps[i+1].ID
		}
	}
	return Done
}

// lookup resolves a template reference: a parameter, an output of the
// step's own result (own), or "step.output" of another step.
func (r *Run) lookup(ref string, own map[string]Value) (string, bool) {
	stepID, out, qualified := strings.Cut(ref, ".")
	if !qualified {
		if v, ok := r.params[ref]; ok {
			return v, true
		}
		v, ok := own[ref]
		return v.String(), ok && v.Set
	}
	s, ok := r.states[stepID]
	if !ok || s.Latest() == nil {
		return "", false
	}
	v, ok := s.Latest().Outputs[out]
	return v.String(), ok && v.Set
}

// Job is a prepared check: arguments resolved, ready to run anywhere.
type Job struct {
	Step    string
	Recheck bool
	Probe   string
	Args    Args
	run     func(ctx context.Context) Result
}

// Run executes the probe within the check's timeout. It never panics: a
// probe that fails or panics yields an error result.
func (j *Job) Run(ctx context.Context) Result { return j.run(ctx) }

// Job prepares a step's check (recheck: the check after a fix). Call it on
// the goroutine that owns the run.
func (r *Run) Job(stepID string, recheck bool) (*Job, error) {
	st, ok := r.rb.Step(stepID)
	if !ok {
		return nil, fmt.Errorf("runbook %s has no step %q", r.rb.ID, stepID)
	}
	c := st.Check
	if recheck && st.Recheck != nil {
		c = st.Recheck
	}
	if c == nil {
		return nil, fmt.Errorf("step %s is a manual step: read it and act; there is nothing to check", stepID)
	}
	probe, ok := r.reg.Get(c.Probe)
	if !ok {
		return nil, fmt.Errorf("internal error: probe %s vanished", c.Probe)
	}
	args := Args{}
	var missing []string
	for _, pp := range probe.Params {
		tmpl, given := c.With[pp.Name]
		if !given {
			if pp.Default != "" {
				args[pp.Name] = pp.Default
			}
			continue
		}
		v, miss := expandTemplate(tmpl, func(ref string) (string, bool) { return r.lookup(ref, nil) })
		missing = append(missing, miss...)
		args[pp.Name] = v
	}
	// Evidence templates see this run's values as they are now, plus the
	// probe's outputs once it has run.
	evidence := append([]string(nil), st.Evidence...)
	snapshot := r.snapshotLookup()
	env, now := r.env, r.info.Now
	job := &Job{Step: stepID, Recheck: recheck, Probe: probe.Name, Args: args}
	job.run = func(ctx context.Context) Result {
		start := now()
		res := Result{Step: stepID, Recheck: recheck, Started: start}
		if len(missing) > 0 {
			res.Status = Error
			res.Err = fmt.Sprintf("the check needs %s, which no earlier step reported (run those steps first, or they found nothing)", refList(missing))
			res.Summary = res.Err
			return res
		}
		obs, err := runProbe(ctx, env, probe, args, c.Timeout)
		res.Duration = now().Sub(start)
		if err != nil {
			res.Status, res.Err, res.Summary = Error, err.Error(), err.Error()
			return res
		}
		res.Outputs, res.Summary = obs.Outputs, obs.Summary
		res.Status, res.Reasons = judge(probe, c, obs)
		for _, e := range evidence {
			line, _ := expandTemplate(e, func(ref string) (string, bool) {
				if v, ok := snapshot(ref); ok {
					return v, true
				}
				v, ok := obs.Outputs[ref]
				if !ok || !v.Set {
					return "-", true
				}
				return v.String(), true
			})
			res.Evidence = append(res.Evidence, line)
		}
		res.Evidence = append(res.Evidence, obs.Evidence...)
		return res
	}
	return job, nil
}

func refList(refs []string) string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = "${" + r + "}"
	}
	return strings.Join(out, ", ")
}

// snapshotLookup copies what templates can see now (parameters and other
// steps' outputs), so a job running elsewhere never reads the run.
func (r *Run) snapshotLookup() func(ref string) (string, bool) {
	vals := map[string]string{}
	for k, v := range r.params {
		vals[k] = v
	}
	for id, s := range r.states {
		if l := s.Latest(); l != nil {
			for k, v := range l.Outputs {
				if v.Set {
					vals[id+"."+k] = v.String()
				}
			}
		}
	}
	return func(ref string) (string, bool) {
		v, ok := vals[ref]
		return v, ok
	}
}

// runProbe runs a probe with a timeout, turning panics into errors.
func runProbe(ctx context.Context, env *Env, p *Probe, args Args, timeout time.Duration) (obs Observation, err error) {
	if err := env.has(p.Backend); err != nil {
		return Observation{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("internal error in probe %s: %v\n%s", p.Name, v, debug.Stack())
		}
	}()
	obs, err = p.Run(ctx, env, args)
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		err = fmt.Errorf("no answer within %s (%w)", timeout, err)
	}
	if obs.Outputs == nil {
		obs.Outputs = map[string]Value{}
	}
	return obs, err
}

// Record stores a job's result and adds it to the timeline.
func (r *Run) Record(res Result) {
	s, ok := r.states[res.Step]
	if !ok {
		return
	}
	cp := res
	if res.Recheck {
		s.Recheck = &cp
	} else {
		s.Check, s.Recheck, s.Fix = &cp, nil, nil
	}
	s.Status, s.Visited = res.Status, true
	kind := KindCheck
	if res.Recheck {
		kind = KindRecheck
	}
	r.timeline.add(Entry{Time: res.Started, Step: res.Step, Kind: kind, Status: res.Status, Summary: res.Summary,
		Reasons: res.Reasons, Evidence: res.Evidence, Who: r.info.Who})
}

// MarkRunning shows a step as running until its result is recorded.
func (r *Run) MarkRunning(stepID string) {
	if s, ok := r.states[stepID]; ok {
		s.Status = Running
	}
}

// Skip marks a step skipped (the operator decided it does not apply).
func (r *Run) Skip(stepID string) {
	s, ok := r.states[stepID]
	if !ok {
		return
	}
	s.Status, s.Visited = Skipped, true
	r.timeline.add(Entry{Time: r.info.Now(), Step: stepID, Kind: KindSkip, Status: Skipped, Summary: "skipped by the operator", Who: r.info.Who})
}

// Visit records that a manual step was shown to the operator.
func (r *Run) Visit(stepID string) {
	st, ok := r.rb.Step(stepID)
	if !ok || st.Check != nil || r.states[stepID].Visited {
		return
	}
	r.states[stepID].Visited = true
	r.timeline.add(Entry{Time: r.info.Now(), Step: stepID, Kind: KindManual, Status: Manual, Summary: "manual step: " + st.Title, Who: r.info.Who})
}

// Proposal is a step's remediation with its arguments filled in from the
// parameters and the check's outputs.
type Proposal struct {
	Step    string   `json:"step"`
	Verb    string   `json:"action"`
	Args    []string `json:"args"`
	Explain string   `json:"explain,omitempty"`
}

// Command is the command-mode line of the fix (":split app-logs ...").
func (p *Proposal) Command() string {
	parts := append([]string{p.Verb}, p.Args...)
	for i, a := range parts {
		if a == "" || strings.ContainsAny(a, " \t'\"\\") {
			parts[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return ":" + strings.Join(parts, " ")
}

// Proposal returns the fix a step's latest verdict calls for, or why there
// is none.
func (r *Run) Proposal(stepID string) (*Proposal, error) {
	st, ok := r.rb.Step(stepID)
	if !ok {
		return nil, fmt.Errorf("runbook %s has no step %q", r.rb.ID, stepID)
	}
	if st.Fix == nil {
		return nil, fmt.Errorf("step %s has no fix the console can apply; its explanation says what to do", stepID)
	}
	res := r.states[stepID].Latest()
	switch {
	case res == nil:
		return nil, fmt.Errorf("run the check of step %s first", stepID)
	case res.Status == Error:
		return nil, fmt.Errorf("the check of step %s failed to run (%s); fix that and re-run it first", stepID, res.Err)
	case res.Status.severity() < st.Fix.When.severity():
		return nil, fmt.Errorf("step %s is %s: no fix needed", stepID, res.Status)
	}
	p := &Proposal{Step: stepID, Verb: st.Fix.Action, Explain: st.Fix.Explain}
	var missing []string
	for _, a := range st.Fix.Args {
		v, miss := expandTemplate(a, func(ref string) (string, bool) { return r.lookup(ref, res.Outputs) })
		missing = append(missing, miss...)
		p.Args = append(p.Args, v)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("the fix of step %s needs %s, which the check did not report; see its evidence for what to do by hand", stepID, refList(missing))
	}
	return p, nil
}

// Action builds the proposal's ops.Action on this run's backends. Take it
// through ops.Runner; then call RecordFix.
func (r *Run) Action(p *Proposal) (ops.Action, error) {
	return buildAction(r.env, p.Verb, p.Args)
}

// RecordFix records the outcome of a proposal taken through ops.Runner.
// After an applied fix, run Job(step, true) to re-check.
func (r *Run) RecordFix(p *Proposal, res ops.Result) {
	s, ok := r.states[p.Step]
	if !ok {
		return
	}
	f := &FixRecord{Command: p.Command(), Outcome: res.Outcome, Verified: res.Verified, At: r.info.Now()}
	if res.Err != nil {
		f.Err = res.Err.Error()
	}
	if res.VerifyErr != nil {
		f.Err = strings.TrimPrefix(f.Err+"; not yet visible: "+res.VerifyErr.Error(), "; ")
	}
	if res.AuditErr != nil {
		f.Err = strings.TrimPrefix(f.Err+"; audit entry not written: "+res.AuditErr.Error(), "; ")
	}
	s.Fix = f
	outcome := res.Outcome
	if f.Verified != "" {
		outcome += ": " + f.Verified
	}
	if f.Err != "" {
		outcome += " (" + f.Err + ")"
	}
	r.timeline.add(Entry{Time: f.At, Step: p.Step, Kind: KindFix, Status: s.Status, Action: p.Command(), Outcome: outcome, Who: r.info.Who})
}

// RecordNote adds a free-text line to the timeline (a proposal that was
// refused before the dialog, say).
func (r *Run) RecordNote(stepID, text string) {
	r.timeline.add(Entry{Time: r.info.Now(), Step: stepID, Kind: KindNote, Summary: text, Who: r.info.Who})
}

// RunAll runs the checks along the branches from the first step until done,
// without applying anything: what `opsconsole runbook run` does. Manual
// steps are recorded as shown. progress, when set, hears each result.
func (r *Run) RunAll(ctx context.Context, progress func(stepID string, res *Result)) {
	for id := r.First(); id != Done; id = r.Next(id) {
		if ctx.Err() != nil {
			return
		}
		st, _ := r.rb.Step(id)
		if st.Check == nil {
			r.Visit(id)
			if progress != nil {
				progress(id, nil)
			}
			continue
		}
		job, err := r.Job(id, false)
		if err != nil {
			r.Record(Result{Step: id, Status: Error, Err: err.Error(), Summary: err.Error(), Started: r.info.Now()})
			continue
		}
		r.MarkRunning(id)
		res := job.Run(ctx)
		r.Record(res)
		if progress != nil {
			progress(id, &res)
		}
	}
	r.timeline.Finish(r.info.Now())
}

// Verdict is the run's overall verdict: error when any check could not
// run, else fail when any failed, else warn, else pass.
func (r *Run) Verdict() Status {
	v := Pass
	for _, s := range r.states {
		if s.Status.IsVerdict() {
			v = Worst(v, s.Status)
		}
	}
	return v
}
