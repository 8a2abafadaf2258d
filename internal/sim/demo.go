// Package sim assembles the simulated fleet behind --demo from the
// per-backend simulators (kinesissim, essim, k8ssim). There is one demo
// fleet per process: demo-staging and demo-prod are two targets onto the
// same fleet (DESIGN.md §5), and every SSH session of `serve --demo` sees
// the same systems, as a team would.
package sim

import (
	"context"
	"sync"
	"time"

	"github.com/opsconsole/opsconsole/internal/sim/essim"
	"github.com/opsconsole/opsconsole/internal/sim/iamsim"
	"github.com/opsconsole/opsconsole/internal/sim/k8ssim"
	"github.com/opsconsole/opsconsole/internal/sim/kinesissim"
)

// Demo is the simulated fleet.
type Demo struct {
	Kinesis *kinesissim.Sim
	// ES answers the Elasticsearch REST API in process (an
	// http.RoundTripper: no socket).
	ES *essim.Server
	// K8s is the CoreDNS deployment on client-go's fake clientset; its
	// "controllers" run in Step (Shared runs them every second).
	K8s *k8ssim.Fleet
	// IAM answers the permissions runbook's policy simulations.
	IAM *iamsim.Sim
	// Sleep, when set, replaces the backends' waits between polls (tests on
	// a fake clock advance it instead of sleeping).
	Sleep func(ctx context.Context, d time.Duration) error
}

var (
	sharedOnce sync.Once
	shared     *Demo
)

// Shared returns the process's demo fleet, building it on first use. The
// Kinesis and Elasticsearch simulators compute their state from the clock
// on demand; the Kubernetes one is stepped by a goroutine.
func Shared() *Demo {
	sharedOnce.Do(func() {
		shared = NewDemo(time.Now)
		// The one goroutine of the demo: the simulated cluster's
		// controllers, for the life of the process.
		go shared.K8s.Run(context.Background(), time.Second)
	})
	return shared
}

// NewDemo builds a fresh demo fleet on the given clock (tests pass a fake
// clock, so every test gets its own, unchanged fleet).
func NewDemo(now func() time.Time) *Demo {
	return &Demo{
		Kinesis: kinesissim.NewDemo(kinesissim.Options{Now: now}),
		ES:      essim.NewDemo(essim.WithClock(now)),
		K8s:     k8ssim.New(now),
		IAM:     iamsim.NewDemo(),
	}
}
