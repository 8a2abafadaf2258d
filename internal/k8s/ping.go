package k8s

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Ping makes the cheapest read the console relies on (get the CoreDNS
// Deployment), for the target list's health column. Errors are worded like
// every other read: unauthorized, forbidden (with the verb), unreachable.
func (c *Client) Ping(ctx context.Context) error {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	_, err := c.cs.AppsV1().Deployments(c.cfg.Namespace).Get(ctx, c.cfg.DeploymentName, metav1.GetOptions{})
	if err != nil {
		return explain(err, access{Verb: "get", Group: "apps", Resource: "deployments", Namespace: c.cfg.Namespace, Name: c.cfg.DeploymentName})
	}
	return nil
}
