package runbook

import (
	"context"
	"fmt"
	"time"

	"github.com/opsconsole/opsconsole/internal/aws"
	"github.com/opsconsole/opsconsole/internal/es"
	"github.com/opsconsole/opsconsole/internal/fleet"
	"github.com/opsconsole/opsconsole/internal/k8s"
)

// Backend names a probe or fix may need.
const (
	BackendKinesis       = fleet.Kinesis
	BackendIAM           = "iam"
	BackendElasticsearch = fleet.Elasticsearch
	BackendKubernetes    = fleet.Kubernetes
)

// Env is what probes and fixes run against: one target's backends. A nil
// backend is not configured (or failed); Unavailable says why.
type Env struct {
	Kinesis *aws.Backend
	IAM     aws.IAMAPI
	ES      *es.Client
	K8s     *k8s.Client

	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Sleep paces reads (a context-aware timer when nil); the demo's tests
	// advance a fake clock instead.
	Sleep func(ctx context.Context, d time.Duration) error
	// Unavailable explains a missing backend; nil gives a generic message.
	Unavailable func(backend string) error
}

// EnvFromFleet is the environment of a connected target.
func EnvFromFleet(f *fleet.Fleet) *Env {
	e := &Env{Kinesis: f.Kinesis, IAM: f.IAM, ES: f.ES, K8s: f.K8s}
	e.Unavailable = func(backend string) error {
		name := backend
		if backend == BackendIAM {
			name = fleet.Kinesis
		}
		s := f.Status(name)
		what := map[string]string{BackendKinesis: "Kinesis", BackendIAM: "IAM", BackendElasticsearch: "Elasticsearch", BackendKubernetes: "Kubernetes"}[backend]
		switch {
		case s.State == fleet.Failed:
			return fmt.Errorf("%s is unavailable for target %s: %s", what, f.Target.DisplayName(), s.Summary())
		case s.Hint != "":
			return fmt.Errorf("%s is not configured for target %s: %s", what, f.Target.DisplayName(), s.Hint)
		}
		return fmt.Errorf("%s is not available for target %s", what, f.Target.DisplayName())
	}
	return e
}

func (e *Env) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

func (e *Env) sleep(ctx context.Context, d time.Duration) error {
	if e.Sleep != nil {
		return e.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// missing is the error for a backend the target lacks.
func (e *Env) missing(backend string) error {
	if e.Unavailable != nil {
		return e.Unavailable(backend)
	}
	return fmt.Errorf("%s is not configured for this target", backend)
}

// has reports whether a backend is there, with the error when it is not.
func (e *Env) has(backend string) error {
	ok := false
	switch backend {
	case "": // a probe that needs no backend
		ok = true
	case BackendKinesis:
		ok = e.Kinesis != nil
	case BackendIAM:
		ok = e.IAM != nil
	case BackendElasticsearch:
		ok = e.ES != nil
	case BackendKubernetes:
		ok = e.K8s != nil
	}
	if ok {
		return nil
	}
	return e.missing(backend)
}
