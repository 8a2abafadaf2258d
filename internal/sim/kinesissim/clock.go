package kinesissim

import (
	"sync"
	"time"
)

// FakeClock is a manual clock for tests: time moves only when Advance is
// called, so transitions, expiries and metrics are deterministic.
type FakeClock struct {
	mu sync.Mutex
	t  time.Time
}

// NewFakeClock starts at t.
func NewFakeClock(t time.Time) *FakeClock { return &FakeClock{t: t} }

// Now returns the current simulated time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
