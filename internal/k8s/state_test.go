package k8s

import (
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var t0 = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)

func ts(d time.Duration) metav1.Time { return metav1.NewTime(t0.Add(d)) }

// pod builds a one-container CoreDNS pod; mutate adjusts it.
func pod(name string, mutate func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "kube-system", CreationTimestamp: ts(-time.Hour),
			Labels: map[string]string{"k8s-app": "kube-dns"}},
		Spec: corev1.PodSpec{NodeName: "node-a", Containers: []corev1.Container{{Name: "coredns", Image: "coredns:1.11.3"}}},
		Status: corev1.PodStatus{
			Phase: corev1.PodRunning, PodIP: "10.244.0.7",
			ContainerStatuses: []corev1.ContainerStatus{{Name: "coredns", Ready: true,
				State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: ts(-time.Hour)}}}},
		},
	}
	if mutate != nil {
		mutate(p)
	}
	return p
}

func crashLoop(lastReason string, code int32) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		c := &p.Status.ContainerStatuses[0]
		c.Ready = false
		c.RestartCount = 7
		c.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff",
			Message: "back-off 5m0s restarting failed container=coredns pod=coredns-abc_kube-system(uid)"}}
		c.LastTerminationState = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
			Reason: lastReason, ExitCode: code, StartedAt: ts(-3 * time.Minute), FinishedAt: ts(-2 * time.Minute)}}
	}
}

func TestPodFrom(t *testing.T) {
	for _, tc := range []struct {
		name        string
		pod         *corev1.Pod
		status      string
		healthy     bool
		ready       string
		restarts    int32
		detailHas   []string
		lastRestart string
	}{
		{name: "running", pod: pod("a", nil), status: "Running", healthy: true, ready: "1/1"},
		{name: "crash loop after exit 1", pod: pod("b", crashLoop("Error", 1)), status: "CrashLoopBackOff", ready: "0/1", restarts: 7,
			detailHas: []string{"back-off 5m0s", "last exit: Error (exit code 1)"}, lastRestart: "Error (exit code 1)"},
		{name: "crash loop after OOM", pod: pod("c", crashLoop("OOMKilled", 137)), status: "CrashLoopBackOff", ready: "0/1", restarts: 7,
			detailHas: []string{"OOMKilled (exit code 137)"}, lastRestart: "OOMKilled (exit code 137)"},
		{name: "OOMKilled right now", pod: pod("d", func(p *corev1.Pod) {
			c := &p.Status.ContainerStatuses[0]
			c.Ready, c.RestartCount = false, 3
			c.State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "OOMKilled", ExitCode: 137, FinishedAt: ts(0)}}
		}), status: "OOMKilled", ready: "0/1", restarts: 3},
		{name: "image pull back-off", pod: pod("e", func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodPending
			c := &p.Status.ContainerStatuses[0]
			c.Ready = false
			c.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff",
				Message: `Back-off pulling image "coredns:9.9"`}}
		}), status: "ImagePullBackOff", ready: "0/1", detailHas: []string{`Back-off pulling image "coredns:9.9"`}},
		{name: "err image pull", pod: pod("f", func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodPending
			c := &p.Status.ContainerStatuses[0]
			c.Ready = false
			c.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ErrImagePull", Message: "manifest unknown"}}
		}), status: "ErrImagePull", ready: "0/1", detailHas: []string{"manifest unknown"}},
		{name: "unschedulable", pod: pod("g", func(p *corev1.Pod) {
			p.Spec.NodeName = ""
			p.Status = corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{
				Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "Unschedulable",
				Message: "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules."}}}
		}), status: "Pending", ready: "0/1", detailHas: []string{"Unschedulable: 0/3 nodes are available", "anti-affinity"}},
		{name: "terminating", pod: pod("h", func(p *corev1.Pod) {
			now := ts(0)
			p.DeletionTimestamp = &now
		}), status: "Terminating", ready: "1/1"},
		{name: "running not ready", pod: pod("i", func(p *corev1.Pod) {
			p.Status.ContainerStatuses[0].Ready = false
		}), status: "Running", ready: "0/1", detailHas: []string{"readiness probe"}},
		{name: "init container waiting", pod: pod("j", func(p *corev1.Pod) {
			p.Spec.InitContainers = []corev1.Container{{Name: "wait"}}
			p.Status.Phase = corev1.PodPending
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{{Name: "wait",
				State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: "back-off 20s"}}}}
			p.Status.ContainerStatuses[0].Ready = false
		}), status: "Init:CrashLoopBackOff", ready: "0/1", detailHas: []string{"back-off 20s"}},
		{name: "evicted", pod: pod("k", func(p *corev1.Pod) {
			p.Status.Phase, p.Status.Reason, p.Status.Message = corev1.PodFailed, "Evicted", "The node was low on resource: memory."
			p.Status.ContainerStatuses = nil
		}), status: "Evicted", ready: "0/1", detailHas: []string{"low on resource"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := PodFrom(tc.pod)
			if got.Status != tc.status || got.Healthy != tc.healthy || got.ReadyText() != tc.ready || got.Restarts != tc.restarts {
				t.Errorf("got status=%q healthy=%v ready=%s restarts=%d; want %q %v %s %d",
					got.Status, got.Healthy, got.ReadyText(), got.Restarts, tc.status, tc.healthy, tc.ready, tc.restarts)
			}
			for _, s := range tc.detailHas {
				if !strings.Contains(got.Detail, s) {
					t.Errorf("detail %q lacks %q", got.Detail, s)
				}
			}
			if tc.lastRestart != "" {
				if got.LastRestart == nil || got.LastRestart.String() != tc.lastRestart || !got.LastRestart.Finished.Equal(t0.Add(-2*time.Minute)) {
					t.Errorf("last restart = %+v, want %s finished at -2m", got.LastRestart, tc.lastRestart)
				}
			}
		})
	}
}

func TestPodFromBasics(t *testing.T) {
	p := pod("coredns-5d78c9869d-w8954", func(p *corev1.Pod) {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "sidecar"})
	})
	got := PodFrom(p)
	if got.Node != "node-a" || got.IP != "10.244.0.7" || got.Age(t0) != time.Hour || got.DefaultContainer != "coredns" ||
		len(got.Containers) != 2 {
		t.Errorf("got %+v", got)
	}
	p.Annotations = map[string]string{"kubectl.kubernetes.io/default-container": "sidecar"}
	if c := PodFrom(p).DefaultContainer; c != "sidecar" {
		t.Errorf("default container = %q, want the annotation's", c)
	}
}

func TestDeploymentFromRollout(t *testing.T) {
	two := int32(2)
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "coredns", Generation: 3},
		Spec: appsv1.DeploymentSpec{Replicas: &two, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"k8s-app": "kube-dns"}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{RestartedAtAnnotation: "2026-03-14T09:00:00Z"}}}},
		Status: appsv1.DeploymentStatus{ObservedGeneration: 2, Replicas: 2, UpdatedReplicas: 2, ReadyReplicas: 2, AvailableReplicas: 2},
	}
	for _, tc := range []struct {
		name   string
		mutate func(*appsv1.Deployment)
		msg    string
		done   bool
		failed bool
	}{
		{"not observed", func(*appsv1.Deployment) {}, "observe the latest spec", false, false},
		{"updating", func(d *appsv1.Deployment) { d.Status.ObservedGeneration, d.Status.UpdatedReplicas = 3, 1 }, "1 of 2 new replicas have been updated", false, false},
		{"old pending", func(d *appsv1.Deployment) { d.Status.ObservedGeneration, d.Status.Replicas = 3, 3 }, "1 old replicas are pending termination", false, false},
		{"unavailable", func(d *appsv1.Deployment) { d.Status.ObservedGeneration, d.Status.AvailableReplicas = 3, 1 }, "1 of 2 updated replicas are available", false, false},
		{"deadline", func(d *appsv1.Deployment) {
			d.Status.ObservedGeneration = 3
			d.Status.Conditions = []appsv1.DeploymentCondition{{Type: appsv1.DeploymentProgressing, Reason: "ProgressDeadlineExceeded", Message: `ReplicaSet "coredns-x" has timed out progressing.`}}
		}, "timed out progressing", false, true},
		{"done", func(d *appsv1.Deployment) { d.Status.ObservedGeneration = 3 }, "successfully rolled out", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dd := d.DeepCopy()
			tc.mutate(dd)
			got := DeploymentFrom(dd)
			if !strings.Contains(got.Rollout, tc.msg) || got.RolloutDone != tc.done || got.RolloutFailed != tc.failed {
				t.Errorf("got %q done=%v failed=%v; want %q %v %v", got.Rollout, got.RolloutDone, got.RolloutFailed, tc.msg, tc.done, tc.failed)
			}
			if got.Desired != 2 || got.RestartedAt != "2026-03-14T09:00:00Z" || got.Selector != "k8s-app=kube-dns" {
				t.Errorf("got %+v", got)
			}
		})
	}
	d.Spec.Replicas = nil
	if got := DeploymentFrom(d).Desired; got != 1 {
		t.Errorf("unset replicas = %d, want the API default 1", got)
	}
}

func TestCountEndpoints(t *testing.T) {
	yes, no := true, false
	slices := []*discoveryv1.EndpointSlice{
		{Endpoints: []discoveryv1.Endpoint{
			{Addresses: []string{"10.244.0.7"}, Conditions: discoveryv1.EndpointConditions{Ready: &yes}},
			{Addresses: []string{"10.244.1.8"}, Conditions: discoveryv1.EndpointConditions{Ready: &no}},
			{Addresses: []string{"10.244.2.9"}}, // unset Ready means ready
		}},
		// A second slice repeating an address (dual ports) counts it once,
		// and ready wins over not ready.
		{Endpoints: []discoveryv1.Endpoint{
			{Addresses: []string{"10.244.1.8"}, Conditions: discoveryv1.EndpointConditions{Ready: &yes}},
			{Addresses: []string{"10.244.0.7"}, Conditions: discoveryv1.EndpointConditions{Ready: &no}},
			{Addresses: []string{"10.244.3.1"}, Conditions: discoveryv1.EndpointConditions{Ready: &no}},
		}},
	}
	if r, n := CountSliceEndpoints(slices); r != 3 || n != 1 {
		t.Errorf("slices: ready=%d notReady=%d, want 3 and 1", r, n)
	}
	ep := &corev1.Endpoints{Subsets: []corev1.EndpointSubset{
		{Addresses: []corev1.EndpointAddress{{IP: "10.244.0.7"}}, NotReadyAddresses: []corev1.EndpointAddress{{IP: "10.244.1.8"}}},
		{Addresses: []corev1.EndpointAddress{{IP: "10.244.0.7"}}, NotReadyAddresses: []corev1.EndpointAddress{{IP: "10.244.0.7"}}},
	}}
	if r, n := CountEndpoints(ep); r != 1 || n != 1 {
		t.Errorf("endpoints: ready=%d notReady=%d, want 1 and 1", r, n)
	}
}

var podSink Pod

func BenchmarkPodFrom(b *testing.B) {
	p := pod("coredns-5d78c9869d-w8954", crashLoop("Error", 1))
	b.ReportAllocs()
	for b.Loop() {
		podSink = PodFrom(p)
	}
}
