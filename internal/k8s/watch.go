package k8s

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"github.com/opsconsole/opsconsole/internal/panicsafe"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
)

// Watch is a running CoreDNS watch. Snapshots arrive on Updates; only the
// newest unread one is kept, so a slow reader never blocks the watches and
// never reads a stale picture. Cancel the context given to Client.Watch to
// stop it; Updates is closed once every goroutine has exited.
type Watch struct {
	out  chan Snapshot
	done chan struct{}
}

// Updates delivers snapshots: the first once every watch has listed (or
// failed), then one per burst of changes.
func (w *Watch) Updates() <-chan Snapshot { return w.out }

// Done is closed when the watch has fully stopped.
func (w *Watch) Done() <-chan struct{} { return w.done }

// sliceServiceLabel is how EndpointSlices name the Service they belong to.
const sliceServiceLabel = "kubernetes.io/service-name"

// source is one watched resource: its informer and the permission it needs,
// for wording failures.
type source struct {
	what     access
	informer cache.SharedIndexInformer
	synced   cache.DoneChecker
}

// watcher holds the state shared by the informers' handlers and the
// publisher goroutine.
type watcher struct {
	c       *Client
	dirty   chan struct{}
	mu      sync.Mutex
	problem map[string]string // by resource, set by failing list/watch calls
	seq     uint64

	pods, deployments, services, slices, endpoints *source
}

// Watch starts namespace-scoped, label-selected watches (informers, not
// polling) on the CoreDNS pods, Deployment, Service and its endpoints, and
// returns at once; the first snapshot follows when the initial lists are in.
func (c *Client) Watch(ctx context.Context) *Watch {
	w := &Watch{out: make(chan Snapshot, 1), done: make(chan struct{})}
	st := &watcher{c: c, dirty: make(chan struct{}, 1), problem: map[string]string{}}
	// Informers log through the context's logger; keep them off the
	// terminal (their failures reach the snapshot's Problems instead).
	ctx = klog.NewContext(ctx, logr.Discard())
	go st.run(ctx, w)
	return w
}

func (st *watcher) run(ctx context.Context, w *Watch) {
	defer close(w.done)
	defer close(w.out)
	defer panicsafe.Recover(func(err error) {
		// The pane keeps the last snapshot; say why it stopped moving.
		select {
		case <-w.out:
		default:
		}
		w.out <- Snapshot{Namespace: st.c.cfg.Namespace, Problems: []string{"the watch stopped: " + err.Error()}}
	})
	c := st.c
	ns := c.cfg.Namespace
	byName := func(name string) func(*metav1.ListOptions) {
		return func(o *metav1.ListOptions) {
			o.FieldSelector = fields.OneTermEqualSelector("metadata.name", name).String()
		}
	}
	st.pods = st.newSource(access{Verb: "watch", Resource: "pods", Namespace: ns}, &corev1.Pod{},
		func(o *metav1.ListOptions) { o.LabelSelector = c.selector.String() },
		func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			return c.cs.CoreV1().Pods(ns).List(ctx, o)
		},
		func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			return c.cs.CoreV1().Pods(ns).Watch(ctx, o)
		})
	st.deployments = st.newSource(access{Verb: "watch", Group: "apps", Resource: "deployments", Namespace: ns, Name: c.cfg.DeploymentName}, &appsv1.Deployment{},
		byName(c.cfg.DeploymentName),
		func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			return c.cs.AppsV1().Deployments(ns).List(ctx, o)
		},
		func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			return c.cs.AppsV1().Deployments(ns).Watch(ctx, o)
		})
	st.services = st.newSource(access{Verb: "watch", Resource: "services", Namespace: ns, Name: c.cfg.ServiceName}, &corev1.Service{},
		byName(c.cfg.ServiceName),
		func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			return c.cs.CoreV1().Services(ns).List(ctx, o)
		},
		func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			return c.cs.CoreV1().Services(ns).Watch(ctx, o)
		})
	sources := []*source{st.pods, st.deployments, st.services}
	if st.useSlices(ctx) {
		st.slices = st.newSource(access{Verb: "watch", Group: "discovery.k8s.io", Resource: "endpointslices", Namespace: ns}, &discoveryv1.EndpointSlice{},
			func(o *metav1.ListOptions) { o.LabelSelector = sliceServiceLabel + "=" + c.cfg.ServiceName },
			func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
				return c.cs.DiscoveryV1().EndpointSlices(ns).List(ctx, o)
			},
			func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
				return c.cs.DiscoveryV1().EndpointSlices(ns).Watch(ctx, o)
			})
		sources = append(sources, st.slices)
	} else {
		st.endpoints = st.newSource(access{Verb: "watch", Resource: "endpoints", Namespace: ns, Name: c.cfg.ServiceName}, &corev1.Endpoints{},
			byName(c.cfg.ServiceName),
			func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
				return c.cs.CoreV1().Endpoints(ns).List(ctx, o) //nolint:staticcheck // the fallback for clusters without EndpointSlices
			},
			func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
				return c.cs.CoreV1().Endpoints(ns).Watch(ctx, o) //nolint:staticcheck // as above
			})
		sources = append(sources, st.endpoints)
	}

	var wg sync.WaitGroup
	for _, s := range sources {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.informer.RunWithContext(ctx)
		}()
	}
	// One goroutine notices when the initial lists are in, so the first
	// snapshot is complete rather than a flicker of partial states.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for _, s := range sources {
			select {
			case <-s.synced.Done():
			case <-ctx.Done():
				return
			}
		}
		st.signal()
	}()

	st.publish(ctx, w, sources)
	wg.Wait()
}

// useSlices decides between EndpointSlices (Kubernetes >= 1.21) and the
// older Endpoints: if slices cannot be listed because the API is not served
// or RBAC does not allow it, fall back to Endpoints.
func (st *watcher) useSlices(ctx context.Context) bool {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	_, err := st.c.cs.DiscoveryV1().EndpointSlices(st.c.cfg.Namespace).List(ctx, metav1.ListOptions{
		LabelSelector: sliceServiceLabel + "=" + st.c.cfg.ServiceName, Limit: 1,
	})
	if apierrors.IsNotFound(err) || apierrors.IsForbidden(err) || apierrors.IsMethodNotSupported(err) {
		return false
	}
	if err != nil {
		// Unreachable, unauthorized...: say so at once rather than after
		// the informers' first failures; their retries clear it later.
		st.note(access{Group: "discovery.k8s.io", Resource: "endpointslices"}.resourceText(), err,
			access{Verb: "list", Group: "discovery.k8s.io", Resource: "endpointslices", Namespace: st.c.cfg.Namespace})
	}
	return true
}

// newSource builds an informer whose list and watch calls report success
// and failure into the snapshot's problems.
func (st *watcher) newSource(
	what access, obj runtime.Object, tweak func(*metav1.ListOptions),
	list func(context.Context, metav1.ListOptions) (runtime.Object, error),
	wat func(context.Context, metav1.ListOptions) (watch.Interface, error),
) *source {
	key := what.resourceText()
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			tweak(&o)
			obj, err := list(ctx, o)
			st.note(key, err, access{Verb: "list", Group: what.Group, Resource: what.Resource, Namespace: what.Namespace})
			return obj, err
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			tweak(&o)
			w, err := wat(ctx, o)
			st.note(key, err, what)
			return w, err
		},
	}
	inf := cache.NewSharedIndexInformerWithOptions(
		cache.ToListWatcherWithWatchListSemantics(lw, st.c.cs), obj,
		cache.SharedIndexInformerOptions{ObjectDescription: key})
	// The default handler logs through klog to stderr. Failures of the
	// list and watch calls are already noted by the wrappers above (with
	// the right verb); a watch stream that ends is followed by a new call,
	// which notes its own outcome. So this handler only keeps quiet.
	_ = inf.SetWatchErrorHandler(func(*cache.Reflector, error) {})
	reg, _ := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { st.signal() },
		UpdateFunc: func(any, any) { st.signal() },
		DeleteFunc: func(any) { st.signal() },
	})
	return &source{what: what, informer: inf, synced: reg.HasSyncedChecker()}
}

// note records (or clears) a list/watch failure for one resource.
func (st *watcher) note(key string, err error, what access) {
	st.mu.Lock()
	defer st.mu.Unlock()
	_, had := st.problem[key]
	if err == nil {
		delete(st.problem, key)
	} else {
		st.problem[key] = explain(err, what).Error()
	}
	if had || err != nil {
		st.signal()
	}
}

// signal marks the picture dirty; a burst of signals is one pending mark.
func (st *watcher) signal() {
	select {
	case st.dirty <- struct{}{}:
	default:
	}
}

// publish turns dirty marks into snapshots, gathering a burst of events for
// the coalesce window first.
func (st *watcher) publish(ctx context.Context, w *Watch, sources []*source) {
	timer := time.NewTimer(0)
	if !timer.Stop() {
		<-timer.C
	}
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-st.dirty:
		}
		timer.Reset(st.c.coalesce)
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		// Marks that arrived during the window are part of this snapshot.
		select {
		case <-st.dirty:
		default:
		}
		snap := st.build(sources)
		if !snap.Synced && len(snap.Problems) == 0 {
			continue // initial lists still arriving; the sync goroutine signals when done
		}
		select {
		case w.out <- snap:
		default:
			// The reader has not taken the previous one: replace it.
			select {
			case <-w.out:
			default:
			}
			w.out <- snap
		}
	}
}

// build reads the informers' stores into a Snapshot. The stores are
// filtered again here because a server (or client-go's fake clientset) may
// ignore selectors on watches.
func (st *watcher) build(sources []*source) Snapshot {
	c := st.c
	st.mu.Lock()
	st.seq++
	snap := Snapshot{Seq: st.seq, Taken: c.now(), Namespace: c.cfg.Namespace, Context: c.contextName, Synced: true}
	for _, p := range st.problem {
		snap.Problems = append(snap.Problems, p)
	}
	st.mu.Unlock()
	sort.Strings(snap.Problems)
	for _, s := range sources {
		if !cache.IsDone(s.synced) {
			snap.Synced = false
		}
	}

	for _, o := range st.pods.informer.GetStore().List() {
		p := o.(*corev1.Pod)
		if p.Namespace == c.cfg.Namespace && c.selector.Matches(labels.Set(p.Labels)) {
			snap.Pods = append(snap.Pods, PodFrom(p))
		}
	}
	sort.Slice(snap.Pods, func(i, j int) bool { return snap.Pods[i].Name < snap.Pods[j].Name })

	if o, ok, _ := st.deployments.informer.GetStore().GetByKey(c.cfg.Namespace + "/" + c.cfg.DeploymentName); ok {
		d := DeploymentFrom(o.(*appsv1.Deployment))
		snap.Deployment = &d
	}
	if o, ok, _ := st.services.informer.GetStore().GetByKey(c.cfg.Namespace + "/" + c.cfg.ServiceName); ok {
		svc := ServiceFrom(o.(*corev1.Service))
		if st.slices != nil {
			var slices []*discoveryv1.EndpointSlice
			for _, o := range st.slices.informer.GetStore().List() {
				s := o.(*discoveryv1.EndpointSlice)
				if s.Namespace == c.cfg.Namespace && s.Labels[sliceServiceLabel] == c.cfg.ServiceName {
					slices = append(slices, s)
				}
			}
			svc.ReadyEndpoints, svc.NotReadyEndpoints = CountSliceEndpoints(slices)
			svc.EndpointSource = "EndpointSlice"
		} else {
			if o, ok, _ := st.endpoints.informer.GetStore().GetByKey(c.cfg.Namespace + "/" + c.cfg.ServiceName); ok {
				svc.ReadyEndpoints, svc.NotReadyEndpoints = CountEndpoints(o.(*corev1.Endpoints))
			}
			svc.EndpointSource = "Endpoints"
		}
		snap.Service = &svc
	}
	return snap
}
