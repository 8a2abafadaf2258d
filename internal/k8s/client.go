// Package k8s is the CoreDNS backend over client-go: a live view of the
// CoreDNS pods, Deployment and kube-dns Service through watches, pod logs
// with the known failure lines marked, the Corefile with its common
// misconfigurations, and the restart/scale remediations as ops.Actions.
//
// It needs only namespace-scoped get/list/watch to show things; the actions
// need patch on deployments and get/update on deployments/scale, and check
// for them with a SelfSubjectAccessReview before sending anything.
package k8s

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// Config says where CoreDNS is and how to reach the cluster. Zero fields
// take the defaults below (Defaults fills them in).
type Config struct {
	// Kubeconfig is an explicit kubeconfig file (--kubeconfig). Empty means
	// the standard rules: $KUBECONFIG (a list of paths), then ~/.kube/config,
	// then the in-cluster service account when running in a pod.
	Kubeconfig string
	// Context is the kubeconfig context to use (--context); empty means the
	// current context.
	Context string
	// Namespace defaults to kube-system.
	Namespace string
	// Selector picks the CoreDNS pods; defaults to k8s-app=kube-dns.
	Selector string
	// DeploymentName, ConfigMapName and ServiceName default to coredns,
	// coredns and kube-dns, as kubeadm, EKS, GKE and AKS name them.
	DeploymentName string
	ConfigMapName  string
	ServiceName    string
}

// Defaults returns c with every empty field set to its default.
func (c Config) Defaults() Config {
	def := func(s *string, v string) {
		if strings.TrimSpace(*s) == "" {
			*s = v
		}
	}
	def(&c.Namespace, "kube-system")
	def(&c.Selector, "k8s-app=kube-dns")
	def(&c.DeploymentName, "coredns")
	def(&c.ConfigMapName, "coredns")
	def(&c.ServiceName, "kube-dns")
	return c
}

// Client is the CoreDNS backend for one cluster.
type Client struct {
	cs       kubernetes.Interface
	cfg      Config
	selector labels.Selector
	logs     LogSource
	now      func() time.Time
	// contextName is the kubeconfig context in use ("" in-cluster or when
	// built from a clientset); CLI previews add --context for it.
	contextName string
	// coalesce is how long the watcher gathers events before publishing.
	coalesce time.Duration
}

// Option adjusts a Client built by New or NewFromClientset.
type Option func(*Client)

// WithLogSource replaces where pod logs come from (the demo and tests
// supply real-looking lines; client-go's fake clientset only says "fake logs").
func WithLogSource(l LogSource) Option { return func(c *Client) { c.logs = l } }

// WithClock sets the clock used for ages, snapshot times and restart
// timestamps.
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

// WithContextName records the kubeconfig context name (for CLI previews)
// when the clientset was built elsewhere.
func WithContextName(name string) Option { return func(c *Client) { c.contextName = name } }

// WithCoalesce sets how long a burst of watch events is gathered into one
// snapshot (default 100ms).
func WithCoalesce(d time.Duration) Option { return func(c *Client) { c.coalesce = d } }

// NewFromClientset builds a Client on an existing clientset: a real one, the
// demo's fake one, or a test's.
func NewFromClientset(cs kubernetes.Interface, cfg Config, opts ...Option) (*Client, error) {
	cfg = cfg.Defaults()
	sel, err := labels.Parse(cfg.Selector)
	if err != nil {
		return nil, fmt.Errorf("CoreDNS pod selector %q is not a valid label selector: %v; use the form key=value[,key2=value2], e.g. k8s-app=kube-dns", cfg.Selector, err)
	}
	c := &Client{cs: cs, cfg: cfg, selector: sel, now: time.Now, coalesce: 100 * time.Millisecond}
	c.logs = apiLogs{cs: cs}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// New connects using kubeconfig loading rules (or the in-cluster service
// account). It does not contact the cluster: the first watch or read does,
// and its error says what to do.
func New(cfg Config, opts ...Option) (*Client, error) {
	rc, contextName, err := RESTConfig(cfg)
	if err != nil {
		return nil, err
	}
	cs, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, fmt.Errorf("cannot build a Kubernetes client for %s: %w", rc.Host, err)
	}
	return NewFromClientset(cs, cfg, append([]Option{WithContextName(contextName)}, opts...)...)
}

// Config returns the effective configuration (defaults filled in).
func (c *Client) Config() Config { return c.cfg }

// ContextName is the kubeconfig context in use, "" when none.
func (c *Client) ContextName() string { return c.contextName }

// RESTConfig resolves the rest.Config the way kubectl does: --kubeconfig,
// else $KUBECONFIG (several paths merged), else ~/.kube/config, with
// --context overriding the current context; when no kubeconfig exists at all
// and the process runs in a pod, the in-cluster service account. It returns
// the context name in use ("" in-cluster).
func RESTConfig(cfg Config) (*rest.Config, string, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = cfg.Kubeconfig
	overrides := &clientcmd.ConfigOverrides{CurrentContext: cfg.Context}
	loader := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides)

	raw, err := loader.RawConfig()
	if err != nil {
		return nil, "", fmt.Errorf("cannot read kubeconfig %s: %w", describeSources(rules), err)
	}
	if len(raw.Contexts) == 0 && len(raw.Clusters) == 0 {
		if cfg.Kubeconfig == "" && cfg.Context == "" {
			if rc, err := rest.InClusterConfig(); err == nil {
				tune(rc)
				return rc, "", nil
			}
		}
		return nil, "", fmt.Errorf("no kubeconfig found (looked in %s) and not running inside a pod: "+
			"pass --kubeconfig FILE or set KUBECONFIG, or create one with your cluster's tool "+
			"(aws eks update-kubeconfig, gcloud container clusters get-credentials, az aks get-credentials, kind export kubeconfig)",
			describeSources(rules))
	}
	name := raw.CurrentContext
	if cfg.Context != "" {
		name = cfg.Context
	}
	if name == "" {
		return nil, "", fmt.Errorf("the kubeconfig (%s) has no current context: pass --context NAME (one of: %s) or run `kubectl config use-context NAME`",
			describeSources(rules), contextNames(raw.Contexts))
	}
	if _, ok := raw.Contexts[name]; !ok {
		return nil, "", fmt.Errorf("context %q is not in the kubeconfig (%s); available contexts: %s",
			name, describeSources(rules), contextNames(raw.Contexts))
	}
	rc, err := loader.ClientConfig()
	if err != nil {
		return nil, "", fmt.Errorf("kubeconfig context %q is incomplete or invalid: %w; check it with `kubectl config view --minify --context %s`", name, err, name)
	}
	tune(rc)
	return rc, name, nil
}

// tune sets what every opsconsole client wants: a recognisable user agent,
// and API deprecation warnings kept out of the terminal (client-go prints
// them to stderr by default, which would scribble over the console).
func tune(rc *rest.Config) {
	rc.UserAgent = "opsconsole"
	rc.WarningHandler = rest.NoWarnings{}
}

func describeSources(rules *clientcmd.ClientConfigLoadingRules) string {
	if rules.ExplicitPath != "" {
		return rules.ExplicitPath
	}
	if len(rules.Precedence) == 0 {
		return "no paths"
	}
	if env := os.Getenv(clientcmd.RecommendedConfigPathEnvVar); env != "" {
		return "KUBECONFIG=" + env
	}
	return strings.Join(rules.Precedence, string(filepath.ListSeparator))
}

func contextNames[V any](m map[string]V) string {
	if len(m) == 0 {
		return "none"
	}
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// withTimeout bounds a one-shot read so a hung API server cannot hang a pane.
func withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, 30*time.Second)
}
