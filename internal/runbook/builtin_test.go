package runbook

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/opsconsole/opsconsole/internal/ops"
	"github.com/opsconsole/opsconsole/internal/sim/essim"
	"github.com/opsconsole/opsconsole/internal/sim/iamsim"
	"github.com/opsconsole/opsconsole/internal/sim/k8ssim"
	"github.com/opsconsole/opsconsole/internal/sim/kinesissim"
)

// Every built-in runbook, run against a fresh demo fleet, must find the
// problem the demo plants, and pass once the fix is applied (through
// ops.Runner, audited) or, where the demo's fix happens outside the console,
// once the test has done that step.

func TestKinesisNotCapturingFindsHotShardAndPassesAfterSplit(t *testing.T) {
	g := newRig(t)
	r := g.run(t, "kinesis-not-capturing", map[string]string{"stream": kinesissim.DemoAppLogs})
	r.RunAll(context.Background(), nil)
	wantStatus(t, r, "status", Pass)
	wantStatus(t, r, "incoming", Pass)
	wantStatus(t, r, "throttles", Fail)
	wantStatus(t, r, "capacity", Pass) // enough shards overall: the problem is skew
	wantStatus(t, r, "hot-shard", Fail)
	p, err := r.Proposal("hot-shard")
	if err != nil || p.Command() != ":split app-logs "+kinesissim.DemoHotShard {
		t.Fatalf("proposal %+v %v", p, err)
	}
	g.apply(t, r, "hot-shard")
	g.clock.Advance(20 * time.Minute) // new datapoints for the children
	if res := g.check(t, r, "hot-shard", true); res.Status != Pass {
		t.Fatalf("re-check after the split: %s %v", res.Summary, res.Evidence)
	}
	again := g.run(t, "kinesis-not-capturing", map[string]string{"stream": kinesissim.DemoAppLogs})
	again.RunAll(context.Background(), nil)
	wantStatus(t, again, "throttles", Pass)
	if v := again.Verdict(); v == Fail || v == Error {
		t.Fatalf("after the fix the run is %s: %v", v, statuses(again))
	}
	if again.State("hot-shard").Visited {
		t.Fatal("no throttling: the run must branch past capacity and hot-shard")
	}
}

func TestKinesisConsumerLagFindsGrowthAndPassesAfterSplit(t *testing.T) {
	g := newRig(t)
	r := g.run(t, "kinesis-consumer-lag", map[string]string{"stream": kinesissim.DemoAppLogs})
	r.RunAll(context.Background(), nil)
	wantStatus(t, r, "lag", Fail)
	lag := r.State("lag").Check
	if age := lag.Outputs["age"].Dur; age < 35*time.Minute || age > 50*time.Minute {
		t.Fatalf("demo iterator age ~40m, got %s", age)
	}
	wantStatus(t, r, "retention", Pass)
	wantStatus(t, r, "read-throttles", Pass)
	wantStatus(t, r, "hot-shard", Fail)
	g.apply(t, r, "hot-shard")
	g.clock.Advance(20 * time.Minute)
	wantRecheck := g.check(t, r, "hot-shard", true)
	if wantRecheck.Status != Pass {
		t.Fatalf("hot shard after split: %v", wantRecheck.Evidence)
	}
	if res := g.check(t, r, "lag", false); res.Status != Pass || res.Outputs["growth"].Num >= 0 {
		t.Fatalf("lag must shrink after the split: %s %v", res.Summary, res.Outputs["growth"])
	}
	again := g.run(t, "kinesis-consumer-lag", map[string]string{"stream": kinesissim.DemoAppLogs})
	again.RunAll(context.Background(), nil)
	if v := again.Verdict(); v != Pass {
		t.Fatalf("after the fix: %s %v", v, statuses(again))
	}
}

func TestKinesisPermissionsFindsMissingGetRecords(t *testing.T) {
	g := newRig(t)
	params := map[string]string{"stream": kinesissim.DemoAppLogs, "principal": iamsim.DemoProcessor}
	r := g.run(t, "kinesis-permissions", params)
	r.RunAll(context.Background(), nil)
	wantStatus(t, r, "simulate", Fail)
	res := r.State("simulate").Check
	if res.Outputs["denied_actions"].Text != "kinesis:GetRecords" {
		t.Fatalf("denied %v", res.Outputs["denied_actions"])
	}
	ev := strings.Join(res.Evidence, "\n")
	for _, want := range []string{"NO  kinesis:GetRecords: DENIED implicitly", "ok  kinesis:GetShardIterator: allowed by policy AppLogsProcessor (role), statement at lines"} {
		if !strings.Contains(ev, want) {
			t.Errorf("evidence lacks %q:\n%s", want, ev)
		}
	}
	// The fix is an IAM change made outside the console.
	err := g.demo.IAM.Attach(iamsim.DemoProcessor, iamsim.Policy{Name: "AppLogsProcessorRead", Type: "role", Statements: []iamsim.Statement{
		{Effect: "Allow", Actions: []string{"kinesis:GetRecords"}, Resources: []string{"arn:aws:kinesis:*:123456789012:stream/app-logs"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if res := g.check(t, r, "simulate", false); res.Status != Pass {
		t.Fatalf("after the IAM change: %v", res.Evidence)
	}
	// An explicit deny names the policy that denies.
	analyst := g.run(t, "kinesis-permissions", map[string]string{"stream": kinesissim.DemoAppLogs, "principal": iamsim.DemoAnalyst})
	analyst.RunAll(context.Background(), nil)
	res = analyst.State("simulate").Check
	if res.Outputs["explicitly_denied"].Num != 2 || !strings.Contains(strings.Join(res.Evidence, "\n"), "DENIED explicitly by policy "+iamsim.DemoDenyWrites) {
		t.Fatalf("explicit deny: %v", res.Evidence)
	}
}

func TestESUnmanagedIndexFoundAndAttached(t *testing.T) {
	g := newRig(t)
	r := g.run(t, "es-unmanaged-index", nil)
	r.RunAll(context.Background(), nil)
	wantStatus(t, r, "find", Fail)
	if ix := r.State("find").Check.Outputs["index"].Text; ix != essim.DemoUnmanagedIndex {
		t.Fatalf("found %s", ix)
	}
	wantStatus(t, r, "attach", Fail)
	p, _ := r.Proposal("attach")
	if p.Command() != ":ilm-attach functionbeat-8.7.1 functionbeat --rollover-alias functionbeat-write --indexing-complete" {
		t.Fatalf("proposal %s", p.Command())
	}
	g.apply(t, r, "attach") // typed: the index is past the delete min_age
	if res := g.check(t, r, "attach", true); res.Status != Pass {
		t.Fatalf("re-check: %v", res.Evidence)
	}
	again := g.run(t, "es-unmanaged-index", nil)
	again.RunAll(context.Background(), nil)
	if v := again.Verdict(); v != Pass {
		t.Fatalf("after the fix: %v", statuses(again))
	}
}

func TestESOversizedShardStopsGrowing(t *testing.T) {
	g := newRig(t)
	r := g.run(t, "es-oversized-shard", nil)
	r.RunAll(context.Background(), nil)
	wantStatus(t, r, "find", Fail)
	wantStatus(t, r, "unmanaged", Fail)
	if r.State("rollover").Visited {
		t.Fatal("an unmanaged index branches past the rollover step")
	}
	g.apply(t, r, "unmanaged")
	if res := g.check(t, r, "unmanaged", true); res.Status != Pass {
		t.Fatalf("re-check: %v", res.Evidence)
	}
	again := g.run(t, "es-oversized-shard", nil)
	again.RunAll(context.Background(), nil)
	wantStatus(t, again, "find", Pass)
	if out := again.State("find").Check.Outputs; out["oversized"].Num != 1 || out["growing"].Num != 0 {
		t.Fatalf("the shard stays big but no longer grows: %v", out)
	}
}

func TestESILMErrorFixedAndRetried(t *testing.T) {
	g := newRig(t)
	r := g.run(t, "es-ilm-error", nil)
	r.RunAll(context.Background(), nil)
	wantStatus(t, r, "errors", Fail)
	if ix := r.State("errors").Check.Outputs["index"].Text; ix != essim.DemoILMErrorIndex {
		t.Fatalf("found %s", ix)
	}
	wantStatus(t, r, "alias", Fail)
	p, _ := r.Proposal("alias")
	if p.Command() != ":ilm-attach metricbeat-7.17.0 metricbeat --rollover-alias metricbeat-write --indexing-complete" {
		t.Fatalf("proposal %s", p.Command())
	}
	g.apply(t, r, "alias")
	wantRe := g.check(t, r, "alias", true)
	if wantRe.Status != Pass {
		t.Fatalf("alias re-check: %v", wantRe.Evidence)
	}
	g.check(t, r, "retry", false)
	g.apply(t, r, "retry")
	if res := g.check(t, r, "retry", true); res.Status != Pass {
		t.Fatalf("retry re-check: %v", res.Evidence)
	}
	g.clock.Advance(30 * time.Minute) // ILM polls and moves on
	again := g.run(t, "es-ilm-error", nil)
	again.RunAll(context.Background(), nil)
	if v := again.Verdict(); v != Pass {
		t.Fatalf("after the fix ILM must not return to ERROR: %v %v", statuses(again), again.State("errors").Check.Evidence)
	}
}

func TestESDiskWatermarkNeedsDiskFreedFirst(t *testing.T) {
	g := newRig(t)
	r := g.run(t, "es-disk-watermark", nil)
	r.RunAll(context.Background(), nil)
	wantStatus(t, r, "disk", Fail)
	if n := r.State("disk").Check.Outputs["node"].Text; n != essim.DemoHotDiskNode {
		t.Fatalf("fullest node %s", n)
	}
	wantStatus(t, r, "read-only", Fail)
	// Clearing the block is refused while data-1 is over the high watermark.
	p, err := r.Proposal("read-only")
	if err != nil || p.Command() != ":clear-read-only "+essim.DemoReadOnlyIndex {
		t.Fatalf("%+v %v", p, err)
	}
	a, _ := r.Action(p)
	if _, err := g.runner.Prepare(context.Background(), a); err == nil || !strings.Contains(err.Error(), "still over the high disk watermark") {
		t.Fatalf("must be refused before disk is freed: %v", err)
	}
	// Freeing disk happens outside the console.
	if err := g.demo.ES.SetNodeDiskPercent(essim.DemoHotDiskNode, 78); err != nil {
		t.Fatal(err)
	}
	if res := g.check(t, r, "disk", false); res.Status != Pass {
		t.Fatalf("disk after freeing: %v", res.Evidence)
	}
	g.apply(t, r, "read-only")
	if res := g.check(t, r, "read-only", true); res.Status != Pass {
		t.Fatalf("re-check: %v", res.Evidence)
	}
}

func TestESUnassignedShardsLowerReplicas(t *testing.T) {
	g := newRig(t)
	r := g.run(t, "es-unassigned-shards", nil)
	r.RunAll(context.Background(), nil)
	wantStatus(t, r, "unassigned", Fail)
	p, err := r.Proposal("unassigned")
	if err != nil || p.Command() != ":replicas "+essim.DemoUnassignedIndex+" 2" {
		t.Fatalf("%+v %v", p, err)
	}
	g.apply(t, r, "unassigned")
	if res := g.check(t, r, "unassigned", true); res.Status != Pass {
		t.Fatalf("re-check: %v", res.Evidence)
	}
}

func TestCoreDNSLoopFixedOnNodeThenRestarted(t *testing.T) {
	g := newRig(t)
	r := g.run(t, "coredns-dns-failing", nil)
	r.RunAll(context.Background(), nil)
	wantStatus(t, r, "pods", Fail)
	wantStatus(t, r, "loop", Fail)
	if node := r.State("loop").Check.Outputs["node"].Text; node != k8ssim.LoopNode {
		t.Fatalf("loop on %s", node)
	}
	wantStatus(t, r, "corefile", Warn)
	wantStatus(t, r, "restart", Fail)
	// The real fix is on the node (kubelet's resolvConf), outside the console.
	g.demo.K8s.FixLoopNode()
	stop := g.drive(t)
	g.apply(t, r, "restart")
	stop()
	if res := g.check(t, r, "restart", true); res.Status != Pass {
		t.Fatalf("re-check after the restart: %v", res.Evidence)
	}
	again := g.run(t, "coredns-dns-failing", nil)
	again.RunAll(context.Background(), nil)
	for _, id := range []string{"pods", "loop", "endpoints", "restart", "replicas"} {
		wantStatus(t, again, id, Pass)
	}
	// The Corefile still forwards to /etc/resolv.conf: a risk, not a failure.
	if v := again.Verdict(); v != Warn {
		t.Fatalf("after the fix: %v", statuses(again))
	}
}

func TestCoreDNSRestartAloneDoesNotFixTheLoop(t *testing.T) {
	g := newRig(t)
	r := g.run(t, "coredns-dns-failing", nil)
	r.RunAll(context.Background(), nil)
	p, _ := r.Proposal("restart")
	a, _ := r.Action(p)
	prep, err := g.runner.Prepare(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	stop := g.drive(t)
	res := g.runner.Execute(context.Background(), prep, nil)
	stop()
	r.RecordFix(p, res)
	if res.VerifyErr == nil || !strings.Contains(res.VerifyErr.Error(), "does not fix a forwarding loop") {
		t.Fatalf("the rollout must be reported stuck: %v", res.VerifyErr)
	}
	if f := r.State("restart").Fix; f == nil || !strings.Contains(f.Err, "not yet visible") {
		t.Fatalf("the timeline keeps the failed verification: %+v", f)
	}
}

func TestLogsRepetitiveErrorFoundAndGoneAfterAppFix(t *testing.T) {
	g := newRig(t)
	r := g.run(t, "logs-repetitive-errors", map[string]string{"stream": kinesissim.DemoAppLogs})
	r.RunAll(context.Background(), nil)
	wantStatus(t, r, "top", Fail)
	out := r.State("top").Check.Outputs
	if !strings.HasPrefix(out["top_message"].Text, "payment-gateway request failed: context deadline exceeded") || out["top_source"].Text != "/ecs/checkout-api" {
		t.Fatalf("top error %v", out)
	}
	// The application fix is deployed outside the console; then the window passes.
	g.demo.Kinesis.FixRepetitiveError()
	g.clock.Advance(6 * time.Minute)
	if res := g.check(t, r, "top", false); res.Status != Pass {
		t.Fatalf("after the app fix: %s %v", res.Summary, res.Evidence)
	}
}

func TestEveryFixIsAudited(t *testing.T) {
	g := newRig(t)
	r := g.run(t, "es-unassigned-shards", nil)
	r.RunAll(context.Background(), nil)
	g.apply(t, r, "unassigned")
	entries, _, err := ops.ReadAudit(g.audit, 0)
	if err != nil || len(entries) != 1 || entries[0].Action != "replicas" || entries[0].User != "sre" || entries[0].Outcome != ops.OutcomeApplied {
		t.Fatalf("audit %+v %v", entries, err)
	}
}
