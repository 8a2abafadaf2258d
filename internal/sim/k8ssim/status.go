package k8ssim

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// life is where a pod is in its simulated life at some moment.
type life struct {
	creating bool // ContainerCreating
	running  bool // the container process is up
	ready    bool
	restarts int32
	// For a crash-looping pod between runs: the current back-off and the
	// last termination.
	backoff              time.Duration
	lastStart, lastCrash time.Time
	started              time.Time // start of the running instance
}

// lifeAt derives a pod's life from its age alone, so the simulation does
// not depend on how often Step runs. A pod whose resolv.conf points at the
// stub starts, detects the loop after crashAfter and exits 1; the kubelet
// restarts it after 10s, 20s, 40s ... capped at 5 minutes.
func lifeAt(p *corev1.Pod, now time.Time) life {
	created := p.CreationTimestamp.Time
	start := created.Add(startDelay)
	if now.Before(start) {
		return life{creating: true}
	}
	if !loops(p) {
		return life{running: true, started: start, ready: !now.Before(start.Add(readyDelay))}
	}
	l := life{}
	backoff := firstBackoff
	for {
		crash := start.Add(crashAfter)
		if now.Before(crash) {
			l.running, l.started = true, start
			return l
		}
		l.restarts++
		l.lastStart, l.lastCrash = start, crash
		next := crash.Add(backoff)
		if now.Before(next) {
			l.backoff = backoff
			return l
		}
		start = next
		backoff = min(2*backoff, maxBackoff)
	}
}

// podStatus is the status the kubelet would report for p at now.
func podStatus(p *corev1.Pod, now time.Time) corev1.PodStatus {
	l := lifeAt(p, now)
	created := p.CreationTimestamp
	cond := func(t corev1.PodConditionType, ok bool, at time.Time) corev1.PodCondition {
		s := corev1.ConditionFalse
		if ok {
			s = corev1.ConditionTrue
		}
		return corev1.PodCondition{Type: t, Status: s, LastTransitionTime: metav1.NewTime(at)}
	}
	st := corev1.PodStatus{
		Phase:     corev1.PodRunning,
		HostIP:    hostIP(p.Spec.NodeName),
		PodIP:     podIP(p),
		StartTime: &created,
		QOSClass:  corev1.PodQOSBurstable,
	}
	cs := corev1.ContainerStatus{
		Name: "coredns", Image: Image, ImageID: "registry.k8s.io/coredns/coredns@sha256:9caabbf6238b189a65d0d6e6ac138de60d6a1c419e5a341fbbb7c78382559c6e",
		RestartCount: l.restarts, Ready: l.ready,
	}
	if l.lastCrash.After(time.Time{}) {
		cs.LastTerminationState.Terminated = &corev1.ContainerStateTerminated{
			ExitCode: 1, Reason: "Error",
			StartedAt: metav1.NewTime(l.lastStart), FinishedAt: metav1.NewTime(l.lastCrash),
			ContainerID: "containerd://" + suffix(p.Name+fmt.Sprint(l.restarts), 12),
		}
	}
	switch {
	case l.creating:
		st.Phase = corev1.PodPending
		st.PodIP = ""
		cs.State.Waiting = &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}
	case l.running:
		cs.State.Running = &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(l.started)}
		cs.Started = ptr(true)
	default:
		cs.State.Waiting = &corev1.ContainerStateWaiting{
			Reason:  "CrashLoopBackOff",
			Message: fmt.Sprintf("back-off %s restarting failed container=coredns pod=%s_%s(%s)", l.backoff, p.Name, p.Namespace, p.UID),
		}
		cs.Started = ptr(false)
	}
	st.ContainerStatuses = []corev1.ContainerStatus{cs}
	readyAt := created.Add(startDelay + readyDelay)
	st.Conditions = []corev1.PodCondition{
		cond(corev1.PodScheduled, true, created.Time),
		cond(corev1.PodInitialized, true, created.Time),
		cond(corev1.ContainersReady, l.ready, readyAt),
		cond(corev1.PodReady, l.ready, readyAt),
	}
	if !l.ready {
		msg := "containers with unready status: [coredns]"
		st.Conditions[2].Reason, st.Conditions[2].Message = "ContainersNotReady", msg
		st.Conditions[3].Reason, st.Conditions[3].Message = "ContainersNotReady", msg
	}
	return st
}

func ptr[T any](v T) *T { return &v }

func hostIP(node string) string {
	for i, n := range nodes {
		if n == node {
			return fmt.Sprintf("10.0.1.%d", 21+i)
		}
	}
	return ""
}

// updateDeploymentStatus publishes what the deployment controller would.
func (f *Fleet) updateDeploymentStatus(ctx context.Context, d *appsv1.Deployment, pods []*corev1.Pod, hash string, now time.Time) error {
	desired := int32(1)
	if d.Spec.Replicas != nil {
		desired = *d.Spec.Replicas
	}
	var st appsv1.DeploymentStatus
	st.ObservedGeneration = d.Generation
	for _, p := range pods {
		if p.DeletionTimestamp != nil {
			continue
		}
		st.Replicas++
		if p.Labels["pod-template-hash"] == hash {
			st.UpdatedReplicas++
		}
		if podReady(p, now) {
			st.ReadyReplicas++
			st.AvailableReplicas++
		}
	}
	st.UnavailableReplicas = max(0, desired-st.AvailableReplicas)
	available := st.AvailableReplicas >= desired-1 && (desired == 0 || st.AvailableReplicas > 0)
	complete := st.UpdatedReplicas == desired && st.Replicas == desired && st.AvailableReplicas == desired
	availCond := appsv1.DeploymentCondition{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue, Reason: "MinimumReplicasAvailable", Message: "Deployment has minimum availability."}
	if !available {
		availCond.Status, availCond.Reason, availCond.Message = corev1.ConditionFalse, "MinimumReplicasUnavailable", "Deployment does not have minimum availability."
	}
	progCond := appsv1.DeploymentCondition{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionTrue, Reason: "ReplicaSetUpdated",
		Message: fmt.Sprintf("ReplicaSet \"%s-%s\" is progressing.", d.Name, hash)}
	if complete {
		progCond.Reason, progCond.Message = "NewReplicaSetAvailable", fmt.Sprintf("ReplicaSet \"%s-%s\" has successfully progressed.", d.Name, hash)
	}
	// Keep transition times stable unless the status flips, as the
	// controller does, so an unchanged fleet writes nothing.
	for _, c := range []*appsv1.DeploymentCondition{&availCond, &progCond} {
		c.LastUpdateTime, c.LastTransitionTime = metav1.NewTime(now), metav1.NewTime(now)
		for _, old := range d.Status.Conditions {
			if old.Type == c.Type && old.Status == c.Status && old.Reason == c.Reason {
				c.LastUpdateTime, c.LastTransitionTime = old.LastUpdateTime, old.LastTransitionTime
			}
		}
	}
	st.Conditions = []appsv1.DeploymentCondition{availCond, progCond}
	if equality.Semantic.DeepEqual(d.Status, st) {
		return nil
	}
	d = d.DeepCopy()
	d.Status = st
	_, err := f.cs.AppsV1().Deployments(Namespace).UpdateStatus(ctx, d, metav1.UpdateOptions{})
	return err
}

// updateEndpoints publishes the kube-dns EndpointSlice as the
// endpoint-slice controller would: every pod with an IP, ready or not,
// terminating ones flagged.
func (f *Fleet) updateEndpoints(ctx context.Context, pods []*corev1.Pod, now time.Time) error {
	list, err := f.cs.DiscoveryV1().EndpointSlices(Namespace).List(ctx, metav1.ListOptions{LabelSelector: "kubernetes.io/service-name=" + ServiceName})
	if err != nil || len(list.Items) == 0 {
		return err
	}
	slice := list.Items[0].DeepCopy()
	var eps []discoveryv1.Endpoint
	for _, p := range pods {
		if lifeAt(p, now).creating {
			continue
		}
		terminating := p.DeletionTimestamp != nil
		ready := podReady(p, now)
		node := p.Spec.NodeName
		eps = append(eps, discoveryv1.Endpoint{
			Addresses:  []string{podIP(p)},
			Conditions: discoveryv1.EndpointConditions{Ready: &ready, Serving: &ready, Terminating: &terminating},
			NodeName:   &node,
			TargetRef:  &corev1.ObjectReference{Kind: "Pod", Namespace: Namespace, Name: p.Name, UID: p.UID},
		})
	}
	if equality.Semantic.DeepEqual(slice.Endpoints, eps) {
		return nil
	}
	slice.Endpoints = eps
	_, err = f.cs.DiscoveryV1().EndpointSlices(Namespace).Update(ctx, slice, metav1.UpdateOptions{})
	return err
}
