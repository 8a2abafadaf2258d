// Package simclock is the manual clock the simulators and their tests run
// on: time moves only when Advance is called, so state transitions,
// expiries and metrics are deterministic.
package simclock

import (
	"sync"
	"time"
)

// Clock is a manual clock, safe for concurrent use. Pass its Now method
// wherever a clock function is taken.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// New starts a clock at t.
func New(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
