package k8s

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/opsconsole/opsconsole/internal/ops"
)

// RestartAction is `:coredns-restart`: a rolling restart of the CoreDNS
// Deployment, sent exactly as `kubectl rollout restart` sends it (a
// strategic merge patch of the pod template's restartedAt annotation).
type RestartAction struct {
	c *Client
	// Filled by Validate.
	deploy    *appsv1.Deployment
	before    []Pod
	loopRisk  []string
	validated bool
	restartAt string // RFC3339, fixed at the first Plan so Apply sends what was shown
	patch     []byte
}

var (
	_ ops.Action            = (*RestartAction)(nil)
	_ ops.PermissionChecker = (*RestartAction)(nil)
)

// RestartAction builds the restart remediation for this client's CoreDNS.
func (c *Client) RestartAction() *RestartAction { return &RestartAction{c: c} }

func (a *RestartAction) Name() string    { return "coredns-restart" }
func (a *RestartAction) Backend() string { return "kubernetes" }
func (a *RestartAction) Resource() string {
	return a.c.cfg.Namespace + "/deployment/" + a.c.cfg.DeploymentName
}

func (a *RestartAction) Params() map[string]string {
	p := map[string]string{"namespace": a.c.cfg.Namespace, "deployment": a.c.cfg.DeploymentName}
	if a.c.contextName != "" {
		p["context"] = a.c.contextName
	}
	if a.restartAt != "" {
		p["restartedAt"] = a.restartAt
	}
	return p
}

func (a *RestartAction) access() access {
	return access{Verb: "patch", Group: "apps", Resource: "deployments", Namespace: a.c.cfg.Namespace, Name: a.c.cfg.DeploymentName}
}

// Validate reads the Deployment and its pods; a paused rollout cannot be
// restarted (kubectl refuses too).
func (a *RestartAction) Validate(ctx context.Context) error {
	c := a.c
	gctx, cancel := withTimeout(ctx)
	d, err := c.cs.AppsV1().Deployments(c.cfg.Namespace).Get(gctx, c.cfg.DeploymentName, metav1.GetOptions{})
	cancel()
	if err != nil {
		return explain(err, access{Verb: "get", Group: "apps", Resource: "deployments", Namespace: c.cfg.Namespace, Name: c.cfg.DeploymentName})
	}
	if d.Spec.Paused {
		return fmt.Errorf("deployment %s/%s is paused, so a restart would not roll any pod; resume it first (`%s rollout resume deployment/%s`) — nothing was sent",
			c.cfg.Namespace, d.Name, c.kubectl(), d.Name)
	}
	pods, err := c.podsNow(ctx)
	if err != nil {
		return err
	}
	a.deploy, a.before, a.validated = d, pods, true
	a.loopRisk = c.corefileLoopRisk(ctx)
	return nil
}

// corefileLoopRisk returns the linter's forwarding-loop findings, best
// effort: a Corefile the operator may not read is simply not mentioned.
func (c *Client) corefileLoopRisk(ctx context.Context) []string {
	r, err := c.Corefile(ctx)
	if err != nil {
		return nil
	}
	var out []string
	for _, f := range r.Findings {
		if f.Code == "forward-resolv-conf" || f.Code == "forward-loopback" {
			out = append(out, fmt.Sprintf("Corefile line %d: %s.", f.Line, f.What))
		}
	}
	return out
}

// restartPatch is the body kubectl rollout restart sends: the two-way
// strategic merge patch between the Deployment and a copy with the
// annotation set, which reduces to exactly this.
func restartPatch(at string) []byte {
	b, _ := json.Marshal(map[string]any{"spec": map[string]any{"template": map[string]any{"metadata": map[string]any{
		"annotations": map[string]string{RestartedAtAnnotation: at}}}}})
	return b
}

func (a *RestartAction) Plan(ctx context.Context) (ops.Plan, error) {
	if !a.validated {
		return ops.Plan{}, fmt.Errorf("internal error: coredns-restart planned before it was validated")
	}
	c, d := a.c, a.deploy
	if a.restartAt == "" {
		a.restartAt = c.now().Format(time.RFC3339)
		a.patch = restartPatch(a.restartAt)
	}
	state := DeploymentFrom(d)
	prev := state.RestartedAt
	if prev == "" {
		prev = "(never restarted this way)"
	}
	strategy := "Recreate: every pod is stopped before new ones start, so cluster DNS is DOWN until the new pods are ready"
	if d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		surge, unavail := "25%", "25%"
		if ru := d.Spec.Strategy.RollingUpdate; ru != nil {
			if ru.MaxSurge != nil {
				surge = ru.MaxSurge.String()
			}
			if ru.MaxUnavailable != nil {
				unavail = ru.MaxUnavailable.String()
			}
		}
		strategy = fmt.Sprintf("rolling: at most %s extra and %s unavailable at a time", surge, unavail)
	}
	p := ops.Plan{
		Title: fmt.Sprintf("Restart CoreDNS (%s/%s)", c.cfg.Namespace, c.cfg.DeploymentName),
		Changes: []string{
			fmt.Sprintf("All %d CoreDNS pods are replaced by new ones (%s).", state.Desired, strategy),
			fmt.Sprintf("Pod template annotation %s: %s -> %s.", RestartedAtAnnotation, prev, a.restartAt),
		},
		Requests: []ops.Request{{
			API:  fmt.Sprintf("PATCH apis/apps/v1/namespaces/%s/deployments/%s (Content-Type: application/strategic-merge-patch+json)", c.cfg.Namespace, c.cfg.DeploymentName),
			Body: string(a.patch),
		}},
		CLI: []string{fmt.Sprintf("%s rollout restart deployment/%s", c.kubectl(), shellQuote(c.cfg.DeploymentName))},
		Notes: []string{
			"A restart does not fix a forwarding loop: if CoreDNS logs `[FATAL] plugin/loop: Loop ... detected`, the new pods loop the same way. Change the Corefile's forward target or kubelet's resolvConf first.",
		},
		Risk: ops.RiskConfirm,
	}
	if crashing := countStatus(a.before, "CrashLoopBackOff"); crashing > 0 {
		p.Notes = append(p.Notes, fmt.Sprintf("%d of %d CoreDNS pods are in CrashLoopBackOff now: read their previous logs before restarting.", crashing, len(a.before)))
	}
	p.Notes = append(p.Notes, a.loopRisk...)
	if state.Desired < 2 {
		p.Notes = append(p.Notes, "Only one replica: any gap in the rollout is a cluster-wide DNS outage; consider :coredns-scale 2 first.")
	}
	return p, nil
}

func countStatus(pods []Pod, status string) int {
	n := 0
	for _, p := range pods {
		if p.Status == status {
			n++
		}
	}
	return n
}

// CheckPermission asks whether this identity may patch the Deployment.
func (a *RestartAction) CheckPermission(ctx context.Context) error {
	return a.c.checkAccess(ctx, a.access())
}

// Apply sends the patch once. It is idempotent by construction (it sets a
// fixed timestamp), so a transport-level resend cannot restart twice.
func (a *RestartAction) Apply(ctx context.Context) error {
	if a.patch == nil {
		return fmt.Errorf("internal error: coredns-restart applied before it was planned")
	}
	c := a.c
	_, err := c.cs.AppsV1().Deployments(c.cfg.Namespace).Patch(ctx, c.cfg.DeploymentName, types.StrategicMergePatchType, a.patch,
		metav1.PatchOptions{FieldManager: "opsconsole"})
	if err != nil {
		return explain(err, a.access())
	}
	return nil
}

// Verify watches the rollout until every pod is replaced and ready, and
// stops early when a new pod fails in a way waiting will not fix (the
// forwarding-loop lesson: new pods crash exactly like the old ones).
func (a *RestartAction) Verify(ctx context.Context) (string, error) {
	before := podNames(a.before)
	return a.c.waitFor(ctx, func(s Snapshot) (string, bool, error) {
		d := s.Deployment
		switch {
		case d == nil:
			return "the Deployment is not visible", false, nil
		case d.RestartedAt != a.restartAt:
			return "waiting for the restart annotation to be visible", false, nil
		case d.ObservedGeneration < d.Generation:
			return "waiting for the deployment controller to observe the new pod template", false, nil
		}
		if p, ok := brokenNewPod(s, before); ok {
			return "", false, fmt.Errorf("the rollout is stuck: new pod %s is %s (%s). A restart does not fix a forwarding loop or a bad Corefile; read the pod's logs (previous container) and fix the cause",
				p.Name, p.Status, strings.TrimSpace(p.Detail))
		}
		if d.RolloutFailed {
			return "", false, fmt.Errorf("the rollout failed: %s", d.Rollout)
		}
		if d.RolloutDone {
			return fmt.Sprintf("rolled out: %d/%d pods replaced, %d ready", d.Updated, d.Desired, d.Ready), true, nil
		}
		return d.Rollout, false, nil
	})
}
