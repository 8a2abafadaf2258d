// Package runbook is the console's guided runbooks: a YAML format with a
// Markdown explanation per step (FORMAT.md), the built-in runbooks embedded
// in the binary, user runbooks from disk with the same validation, a
// registry of probes that check the live systems, and an engine that runs a
// runbook's checks, proposes each step's remediation as an ops.Action and
// records everything in a timeline for the postmortem.
//
// The engine never applies anything itself: a remediation is handed to the
// caller, which takes it through ops.Runner (the console's confirm dialog,
// guard and audit log) and reports the outcome back; the step's re-check
// then runs. `opsconsole runbook run` runs the checks only and prints what
// it would propose.
//
// The shape of a run, for a caller driving it step by step (the walkthrough
// pane) or all at once (RunAll, for the CLI):
//
//	cat, _ := runbook.Load(runbook.Probes(), userDirs...)
//	rb, _ := cat.Get("kinesis-consumer-lag")
//	run, err := runbook.NewRun(rb, runbook.Probes(), env, params, runbook.RunInfo{...})
//	job, _ := run.Job(stepID, false) // on the UI goroutine: resolves the arguments
//	res := job.Run(ctx)              // anywhere: the probe's I/O
//	run.Record(res)                  // on the UI goroutine again
//	prop, _ := run.Proposal(stepID)  // the step's fix, if its verdict calls for one
//	act, _ := run.Action(prop)       // an ops.Action for ops.Runner
//	run.RecordFix(stepID, prop, result)
//	recheck, _ := run.Job(stepID, true)
//
// Nothing here imports Bubble Tea.
package runbook
