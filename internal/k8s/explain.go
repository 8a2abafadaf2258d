package k8s

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// access names one API permission: a verb on a resource in a namespace, as
// RBAC spells it. It words errors and SelfSubjectAccessReviews alike.
type access struct {
	Verb        string
	Group       string // "" for the core group
	Resource    string
	Subresource string
	Namespace   string
	Name        string
}

// resourceText is "deployments.apps/scale", the form kubectl and RBAC use.
func (a access) resourceText() string {
	r := a.Resource
	if a.Group != "" {
		r += "." + a.Group
	}
	if a.Subresource != "" {
		r += "/" + a.Subresource
	}
	return r
}

func (a access) String() string {
	s := fmt.Sprintf("%s %s", a.Verb, a.resourceText())
	if a.Name != "" {
		s += fmt.Sprintf(" %q", a.Name)
	}
	return s + fmt.Sprintf(" in namespace %s", a.Namespace)
}

// grantHint is the kubectl command an admin can run to grant the access.
func (a access) grantHint() string {
	role := "opsconsole-coredns"
	verbs := a.Verb
	if verbs == "get" || verbs == "list" || verbs == "watch" {
		verbs = "get,list,watch" // the pane needs all three to work
	}
	cmd := fmt.Sprintf("kubectl -n %s create role %s --verb=%s --resource=%s", a.Namespace, role, verbs, a.resourceText())
	if a.Name != "" && verbs == a.Verb {
		cmd += " --resource-name=" + a.Name
	}
	return cmd + fmt.Sprintf(" && kubectl -n %s create rolebinding %s --role=%s --user=YOUR_USER", a.Namespace, role, role)
}

// ErrForbidden marks errors where RBAC refused an operation.
var ErrForbidden = errors.New("forbidden")

// ErrUnauthorized marks errors where the API server rejected the credentials.
var ErrUnauthorized = errors.New("unauthorized")

// explain rewrites an API error into the operator's words: what failed,
// why, what to do. The original error stays wrapped for errors.Is/As.
func explain(err error, a access) error {
	if err == nil {
		return nil
	}
	switch {
	case apierrors.IsForbidden(err):
		return &opError{kind: ErrForbidden, err: err, msg: fmt.Sprintf(
			"forbidden: your Kubernetes identity may not %s (RBAC verb %q on resource %q); ask a cluster admin to grant it, e.g. `%s`",
			a, a.Verb, a.resourceText(), a.grantHint())}
	case apierrors.IsUnauthorized(err):
		return &opError{kind: ErrUnauthorized, err: err, msg: fmt.Sprintf(
			"unauthorized: the API server rejected your credentials while trying to %s; the token or client certificate is expired or invalid. "+
				"Renew it with the tool that wrote your kubeconfig (aws eks update-kubeconfig / aws sso login, gcloud auth login, az login, kubelogin, or a fresh token from your admin) and retry", a)}
	case apierrors.IsNotFound(err):
		what := a.resourceText()
		if a.Name != "" {
			what += " " + a.Name
		}
		return &opError{err: err, msg: fmt.Sprintf(
			"%s not found in namespace %s: check --coredns-namespace and the CoreDNS object names (some clusters call the Deployment kube-dns)", what, a.Namespace)}
	case apierrors.IsConflict(err):
		return &opError{err: err, msg: fmt.Sprintf(
			"conflict while trying to %s: someone else changed it since the preview was made; nothing was changed by this request — reopen the action to see the current state", a)}
	case apierrors.IsTooManyRequests(err) || apierrors.IsServerTimeout(err) || apierrors.IsTimeout(err) || apierrors.IsServiceUnavailable(err):
		return &opError{err: err, msg: fmt.Sprintf("the API server is overloaded or timing out while trying to %s: %v; retry in a moment", a, err)}
	}
	var uerr *url.Error
	var nerr net.Error
	if errors.As(err, &uerr) || errors.As(err, &nerr) {
		msg := err.Error()
		hint := "check that the cluster is up and reachable from here (VPN, bastion, firewall) and that --context points at the right cluster"
		if strings.Contains(msg, "x509:") || strings.Contains(msg, "certificate") {
			hint = "the API server's TLS certificate is not trusted by your kubeconfig's certificate-authority data; refresh the kubeconfig from the cluster's tool"
		}
		return &opError{err: err, msg: fmt.Sprintf("cannot reach the Kubernetes API server to %s: %v; %s", a, err, hint)}
	}
	return &opError{err: err, msg: fmt.Sprintf("could not %s: %v", a, err)}
}

// opError carries an operator-facing message and the API error behind it.
type opError struct {
	kind error
	err  error
	msg  string
}

func (e *opError) Error() string { return e.msg }

// Unwrap exposes both the kind (ErrForbidden...) and the API error.
func (e *opError) Unwrap() []error {
	if e.kind == nil {
		return []error{e.err}
	}
	return []error{e.kind, e.err}
}
