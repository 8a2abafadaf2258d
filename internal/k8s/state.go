package k8s

import (
	"fmt"
	"sort"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
)

// Snapshot is the whole CoreDNS picture at one moment. Snapshots are
// values: the watcher never changes one after handing it out.
type Snapshot struct {
	// Seq counts snapshots from 1; a gap means the consumer skipped some
	// (only the newest is kept for a slow reader, which is all it needs).
	Seq uint64
	// Taken is when the snapshot was built (the client's clock).
	Taken time.Time
	// Namespace and Context say where this is from (Context is "" for
	// in-cluster or an injected clientset).
	Namespace string
	Context   string
	// Synced is false until every watch has finished its initial list.
	Synced bool
	// Pods are the pods matching the selector, sorted by name.
	Pods []Pod
	// Deployment is nil when the Deployment does not exist (or cannot be read).
	Deployment *Deployment
	// Service is nil when the Service does not exist (or cannot be read).
	Service *Service
	// Problems are watch failures in the operator's words (forbidden,
	// unreachable...). While a watch fails, its part of the snapshot is
	// stale: the pane should say so.
	Problems []string
}

// Failing returns the pods that are not healthy, worst first.
func (s Snapshot) Failing() []Pod {
	var out []Pod
	for _, p := range s.Pods {
		if !p.Healthy {
			out = append(out, p)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Restarts > out[j].Restarts })
	return out
}

// Pod is one CoreDNS pod as the pane shows it.
type Pod struct {
	Name string
	// Status is the headline, as kubectl's STATUS column would put it:
	// Running, CrashLoopBackOff, OOMKilled, ImagePullBackOff, ErrImagePull,
	// Pending, ContainerCreating, Terminating, Error, Completed, Init:...
	Status string
	// Detail is the reason behind the status: the scheduler's message for a
	// Pending pod, the kubelet's back-off or image message, the last exit.
	Detail string
	// Phase is the pod's phase (Pending, Running, Succeeded, Failed, Unknown).
	Phase string
	// Healthy is true when the pod is Running, not terminating, and every
	// container is ready.
	Healthy bool
	// Ready and Total count containers (the "1/1" column).
	Ready, Total int
	// Restarts is the sum of container restart counts.
	Restarts int32
	// LastRestart is the most recent container termination that led to a
	// restart, nil when the pod never restarted.
	LastRestart *Termination
	Created     time.Time
	Terminating bool
	Node        string
	IP          string
	// Containers are the container names (for choosing which logs to show);
	// DefaultContainer is the one logs show unless told otherwise.
	Containers       []string
	DefaultContainer string
}

// Ready string, like kubectl's "1/1".
func (p Pod) ReadyText() string { return fmt.Sprintf("%d/%d", p.Ready, p.Total) }

// Age is how long the pod has existed at now.
func (p Pod) Age(now time.Time) time.Duration {
	if p.Created.IsZero() {
		return 0
	}
	return now.Sub(p.Created)
}

// Termination is how a container last ended.
type Termination struct {
	Container string
	Reason    string // "Error", "OOMKilled", "Completed"...
	ExitCode  int32
	Signal    int32
	Message   string
	Started   time.Time
	Finished  time.Time
}

func (t Termination) String() string {
	s := t.Reason
	if s == "" {
		s = "exited"
	}
	s += fmt.Sprintf(" (exit code %d)", t.ExitCode)
	if t.Signal != 0 {
		s += fmt.Sprintf(" signal %d", t.Signal)
	}
	return s
}

// Deployment is the CoreDNS Deployment's rollout state.
type Deployment struct {
	Name string
	// Desired is spec.replicas (1 when unset, as the API defaults it).
	Desired   int32
	Current   int32 // status.replicas: pods of any revision
	Ready     int32
	Updated   int32
	Available int32
	// Generation and ObservedGeneration: the controller has seen the latest
	// spec when ObservedGeneration >= Generation.
	Generation         int64
	ObservedGeneration int64
	Paused             bool
	// RestartedAt is the kubectl.kubernetes.io/restartedAt template
	// annotation, "" when never restarted that way.
	RestartedAt string
	// Rollout is kubectl rollout status's sentence for the current state.
	Rollout string
	// RolloutDone is true when the rollout is complete.
	RolloutDone bool
	// RolloutFailed is set when the Progressing condition says the deadline
	// passed.
	RolloutFailed bool
	Selector      string
}

// Service is the kube-dns Service and how many endpoints back it.
type Service struct {
	Name      string
	ClusterIP string
	Ports     []string // "53/UDP", "53/TCP", "9153/TCP"
	// ReadyEndpoints and NotReadyEndpoints count addresses (deduplicated
	// across slices and ports).
	ReadyEndpoints    int
	NotReadyEndpoints int
	// EndpointSource is "EndpointSlice" or "Endpoints".
	EndpointSource string
}

// RestartedAtAnnotation is the pod template annotation `kubectl rollout
// restart` sets; changing it makes the Deployment roll every pod.
const RestartedAtAnnotation = "kubectl.kubernetes.io/restartedAt"

// PodFrom derives the pane's view of a pod. It follows the rules of
// kubectl's STATUS column, then adds the detail an operator needs.
func PodFrom(p *corev1.Pod) Pod {
	out := Pod{
		Name:    p.Name,
		Phase:   string(p.Status.Phase),
		Created: p.CreationTimestamp.Time,
		Node:    p.Spec.NodeName,
		IP:      p.Status.PodIP,
		Total:   len(p.Spec.Containers),
	}
	for _, c := range p.Spec.Containers {
		out.Containers = append(out.Containers, c.Name)
	}
	out.DefaultContainer = defaultContainer(p)

	status := string(p.Status.Phase)
	if p.Status.Reason != "" {
		status = p.Status.Reason // Evicted, NodeLost, UnexpectedAdmissionError...
		out.Detail = p.Status.Message
	}

	// Init containers: a pod stuck initialising says so.
	initializing := false
	for i, c := range p.Status.InitContainerStatuses {
		out.Restarts += c.RestartCount
		out.noteTermination(c.Name, c.LastTerminationState.Terminated)
		switch {
		case c.State.Terminated != nil && c.State.Terminated.ExitCode == 0:
			continue
		case c.State.Terminated != nil:
			status = "Init:" + orDefault(c.State.Terminated.Reason, fmt.Sprintf("ExitCode:%d", c.State.Terminated.ExitCode))
			out.Detail = c.State.Terminated.Message
		case c.State.Waiting != nil && c.State.Waiting.Reason != "" && c.State.Waiting.Reason != "PodInitializing":
			status = "Init:" + c.State.Waiting.Reason
			out.Detail = c.State.Waiting.Message
		default:
			status = fmt.Sprintf("Init:%d/%d", i, len(p.Spec.InitContainers))
		}
		initializing = true
		break
	}

	if !initializing {
		// Like kubectl, the last container with something to say wins; a
		// waiting reason (CrashLoopBackOff) outranks a running sibling.
		running := false
		for i := len(p.Status.ContainerStatuses) - 1; i >= 0; i-- {
			c := p.Status.ContainerStatuses[i]
			if c.Ready {
				out.Ready++
			}
			out.Restarts += c.RestartCount
			out.noteTermination(c.Name, c.LastTerminationState.Terminated)
			switch {
			case c.State.Waiting != nil && c.State.Waiting.Reason != "":
				status = c.State.Waiting.Reason
				out.Detail = waitingDetail(c)
			case c.State.Terminated != nil:
				status = orDefault(c.State.Terminated.Reason, fmt.Sprintf("ExitCode:%d", c.State.Terminated.ExitCode))
				if c.State.Terminated.Signal != 0 && c.State.Terminated.Reason == "" {
					status = fmt.Sprintf("Signal:%d", c.State.Terminated.Signal)
				}
				out.Detail = c.State.Terminated.Message
			case c.State.Running != nil && c.Ready:
				running = true
			}
		}
		if status == "Completed" && running {
			status = "Running"
		}
		if status == string(corev1.PodRunning) && out.Ready < out.Total {
			out.Detail = orDefault(out.Detail, notReadyDetail(p))
		}
	}

	if p.Status.Phase == corev1.PodPending && len(p.Status.ContainerStatuses) == 0 && !initializing {
		if c := podCondition(p, corev1.PodScheduled); c != nil && c.Status == corev1.ConditionFalse {
			status = "Pending"
			out.Detail = strings.TrimSpace(c.Reason + ": " + c.Message)
		}
	}

	if p.DeletionTimestamp != nil {
		out.Terminating = true
		if p.Status.Reason == "NodeLost" {
			status = "Unknown"
		} else {
			status = "Terminating"
		}
	}
	out.Status = status
	out.Healthy = p.Status.Phase == corev1.PodRunning && !out.Terminating && out.Total > 0 && out.Ready == out.Total
	if out.Detail == "" && out.LastRestart != nil && !out.Healthy {
		out.Detail = "last exit: " + out.LastRestart.String()
	}
	return out
}

// noteTermination keeps the most recent last-termination across containers.
func (p *Pod) noteTermination(container string, t *corev1.ContainerStateTerminated) {
	if t == nil {
		return
	}
	if p.LastRestart != nil && !t.FinishedAt.Time.After(p.LastRestart.Finished) {
		return
	}
	p.LastRestart = &Termination{
		Container: container,
		Reason:    t.Reason,
		ExitCode:  t.ExitCode,
		Signal:    t.Signal,
		Message:   t.Message,
		Started:   t.StartedAt.Time,
		Finished:  t.FinishedAt.Time,
	}
}

// waitingDetail explains a waiting container. For a crash loop the kubelet's
// message is only "back-off 40s restarting failed container=..."; the last
// exit reason (OOMKilled, Error with exit code) is what tells the story.
func waitingDetail(c corev1.ContainerStatus) string {
	msg := c.State.Waiting.Message
	if c.State.Waiting.Reason == "CrashLoopBackOff" {
		if t := c.LastTerminationState.Terminated; t != nil {
			last := (&Termination{Reason: t.Reason, ExitCode: t.ExitCode, Signal: t.Signal}).String()
			if msg == "" {
				return "last exit: " + last
			}
			return msg + "; last exit: " + last
		}
	}
	return msg
}

// notReadyDetail explains a Running pod whose containers are not all ready.
func notReadyDetail(p *corev1.Pod) string {
	if c := podCondition(p, corev1.ContainersReady); c != nil && c.Message != "" {
		return c.Message
	}
	return "running but not ready: the readiness probe (CoreDNS's ready plugin, :8181/ready) is failing"
}

func podCondition(p *corev1.Pod, t corev1.PodConditionType) *corev1.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == t {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}

// defaultContainer is the container `kubectl logs` would pick: the one the
// kubectl.kubernetes.io/default-container annotation names, else one named
// "coredns", else the first.
func defaultContainer(p *corev1.Pod) string {
	if name := p.Annotations["kubectl.kubernetes.io/default-container"]; name != "" {
		return name
	}
	for _, c := range p.Spec.Containers {
		if c.Name == "coredns" {
			return c.Name
		}
	}
	if len(p.Spec.Containers) > 0 {
		return p.Spec.Containers[0].Name
	}
	return ""
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// DeploymentFrom derives the rollout state, in the words of `kubectl
// rollout status`.
func DeploymentFrom(d *appsv1.Deployment) Deployment {
	out := Deployment{
		Name:               d.Name,
		Desired:            1,
		Current:            d.Status.Replicas,
		Ready:              d.Status.ReadyReplicas,
		Updated:            d.Status.UpdatedReplicas,
		Available:          d.Status.AvailableReplicas,
		Generation:         d.Generation,
		ObservedGeneration: d.Status.ObservedGeneration,
		Paused:             d.Spec.Paused,
		RestartedAt:        d.Spec.Template.Annotations[RestartedAtAnnotation],
	}
	if d.Spec.Replicas != nil {
		out.Desired = *d.Spec.Replicas
	}
	if d.Spec.Selector != nil {
		var parts []string
		for k, v := range d.Spec.Selector.MatchLabels {
			parts = append(parts, k+"="+v)
		}
		sort.Strings(parts)
		out.Selector = strings.Join(parts, ",")
	}
	out.Rollout, out.RolloutDone, out.RolloutFailed = rolloutStatus(d, out.Desired)
	return out
}

// rolloutStatus mirrors kubectl's DeploymentStatusViewer.
func rolloutStatus(d *appsv1.Deployment, desired int32) (msg string, done, failed bool) {
	if d.Generation > d.Status.ObservedGeneration {
		return "waiting for the deployment controller to observe the latest spec", false, false
	}
	for _, c := range d.Status.Conditions {
		if c.Type == appsv1.DeploymentProgressing && c.Reason == "ProgressDeadlineExceeded" {
			return fmt.Sprintf("rollout exceeded its progress deadline: %s", c.Message), false, true
		}
	}
	switch {
	case d.Status.UpdatedReplicas < desired:
		return fmt.Sprintf("%d of %d new replicas have been updated", d.Status.UpdatedReplicas, desired), false, false
	case d.Status.Replicas > d.Status.UpdatedReplicas:
		return fmt.Sprintf("%d old replicas are pending termination", d.Status.Replicas-d.Status.UpdatedReplicas), false, false
	case d.Status.AvailableReplicas < d.Status.UpdatedReplicas:
		return fmt.Sprintf("%d of %d updated replicas are available", d.Status.AvailableReplicas, d.Status.UpdatedReplicas), false, false
	}
	return "successfully rolled out", true, false
}

// ServiceFrom builds the Service view; endpoints are counted separately.
func ServiceFrom(s *corev1.Service) Service {
	out := Service{Name: s.Name, ClusterIP: s.Spec.ClusterIP}
	for _, p := range s.Spec.Ports {
		out.Ports = append(out.Ports, fmt.Sprintf("%d/%s", p.Port, p.Protocol))
	}
	return out
}

// CountSliceEndpoints counts distinct addresses across a Service's
// EndpointSlices. An endpoint whose Ready condition is unset counts as ready,
// as the API documents; terminating endpoints are not ready.
func CountSliceEndpoints(slices []*discoveryv1.EndpointSlice) (ready, notReady int) {
	seen := map[string]bool{}
	for _, s := range slices {
		for _, e := range s.Endpoints {
			isReady := e.Conditions.Ready == nil || *e.Conditions.Ready
			for _, a := range e.Addresses {
				if prev, ok := seen[a]; ok && (prev || !isReady) {
					continue
				}
				seen[a] = isReady
			}
		}
	}
	for _, r := range seen {
		if r {
			ready++
		} else {
			notReady++
		}
	}
	return ready, notReady
}

// CountEndpoints counts addresses in a core/v1 Endpoints object (the
// fallback for clusters or permissions without EndpointSlices).
func CountEndpoints(ep *corev1.Endpoints) (ready, notReady int) {
	r, n := map[string]bool{}, map[string]bool{}
	for _, s := range ep.Subsets {
		for _, a := range s.Addresses {
			r[a.IP] = true
		}
		for _, a := range s.NotReadyAddresses {
			n[a.IP] = true
		}
	}
	for ip := range n {
		if r[ip] {
			delete(n, ip)
		}
	}
	return len(r), len(n)
}
