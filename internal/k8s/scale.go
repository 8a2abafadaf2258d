package k8s

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/opsconsole/opsconsole/internal/ops"
)

// MaxReplicas bounds :coredns-scale. Large clusters run roughly one CoreDNS
// replica per 16 nodes; beyond 100 a typo (200 for 20) is likelier than
// intent, and such fleets are managed by an autoscaler anyway.
const MaxReplicas = 100

// ParseReplicas reads the N of `:coredns-scale N` with an operator-worded error.
func ParseReplicas(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("replica count %q is not a whole number: use :coredns-scale N with N from 0 to %d", s, MaxReplicas)
	}
	return n, nil
}

// ScaleAction is `:coredns-scale N`.
//
// It sends one JSON patch to the Deployment's scale subresource:
//
//	[{"op":"test","path":"/spec/replicas","value":M},{"op":"replace","path":"/spec/replicas","value":N}]
//
// rather than a merge patch of the Deployment's spec.replicas or a PUT of
// the Scale object, because:
//   - the "test" makes the API server apply the change only if the replica
//     count is still the M the operator saw in the preview; if an autoscaler
//     or a colleague changed it meanwhile, the patch fails and nothing
//     changes (the guarantee of `kubectl scale --current-replicas=M`, in one
//     request and without a client-side retry loop);
//   - unlike a PUT carrying the Scale's resourceVersion, it does not fail
//     spuriously when the deployment controller merely updated the status
//     (which it does whenever a pod's readiness changes: often, during an
//     incident);
//   - RBAC can grant patch on deployments/scale without granting patch on
//     the whole Deployment (image, args): the narrower permission to hand an
//     on-call role.
type ScaleAction struct {
	c        *Client
	replicas int
	// Filled by Validate.
	current   int32
	before    []Pod
	validated bool
}

var (
	_ ops.Action            = (*ScaleAction)(nil)
	_ ops.PermissionChecker = (*ScaleAction)(nil)
)

// ScaleAction builds the scale remediation; Validate checks n.
func (c *Client) ScaleAction(n int) *ScaleAction { return &ScaleAction{c: c, replicas: n} }

func (a *ScaleAction) Name() string    { return "coredns-scale" }
func (a *ScaleAction) Backend() string { return "kubernetes" }
func (a *ScaleAction) Resource() string {
	return a.c.cfg.Namespace + "/deployment/" + a.c.cfg.DeploymentName
}

func (a *ScaleAction) Params() map[string]string {
	p := map[string]string{"namespace": a.c.cfg.Namespace, "deployment": a.c.cfg.DeploymentName, "replicas": strconv.Itoa(a.replicas)}
	if a.c.contextName != "" {
		p["context"] = a.c.contextName
	}
	if a.validated {
		p["current_replicas"] = strconv.Itoa(int(a.current))
	}
	return p
}

func (a *ScaleAction) access() access {
	return access{Verb: "patch", Group: "apps", Resource: "deployments", Subresource: "scale", Namespace: a.c.cfg.Namespace, Name: a.c.cfg.DeploymentName}
}

// Validate checks N and reads the current replica count (the precondition
// Apply sends).
func (a *ScaleAction) Validate(ctx context.Context) error {
	c, n := a.c, a.replicas
	if n < 0 || n > MaxReplicas {
		return fmt.Errorf("cannot scale CoreDNS to %d replicas: choose 0 to %d (0 stops cluster DNS); nothing was sent", n, MaxReplicas)
	}
	gctx, cancel := withTimeout(ctx)
	s, err := c.cs.AppsV1().Deployments(c.cfg.Namespace).GetScale(gctx, c.cfg.DeploymentName, metav1.GetOptions{})
	cancel()
	if err != nil {
		return explain(err, access{Verb: "get", Group: "apps", Resource: "deployments", Subresource: "scale", Namespace: c.cfg.Namespace, Name: c.cfg.DeploymentName})
	}
	if int(s.Spec.Replicas) == n {
		return fmt.Errorf("deployment %s/%s already asks for %d replicas; nothing to change", c.cfg.Namespace, c.cfg.DeploymentName, n)
	}
	pods, err := c.podsNow(ctx)
	if err != nil {
		return err
	}
	a.current, a.before, a.validated = s.Spec.Replicas, pods, true
	return nil
}

// patch is the JSON patch Apply sends: test the count seen at Validate,
// then replace it.
func (a *ScaleAction) patch() []byte {
	type op struct {
		Op    string `json:"op"`
		Path  string `json:"path"`
		Value int    `json:"value"`
	}
	b, _ := json.Marshal([]op{
		{Op: "test", Path: "/spec/replicas", Value: int(a.current)},
		{Op: "replace", Path: "/spec/replicas", Value: a.replicas},
	})
	return b
}

func (a *ScaleAction) Plan(ctx context.Context) (ops.Plan, error) {
	if !a.validated {
		return ops.Plan{}, fmt.Errorf("internal error: coredns-scale planned before it was validated")
	}
	c, n, cur := a.c, a.replicas, int(a.current)
	p := ops.Plan{
		Title: fmt.Sprintf("Scale CoreDNS (%s/%s) %d -> %d replicas", c.cfg.Namespace, c.cfg.DeploymentName, cur, n),
		Changes: []string{
			fmt.Sprintf("spec.replicas %d -> %d, only if it is still %d (the patch tests it first: if anyone changed it since this preview, nothing changes).", cur, n, cur),
		},
		Requests: []ops.Request{{
			API:  fmt.Sprintf("PATCH apis/apps/v1/namespaces/%s/deployments/%s/scale (Content-Type: application/json-patch+json)", c.cfg.Namespace, c.cfg.DeploymentName),
			Body: string(a.patch()),
		}},
		CLI: []string{fmt.Sprintf("%s scale deployment/%s --current-replicas=%d --replicas=%d", c.kubectl(), shellQuote(c.cfg.DeploymentName), cur, n)},
		Notes: []string{
			"If an HPA or the cluster-proportional-autoscaler (kube-dns-autoscaler) manages CoreDNS, it will set the count back; change its configuration instead.",
		},
		Risk: ops.RiskConfirm,
	}
	if n > cur {
		p.Changes = append(p.Changes, fmt.Sprintf("%d new CoreDNS pods start; the kube-dns Service sends them queries once they are ready.", n-cur))
		if crashing := countStatus(a.before, "CrashLoopBackOff"); crashing > 0 {
			p.Notes = append(p.Notes, fmt.Sprintf("%d CoreDNS pods are crash-looping now; new pods on the same kind of node will crash the same way. More replicas do not fix a forwarding loop.", crashing))
		}
	} else {
		p.Changes = append(p.Changes, fmt.Sprintf("%d CoreDNS pods are stopped; queries in flight to them are dropped and clients retry.", cur-n))
	}
	if n < cur || n < 2 {
		p.Risk, p.ConfirmName = ops.RiskTyped, c.cfg.DeploymentName
	}
	switch {
	case n == 0:
		p.Notes = append([]string{"!! CLUSTER DNS STOPS: with 0 replicas the kube-dns Service has no endpoints and every name lookup in every pod of the cluster fails until CoreDNS is scaled up again."}, p.Notes...)
	case n == 1:
		p.Notes = append([]string{"A single CoreDNS replica is a single point of failure: a node drain, crash or eviction is a cluster-wide DNS outage."}, p.Notes...)
	}
	return p, nil
}

// CheckPermission asks whether this identity may patch deployments/scale.
func (a *ScaleAction) CheckPermission(ctx context.Context) error {
	return a.c.checkAccess(ctx, a.access())
}

// Apply sends the patch once. Its "test" makes it safe against a
// transport-level resend: once applied, a second copy fails the test.
func (a *ScaleAction) Apply(ctx context.Context) error {
	if !a.validated {
		return fmt.Errorf("internal error: coredns-scale applied before it was validated")
	}
	c := a.c
	_, err := c.cs.AppsV1().Deployments(c.cfg.Namespace).Patch(ctx, c.cfg.DeploymentName, types.JSONPatchType, a.patch(),
		metav1.PatchOptions{FieldManager: "opsconsole"}, "scale")
	if err == nil {
		return nil
	}
	if apierrors.IsInvalid(err) || apierrors.IsConflict(err) { // the "test" failed (422), or an older server said conflict
		// Say what the count is now; a read after a refused write changes nothing.
		now := "changed"
		rctx, cancel := withTimeout(ctx)
		if s, gerr := c.cs.AppsV1().Deployments(c.cfg.Namespace).GetScale(rctx, c.cfg.DeploymentName, metav1.GetOptions{}); gerr == nil {
			now = fmt.Sprintf("is now %d", s.Spec.Replicas)
		}
		cancel()
		return fmt.Errorf("conflict: the replica count of %s/%s %s, not %d as in the preview — someone else changed it since the preview was made; nothing was changed by this request, reopen the action to see the current state: %w",
			c.cfg.Namespace, c.cfg.DeploymentName, now, a.current, err)
	}
	return explain(err, a.access())
}

// Verify watches until the Deployment runs N ready replicas (or none, for
// 0), and stops early when a new pod fails in a way waiting will not fix.
func (a *ScaleAction) Verify(ctx context.Context) (string, error) {
	n := int32(a.replicas)
	before := podNames(a.before)
	return a.c.waitFor(ctx, func(s Snapshot) (string, bool, error) {
		d := s.Deployment
		switch {
		case d == nil:
			return "the Deployment is not visible", false, nil
		case d.Desired != n:
			return fmt.Sprintf("waiting for spec.replicas=%d to be visible (it shows %d)", n, d.Desired), false, nil
		case d.ObservedGeneration < d.Generation:
			return "waiting for the deployment controller to observe the new replica count", false, nil
		}
		if p, ok := brokenNewPod(s, before); ok {
			return "", false, fmt.Errorf("scaling is stuck: new pod %s is %s (%s); more replicas do not fix what makes CoreDNS fail — read the pod's logs (previous container)",
				p.Name, p.Status, strings.TrimSpace(p.Detail))
		}
		if d.Current == n && d.Ready >= n && d.Available >= n {
			return fmt.Sprintf("scaled: %d/%d replicas ready", d.Ready, n), true, nil
		}
		return fmt.Sprintf("%d of %d replicas ready (%d running)", d.Ready, n, d.Current), false, nil
	})
}
