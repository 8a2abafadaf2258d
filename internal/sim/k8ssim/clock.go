package k8ssim

import (
	"sync"
	"time"
)

// ManualClock is a clock that moves only when told, for tests that step the
// fleet through minutes of simulated time without waiting for them.
type ManualClock struct {
	mu sync.Mutex
	t  time.Time
}

// NewManualClock starts at t.
func NewManualClock(t time.Time) *ManualClock { return &ManualClock{t: t} }

// Now is the clock's time; pass the method value as a clock.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
