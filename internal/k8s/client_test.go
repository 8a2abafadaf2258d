package k8s

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func writeKubeconfig(t *testing.T, dir, name, current string, contexts ...string) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: v1\nkind: Config\ncurrent-context: %q\nclusters:\n", current)
	for _, c := range contexts {
		fmt.Fprintf(&b, "- name: %s\n  cluster:\n    server: https://%s.example:6443\n", c, c)
	}
	b.WriteString("users:\n")
	for _, c := range contexts {
		fmt.Fprintf(&b, "- name: %s\n  user:\n    token: secret-%s\n", c, c)
	}
	b.WriteString("contexts:\n")
	for _, c := range contexts {
		fmt.Fprintf(&b, "- name: %s\n  context:\n    cluster: %s\n    user: %s\n", c, c, c)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// isolate points HOME and KUBECONFIG at a temp dir and hides in-cluster
// configuration, so the developer's own kubeconfig never leaks into tests.
func isolate(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("HOME", dir)
	t.Setenv("KUBECONFIG", "")
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	t.Setenv("KUBERNETES_SERVICE_PORT", "")
	return dir
}

func TestRESTConfigExplicitFileAndContext(t *testing.T) {
	dir := isolate(t)
	p := writeKubeconfig(t, dir, "kc", "staging", "staging", "prod")
	rc, name, err := RESTConfig(Config{Kubeconfig: p})
	if err != nil {
		t.Fatal(err)
	}
	if name != "staging" || rc.Host != "https://staging.example:6443" || rc.BearerToken != "secret-staging" {
		t.Errorf("current context: got %s %s", name, rc.Host)
	}
	if rc.UserAgent != "opsconsole" || rc.WarningHandler == nil {
		t.Errorf("client not tuned: %+v", rc)
	}
	rc, name, err = RESTConfig(Config{Kubeconfig: p, Context: "prod"})
	if err != nil || name != "prod" || rc.Host != "https://prod.example:6443" {
		t.Fatalf("--context prod: %v %s %v", err, name, rc)
	}
}

func TestRESTConfigMergesKUBECONFIGPaths(t *testing.T) {
	dir := isolate(t)
	a := writeKubeconfig(t, dir, "a", "alpha", "alpha")
	b := writeKubeconfig(t, dir, "b", "", "beta")
	t.Setenv("KUBECONFIG", a+string(os.PathListSeparator)+b)
	rc, name, err := RESTConfig(Config{Context: "beta"})
	if err != nil {
		t.Fatal(err)
	}
	if name != "beta" || rc.Host != "https://beta.example:6443" {
		t.Errorf("got %s %s, want the context from the second file", name, rc.Host)
	}
	if _, name, _ := RESTConfig(Config{}); name != "alpha" {
		t.Errorf("current context = %q, want alpha from the first file", name)
	}
}

func TestRESTConfigErrors(t *testing.T) {
	dir := isolate(t)
	p := writeKubeconfig(t, dir, "kc", "staging", "staging", "prod")
	for _, tc := range []struct {
		name string
		cfg  Config
		env  string
		want []string
	}{
		{"unknown context", Config{Kubeconfig: p, Context: "qa"}, "", []string{`context "qa" is not in the kubeconfig`, "available contexts: prod, staging"}},
		{"no kubeconfig anywhere", Config{}, "", []string{"no kubeconfig found", "--kubeconfig", "not running inside a pod"}},
		{"KUBECONFIG points nowhere", Config{}, filepath.Join(dir, "missing"), []string{"no kubeconfig found", "KUBECONFIG=" + filepath.Join(dir, "missing")}},
		{"explicit file missing", Config{Kubeconfig: filepath.Join(dir, "nope")}, "", []string{"cannot read kubeconfig", "nope"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("KUBECONFIG", tc.env)
			_, _, err := RESTConfig(tc.cfg)
			if err == nil {
				t.Fatal("expected an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "secret-") {
				t.Errorf("error leaks a token: %v", err)
			}
		})
	}
	empty := writeKubeconfig(t, dir, "empty-current", "", "a", "b")
	if _, _, err := RESTConfig(Config{Kubeconfig: empty}); err == nil || !strings.Contains(err.Error(), "no current context") {
		t.Errorf("no current context: %v", err)
	}
}

func TestNewFromClientsetDefaultsAndSelector(t *testing.T) {
	c, err := NewFromClientset(nil, Config{})
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Namespace: "kube-system", Selector: "k8s-app=kube-dns", DeploymentName: "coredns", ConfigMapName: "coredns", ServiceName: "kube-dns"}
	if c.Config() != want {
		t.Errorf("defaults = %+v", c.Config())
	}
	if _, err := NewFromClientset(nil, Config{Selector: "k8s-app in (kube-dns"}); err == nil || !strings.Contains(err.Error(), "not a valid label selector") {
		t.Errorf("bad selector: %v", err)
	}
}

func TestExplain(t *testing.T) {
	a := access{Verb: "patch", Group: "apps", Resource: "deployments", Namespace: "kube-system", Name: "coredns"}
	gr := schema.GroupResource{Group: "apps", Resource: "deployments"}
	for _, tc := range []struct {
		name string
		err  error
		is   error
		want []string
	}{
		{"forbidden", apierrors.NewForbidden(gr, "coredns", errors.New("RBAC: no")), ErrForbidden,
			[]string{"forbidden", `patch deployments.apps "coredns" in namespace kube-system`, `verb "patch"`, "kubectl -n kube-system create role", "--resource-name=coredns"}},
		{"unauthorized", apierrors.NewUnauthorized("token expired"), ErrUnauthorized,
			[]string{"unauthorized", "expired or invalid", "Renew it"}},
		{"not found", apierrors.NewNotFound(gr, "coredns"), nil, []string{"not found in namespace kube-system", "--coredns-namespace"}},
		{"conflict", apierrors.NewConflict(gr, "coredns", errors.New("modified")), nil, []string{"someone else changed it", "nothing was changed"}},
		{"unreachable", fmt.Errorf("Get: %w", &netErr{}), nil, []string{"cannot reach the Kubernetes API server", "VPN"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := explain(tc.err, a)
			for _, w := range tc.want {
				if !strings.Contains(got.Error(), w) {
					t.Errorf("%q lacks %q", got, w)
				}
			}
			if tc.is != nil && !errors.Is(got, tc.is) {
				t.Errorf("errors.Is(%v) false", tc.is)
			}
			if !errors.Is(got, tc.err) {
				t.Error("the API error is not wrapped")
			}
		})
	}
	if explain(nil, a) != nil {
		t.Error("explain(nil) must be nil")
	}
}

type netErr struct{}

func (*netErr) Error() string   { return "dial tcp 10.0.0.1:6443: connect: connection refused" }
func (*netErr) Timeout() bool   { return false }
func (*netErr) Temporary() bool { return false }

func TestShellQuoteAndKubectl(t *testing.T) {
	c, _ := NewFromClientset(nil, Config{}, WithContextName("arn:aws:eks:eu-west-1:123:cluster/prod eu"))
	if got := c.kubectl(); got != `kubectl --context 'arn:aws:eks:eu-west-1:123:cluster/prod eu' -n kube-system` {
		t.Errorf("kubectl prefix = %s", got)
	}
	if shellQuote("it's") != `'it'\''s'` || shellQuote("") != "''" || shellQuote("kube-system") != "kube-system" {
		t.Error("shellQuote")
	}
}
