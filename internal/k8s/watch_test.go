package k8s

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// testTimeout only stops a broken test from hanging; it is no performance
// limit (every wait below polls a condition).
const testTimeout = 30 * time.Second

func fixture() []runtime.Object {
	two := int32(2)
	yes := true
	return []runtime.Object{
		pod("coredns-1", nil),
		pod("coredns-2", crashLoop("Error", 1)),
		pod("unrelated", func(p *corev1.Pod) { p.Labels = map[string]string{"app": "web"} }),
		&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "coredns", Namespace: "kube-system", Generation: 1},
			Spec:   appsv1.DeploymentSpec{Replicas: &two, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"k8s-app": "kube-dns"}}},
			Status: appsv1.DeploymentStatus{ObservedGeneration: 1, Replicas: 2, UpdatedReplicas: 2, ReadyReplicas: 1, AvailableReplicas: 1}},
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "kube-dns", Namespace: "kube-system"},
			Spec: corev1.ServiceSpec{ClusterIP: "10.96.0.10", Ports: []corev1.ServicePort{{Port: 53, Protocol: corev1.ProtocolUDP}}}},
		&discoveryv1.EndpointSlice{
			ObjectMeta: metav1.ObjectMeta{Name: "kube-dns-abc", Namespace: "kube-system", Labels: map[string]string{sliceServiceLabel: "kube-dns"}},
			Endpoints:  []discoveryv1.Endpoint{{Addresses: []string{"10.244.0.7"}, Conditions: discoveryv1.EndpointConditions{Ready: &yes}}},
		},
	}
}

// next waits for a snapshot satisfying ok, failing the test if the watch
// closes or the guard timeout passes first.
func next(t *testing.T, w *Watch, ok func(Snapshot) bool) Snapshot {
	t.Helper()
	guard := time.After(testTimeout)
	for {
		select {
		case s, open := <-w.Updates():
			if !open {
				t.Fatal("watch closed")
			}
			if ok(s) {
				return s
			}
		case <-guard:
			t.Fatal("no matching snapshot")
		}
	}
}

func newFake(t *testing.T, objs ...runtime.Object) (*fake.Clientset, *Client) {
	t.Helper()
	cs := fake.NewClientset(objs...)
	c, err := NewFromClientset(cs, Config{}, WithClock(func() time.Time { return t0 }), WithContextName("test"), WithCoalesce(20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return cs, c
}

func TestWatchInitialSnapshot(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	_, c := newFake(t, fixture()...)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := c.Watch(ctx)
	s := next(t, w, func(s Snapshot) bool { return s.Synced })
	if len(s.Pods) != 2 || s.Pods[0].Name != "coredns-1" || s.Pods[1].Status != "CrashLoopBackOff" {
		t.Fatalf("pods = %+v", s.Pods)
	}
	if s.Deployment == nil || s.Deployment.Desired != 2 {
		t.Errorf("deployment = %+v", s.Deployment)
	}
	if s.Service == nil || s.Service.ClusterIP != "10.96.0.10" || s.Service.ReadyEndpoints != 1 || s.Service.EndpointSource != "EndpointSlice" {
		t.Errorf("service = %+v", s.Service)
	}
	if s.Namespace != "kube-system" || s.Context != "test" || !s.Taken.Equal(t0) || len(s.Problems) != 0 {
		t.Errorf("snapshot meta = %+v", s)
	}
	if f := s.Failing(); len(f) != 1 || f[0].Name != "coredns-2" {
		t.Errorf("failing = %+v", f)
	}
	cancel()
	<-w.Done()
	if _, open := <-w.Updates(); open {
		t.Error("Updates not closed after stop")
	}
}

func TestWatchDeliversStatusChange(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	cs, c := newFake(t, fixture()...)
	ctx, cancel := context.WithCancel(context.Background())
	defer func() { cancel() }()
	w := c.Watch(ctx)
	next(t, w, func(s Snapshot) bool { return s.Synced })

	p, err := cs.CoreV1().Pods("kube-system").Get(ctx, "coredns-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	crashLoop("OOMKilled", 137)(p)
	if _, err := cs.CoreV1().Pods("kube-system").UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	s := next(t, w, func(s Snapshot) bool { return len(s.Pods) == 2 && s.Pods[0].Status == "CrashLoopBackOff" })
	if !strings.Contains(s.Pods[0].Detail, "OOMKilled") {
		t.Errorf("detail = %q", s.Pods[0].Detail)
	}
	// A pod of another app changing produces no CoreDNS pod.
	if err := cs.CoreV1().Pods("kube-system").Delete(ctx, "coredns-2", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	next(t, w, func(s Snapshot) bool { return len(s.Pods) == 1 && s.Pods[0].Name == "coredns-1" })
	cancel()
	<-w.Done()
}

func TestWatchCoalescesABurst(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	cs, c := newFake(t, fixture()...)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := c.Watch(ctx)
	first := next(t, w, func(s Snapshot) bool { return s.Synced })

	const burst = 50
	for i := range burst {
		if _, err := cs.CoreV1().Pods("kube-system").Create(ctx, pod(fmt.Sprintf("coredns-x%02d", i), nil), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	snapshots := 0
	s := next(t, w, func(s Snapshot) bool { snapshots++; return len(s.Pods) == 2+burst })
	if snapshots >= burst {
		t.Errorf("%d events gave %d snapshots: not coalesced", burst, snapshots)
	}
	if s.Seq <= first.Seq {
		t.Errorf("seq did not advance: %d then %d", first.Seq, s.Seq)
	}
	t.Logf("%d pod events -> %d snapshots read", burst, snapshots)
}

func TestWatchReportsForbiddenAndFallsBackToEndpoints(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	objs := append(fixture(), &corev1.Endpoints{ //nolint:staticcheck // testing the fallback
		ObjectMeta: metav1.ObjectMeta{Name: "kube-dns", Namespace: "kube-system"},
		Subsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{{IP: "10.244.0.7"}, {IP: "10.244.0.8"}},
			NotReadyAddresses: []corev1.EndpointAddress{{IP: "10.244.1.9"}}}},
	})
	cs, c := newFake(t, objs...)
	deny := func(resource string) {
		cs.PrependReactor("list", resource, func(a k8stesting.Action) (bool, runtime.Object, error) {
			return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: resource}, "", fmt.Errorf("RBAC"))
		})
	}
	deny("endpointslices")
	deny("pods")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := c.Watch(ctx)
	s := next(t, w, func(s Snapshot) bool { return len(s.Problems) > 0 && s.Service != nil && s.Deployment != nil })
	if s.Synced {
		t.Error("a failing watch must leave the snapshot unsynced (stale)")
	}
	if len(s.Pods) != 0 || !strings.Contains(s.Problems[0], `forbidden: your Kubernetes identity may not list pods in namespace kube-system`) {
		t.Errorf("problems = %q", s.Problems)
	}
	if s.Service.EndpointSource != "Endpoints" || s.Service.ReadyEndpoints != 2 || s.Service.NotReadyEndpoints != 1 {
		t.Errorf("service = %+v", s.Service)
	}
	cancel()
	<-w.Done()
}

func TestWatchStopsWithoutLeaks(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	for range 3 {
		_, c := newFake(t, fixture()...)
		ctx, cancel := context.WithCancel(context.Background())
		w := c.Watch(ctx)
		// Stop before and after the first snapshot.
		cancel()
		<-w.Done()
		ctx, cancel = context.WithCancel(context.Background())
		w = c.Watch(ctx)
		next(t, w, func(s Snapshot) bool { return s.Synced })
		cancel()
		<-w.Done()
	}
}

func TestWatchReportsAnUnreachableServer(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	cs, c := newFake(t, fixture()...)
	cs.PrependReactor("list", "*", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, &url.Error{Op: "Get", URL: "https://10.0.0.1:6443/api/v1/namespaces/kube-system/pods", Err: &netErr{}}
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := c.Watch(ctx)
	s := next(t, w, func(s Snapshot) bool { return len(s.Problems) > 0 })
	if s.Synced || !strings.Contains(s.Problems[0], "cannot reach the Kubernetes API server") || !strings.Contains(s.Problems[0], "connection refused") {
		t.Errorf("problems = %q", s.Problems)
	}
	cancel()
	<-w.Done()
}
