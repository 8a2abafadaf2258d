package k8s

import (
	"context"
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// What the restart and scale actions share: the kubectl prefix for CLI
// previews, the set of pods before a change, and waiting for a rollout
// through the same watch the pane uses.

// kubectl is the start of an equivalent kubectl command line.
func (c *Client) kubectl() string {
	s := "kubectl"
	// The same kubeconfig the console used, or a context of the same name
	// in ~/.kube/config could be another cluster.
	if c.cfg.Kubeconfig != "" {
		s += " --kubeconfig " + shellQuote(c.cfg.Kubeconfig)
	}
	if c.contextName != "" {
		s += " --context " + shellQuote(c.contextName)
	}
	return s + " -n " + shellQuote(c.cfg.Namespace)
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:@=", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// podsNow lists the CoreDNS pods (a read, for Validate): their names let
// Verify tell the pods a change created from the ones that were there.
func (c *Client) podsNow(ctx context.Context) ([]Pod, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	list, err := c.cs.CoreV1().Pods(c.cfg.Namespace).List(ctx, metav1.ListOptions{LabelSelector: c.selector.String()})
	if err != nil {
		return nil, explain(err, access{Verb: "list", Resource: "pods", Namespace: c.cfg.Namespace})
	}
	out := make([]Pod, 0, len(list.Items))
	for i := range list.Items {
		out = append(out, PodFrom(&list.Items[i]))
	}
	return out, nil
}

// brokenStatuses are pod statuses that will not fix themselves by waiting.
var brokenStatuses = map[string]bool{
	"CrashLoopBackOff": true, "Error": true, "OOMKilled": true,
	"ImagePullBackOff": true, "ErrImagePull": true, "InvalidImageName": true,
	"CreateContainerConfigError": true, "CreateContainerError": true, "RunContainerError": true,
}

// brokenNewPod returns a pod that a change created (not in before) and that
// is failing in a way waiting will not fix.
func brokenNewPod(snap Snapshot, before map[string]bool) (Pod, bool) {
	for _, p := range snap.Pods {
		if !before[p.Name] && !p.Terminating && brokenStatuses[p.Status] {
			return p, true
		}
	}
	return Pod{}, false
}

func podNames(pods []Pod) map[string]bool {
	m := make(map[string]bool, len(pods))
	for _, p := range pods {
		m[p.Name] = true
	}
	return m
}

// waitFor watches CoreDNS and evaluates cond on each snapshot until it
// reports done or an error, or ctx ends. On timeout the error carries the
// last progress message, so the operator sees where it stopped.
func (c *Client) waitFor(ctx context.Context, cond func(Snapshot) (msg string, done bool, err error)) (string, error) {
	wctx, cancel := context.WithCancel(ctx)
	w := c.Watch(wctx)
	defer func() {
		cancel()
		<-w.Done()
	}()
	last := "nothing observed yet"
	for {
		select {
		case snap, ok := <-w.Updates():
			if !ok {
				return "", fmt.Errorf("the watch stopped before the change was visible (last state: %s)", last)
			}
			if len(snap.Problems) > 0 && !snap.Synced {
				last = strings.Join(snap.Problems, "; ")
				continue
			}
			msg, done, err := cond(snap)
			if err != nil || done {
				return msg, err
			}
			last = msg
		case <-ctx.Done():
			return "", fmt.Errorf("not finished when the wait ended (%v): %s", context.Cause(ctx), last)
		}
	}
}
