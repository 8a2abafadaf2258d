package k8s

import (
	"context"
	"fmt"

	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// checkAccess asks the API server, with a SelfSubjectAccessReview, whether
// the current identity may perform a; it sends nothing else. The error
// names the missing verb, resource and namespace, and how to get them.
func (c *Client) checkAccess(ctx context.Context, a access) error {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	review := &authorizationv1.SelfSubjectAccessReview{
		Spec: authorizationv1.SelfSubjectAccessReviewSpec{
			ResourceAttributes: &authorizationv1.ResourceAttributes{
				Namespace:   a.Namespace,
				Verb:        a.Verb,
				Group:       a.Group,
				Resource:    a.Resource,
				Subresource: a.Subresource,
				Name:        a.Name,
			},
		},
	}
	res, err := c.cs.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, review, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("could not check whether you may %s (the SelfSubjectAccessReview failed): %w", a,
			explain(err, access{Verb: "create", Group: "authorization.k8s.io", Resource: "selfsubjectaccessreviews", Namespace: a.Namespace}))
	}
	if res.Status.Allowed {
		return nil
	}
	why := ""
	if res.Status.Reason != "" {
		why = " (" + res.Status.Reason + ")"
	}
	if res.Status.EvaluationError != "" {
		why += " [authorizer error: " + res.Status.EvaluationError + "]"
	}
	return &opError{kind: ErrForbidden, err: fmt.Errorf("SelfSubjectAccessReview denied"), msg: fmt.Sprintf(
		"forbidden: your Kubernetes identity may not %s (RBAC verb %q on resource %q)%s; ask a cluster admin to grant it, e.g. `%s`",
		a, a.Verb, a.resourceText(), why, a.grantHint())}
}
