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

	"github.com/opsconsole/opsconsole/internal/sim/kinesissim"
)

// Demo is the simulated fleet.
type Demo struct {
	Kinesis *kinesissim.Sim
	// Sleep, when set, replaces the backends' waits between polls (tests on
	// a fake clock advance it instead of sleeping).
	Sleep func(ctx context.Context, d time.Duration) error
}

var (
	sharedOnce sync.Once
	shared     *Demo
)

// Shared returns the process's demo fleet, building it on first use. The
// simulators compute their state from the wall clock on demand, so the fleet
// runs no goroutines and needs no shutdown.
func Shared() *Demo {
	sharedOnce.Do(func() { shared = NewDemo(time.Now) })
	return shared
}

// NewDemo builds a fresh demo fleet on the given clock (tests pass a fake
// clock, so every test gets its own, unchanged fleet).
func NewDemo(now func() time.Time) *Demo {
	return &Demo{
		Kinesis: kinesissim.NewDemo(kinesissim.Options{Now: now}),
	}
}
