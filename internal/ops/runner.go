package ops

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Runner carries an action through the pipeline for one console (one local
// user or one SSH session). The confirm dialog calls Prepare, shows the
// Prepared plan, then calls Execute or Cancel.
type Runner struct {
	Guard  Guard
	Audit  *AuditLog
	Who    Identity
	Target Target
	// VerifyTimeout bounds how long Execute waits for the change to become
	// visible; zero means one minute.
	VerifyTimeout time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Prepared is a validated, planned action waiting for the operator.
type Prepared struct {
	Action Action
	Plan   Plan
	// Confirmations the operator must type, in order. Empty means y/n.
	Confirmations []Confirmation
	// Refusal is set when the guard will refuse this action whatever the
	// operator answers (read-only): the dialog says so up front.
	Refusal error
}

// Result is what Execute did.
type Result struct {
	Outcome  string
	Err      error
	Verified string
	// VerifyErr is set when the change was applied but could not be seen
	// within VerifyTimeout.
	VerifyErr error
	// AuditErr is set when the audit entry could not be written. The UI must
	// show it: an unaudited change is an incident of its own.
	AuditErr error
	Duration time.Duration
}

// ErrConfirmation is returned when the typed confirmation does not match.
var ErrConfirmation = errors.New("typed confirmation did not match")

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// Prepare validates and plans an action. An error here means nothing was
// sent and there is nothing to confirm.
func (r *Runner) Prepare(ctx context.Context, a Action) (*Prepared, error) {
	if err := a.Validate(ctx); err != nil {
		return nil, err
	}
	plan, err := a.Plan(ctx)
	if err != nil {
		return nil, err
	}
	if err := plan.validate(); err != nil {
		return nil, fmt.Errorf("internal error in %s: %w", a.Name(), err)
	}
	p := &Prepared{Action: a, Plan: plan, Refusal: r.Guard.Refusal()}
	if plan.Risk == RiskTyped {
		p.Confirmations = append(p.Confirmations, Confirmation{
			Prompt: fmt.Sprintf("This is high-risk. Type the name %q to confirm", plan.ConfirmName),
			Expect: plan.ConfirmName,
		})
	}
	if r.Target.IsProduction() {
		p.Confirmations = append(p.Confirmations, Confirmation{
			Prompt: fmt.Sprintf("Target %s is PRODUCTION. Type the target name %q to confirm", r.Target.Name, r.Target.Name),
			Expect: r.Target.Name,
		})
	}
	return p, nil
}

// Execute runs guard, apply, audit and verify. typed holds the operator's
// answers to p.Confirmations, in order. The audit entry is written as soon as
// Apply returns, before Verify, so a slow verification cannot lose it.
func (r *Runner) Execute(ctx context.Context, p *Prepared, typed []string) Result {
	start := r.now()
	// Read-only first: a refused action is recorded as refused for being
	// read-only, whatever was typed.
	if err := r.Guard.Refusal(); err != nil {
		return r.finish(p, start, Result{Outcome: OutcomeRefused, Err: err})
	}
	if len(typed) != len(p.Confirmations) {
		return r.finish(p, start, Result{Outcome: OutcomeRefused, Err: ErrConfirmation})
	}
	for i, c := range p.Confirmations {
		if typed[i] != c.Expect {
			return r.finish(p, start, Result{Outcome: OutcomeRefused,
				Err: fmt.Errorf("%w: expected %q; nothing was sent", ErrConfirmation, c.Expect)})
		}
	}
	if r.Audit == nil {
		return Result{Outcome: OutcomeRefused, Err: errors.New("no audit log is open, so no change may be made; set --audit-log to a writable file")}
	}
	if err := r.Guard.Check(ctx, p.Action); err != nil {
		return r.finish(p, start, Result{Outcome: OutcomeRefused, Err: err})
	}
	if err := p.Action.Apply(ctx); err != nil {
		return r.finish(p, start, Result{Outcome: OutcomeFailed, Err: err})
	}
	res := r.finish(p, start, Result{Outcome: OutcomeApplied})
	timeout := r.VerifyTimeout
	if timeout == 0 {
		timeout = time.Minute
	}
	vctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	res.Verified, res.VerifyErr = p.Action.Verify(vctx)
	return res
}

// Cancel records that the operator said no.
func (r *Runner) Cancel(p *Prepared) Result {
	return r.finish(p, r.now(), Result{Outcome: OutcomeCancelled})
}

// finish stamps the duration and writes the audit entry.
func (r *Runner) finish(p *Prepared, start time.Time, res Result) Result {
	res.Duration = r.now().Sub(start)
	if r.Audit == nil {
		res.AuditErr = errors.New("no audit log is open")
		return res
	}
	e := Entry{
		Time:        start.UTC(),
		User:        r.Who.AuditUser(),
		Host:        r.Who.Host,
		Target:      r.Target.Name,
		Environment: r.Target.Environment,
		Action:      p.Action.Name(),
		Resource:    p.Action.Resource(),
		Params:      p.Action.Params(),
		Request:     p.Plan.RequestsText(),
		CLI:         p.Plan.CLIText(),
		Outcome:     res.Outcome,
		DurationMS:  res.Duration.Milliseconds(),
	}
	if res.Err != nil {
		e.Error = res.Err.Error()
	}
	res.AuditErr = r.Audit.Write(e)
	return res
}
