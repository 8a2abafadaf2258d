// Package k8ssim is the demo's CoreDNS fleet (DESIGN.md §5): client-go's
// fake clientset holding a believable kube-system, plus a small controller
// loop that makes it behave like a cluster over time. The production
// internal/k8s code runs on it unchanged.
//
// The story it tells: two nodes, one of which (worker-1) runs
// systemd-resolved, so its /etc/resolv.conf points at the 127.0.0.53 stub.
// The Corefile forwards to /etc/resolv.conf, so the CoreDNS pod scheduled
// there forwards to itself, the loop plugin detects it and the pod
// crash-loops with a growing back-off. Restarting CoreDNS gives new pod
// names and the same crash (the Corefile is unchanged); scaling up adds
// pods, and those landing on worker-1 crash too.
package k8ssim

import (
	"context"
	"fmt"
	"hash/fnv"
	"sort"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/opsconsole/opsconsole/internal/k8s"
)

// The demo's fixed facts, exported so tests and the UI's docs can name them.
const (
	Namespace      = "kube-system"
	DeploymentName = "coredns"
	ServiceName    = "kube-dns"
	ConfigMapName  = "coredns"
	// LoopNode is the node whose resolv.conf points at a local stub
	// resolver; CoreDNS pods scheduled there crash-loop.
	LoopNode = "worker-1"
	// HealthyNode forwards to real upstream resolvers.
	HealthyNode = "worker-2"
	Image       = "registry.k8s.io/coredns/coredns:v1.11.3"
	ClusterIP   = "10.96.0.10"
)

// Corefile is the demo's Corefile: kubeadm's default, which forwards to the
// node's /etc/resolv.conf.
const Corefile = `.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30
    loop
    reload
    loadbalance
}
`

// Timing of a pod's life in the simulation (the kubelet's back-off doubles
// from 10s up to 5 minutes).
const (
	startDelay   = 2 * time.Second // ContainerCreating
	readyDelay   = 2 * time.Second // running, ready plugin still waiting
	crashAfter   = time.Second     // how long a looping CoreDNS lives
	firstBackoff = 10 * time.Second
	maxBackoff   = 5 * time.Minute
	// terminationGrace is how long a deleted pod shows as Terminating.
	terminationGrace = time.Second
	// maxUnavailable is the Deployment's rolling-update setting (kubeadm's).
	maxUnavailable = 1
)

var nodes = []string{LoopNode, HealthyNode}

// Fleet is the simulated CoreDNS part of a cluster.
type Fleet struct {
	cs  *fake.Clientset
	now func() time.Time

	mu      sync.Mutex // serialises Step and FixLoopNode
	created int        // pods created so far, for unique names
	fixed   bool       // LoopNode's resolv.conf was fixed (FixLoopNode)
}

// ResolvConfAnnotation records, on each simulated pod, the nameserver its
// /etc/resolv.conf got from the node when it was created. A pod keeps it for
// life (as a real container does), so fixing a node helps only pods created
// afterwards: the restart that follows the fix is what clears the loop.
const ResolvConfAnnotation = "demo.opsconsole/resolv-conf"

const (
	stubResolver     = "127.0.0.53 (systemd-resolved stub)"
	upstreamResolver = "10.0.0.2 (VPC resolver)"
)

// FixLoopNode is what the runbook asks the operator to do outside the
// console: point kubelet's resolvConf on LoopNode at the real upstream list.
// Pods created from now on stop looping; existing ones keep crashing until
// they are replaced (a restart).
func (f *Fleet) FixLoopNode() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fixed = true
}

// New builds the fleet at the clock's current time: a Running/Ready pod on
// HealthyNode created days ago, and a pod on LoopNode that has been
// crash-looping for two and a half minutes (so its back-off still grows
// while the demo runs).
func New(now func() time.Time) *Fleet {
	t := now()
	cs := fake.NewClientset()
	InstallDeploymentSemantics(cs)
	AllowAccessReviews(cs)
	f := &Fleet{cs: cs, now: now}

	d := deployment()
	hash := templateHash(&d.Spec.Template)
	ctx := context.Background()
	must(cs.Tracker().Add(d))
	must(cs.Tracker().Add(&corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: ConfigMapName, Namespace: Namespace, CreationTimestamp: metav1.NewTime(t.Add(-40 * 24 * time.Hour))},
		Data:       map[string]string{k8s.CorefileKey: Corefile},
	}))
	must(cs.Tracker().Add(service(t)))
	must(cs.Tracker().Add(&discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{Name: ServiceName + "-x7k2p", Namespace: Namespace, Labels: map[string]string{
			"kubernetes.io/service-name":             ServiceName,
			"endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
		}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports:       slicePorts(),
	}))
	f.createPod(ctx, hash, HealthyNode, t.Add(-(3*24*time.Hour + 4*time.Hour + 12*time.Minute)))
	f.createPod(ctx, hash, LoopNode, t.Add(-150*time.Second))
	must(f.Step())
	return f
}

func must(err error) {
	if err != nil {
		panic(fmt.Sprintf("k8ssim: building the demo fleet: %v", err))
	}
}

// Clientset is the fake clientset holding the fleet.
func (f *Fleet) Clientset() *fake.Clientset { return f.cs }

// Client is an internal/k8s client on the fleet, with the fleet's logs and
// clock. Extra options (a context name, say) are applied after those.
func (f *Fleet) Client(opts ...k8s.Option) (*k8s.Client, error) {
	base := []k8s.Option{k8s.WithLogSource(f.Logs()), k8s.WithClock(f.now)}
	return k8s.NewFromClientset(f.cs, k8s.Config{}, append(base, opts...)...)
}

// Run calls Step every interval until ctx ends.
func (f *Fleet) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = f.Step() // a failed step is retried at the next tick
		}
	}
}

// Step moves the fleet to the clock's current time, as the deployment
// controller, scheduler, kubelet and endpoint-slice controller would:
// replace pods whose template is outdated, add or remove pods to match
// spec.replicas, advance every pod's life, and publish the Deployment's
// status and the Service's endpoints.
func (f *Fleet) Step() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	ctx := context.Background()
	now := f.now()
	d, err := f.cs.AppsV1().Deployments(Namespace).Get(ctx, DeploymentName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil // deleted: nothing manages the pods any more
	}
	if err != nil {
		return err
	}
	hash := templateHash(&d.Spec.Template)
	desired := 1
	if d.Spec.Replicas != nil {
		desired = int(*d.Spec.Replicas)
	}

	pods, err := f.pods(ctx)
	if err != nil {
		return err
	}
	// Finish terminations whose grace period is over.
	var live []*corev1.Pod
	for _, p := range pods {
		if p.DeletionTimestamp != nil {
			if !now.Before(p.DeletionTimestamp.Add(terminationGrace)) {
				if err := f.cs.CoreV1().Pods(Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
					return err
				}
			}
			continue
		}
		live = append(live, p)
	}

	var current, old []*corev1.Pod
	for _, p := range live {
		if p.Labels["pod-template-hash"] == hash {
			current = append(current, p)
		} else {
			old = append(old, p)
		}
	}
	readyCurrent := countReady(current, now)

	// Outdated pods go once they are not needed for availability: broken
	// ones at once, ready ones while at least desired-maxUnavailable pods
	// stay ready (the Deployment's maxUnavailable is 1).
	sortWorstFirst(old, now)
	keepOld := max(0, desired-maxUnavailable-readyCurrent)
	for _, p := range old {
		if keepOld > 0 && podReady(p, now) {
			keepOld--
			continue
		}
		if err := f.terminate(ctx, p, now); err != nil {
			return err
		}
	}
	// Match the replica count with pods of the current template.
	for len(current) < desired {
		p := f.createPod(ctx, hash, pickNode(current), now)
		current = append(current, p)
	}
	if len(current) > desired {
		sortWorstFirst(current, now)
		for _, p := range current[:len(current)-desired] {
			if err := f.terminate(ctx, p, now); err != nil {
				return err
			}
		}
		current = current[len(current)-desired:]
	}

	// Advance every pod's status.
	pods, err = f.pods(ctx)
	if err != nil {
		return err
	}
	for _, p := range pods {
		want := podStatus(p, now)
		if equality.Semantic.DeepEqual(p.Status, want) {
			continue
		}
		p.Status = want
		if _, err := f.cs.CoreV1().Pods(Namespace).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
			return err
		}
	}
	if err := f.updateDeploymentStatus(ctx, d, pods, hash, now); err != nil {
		return err
	}
	return f.updateEndpoints(ctx, pods, now)
}

func (f *Fleet) pods(ctx context.Context) ([]*corev1.Pod, error) {
	list, err := f.cs.CoreV1().Pods(Namespace).List(ctx, metav1.ListOptions{LabelSelector: "k8s-app=kube-dns"})
	if err != nil {
		return nil, err
	}
	out := make([]*corev1.Pod, 0, len(list.Items))
	for i := range list.Items {
		out = append(out, &list.Items[i])
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (f *Fleet) terminate(ctx context.Context, p *corev1.Pod, now time.Time) error {
	p = p.DeepCopy()
	ts := metav1.NewTime(now)
	p.DeletionTimestamp = &ts
	_, err := f.cs.CoreV1().Pods(Namespace).Update(ctx, p, metav1.UpdateOptions{})
	return err
}

// createPod adds a pod of the given template hash, as the ReplicaSet
// controller would (name coredns-<hash>-<suffix>) and the scheduler would
// (nodeName set).
func (f *Fleet) createPod(ctx context.Context, hash, node string, at time.Time) *corev1.Pod {
	f.created++
	name := fmt.Sprintf("%s-%s-%s", DeploymentName, hash, suffix(fmt.Sprintf("%s/%d", hash, f.created), 5))
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: Namespace, UID: types.UID("uid-" + name),
			CreationTimestamp: metav1.NewTime(at),
			Labels:            map[string]string{"k8s-app": "kube-dns", "pod-template-hash": hash},
			Annotations:       map[string]string{ResolvConfAnnotation: f.resolverOn(node)},
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "apps/v1", Kind: "ReplicaSet", Name: DeploymentName + "-" + hash, UID: types.UID("uid-rs-" + hash),
			}},
		},
		Spec: podSpec(node),
	}
	p.Status = podStatus(p, f.now())
	created, err := f.cs.CoreV1().Pods(Namespace).Create(ctx, p, metav1.CreateOptions{})
	must(err) // names are unique by construction
	return created
}

func (f *Fleet) resolverOn(node string) string {
	if node == LoopNode && !f.fixed {
		return stubResolver
	}
	return upstreamResolver
}

// loops reports whether p forwards DNS back to itself.
func loops(p *corev1.Pod) bool { return p.Annotations[ResolvConfAnnotation] == stubResolver }

// pickNode spreads pods like the scheduler with CoreDNS's anti-affinity:
// the node with the fewest current pods, ties to the first node.
func pickNode(current []*corev1.Pod) string {
	count := map[string]int{}
	for _, p := range current {
		count[p.Spec.NodeName]++
	}
	best := nodes[0]
	for _, n := range nodes[1:] {
		if count[n] < count[best] {
			best = n
		}
	}
	return best
}

func countReady(pods []*corev1.Pod, now time.Time) int {
	n := 0
	for _, p := range pods {
		if podReady(p, now) {
			n++
		}
	}
	return n
}

func podReady(p *corev1.Pod, now time.Time) bool {
	return !loops(p) && p.DeletionTimestamp == nil && now.Sub(p.CreationTimestamp.Time) >= startDelay+readyDelay
}

// sortWorstFirst orders pods the way the ReplicaSet controller picks
// victims: not ready first, then the youngest.
func sortWorstFirst(pods []*corev1.Pod, now time.Time) {
	sort.SliceStable(pods, func(i, j int) bool {
		ri, rj := podReady(pods[i], now), podReady(pods[j], now)
		if ri != rj {
			return !ri
		}
		return pods[i].CreationTimestamp.After(pods[j].CreationTimestamp.Time)
	})
}

// templateHash stands in for the pod-template-hash label: any template
// change (a restartedAt annotation, an image) gives a new one.
func templateHash(t *corev1.PodTemplateSpec) string {
	keys := make([]string, 0, len(t.Annotations))
	for k := range t.Annotations {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	s := ""
	for _, k := range keys {
		s += k + "=" + t.Annotations[k] + ";"
	}
	for _, c := range t.Spec.Containers {
		s += c.Name + ":" + c.Image + ";"
	}
	return suffix(s, 10)
}

// suffix is a deterministic name suffix in the alphabet Kubernetes uses for
// generated names (no vowels, no confusable characters).
func suffix(seed string, n int) string {
	const alphabet = "bcdfghjklmnpqrstvwxz2456789"
	h := fnv.New64a()
	h.Write([]byte(seed))
	v := h.Sum64()
	out := make([]byte, n)
	for i := range out {
		out[i] = alphabet[v%uint64(len(alphabet))]
		v /= uint64(len(alphabet))
		if v == 0 {
			h.Write([]byte{byte(i)})
			v = h.Sum64()
		}
	}
	return string(out)
}

func podIP(p *corev1.Pod) string {
	idx := 1
	for i, n := range nodes {
		if n == p.Spec.NodeName {
			idx = i + 1
		}
	}
	h := fnv.New32a()
	h.Write([]byte(p.Name))
	return fmt.Sprintf("10.244.%d.%d", idx, 2+h.Sum32()%250)
}

func deployment() *appsv1.Deployment {
	replicas := int32(2)
	unavailable := intstr.FromInt32(maxUnavailable)
	maxSurge := intstr.FromString("25%")
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{
			Name: DeploymentName, Namespace: Namespace, UID: "uid-deploy-coredns",
			Generation: 1, ResourceVersion: "1000",
			Labels: map[string]string{"k8s-app": "kube-dns"},
		},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"k8s-app": "kube-dns"}},
			Strategy: appsv1.DeploymentStrategy{
				Type:          appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{MaxUnavailable: &unavailable, MaxSurge: &maxSurge},
			},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"k8s-app": "kube-dns"}},
				Spec:       podSpec(""),
			},
		},
	}
}

func podSpec(node string) corev1.PodSpec {
	return corev1.PodSpec{
		NodeName:           node,
		ServiceAccountName: "coredns",
		DNSPolicy:          corev1.DNSDefault, // CoreDNS uses the node's resolv.conf: the root of the demo's loop
		PriorityClassName:  "system-cluster-critical",
		Containers: []corev1.Container{{
			Name:  "coredns",
			Image: Image,
			Args:  []string{"-conf", "/etc/coredns/Corefile"},
			Ports: []corev1.ContainerPort{
				{Name: "dns", ContainerPort: 53, Protocol: corev1.ProtocolUDP},
				{Name: "dns-tcp", ContainerPort: 53, Protocol: corev1.ProtocolTCP},
				{Name: "metrics", ContainerPort: 9153, Protocol: corev1.ProtocolTCP},
			},
			Resources: corev1.ResourceRequirements{
				Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("170Mi")},
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("70Mi")},
			},
		}},
	}
}

func service(t time.Time) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{
			Name: ServiceName, Namespace: Namespace, CreationTimestamp: metav1.NewTime(t.Add(-40 * 24 * time.Hour)),
			Labels: map[string]string{"k8s-app": "kube-dns", "kubernetes.io/name": "CoreDNS"},
		},
		Spec: corev1.ServiceSpec{
			ClusterIP: ClusterIP,
			Selector:  map[string]string{"k8s-app": "kube-dns"},
			Ports: []corev1.ServicePort{
				{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP, TargetPort: intstr.FromInt32(53)},
				{Name: "dns-tcp", Port: 53, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(53)},
				{Name: "metrics", Port: 9153, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(9153)},
			},
		},
	}
}

func slicePorts() []discoveryv1.EndpointPort {
	port := func(name string, p int32, proto corev1.Protocol) discoveryv1.EndpointPort {
		return discoveryv1.EndpointPort{Name: &name, Port: &p, Protocol: &proto}
	}
	return []discoveryv1.EndpointPort{
		port("dns", 53, corev1.ProtocolUDP), port("dns-tcp", 53, corev1.ProtocolTCP), port("metrics", 9153, corev1.ProtocolTCP),
	}
}
