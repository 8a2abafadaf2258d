package sshd

import (
	"net/netip"
	"sync"
	"time"
)

// connLimiter is a token bucket per source address: burst connections at
// once, then one more every `every`. IPv6 clients are keyed by their /64,
// which one host can hop around in freely.
type connLimiter struct {
	burst float64
	every time.Duration
	max   int // bound on tracked sources, so a flood cannot grow memory

	mu      sync.Mutex
	buckets map[netip.Prefix]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newConnLimiter(burst int, every time.Duration, max int) *connLimiter {
	return &connLimiter{burst: float64(burst), every: every, max: max, buckets: map[netip.Prefix]*bucket{}}
}

func sourceKey(a netip.Addr) netip.Prefix {
	a = a.Unmap()
	bits := 32
	if a.Is6() {
		bits = 64
	}
	p, _ := a.Prefix(bits)
	return p
}

// allow takes a token for addr. When none is left it reports how long
// until the next one.
func (l *connLimiter) allow(addr netip.Addr, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	key := sourceKey(addr)
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= l.max {
			l.sweep(now)
		}
		if len(l.buckets) >= l.max {
			// Every tracked source is mid-burst: refuse newcomers rather
			// than forget who is hammering the server.
			return false, l.every
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.refill(l, now)
	if b.tokens < 1 {
		return false, time.Duration((1 - b.tokens) * float64(l.every))
	}
	b.tokens--
	return true, 0
}

func (b *bucket) refill(l *connLimiter, now time.Time) {
	if el := now.Sub(b.last); el > 0 {
		b.tokens += float64(el) / float64(l.every)
		if b.tokens > l.burst {
			b.tokens = l.burst
		}
		b.last = now
	}
}

// sweep forgets sources whose bucket has refilled: they are
// indistinguishable from sources never seen.
func (l *connLimiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		b.refill(l, now)
		if b.tokens >= l.burst {
			delete(l.buckets, k)
		}
	}
}
