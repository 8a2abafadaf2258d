package k8s

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

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
// It goes through the Deployment's scale subresource (GET then PUT
// deployments/scale), not a patch of spec.replicas, because:
//   - it is what `kubectl scale --current-replicas=M --replicas=N` sends, so
//     the preview's CLI line is the same request;
//   - the PUT carries the resourceVersion read at Validate, so if anything
//     (an autoscaler, a colleague) changed the replica count since the
//     preview, the API server refuses with a conflict instead of the console
//     silently overwriting a number the operator never saw;
//   - RBAC can grant deployments/scale without granting patch on the whole
//     Deployment (image, args), which is the narrower permission to hand an
//     on-call role.
type ScaleAction struct {
	c        *Client
	replicas int
	// Filled by Validate.
	current   int32
	scale     *autoscalingv1.Scale
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
	return access{Verb: "update", Group: "apps", Resource: "deployments", Subresource: "scale", Namespace: a.c.cfg.Namespace, Name: a.c.cfg.DeploymentName}
}

// Validate checks N and reads the current scale (with its resourceVersion,
// the precondition Apply sends).
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
	a.current, a.scale, a.before, a.validated = s.Spec.Replicas, s, pods, true
	return nil
}

// body is the Scale object Apply PUTs: the one read at Validate, with the
// new count. Its resourceVersion is the precondition.
func (a *ScaleAction) body() *autoscalingv1.Scale {
	return &autoscalingv1.Scale{
		TypeMeta: metav1.TypeMeta{Kind: "Scale", APIVersion: "autoscaling/v1"},
		ObjectMeta: metav1.ObjectMeta{
			Name:            a.scale.Name,
			Namespace:       a.scale.Namespace,
			ResourceVersion: a.scale.ResourceVersion,
			UID:             a.scale.UID,
		},
		Spec: autoscalingv1.ScaleSpec{Replicas: int32(a.replicas)},
	}
}

func (a *ScaleAction) Plan(ctx context.Context) (ops.Plan, error) {
	if !a.validated {
		return ops.Plan{}, fmt.Errorf("internal error: coredns-scale planned before it was validated")
	}
	c, n, cur := a.c, a.replicas, int(a.current)
	body, err := json.Marshal(a.body())
	if err != nil {
		return ops.Plan{}, err
	}
	p := ops.Plan{
		Title: fmt.Sprintf("Scale CoreDNS (%s/%s) %d -> %d replicas", c.cfg.Namespace, c.cfg.DeploymentName, cur, n),
		Changes: []string{
			fmt.Sprintf("spec.replicas %d -> %d, only if it is still %d (the update carries resourceVersion %s; a concurrent change makes it fail, not overwrite).", cur, n, cur, a.scale.ResourceVersion),
		},
		Requests: []ops.Request{{
			API:  fmt.Sprintf("PUT apis/apps/v1/namespaces/%s/deployments/%s/scale", c.cfg.Namespace, c.cfg.DeploymentName),
			Body: string(body),
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

// CheckPermission asks whether this identity may update deployments/scale.
func (a *ScaleAction) CheckPermission(ctx context.Context) error {
	return a.c.checkAccess(ctx, a.access())
}

// Apply PUTs the scale once, with the resourceVersion precondition (so a
// transport-level resend after success fails with a conflict instead of
// applying twice).
func (a *ScaleAction) Apply(ctx context.Context) error {
	if !a.validated {
		return fmt.Errorf("internal error: coredns-scale applied before it was validated")
	}
	c := a.c
	_, err := c.cs.AppsV1().Deployments(c.cfg.Namespace).UpdateScale(ctx, c.cfg.DeploymentName, a.body(), metav1.UpdateOptions{FieldManager: "opsconsole"})
	if err != nil {
		return explain(err, a.access())
	}
	return nil
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
