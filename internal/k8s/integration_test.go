//go:build linux

package k8s_test

// Integration tests against a real kube-apiserver + etcd (kubepeer_test.go).
// What they prove: watches deliver real API changes; restart and scale go
// through ops.Runner to the real API (strategic merge patch, scale
// subresource with its resourceVersion precondition); RBAC denials become
// clear "forbidden" explanations with nothing changed. What they cannot
// prove: no controller-manager runs, so the tests write Deployment status
// themselves (playing the deployment controller) for Verify to observe; no
// kubelet runs, so pod logs are not exercised here (the demo and unit tests
// cover logs through the LogSource interface).

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/kubernetes"

	"github.com/opsconsole/opsconsole/internal/k8s"
	"github.com/opsconsole/opsconsole/internal/ops"
	"github.com/opsconsole/opsconsole/internal/sim/k8ssim"
)

const itTimeout = 90 * time.Second // guard against hangs only

var nsCounter atomic.Int32

// env is one test's namespace on the shared real cluster.
type env struct {
	peer  *peer
	ns    string
	admin kubernetes.Interface
}

// newEnv creates a namespace holding a CoreDNS-like fleet: the coredns
// Deployment (2 replicas), the kube-dns Service with an EndpointSlice, the
// coredns ConfigMap, and a read-only Role for the viewer user.
func newEnv(t *testing.T) *env {
	t.Helper()
	p := realCluster(t)
	rc, _, err := k8s.RESTConfig(k8s.Config{Kubeconfig: p.kubeconfig, Context: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(rc)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{peer: p, admin: cs, ns: "it-" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-"))}
	if len(e.ns) > 50 {
		e.ns = e.ns[:50]
	}
	e.ns = strings.TrimRight(e.ns, "-") + "-" + string(rune('a'+nsCounter.Add(1)%26))
	ctx := context.Background()
	mustCreate(t, func() error {
		_, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: e.ns}}, metav1.CreateOptions{})
		return err
	})
	mustCreate(t, func() error {
		_, err := cs.RbacV1().Roles(e.ns).Create(ctx, &rbacv1.Role{
			ObjectMeta: metav1.ObjectMeta{Name: "coredns-viewer"},
			Rules: []rbacv1.PolicyRule{
				{APIGroups: []string{""}, Resources: []string{"pods", "pods/log", "services", "endpoints", "configmaps"}, Verbs: []string{"get", "list", "watch"}},
				{APIGroups: []string{"apps"}, Resources: []string{"deployments", "deployments/scale"}, Verbs: []string{"get", "list", "watch"}},
				{APIGroups: []string{"discovery.k8s.io"}, Resources: []string{"endpointslices"}, Verbs: []string{"get", "list", "watch"}},
			},
		}, metav1.CreateOptions{})
		return err
	})
	mustCreate(t, func() error {
		_, err := cs.RbacV1().RoleBindings(e.ns).Create(ctx, &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: "coredns-viewer"},
			RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: "coredns-viewer"},
			Subjects:   []rbacv1.Subject{{Kind: "User", APIGroup: "rbac.authorization.k8s.io", Name: "viewer"}},
		}, metav1.CreateOptions{})
		return err
	})
	two := int32(2)
	labels := map[string]string{"k8s-app": "kube-dns"}
	mustCreate(t, func() error {
		_, err := cs.AppsV1().Deployments(e.ns).Create(ctx, &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: "coredns", Labels: labels},
			Spec: appsv1.DeploymentSpec{
				Replicas: &two,
				Selector: &metav1.LabelSelector{MatchLabels: labels},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: labels},
					Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "coredns", Image: k8ssim.Image}}},
				},
			},
		}, metav1.CreateOptions{})
		return err
	})
	mustCreate(t, func() error {
		_, err := cs.CoreV1().Services(e.ns).Create(ctx, &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: "kube-dns"},
			Spec: corev1.ServiceSpec{Selector: labels, Ports: []corev1.ServicePort{
				{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP}, {Name: "dns-tcp", Port: 53, Protocol: corev1.ProtocolTCP}}},
		}, metav1.CreateOptions{})
		return err
	})
	mustCreate(t, func() error {
		_, err := cs.CoreV1().ConfigMaps(e.ns).Create(ctx, &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Name: "coredns"}, Data: map[string]string{"Corefile": k8ssim.Corefile},
		}, metav1.CreateOptions{})
		return err
	})
	return e
}

func mustCreate(t *testing.T, f func() error) {
	t.Helper()
	if err := f(); err != nil {
		t.Fatal(err)
	}
}

// client is the console's backend for this namespace, through the real
// kubeconfig loading rules with the given context.
func (e *env) client(t *testing.T, context string) *k8s.Client {
	t.Helper()
	c, err := k8s.New(k8s.Config{Kubeconfig: e.peer.kubeconfig, Context: context, Namespace: e.ns}, k8s.WithCoalesce(20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (e *env) runner(t *testing.T) (*ops.Runner, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	log, err := ops.OpenAudit(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	return &ops.Runner{Audit: log, Who: ops.Identity{User: "sre"}, Target: ops.Target{Name: "it", Environment: "test"}, VerifyTimeout: itTimeout}, path
}

// createPod creates a pod through the API and sets its status through the
// status subresource, as the kubelet would.
func (e *env) createPod(t *testing.T, name string, status corev1.PodStatus) {
	t.Helper()
	ctx := context.Background()
	p, err := e.admin.CoreV1().Pods(e.ns).Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"k8s-app": "kube-dns"}},
		Spec:       corev1.PodSpec{NodeName: "worker-1", Containers: []corev1.Container{{Name: "coredns", Image: k8ssim.Image}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e.setPodStatus(t, p, status)
}

func (e *env) setPodStatus(t *testing.T, p *corev1.Pod, status corev1.PodStatus) {
	t.Helper()
	p.Status = status
	if _, err := e.admin.CoreV1().Pods(e.ns).UpdateStatus(context.Background(), p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func runningReady(ip string) corev1.PodStatus {
	return corev1.PodStatus{
		Phase: corev1.PodRunning, PodIP: ip, HostIP: "10.0.1.21",
		Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}},
		ContainerStatuses: []corev1.ContainerStatus{{Name: "coredns", Image: k8ssim.Image, Ready: true,
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.Now()}}}},
	}
}

func crashLooping(ip string, restarts int32) corev1.PodStatus {
	now := metav1.Now()
	return corev1.PodStatus{
		Phase: corev1.PodRunning, PodIP: ip, HostIP: "10.0.1.21",
		ContainerStatuses: []corev1.ContainerStatus{{Name: "coredns", Image: k8ssim.Image, RestartCount: restarts,
			State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: "back-off 40s restarting failed container=coredns"}},
			LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
				ExitCode: 1, Reason: "Error", StartedAt: now, FinishedAt: now}},
		}},
	}
}

// playController acts as the deployment controller for one Deployment:
// whenever its generation is ahead of observedGeneration, it writes a
// completed rollout status (ready = spec.replicas). It stops with ctx.
func (e *env) playController(t *testing.T, ctx context.Context) {
	t.Helper()
	w, err := e.admin.AppsV1().Deployments(e.ns).Watch(ctx, metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("metadata.name", "coredns").String()})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		defer w.Stop()
		for ev := range w.ResultChan() {
			d, ok := ev.Object.(*appsv1.Deployment)
			if !ok || d.Status.ObservedGeneration >= d.Generation {
				continue
			}
			n := *d.Spec.Replicas
			d.Status = appsv1.DeploymentStatus{ObservedGeneration: d.Generation, Replicas: n, UpdatedReplicas: n, ReadyReplicas: n, AvailableReplicas: n}
			if _, err := e.admin.AppsV1().Deployments(e.ns).UpdateStatus(context.Background(), d, metav1.UpdateOptions{}); err != nil && ctx.Err() == nil {
				t.Errorf("controller: %v", err)
			}
		}
	}()
}

func (e *env) deployment(t *testing.T) *appsv1.Deployment {
	t.Helper()
	d, err := e.admin.AppsV1().Deployments(e.ns).Get(context.Background(), "coredns", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func waitSnapshot(t *testing.T, w *k8s.Watch, ok func(k8s.Snapshot) bool) k8s.Snapshot {
	t.Helper()
	guard := time.After(itTimeout)
	var last k8s.Snapshot
	for {
		select {
		case s, open := <-w.Updates():
			if !open {
				t.Fatal("watch closed")
			}
			if ok(s) {
				return s
			}
			last = s
		case <-guard:
			t.Fatalf("no matching snapshot; last: %+v", last)
		}
	}
}

func TestIntegrationWatchDeliversPodStatus(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e.createPod(t, "coredns-5d78c9869d-aaaaa", runningReady("10.244.1.10"))
	yes := true
	mustCreate(t, func() error {
		_, err := e.admin.DiscoveryV1().EndpointSlices(e.ns).Create(ctx, &discoveryv1.EndpointSlice{
			ObjectMeta:  metav1.ObjectMeta{Name: "kube-dns-x1", Labels: map[string]string{"kubernetes.io/service-name": "kube-dns"}},
			AddressType: discoveryv1.AddressTypeIPv4,
			Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{"10.244.1.10"}, Conditions: discoveryv1.EndpointConditions{Ready: &yes}}},
		}, metav1.CreateOptions{})
		return err
	})

	c := e.client(t, "admin")
	w := c.Watch(ctx)
	s := waitSnapshot(t, w, func(s k8s.Snapshot) bool { return s.Synced && len(s.Pods) == 1 })
	if p := s.Pods[0]; p.Status != "Running" || !p.Healthy || p.IP != "10.244.1.10" || p.Node != "worker-1" {
		t.Errorf("pod = %+v", p)
	}
	if s.Service == nil || s.Service.ReadyEndpoints != 1 || s.Service.EndpointSource != "EndpointSlice" || s.Service.ClusterIP == "" {
		t.Errorf("service = %+v", s.Service)
	}
	if s.Deployment == nil || s.Deployment.Desired != 2 || s.Context != "admin" || len(s.Problems) != 0 {
		t.Errorf("snapshot = %+v", s)
	}

	// A second pod appears, then starts crash-looping: both reach the pane.
	e.createPod(t, "coredns-5d78c9869d-bbbbb", runningReady("10.244.2.11"))
	waitSnapshot(t, w, func(s k8s.Snapshot) bool { return len(s.Pods) == 2 && s.Pods[1].Healthy })
	p, err := e.admin.CoreV1().Pods(e.ns).Get(ctx, "coredns-5d78c9869d-bbbbb", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e.setPodStatus(t, p, crashLooping("10.244.2.11", 4))
	s = waitSnapshot(t, w, func(s k8s.Snapshot) bool { return len(s.Pods) == 2 && s.Pods[1].Status == "CrashLoopBackOff" })
	if bad := s.Pods[1]; bad.Restarts != 4 || bad.LastRestart == nil || bad.LastRestart.ExitCode != 1 || !strings.Contains(bad.Detail, "last exit: Error (exit code 1)") {
		t.Errorf("crash-looping pod = %+v", bad)
	}

	// An unschedulable pod shows the scheduler's message.
	e.createPod(t, "coredns-5d78c9869d-ccccc", corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{
		Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "Unschedulable",
		Message: "0/2 nodes are available: 2 node(s) didn't match pod anti-affinity rules."}}})
	waitSnapshot(t, w, func(s k8s.Snapshot) bool {
		return len(s.Pods) == 3 && s.Pods[2].Status == "Pending" &&
			s.Pods[2].Detail == "Unschedulable: 0/2 nodes are available: 2 node(s) didn't match pod anti-affinity rules."
	})
	cancel()
	<-w.Done()

	r, err := c.Corefile(context.Background())
	if err != nil || len(r.Findings) != 1 || r.Findings[0].Code != "forward-resolv-conf" {
		t.Errorf("corefile: %+v %v", r.Findings, err)
	}
}

func TestIntegrationRestartThroughRunner(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e.playController(t, ctx)
	before := e.deployment(t)
	r, audit := e.runner(t)
	p, err := r.Prepare(ctx, e.client(t, "admin").RestartAction())
	if err != nil {
		t.Fatal(err)
	}
	if cli := p.Plan.CLI[0]; !strings.HasPrefix(cli, "kubectl --kubeconfig ") ||
		!strings.HasSuffix(cli, " --context admin -n "+e.ns+" rollout restart deployment/coredns") {
		t.Errorf("cli = %q", p.Plan.CLI)
	}
	res := r.Execute(ctx, p, nil)
	if res.Outcome != ops.OutcomeApplied || res.Err != nil || res.VerifyErr != nil || res.Verified != "rolled out: 2/2 pods replaced, 2 ready" {
		t.Fatalf("result = %+v", res)
	}
	after := e.deployment(t)
	at := after.Spec.Template.Annotations[k8s.RestartedAtAnnotation]
	if at == "" || !strings.Contains(p.Plan.Requests[0].Body, at) || after.Generation != before.Generation+1 {
		t.Errorf("annotation %q (plan %s), generation %d -> %d", at, p.Plan.Requests[0].Body, before.Generation, after.Generation)
	}
	if _, err := time.Parse(time.RFC3339, at); err != nil {
		t.Errorf("restartedAt is not RFC3339: %v", err)
	}
	es, _, err := ops.ReadAudit(audit, 0)
	if err != nil || len(es) != 1 || es[0].Outcome != ops.OutcomeApplied || es[0].Action != "coredns-restart" {
		t.Errorf("audit = %+v %v", es, err)
	}
}

// Verify stops early, with the lesson, when a pod created by the restart
// crash-loops; the real API server supplies the pods and statuses.
func TestIntegrationRestartVerifySeesNewCrashingPod(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.createPod(t, "coredns-old-aaaaa", runningReady("10.244.1.10"))
	r, _ := e.runner(t)
	p, err := r.Prepare(ctx, e.client(t, "admin").RestartAction())
	if err != nil {
		t.Fatal(err)
	}
	// Play the ReplicaSet controller and kubelet: once the restart is in, a
	// new pod appears and crash-loops.
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := e.admin.AppsV1().Deployments(e.ns).Watch(wctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		defer w.Stop()
		for ev := range w.ResultChan() {
			d, ok := ev.Object.(*appsv1.Deployment)
			if ok && d.Spec.Template.Annotations[k8s.RestartedAtAnnotation] != "" && d.Status.ObservedGeneration < d.Generation {
				d.Status = appsv1.DeploymentStatus{ObservedGeneration: d.Generation, Replicas: 3, UpdatedReplicas: 1, ReadyReplicas: 1, AvailableReplicas: 1}
				if _, err := e.admin.AppsV1().Deployments(e.ns).UpdateStatus(ctx, d, metav1.UpdateOptions{}); err != nil {
					t.Errorf("controller: %v", err)
				}
				e.createPod(t, "coredns-new-bbbbb", crashLooping("10.244.2.12", 2))
				return
			}
		}
	}()
	res := r.Execute(ctx, p, nil)
	if res.Outcome != ops.OutcomeApplied || res.VerifyErr == nil ||
		!strings.Contains(res.VerifyErr.Error(), "the rollout is stuck: new pod coredns-new-bbbbb is CrashLoopBackOff") {
		t.Fatalf("result = %+v", res)
	}
}

func TestIntegrationScaleThroughRunner(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e.playController(t, ctx)
	c := e.client(t, "admin")
	r, audit := e.runner(t)

	p, err := r.Prepare(ctx, c.ScaleAction(3))
	if err != nil {
		t.Fatal(err)
	}
	res := r.Execute(ctx, p, nil)
	if res.Outcome != ops.OutcomeApplied || res.VerifyErr != nil || res.Verified != "scaled: 3/3 replicas ready" {
		t.Fatalf("scale up: %+v", res)
	}
	if d := e.deployment(t); *d.Spec.Replicas != 3 {
		t.Errorf("replicas = %d", *d.Spec.Replicas)
	}

	// Down to 1 needs the deployment's name typed.
	p, err = r.Prepare(ctx, c.ScaleAction(1))
	if err != nil {
		t.Fatal(err)
	}
	if p.Plan.Risk != ops.RiskTyped || len(p.Confirmations) != 1 {
		t.Fatalf("scale down plan: %+v", p.Plan)
	}
	res = r.Execute(ctx, p, []string{"coredns"})
	if res.Outcome != ops.OutcomeApplied || res.VerifyErr != nil {
		t.Fatalf("scale down: %+v", res)
	}
	if d := e.deployment(t); *d.Spec.Replicas != 1 {
		t.Errorf("replicas = %d", *d.Spec.Replicas)
	}

	// Someone else scales between preview and confirmation: the
	// resourceVersion precondition turns that into a conflict.
	p, err = r.Prepare(ctx, c.ScaleAction(4))
	if err != nil {
		t.Fatal(err)
	}
	sc, err := e.admin.AppsV1().Deployments(e.ns).GetScale(ctx, "coredns", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sc.Spec.Replicas = 5
	if _, err := e.admin.AppsV1().Deployments(e.ns).UpdateScale(ctx, "coredns", sc, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	res = r.Execute(ctx, p, nil)
	if res.Outcome != ops.OutcomeFailed || res.Err == nil || !strings.Contains(res.Err.Error(), "is now 5, not 1 as in the preview") {
		t.Fatalf("conflict: %+v", res)
	}
	if d := e.deployment(t); *d.Spec.Replicas != 5 {
		t.Errorf("replicas = %d, the other change must stand", *d.Spec.Replicas)
	}
	es, _, _ := ops.ReadAudit(audit, 0)
	if len(es) != 3 || es[2].Outcome != ops.OutcomeFailed {
		t.Errorf("audit = %+v", es)
	}
}

func TestIntegrationReadOnlyRoleIsForbidden(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e.createPod(t, "coredns-5d78c9869d-aaaaa", runningReady("10.244.1.10"))
	viewer := e.client(t, "viewer")

	// Reading works with get/list/watch.
	w := viewer.Watch(ctx)
	s := waitSnapshot(t, w, func(s k8s.Snapshot) bool { return s.Synced })
	if len(s.Pods) != 1 || s.Deployment == nil || s.Service == nil || len(s.Problems) != 0 {
		t.Errorf("viewer snapshot = %+v", s)
	}
	cancel()
	<-w.Done()

	before := e.deployment(t)
	r, audit := e.runner(t)
	for _, tc := range []struct {
		action ops.Action
		typed  []string
		want   string
	}{
		{viewer.RestartAction(), nil, `forbidden: your Kubernetes identity may not patch deployments.apps "coredns" in namespace ` + e.ns + ` (RBAC verb "patch" on resource "deployments.apps")`},
		{viewer.ScaleAction(1), []string{"coredns"}, `forbidden: your Kubernetes identity may not patch deployments.apps/scale "coredns" in namespace ` + e.ns + ` (RBAC verb "patch" on resource "deployments.apps/scale")`},
	} {
		p, err := r.Prepare(context.Background(), tc.action)
		if err != nil {
			t.Fatal(err)
		}
		res := r.Execute(context.Background(), p, tc.typed)
		if res.Outcome != ops.OutcomeRefused || !errors.Is(res.Err, k8s.ErrForbidden) || !strings.Contains(res.Err.Error(), tc.want) ||
			!strings.Contains(res.Err.Error(), "nothing was sent") {
			t.Errorf("%s: %+v", tc.action.Name(), res)
		}
	}
	// Even sent straight to the API (past the guard), the denial is explained.
	a := viewer.RestartAction()
	if err := a.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Plan(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := a.Apply(context.Background()); !errors.Is(err, k8s.ErrForbidden) || !strings.Contains(err.Error(), `may not patch deployments.apps "coredns"`) {
		t.Errorf("direct apply: %v", err)
	}
	after := e.deployment(t)
	if after.Generation != before.Generation || after.ResourceVersion != before.ResourceVersion || *after.Spec.Replicas != 2 ||
		after.Spec.Template.Annotations[k8s.RestartedAtAnnotation] != "" {
		t.Errorf("the Deployment changed: generation %d -> %d, rv %s -> %s", before.Generation, after.Generation, before.ResourceVersion, after.ResourceVersion)
	}
	es, _, _ := ops.ReadAudit(audit, 0)
	if len(es) != 2 || es[0].Outcome != ops.OutcomeRefused || es[1].Outcome != ops.OutcomeRefused {
		t.Errorf("audit = %+v", es)
	}
}

func TestIntegrationNoPermissionsAndBadToken(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := e.client(t, "nobody").Watch(ctx)
	s := waitSnapshot(t, w, func(s k8s.Snapshot) bool { return len(s.Problems) >= 3 })
	joined := strings.Join(s.Problems, "\n")
	for _, want := range []string{"may not list pods in namespace " + e.ns, "may not list deployments.apps in namespace " + e.ns, "may not list services in namespace " + e.ns} {
		if !strings.Contains(joined, want) {
			t.Errorf("problems lack %q:\n%s", want, joined)
		}
	}
	if s.Synced || len(s.Pods) != 0 {
		t.Errorf("snapshot without permission = %+v", s)
	}
	cancel()
	<-w.Done()

	_, err := e.client(t, "expired").Corefile(context.Background())
	if !errors.Is(err, k8s.ErrUnauthorized) || !strings.Contains(err.Error(), "expired or invalid") {
		t.Errorf("bad token: %v", err)
	}
}
