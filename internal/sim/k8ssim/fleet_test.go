package k8ssim

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/opsconsole/opsconsole/internal/sim/simclock"

	"go.uber.org/goleak"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/opsconsole/opsconsole/internal/k8s"
	"github.com/opsconsole/opsconsole/internal/k8s/dnslog"
)

var start = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)

func newFleet(t *testing.T) (*Fleet, *simclock.Clock) {
	t.Helper()
	clk := simclock.New(start)
	return New(clk.Now), clk
}

// pods reads the fleet's CoreDNS pods as the pane shows them.
func pods(t *testing.T, f *Fleet) []k8s.Pod {
	t.Helper()
	list, err := f.cs.CoreV1().Pods(Namespace).List(context.Background(), metav1.ListOptions{LabelSelector: "k8s-app=kube-dns"})
	if err != nil {
		t.Fatal(err)
	}
	var out []k8s.Pod
	for i := range list.Items {
		out = append(out, k8s.PodFrom(&list.Items[i]))
	}
	return out
}

func byNode(t *testing.T, f *Fleet, ps []k8s.Pod) map[string][]k8s.Pod {
	t.Helper()
	m := map[string][]k8s.Pod{}
	for _, p := range ps {
		if !p.Terminating {
			m[p.Node] = append(m[p.Node], p)
		}
	}
	return m
}

func deploy(t *testing.T, f *Fleet) *appsv1.Deployment {
	t.Helper()
	d, err := f.cs.AppsV1().Deployments(Namespace).Get(context.Background(), DeploymentName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func step(t *testing.T, f *Fleet, clk *simclock.Clock, d time.Duration) {
	t.Helper()
	clk.Advance(d)
	if err := f.Step(); err != nil {
		t.Fatal(err)
	}
}

func TestInitialFleet(t *testing.T) {
	f, _ := newFleet(t)
	ps := pods(t, f)
	if len(ps) != 2 {
		t.Fatalf("pods = %+v", ps)
	}
	nodes := byNode(t, f, ps)
	good, bad := nodes[HealthyNode][0], nodes[LoopNode][0]
	if good.Status != "Running" || !good.Healthy || good.ReadyText() != "1/1" || good.Restarts != 0 || good.Age(start) < 3*24*time.Hour {
		t.Errorf("healthy pod = %+v", good)
	}
	if bad.Status != "CrashLoopBackOff" || bad.Healthy || bad.Restarts == 0 || bad.LastRestart == nil ||
		bad.LastRestart.ExitCode != 1 || bad.LastRestart.Reason != "Error" || !strings.Contains(bad.Detail, "back-off") {
		t.Errorf("crash-looping pod = %+v (last %+v)", bad, bad.LastRestart)
	}
	for _, p := range ps {
		if !strings.HasPrefix(p.Name, DeploymentName+"-") || len(p.Name) != len("coredns-5d78c9869d-w8954") {
			t.Errorf("pod name %q is not ReplicaSet-like", p.Name)
		}
	}
	d := k8s.DeploymentFrom(deploy(t, f))
	if d.Desired != 2 || d.Ready != 1 || d.Updated != 2 || d.Available != 1 || d.RolloutDone {
		t.Errorf("deployment = %+v", d)
	}

	c, err := f.Client()
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.Corefile(context.Background())
	if err != nil || r.ParseErr != nil {
		t.Fatal(err, r.ParseErr)
	}
	if len(r.Findings) != 1 || r.Findings[0].Code != "forward-resolv-conf" {
		t.Errorf("findings = %+v", r.Findings)
	}

	s, err := c.Logs(context.Background(), bad.Name, k8s.LogOptions{Previous: true})
	if err != nil {
		t.Fatal(err)
	}
	var loop bool
	for l := range s.Lines() {
		loop = loop || l.Class == dnslog.Loop
	}
	if !loop {
		t.Error("the crash-looping pod's previous logs lack the loop plugin's message")
	}
	if _, err := c.Logs(context.Background(), good.Name, k8s.LogOptions{Previous: true}); err == nil || !strings.Contains(err.Error(), "no previous instance") {
		t.Errorf("previous logs of a pod that never restarted: %v", err)
	}
}

func TestFleetIsAlive(t *testing.T) {
	f, clk := newFleet(t)
	bad := byNode(t, f, pods(t, f))[LoopNode][0]
	var restarts []int32
	details := map[string]bool{}
	for range 20 {
		step(t, f, clk, time.Minute)
		p := byNode(t, f, pods(t, f))[LoopNode][0]
		if p.Name != bad.Name {
			t.Fatalf("pod replaced without a reason: %s -> %s", bad.Name, p.Name)
		}
		restarts = append(restarts, p.Restarts)
		if p.Status == "CrashLoopBackOff" {
			details[strings.SplitN(p.Detail, " restarting", 2)[0]] = true
		}
	}
	if restarts[len(restarts)-1] <= bad.Restarts {
		t.Errorf("restart count did not grow over 20 minutes: %d -> %v", bad.Restarts, restarts)
	}
	if len(details) < 2 || !details["back-off 5m0s"] {
		t.Errorf("back-off did not change and cap at 5m: %v", details)
	}
}

func TestRestartKeepsTheLoop(t *testing.T) {
	f, clk := newFleet(t)
	before := map[string]bool{}
	for _, p := range pods(t, f) {
		before[p.Name] = true
	}
	patch := []byte(`{"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"2026-03-14T09:30:00Z"}}}}}`)
	if _, err := f.cs.AppsV1().Deployments(Namespace).Patch(context.Background(), DeploymentName, types.StrategicMergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	if d := deploy(t, f); d.Generation != 2 || d.Status.ObservedGeneration != 1 {
		t.Fatalf("generation %d observed %d: the patch must bump generation and the controller must not have seen it yet", d.Generation, d.Status.ObservedGeneration)
	}
	for range 30 {
		step(t, f, clk, time.Second)
	}
	ps := pods(t, f)
	if len(ps) != 2 {
		t.Fatalf("after the rollout: %+v", ps)
	}
	nodes := byNode(t, f, ps)
	for _, p := range ps {
		if before[p.Name] {
			t.Errorf("pod %s survived the restart", p.Name)
		}
	}
	if len(nodes[LoopNode]) != 1 || nodes[LoopNode][0].Status != "CrashLoopBackOff" {
		t.Errorf("the loop should persist after a restart: %+v", nodes[LoopNode])
	}
	if len(nodes[HealthyNode]) != 1 || !nodes[HealthyNode][0].Healthy {
		t.Errorf("healthy node pod: %+v", nodes[HealthyNode])
	}
	d := k8s.DeploymentFrom(deploy(t, f))
	if d.ObservedGeneration != 2 || d.Updated != 2 || d.Ready != 1 || d.RolloutDone {
		t.Errorf("deployment after restart = %+v", d)
	}
}

func TestFixThenRestartClearsTheLoop(t *testing.T) {
	f, clk := newFleet(t)
	f.FixLoopNode()
	step(t, f, clk, time.Minute)
	if bad := byNode(t, f, pods(t, f))[LoopNode][0]; bad.Status != "CrashLoopBackOff" {
		t.Fatalf("fixing the node must not heal an existing pod: %+v", bad)
	}
	patch := []byte(`{"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"2026-03-14T09:31:00Z"}}}}}`)
	if _, err := f.cs.AppsV1().Deployments(Namespace).Patch(context.Background(), DeploymentName, types.StrategicMergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	for range 10 {
		step(t, f, clk, time.Second)
	}
	d := k8s.DeploymentFrom(deploy(t, f))
	if !d.RolloutDone || d.Ready != 2 {
		t.Errorf("after fix and restart: %+v", d)
	}
}

func TestScaleSubresource(t *testing.T) {
	f, clk := newFleet(t)
	ctx := context.Background()
	apps := f.cs.AppsV1().Deployments(Namespace)
	sc, err := apps.GetScale(ctx, DeploymentName, metav1.GetOptions{})
	if err != nil || sc.Spec.Replicas != 2 || sc.ResourceVersion == "" || sc.Status.Selector != "k8s-app=kube-dns" {
		t.Fatalf("scale = %+v, %v", sc, err)
	}
	up := sc.DeepCopy()
	up.Spec.Replicas = 4
	if _, err := apps.UpdateScale(ctx, DeploymentName, up, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	// The same (now stale) resourceVersion again: a conflict, like the API server.
	stale := sc.DeepCopy()
	stale.Spec.Replicas = 1
	if _, err := apps.UpdateScale(ctx, DeploymentName, stale, metav1.UpdateOptions{}); !apierrors.IsConflict(err) {
		t.Errorf("stale update: %v, want a conflict", err)
	}
	// The JSON patch the console sends: a failed "test" is 422 Invalid and changes nothing.
	bad := []byte(`[{"op":"test","path":"/spec/replicas","value":2},{"op":"replace","path":"/spec/replicas","value":9}]`)
	if _, err := apps.Patch(ctx, DeploymentName, types.JSONPatchType, bad, metav1.PatchOptions{}, "scale"); !apierrors.IsInvalid(err) {
		t.Errorf("failed test op: %v, want 422 Invalid", err)
	}
	for range 10 {
		step(t, f, clk, time.Second)
	}
	nodes := byNode(t, f, pods(t, f))
	if len(nodes[LoopNode]) != 2 || len(nodes[HealthyNode]) != 2 {
		t.Errorf("4 replicas should spread 2/2: %v", nodes)
	}
	if d := k8s.DeploymentFrom(deploy(t, f)); d.Desired != 4 || d.Current != 4 || d.Ready != 2 {
		t.Errorf("deployment = %+v", d)
	}

	down := &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: DeploymentName, Namespace: Namespace}, Spec: autoscalingv1.ScaleSpec{Replicas: 1}}
	if _, err := apps.UpdateScale(ctx, DeploymentName, down, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		step(t, f, clk, time.Second)
	}
	ps := pods(t, f)
	if len(ps) != 1 || ps[0].Node != HealthyNode || !ps[0].Healthy {
		t.Errorf("scaling down should remove broken pods first: %+v", ps)
	}
	c, _ := f.Client()
	s, err := c.Logs(ctx, ps[0].Name, k8s.LogOptions{TailLines: 3})
	if err != nil {
		t.Fatal(err)
	}
	var lines []k8s.LogLine
	for l := range s.Lines() {
		lines = append(lines, l)
	}
	if len(lines) != 3 {
		t.Errorf("tail 3 gave %d lines", len(lines))
	}
}

func TestDeploymentSemantics(t *testing.T) {
	f, _ := newFleet(t)
	ctx := context.Background()
	apps := f.cs.AppsV1().Deployments(Namespace)
	d := deploy(t, f)
	// A status write leaves generation alone and the spec untouched.
	st := d.DeepCopy()
	st.Status.ReadyReplicas = 7
	st.Spec.Paused = true
	got, err := apps.UpdateStatus(ctx, st, metav1.UpdateOptions{})
	if err != nil || got.Generation != d.Generation || got.Spec.Paused || got.Status.ReadyReplicas != 7 || got.ResourceVersion == d.ResourceVersion {
		t.Fatalf("status update: %+v %v", got, err)
	}
	// A spec write with the old resourceVersion conflicts.
	d.Spec.Paused = true
	if _, err := apps.Update(ctx, d, metav1.UpdateOptions{}); !apierrors.IsConflict(err) {
		t.Errorf("stale update: %v", err)
	}
	got.Spec.Paused = true
	got.Status.ReadyReplicas = 0
	upd, err := apps.Update(ctx, got, metav1.UpdateOptions{})
	if err != nil || upd.Generation != d.Generation+1 || upd.Status.ReadyReplicas != 7 {
		t.Errorf("spec update: gen %d status %d err %v", upd.Generation, upd.Status.ReadyReplicas, err)
	}
}

func TestPodStatusIsAPureFunctionOfTime(t *testing.T) {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "coredns-x", CreationTimestamp: metav1.NewTime(start),
		Annotations: map[string]string{ResolvConfAnnotation: stubResolver}}, Spec: corev1.PodSpec{NodeName: LoopNode}}
	for _, tc := range []struct {
		at       time.Duration
		state    string
		restarts int32
		backoff  time.Duration
	}{
		{time.Second, "creating", 0, 0},
		{2500 * time.Millisecond, "running", 0, 0},
		{3 * time.Second, "backoff", 1, 10 * time.Second},
		{13 * time.Second, "running", 1, 0},
		{14 * time.Second, "backoff", 2, 20 * time.Second},
		{34 * time.Second, "running", 2, 0},
		{35 * time.Second, "backoff", 3, 40 * time.Second},
		{2 * time.Hour, "backoff", 0, 5 * time.Minute}, // restarts checked below
	} {
		l := lifeAt(p, start.Add(tc.at))
		state := "backoff"
		switch {
		case l.creating:
			state = "creating"
		case l.running:
			state = "running"
		}
		if state != tc.state || l.backoff != tc.backoff || (tc.restarts != 0 && l.restarts != tc.restarts) {
			t.Errorf("at %v: %s restarts=%d backoff=%v; want %s %d %v", tc.at, state, l.restarts, l.backoff, tc.state, tc.restarts, tc.backoff)
		}
	}
	if l := lifeAt(p, start.Add(2*time.Hour)); l.restarts < 20 || l.restarts > 30 {
		t.Errorf("two hours of 5m back-off: %d restarts", l.restarts)
	}
}

func TestRunStepsUntilCancelled(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	f, _ := newFleet(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.Run(ctx, time.Millisecond); close(done) }()
	// Scaling up needs a controller step to create the pods: Run provides it.
	sc, err := f.cs.AppsV1().Deployments(Namespace).GetScale(ctx, DeploymentName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sc.Spec.Replicas = 3
	if _, err := f.cs.AppsV1().Deployments(Namespace).UpdateScale(ctx, DeploymentName, sc, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	for len(pods(t, f)) != 3 {
		time.Sleep(time.Millisecond) // polling a condition the Run goroutine produces
	}
	cancel()
	<-done
}
