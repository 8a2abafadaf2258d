package k8s_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opsconsole/opsconsole/internal/sim/simclock"

	"go.uber.org/goleak"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/opsconsole/opsconsole/internal/k8s"
	"github.com/opsconsole/opsconsole/internal/ops"
	"github.com/opsconsole/opsconsole/internal/sim/k8ssim"
)

var start = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)

// demo is the demo fleet with a manual clock, a client on it, and a runner
// writing a temp audit log.
type demo struct {
	fleet  *k8ssim.Fleet
	clock  *simclock.Clock
	client *k8s.Client
	runner *ops.Runner
	audit  string
}

func newDemo(t *testing.T) *demo {
	t.Helper()
	clk := simclock.New(start)
	f := k8ssim.New(clk.Now)
	c, err := f.Client(k8s.WithContextName("demo-staging"), k8s.WithCoalesce(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	log, err := ops.OpenAudit(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	r := &ops.Runner{Audit: log, Who: ops.Identity{User: "sre"}, Target: ops.Target{Name: "demo-staging", Environment: "staging"},
		VerifyTimeout: 2 * time.Minute, Now: clk.Now}
	return &demo{fleet: f, clock: clk, client: c, runner: r, audit: path}
}

// drive runs simulated time (one second per few real milliseconds) until
// the returned stop is called: the sim's controllers and kubelet at work
// while an action verifies.
func (d *demo) drive(t *testing.T) (stop func()) {
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
				d.clock.Advance(time.Second)
				if err := d.fleet.Step(); err != nil {
					t.Error(err)
					return
				}
			}
		}
	}()
	return func() { cancel(); <-done }
}

func (d *demo) auditEntries(t *testing.T) []ops.Entry {
	t.Helper()
	es, skipped, err := ops.ReadAudit(d.audit, 0)
	if err != nil || skipped != 0 {
		t.Fatal(err, skipped)
	}
	return es
}

func mutations(d *demo) []string {
	var out []string
	for _, a := range d.fleet.Clientset().Actions() {
		switch a.GetVerb() {
		case "create", "update", "patch", "delete":
			// Status writes are the simulated controllers', never the console's.
			if a.GetResource().Resource == "deployments" && a.GetSubresource() != "status" {
				out = append(out, a.GetVerb()+" "+a.GetResource().Resource+"/"+a.GetSubresource())
			}
		}
	}
	return out
}

func has(list []string, sub string) bool {
	for _, s := range list {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func TestRestartPlan(t *testing.T) {
	d := newDemo(t)
	p, err := d.runner.Prepare(context.Background(), d.client.RestartAction())
	if err != nil {
		t.Fatal(err)
	}
	pl := p.Plan
	wantBody := `{"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"2026-03-14T09:26:53Z"}}}}}`
	if len(pl.Requests) != 1 || pl.Requests[0].Body != wantBody ||
		pl.Requests[0].API != "PATCH apis/apps/v1/namespaces/kube-system/deployments/coredns (Content-Type: application/strategic-merge-patch+json)" {
		t.Errorf("requests = %+v", pl.Requests)
	}
	if len(pl.CLI) != 1 || pl.CLI[0] != "kubectl --context demo-staging -n kube-system rollout restart deployment/coredns" {
		t.Errorf("cli = %q", pl.CLI)
	}
	if pl.Risk != ops.RiskConfirm || len(p.Confirmations) != 0 {
		t.Errorf("risk = %v confirmations %v", pl.Risk, p.Confirmations)
	}
	for _, want := range []string{"does not fix a forwarding loop", "1 of 2 CoreDNS pods are in CrashLoopBackOff", "Corefile line 13: forward sends external names to /etc/resolv.conf"} {
		if !has(pl.Notes, want) {
			t.Errorf("notes lack %q: %q", want, pl.Notes)
		}
	}
	if !has(pl.Changes, "All 2 CoreDNS pods are replaced") || !has(pl.Changes, "(never restarted this way) -> 2026-03-14T09:26:53Z") {
		t.Errorf("changes = %q", pl.Changes)
	}
	if len(mutations(d)) != 0 {
		t.Errorf("Prepare sent %v", mutations(d))
	}
}

// On the demo the restart goes through, and Verify reports the lesson: the
// new pod on the looping node crashes like the old one.
func TestRestartOnDemoTeachesTheLoop(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	d := newDemo(t)
	ctx := context.Background()
	p, err := d.runner.Prepare(ctx, d.client.RestartAction())
	if err != nil {
		t.Fatal(err)
	}
	stop := d.drive(t)
	res := d.runner.Execute(ctx, p, nil)
	stop()
	if res.Outcome != ops.OutcomeApplied || res.Err != nil || res.AuditErr != nil {
		t.Fatalf("result = %+v", res)
	}
	if res.VerifyErr == nil || !strings.Contains(res.VerifyErr.Error(), "the rollout is stuck: new pod coredns-") ||
		!strings.Contains(res.VerifyErr.Error(), "CrashLoopBackOff") || !strings.Contains(res.VerifyErr.Error(), "does not fix a forwarding loop") {
		t.Errorf("verify = %q, %v", res.Verified, res.VerifyErr)
	}
	dep, err := d.fleet.Clientset().AppsV1().Deployments("kube-system").Get(ctx, "coredns", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if dep.Spec.Template.Annotations[k8s.RestartedAtAnnotation] != "2026-03-14T09:26:53Z" {
		t.Errorf("annotation = %v", dep.Spec.Template.Annotations)
	}
	es := d.auditEntries(t)
	if len(es) != 1 || es[0].Action != "coredns-restart" || es[0].Outcome != ops.OutcomeApplied ||
		es[0].Resource != "kube-system/deployment/coredns" || !strings.Contains(es[0].Request, "restartedAt") ||
		es[0].CLI != "kubectl --context demo-staging -n kube-system rollout restart deployment/coredns" || es[0].Params["context"] != "demo-staging" {
		t.Errorf("audit = %+v", es)
	}
}

func TestRestartAfterFixVerifies(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	d := newDemo(t)
	d.fleet.FixLoopNode()
	ctx := context.Background()
	p, err := d.runner.Prepare(ctx, d.client.RestartAction())
	if err != nil {
		t.Fatal(err)
	}
	stop := d.drive(t)
	res := d.runner.Execute(ctx, p, nil)
	stop()
	if res.Outcome != ops.OutcomeApplied || res.VerifyErr != nil || res.Verified != "rolled out: 2/2 pods replaced, 2 ready" {
		t.Fatalf("result = %+v", res)
	}
}

func TestScaleValidation(t *testing.T) {
	d := newDemo(t)
	ctx := context.Background()
	for n, want := range map[int]string{
		-1:                  "choose 0 to 100",
		k8s.MaxReplicas + 1: "choose 0 to 100",
		2:                   "already asks for 2 replicas; nothing to change",
	} {
		if _, err := d.runner.Prepare(ctx, d.client.ScaleAction(n)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("scale %d: %v, want %q", n, err, want)
		}
	}
	if _, err := k8s.ParseReplicas("three"); err == nil || !strings.Contains(err.Error(), ":coredns-scale N") {
		t.Errorf("parse: %v", err)
	}
	if n, err := k8s.ParseReplicas(" 3 "); n != 3 || err != nil {
		t.Errorf("parse 3: %d %v", n, err)
	}
	if len(mutations(d)) != 0 {
		t.Errorf("validation sent %v", mutations(d))
	}
}

func TestScalePlans(t *testing.T) {
	d := newDemo(t)
	ctx := context.Background()
	for _, tc := range []struct {
		n       int
		risk    ops.Risk
		cli     string
		notes   []string
		changes []string
	}{
		{3, ops.RiskConfirm, "kubectl --context demo-staging -n kube-system scale deployment/coredns --current-replicas=2 --replicas=3",
			[]string{"More replicas do not fix a forwarding loop", "HPA"}, []string{"1 new CoreDNS pods start", "spec.replicas 2 -> 3, only if it is still 2"}},
		{1, ops.RiskTyped, "kubectl --context demo-staging -n kube-system scale deployment/coredns --current-replicas=2 --replicas=1",
			[]string{"single point of failure"}, []string{"1 CoreDNS pods are stopped"}},
		{0, ops.RiskTyped, "kubectl --context demo-staging -n kube-system scale deployment/coredns --current-replicas=2 --replicas=0",
			[]string{"!! CLUSTER DNS STOPS"}, []string{"2 CoreDNS pods are stopped"}},
	} {
		p, err := d.runner.Prepare(ctx, d.client.ScaleAction(tc.n))
		if err != nil {
			t.Fatal(err)
		}
		pl := p.Plan
		if pl.Risk != tc.risk || pl.CLI[0] != tc.cli {
			t.Errorf("scale %d: risk %v cli %q", tc.n, pl.Risk, pl.CLI)
		}
		if tc.risk == ops.RiskTyped && (pl.ConfirmName != "coredns" || len(p.Confirmations) != 1 || p.Confirmations[0].Expect != "coredns") {
			t.Errorf("scale %d: confirmations %+v", tc.n, p.Confirmations)
		}
		for _, w := range tc.notes {
			if !has(pl.Notes, w) {
				t.Errorf("scale %d: notes lack %q: %q", tc.n, w, pl.Notes)
			}
		}
		for _, w := range tc.changes {
			if !has(pl.Changes, w) {
				t.Errorf("scale %d: changes lack %q: %q", tc.n, w, pl.Changes)
			}
		}
		if tc.n == 0 && !strings.HasPrefix(pl.Notes[0], "!! CLUSTER DNS STOPS") {
			t.Errorf("the 0-replica warning must come first: %q", pl.Notes)
		}
		r := pl.Requests[0]
		want := fmt.Sprintf(`[{"op":"test","path":"/spec/replicas","value":2},{"op":"replace","path":"/spec/replicas","value":%d}]`, tc.n)
		if r.API != "PATCH apis/apps/v1/namespaces/kube-system/deployments/coredns/scale (Content-Type: application/json-patch+json)" || r.Body != want {
			t.Errorf("scale %d: request %+v", tc.n, r)
		}
	}
}

func TestScaleDownRemovesTheBrokenPod(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	d := newDemo(t)
	ctx := context.Background()
	p, err := d.runner.Prepare(ctx, d.client.ScaleAction(1))
	if err != nil {
		t.Fatal(err)
	}
	if res := d.runner.Execute(ctx, p, []string{"core-dns"}); res.Outcome != ops.OutcomeRefused || !errors.Is(res.Err, ops.ErrConfirmation) {
		t.Fatalf("wrong typed name: %+v", res)
	}
	if len(mutations(d)) != 0 {
		t.Fatalf("a refused confirmation sent %v", mutations(d))
	}
	stop := d.drive(t)
	res := d.runner.Execute(ctx, p, []string{"coredns"})
	stop()
	if res.Outcome != ops.OutcomeApplied || res.VerifyErr != nil || res.Verified != "scaled: 1/1 replicas ready" {
		t.Fatalf("result = %+v", res)
	}
	if got := mutations(d); len(got) != 1 || got[0] != "patch deployments/scale" {
		t.Errorf("mutations = %v, want exactly one scale update", got)
	}
	es := d.auditEntries(t)
	if len(es) != 2 || es[0].Outcome != ops.OutcomeRefused || es[1].Outcome != ops.OutcomeApplied || es[1].Params["replicas"] != "1" || es[1].Params["current_replicas"] != "2" {
		t.Errorf("audit = %+v", es)
	}
}

func TestScaleUpOnDemoHitsTheLoop(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	d := newDemo(t)
	ctx := context.Background()
	p, err := d.runner.Prepare(ctx, d.client.ScaleAction(3))
	if err != nil {
		t.Fatal(err)
	}
	stop := d.drive(t)
	res := d.runner.Execute(ctx, p, nil)
	stop()
	if res.Outcome != ops.OutcomeApplied || res.VerifyErr == nil || !strings.Contains(res.VerifyErr.Error(), "scaling is stuck: new pod") {
		t.Fatalf("result = %+v", res)
	}
}

func TestScaleConflictWhenSomeoneElseScaled(t *testing.T) {
	d := newDemo(t)
	ctx := context.Background()
	p, err := d.runner.Prepare(ctx, d.client.ScaleAction(3))
	if err != nil {
		t.Fatal(err)
	}
	// A colleague scales to 4 between the preview and the confirmation.
	other, err := d.fleet.Client()
	if err != nil {
		t.Fatal(err)
	}
	a := other.ScaleAction(4)
	if err := a.Validate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.Apply(ctx); err != nil {
		t.Fatal(err)
	}
	res := d.runner.Execute(ctx, p, nil)
	if res.Outcome != ops.OutcomeFailed || res.Err == nil || !strings.Contains(res.Err.Error(), "replica count of kube-system/coredns is now 4, not 2 as in the preview") {
		t.Fatalf("result = %+v", res)
	}
	sc, _ := d.fleet.Clientset().AppsV1().Deployments("kube-system").GetScale(ctx, "coredns", metav1.GetOptions{})
	if sc.Spec.Replicas != 4 {
		t.Errorf("replicas = %d, the colleague's 4 must stand", sc.Spec.Replicas)
	}
}

func TestPermissionDeniedSendsNothing(t *testing.T) {
	for _, tc := range []struct {
		name   string
		action func(*k8s.Client) ops.Action
		deny   [4]string
		want   string
	}{
		{"restart", func(c *k8s.Client) ops.Action { return c.RestartAction() }, [4]string{"patch", "apps", "deployments", ""},
			`may not patch deployments.apps "coredns" in namespace kube-system (RBAC verb "patch" on resource "deployments.apps")`},
		{"scale", func(c *k8s.Client) ops.Action { return c.ScaleAction(3) }, [4]string{"patch", "apps", "deployments", "scale"},
			`may not patch deployments.apps/scale "coredns" in namespace kube-system (RBAC verb "patch" on resource "deployments.apps/scale")`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newDemo(t)
			k8ssim.DenyAccess(d.fleet.Clientset(), tc.deny[0], tc.deny[1], tc.deny[2], tc.deny[3])
			ctx := context.Background()
			p, err := d.runner.Prepare(ctx, tc.action(d.client))
			if err != nil {
				t.Fatal(err)
			}
			res := d.runner.Execute(ctx, p, nil)
			if res.Outcome != ops.OutcomeRefused || res.Err == nil || !errors.Is(res.Err, k8s.ErrForbidden) || !strings.Contains(res.Err.Error(), tc.want) ||
				!strings.Contains(res.Err.Error(), "nothing was sent") {
				t.Fatalf("result = %+v", res)
			}
			if got := mutations(d); len(got) != 0 {
				t.Errorf("denied action sent %v", got)
			}
			if es := d.auditEntries(t); len(es) != 1 || es[0].Outcome != ops.OutcomeRefused || !strings.Contains(es[0].Error, "forbidden") {
				t.Errorf("audit = %+v", es)
			}
		})
	}
}

// TestCLIUsesTheSameKubeconfig: the previewed kubectl line names the
// kubeconfig the console used, so a copy-paste reaches the same cluster.
func TestCLIUsesTheSameKubeconfig(t *testing.T) {
	demo := k8ssim.New(time.Now)
	c, err := k8s.NewFromClientset(demo.Clientset(), k8s.Config{Kubeconfig: "/etc/ops/prod config.yaml"}, k8s.WithContextName("prod-eu"))
	if err != nil {
		t.Fatal(err)
	}
	a := c.ScaleAction(3)
	if err := a.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	pl, err := a.Plan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(pl.CLI[0], "kubectl --kubeconfig '/etc/ops/prod config.yaml' --context prod-eu -n kube-system scale") {
		t.Fatalf("cli = %q", pl.CLI)
	}
}
