// Package fleet connects the backends of one target (AWS, Elasticsearch,
// Kubernetes, or the simulated demo fleet) and closes them together. The
// console, `serve` sessions and `runbook run` all get their backends here, so
// a target means the same thing everywhere.
package fleet

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/opsconsole/opsconsole/internal/aws"
	"github.com/opsconsole/opsconsole/internal/config"
	"github.com/opsconsole/opsconsole/internal/es"
	"github.com/opsconsole/opsconsole/internal/k8s"
	"github.com/opsconsole/opsconsole/internal/panicsafe"
	"github.com/opsconsole/opsconsole/internal/sim"
)

// Backend names, as used in status lines and errors.
const (
	Kinesis       = "kinesis"
	Elasticsearch = "elasticsearch"
	Kubernetes    = "kubernetes"
)

// State of one backend of a target.
type State int

const (
	NotConfigured State = iota
	Connecting
	Ready
	Failed
)

// Status says how one backend is.
type Status struct {
	State State
	// Err is why it failed, in the operator's words.
	Err error
	// Hint says how to configure it when it is not configured.
	Hint string
}

// Hooks are how backends reach the operator while connecting.
type Hooks struct {
	// MFACode asks for a one-time code for an MFA device (AWS assume-role
	// profiles with mfa_serial). It may block until the operator answers.
	MFACode func(serial string) (string, error)
}

// Fleet is the connected backends of one target. A nil backend is not
// configured or failed to connect; Status says which and why.
type Fleet struct {
	Target config.Target

	Kinesis *aws.Backend
	ES      *es.Client
	K8s     *k8s.Client
	// IAM answers the permissions runbook's policy simulations; it is set
	// with Kinesis (same account and credentials).
	IAM aws.IAMAPI

	mu     sync.Mutex
	status map[string]Status
	labels map[string]string
	ctx    context.Context
	cancel context.CancelFunc
}

// Status returns the state of a backend.
func (f *Fleet) Status(backend string) Status {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.status[backend]
}

func (f *Fleet) setStatus(backend string, s Status) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status[backend] = s
}

// Context is cancelled when the fleet is closed: tails and watches started
// against this target stop with it.
func (f *Fleet) Context() context.Context { return f.ctx }

// Close stops everything started against this target.
func (f *Fleet) Close() { f.cancel() }

// Connect builds the backends of target t. It does not block on the
// network: clients are constructed, and their first calls report errors
// through the panes.
func Connect(parent context.Context, opts *config.Options, t config.Target, hooks Hooks) *Fleet {
	f := newFleet(parent, t)
	if t.Demo {
		f.connectDemo(sim.Shared())
		return f
	}
	f.connectAWS(f.ctx, t.AWS, hooks)
	f.connectES(f.ctx, t.Elasticsearch)
	f.connectK8s(t.Kubernetes)
	return f
}

// ConnectDemo builds a fleet onto a given simulated fleet (tests use a
// fresh one each; Connect uses the process's shared one).
func ConnectDemo(parent context.Context, t config.Target, d *sim.Demo) *Fleet {
	f := newFleet(parent, t)
	f.connectDemo(d)
	return f
}

func newFleet(parent context.Context, t config.Target) *Fleet {
	ctx, cancel := context.WithCancel(parent)
	return &Fleet{Target: t, status: map[string]Status{}, labels: map[string]string{}, ctx: ctx, cancel: cancel}
}

// connectDemo wires a simulated fleet.
func (f *Fleet) connectDemo(d *sim.Demo) {
	// The simulator has no DescribeStreamSummary rate limit to respect.
	f.Kinesis = aws.NewBackend(d.Kinesis, d.Kinesis, aws.Options{Profile: "demo", Region: "us-east-1", Now: d.Kinesis.Now, Sleep: d.Sleep, SummaryInterval: -1})
	if d.IAM != nil {
		f.IAM = d.IAM
	}
	f.ready(Kinesis, "demo/us-east-1")
	c, err := es.New(es.Config{URLs: []string{demoESURL}, Transport: d.ES, Now: d.Kinesis.Now})
	if err != nil {
		f.setStatus(Elasticsearch, Status{State: Failed, Err: err})
	} else {
		f.ES = c
		f.ready(Elasticsearch, "logging")
	}
	kc, err := d.K8s.Client(k8s.WithContextName(f.Target.Name))
	if err != nil {
		f.setStatus(Kubernetes, Status{State: Failed, Err: err})
		return
	}
	f.K8s = kc
	f.ready(Kubernetes, kc.ContextName())
}

func (f *Fleet) connectK8s(c config.Kubernetes) {
	if !c.Configured() {
		f.setStatus(Kubernetes, Status{State: NotConfigured, Hint: "set --kubeconfig/--context (or KUBECONFIG), pick a target (--target NAME, or :ctx in the console), or use --demo"})
		return
	}
	kc, err := k8s.New(k8s.Config{Kubeconfig: c.Kubeconfig, Context: c.Context, Namespace: c.Namespace, Selector: c.Selector})
	if err != nil {
		f.setStatus(Kubernetes, Status{State: Failed, Err: err})
		return
	}
	f.K8s = kc
	f.ready(Kubernetes, kc.ContextName())
}

func (f *Fleet) connectAWS(ctx context.Context, c config.AWS, hooks Hooks) {
	if !c.Configured() {
		f.setStatus(Kinesis, Status{State: NotConfigured, Hint: "set --profile/--region (or AWS_PROFILE/AWS_REGION), pick a target (--target NAME, or :ctx in the console), or use --demo"})
		return
	}
	b, err := aws.Connect(ctx, aws.Config{Profile: c.Profile, Region: c.Region, KinesisEndpoint: c.KinesisEndpoint,
		CloudWatchEndpoint: c.CloudWatchEndpoint, MFACode: hooks.MFACode}, aws.Options{})
	if err != nil {
		f.setStatus(Kinesis, Status{State: Failed, Err: err})
		return
	}
	f.Kinesis = b
	f.IAM = aws.NewLazyIAM(aws.Config{Profile: c.Profile, Region: c.Region, MFACode: hooks.MFACode})
	label := b.Region()
	if b.Profile() != "" {
		label = b.Profile() + "/" + label
	}
	f.ready(Kinesis, label)
}

// demoESURL is where the demo cluster "is": requests never leave the
// process, but the curl previews need a URL.
const demoESURL = "http://elasticsearch.demo:9200"

func (f *Fleet) connectES(ctx context.Context, c config.Elasticsearch) {
	if !c.Configured() {
		f.setStatus(Elasticsearch, Status{State: NotConfigured, Hint: "set --es-url (or ELASTICSEARCH_URL), pick a target (--target NAME, or :ctx in the console), or use --demo"})
		return
	}
	client, err := newESClient(ctx, c)
	if err != nil {
		f.setStatus(Elasticsearch, Status{State: Failed, Err: err})
		return
	}
	f.ES = client
	f.ready(Elasticsearch, hostOf(client.BaseURL()))
}

// newESClient resolves the secret references (env, file, helper command)
// and builds the client. Nothing is sent yet.
func newESClient(ctx context.Context, c config.Elasticsearch) (*es.Client, error) {
	apiKey, err := c.APIKey.Resolve(ctx)
	if err != nil {
		return nil, fmt.Errorf("elasticsearch api_key: %w", err)
	}
	password, err := c.Password.Resolve(ctx)
	if err != nil {
		return nil, fmt.Errorf("elasticsearch password: %w", err)
	}
	limit, err := config.ParseBytes(c.ShardSizeLimit)
	if err != nil {
		return nil, fmt.Errorf("elasticsearch shard_size_limit: %w", err)
	}
	return es.New(es.Config{URLs: c.URLs, CloudID: c.CloudID, APIKey: apiKey, Username: c.Username,
		Password: password, CACertFile: c.CACert, MaxShardSize: limit})
}

// hostOf is the header's short name for a cluster until its health call
// says its name.
func hostOf(u string) string {
	if p, err := url.Parse(u); err == nil && p.Host != "" {
		return p.Hostname()
	}
	return u
}

func (f *Fleet) ready(backend, label string) {
	f.setStatus(backend, Status{State: Ready})
	f.SetLabel(backend, label)
}

// Label is the short text the header shows for a backend: "prod/us-east-2",
// "logging (yellow)", "prod-eu".
func (f *Fleet) Label(backend string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.labels[backend]
}

// SetLabel updates a backend's header text (the Elasticsearch pane learns
// the cluster name and colour from its health call).
func (f *Fleet) SetLabel(backend, label string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.labels[backend] = label
}

// Health is the state of each backend of a target.
type Health map[string]Status

// Summary is a short reason for a failed backend: "auth failed: ...",
// "unreachable: ...".
func (s Status) Summary() string {
	if s.Err == nil {
		return "failed"
	}
	return s.Err.Error()
}

// Word is the one-word health of the :ctx list.
func (s Status) Word() string {
	switch s.State {
	case Ready:
		return "reachable"
	case NotConfigured:
		return "not configured"
	case Connecting:
		return "connecting"
	}
	if authFailure(s.Err) {
		return "auth failed"
	}
	return "unreachable"
}

// authFailure recognises each backend's credential errors.
func authFailure(err error) bool {
	switch aws.KindOf(err) {
	case aws.KindSSOExpired, aws.KindCredentialsExpired, aws.KindNoCredentials, aws.KindMFARequired,
		aws.KindCredentialHelper, aws.KindAccessDenied, aws.KindUnknownProfile:
		return true
	}
	return es.IsKind(err, es.KindAuth) || es.IsKind(err, es.KindForbidden) ||
		errors.Is(err, k8s.ErrUnauthorized) || errors.Is(err, k8s.ErrForbidden)
}

// probeTimeout bounds each backend's health read.
const probeTimeout = 5 * time.Second

// Probe connects to each configured backend of t and makes one cheap read
// (in parallel), for the :ctx list. It never mutates anything and never
// prompts (an MFA profile reports that it needs a code).
func Probe(ctx context.Context, opts *config.Options, t config.Target) Health {
	f := Connect(ctx, opts, t, Hooks{})
	defer f.Close()
	pings := map[string]func(context.Context) error{}
	if f.Kinesis != nil {
		pings[Kinesis] = f.Kinesis.Ping
	}
	if f.ES != nil {
		pings[Elasticsearch] = func(ctx context.Context) error { _, err := f.ES.Cluster(ctx); return err }
	}
	if f.K8s != nil {
		pings[Kubernetes] = f.K8s.Ping
	}
	var wg sync.WaitGroup
	for name, ping := range pings {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer panicsafe.Recover(func(err error) { f.setStatus(name, Status{State: Failed, Err: err}) })
			pctx, cancel := context.WithTimeout(f.ctx, probeTimeout)
			defer cancel()
			if err := ping(pctx); err != nil {
				f.setStatus(name, Status{State: Failed, Err: err})
			}
		}()
	}
	wg.Wait()
	h := Health{}
	for _, b := range []string{Kinesis, Elasticsearch, Kubernetes} {
		h[b] = f.Status(b)
	}
	return h
}

// Assemble builds a fleet from clients made elsewhere (pane tests and
// benchmarks); each non-nil client is Ready.
func Assemble(t config.Target, k *aws.Backend, e *es.Client, kc *k8s.Client) *Fleet {
	f := newFleet(context.Background(), t)
	f.Kinesis, f.ES, f.K8s = k, e, kc
	for name, ok := range map[string]bool{Kinesis: k != nil, Elasticsearch: e != nil, Kubernetes: kc != nil} {
		if ok {
			f.setStatus(name, Status{State: Ready})
		}
	}
	return f
}
