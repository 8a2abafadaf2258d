package tail

import (
	"math/rand/v2"
	"time"
)

// pacer is one shard's client-side read limiter. The console's GetRecords
// calls count against the same per-shard limits as the production consumers
// (5 calls/s and 2 MiB/s per shard), so it keeps to a configured call rate
// (1/s by default) and never reads faster than the byte budget refills: a
// 10 MiB read is paid back before the next call, instead of the next calls
// being throttled. It works on explicit times, so tests drive it with a fake
// clock.
type pacer struct {
	interval    time.Duration // between calls
	bytesPerSec float64
	nextCall    time.Time
	// balance is a token bucket of read bytes holding up to one second's
	// budget, the way Kinesis accounts a shard's reads; a call needs a
	// positive balance.
	balance   float64
	balanceAt time.Time
}

func newPacer(callsPerSec int, bytesPerSec float64) pacer {
	// Rounded up, so that callsPerSec intervals never fit in under a second.
	interval := (time.Second + time.Duration(callsPerSec) - 1) / time.Duration(callsPerSec)
	return pacer{interval: interval, bytesPerSec: bytesPerSec, balance: bytesPerSec}
}

// delay is how long to wait at now before the next GetRecords call.
func (p *pacer) delay(now time.Time) time.Duration {
	p.refill(now)
	d := p.nextCall.Sub(now)
	if p.balance <= 0 {
		// Wait until the balance is back above zero.
		d = max(d, time.Duration(-p.balance/p.bytesPerSec*float64(time.Second))+time.Millisecond)
	}
	return max(d, 0)
}

// called records a call made at now.
func (p *pacer) called(now time.Time) {
	p.refill(now)
	p.nextCall = now.Add(p.interval)
}

// read charges the bytes a call returned.
func (p *pacer) read(n int) { p.balance -= float64(n) }

// holdUntil keeps the next call from happening before t (a backoff).
func (p *pacer) holdUntil(t time.Time) {
	if t.After(p.nextCall) {
		p.nextCall = t
	}
}

func (p *pacer) refill(now time.Time) {
	if !p.balanceAt.IsZero() && now.After(p.balanceAt) {
		p.balance = min(p.bytesPerSec, p.balance+now.Sub(p.balanceAt).Seconds()*p.bytesPerSec)
	}
	if now.After(p.balanceAt) {
		p.balanceAt = now
	}
}

// backoff is a capped exponential backoff with jitter, for throttling and
// transient errors: attempt 0 waits about base, each further attempt twice
// as long, never more than limit. The wait is drawn from [d/2, d] so
// readers throttled together do not retry together.
type backoff struct {
	base, limit time.Duration
	attempt     int
}

func (b *backoff) next() time.Duration {
	d := b.base << min(b.attempt, 16)
	if d > b.limit || d <= 0 {
		d = b.limit
	}
	b.attempt++
	half := d / 2
	return half + time.Duration(rand.Int64N(int64(half)+1))
}

func (b *backoff) reset() { b.attempt = 0 }
