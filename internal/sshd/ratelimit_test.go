package sshd

import (
	"net/netip"
	"testing"
	"time"
)

func TestConnLimiter(t *testing.T) {
	l := newConnLimiter(3, time.Second, 100)
	a := netip.MustParseAddr("192.0.2.1")
	t0 := now
	for i := 0; i < 3; i++ {
		if ok, _ := l.allow(a, t0); !ok {
			t.Fatalf("connection %d within the burst refused", i+1)
		}
	}
	ok, wait := l.allow(a, t0)
	if ok || wait != time.Second {
		t.Fatalf("4th connection: ok=%v wait=%s", ok, wait)
	}
	if ok, _ := l.allow(netip.MustParseAddr("192.0.2.2"), t0); !ok {
		t.Fatal("another source must have its own bucket")
	}
	if ok, _ := l.allow(a, t0.Add(500*time.Millisecond)); ok {
		t.Fatal("half a token is not a token")
	}
	if ok, _ := l.allow(a, t0.Add(time.Second)); !ok {
		t.Fatal("one token refills per second")
	}
	// One IPv6 host hops around its /64: one bucket.
	v6 := newConnLimiter(1, time.Hour, 100)
	if ok, _ := v6.allow(netip.MustParseAddr("2001:db8::1"), t0); !ok {
		t.Fatal("first v6 connection")
	}
	if ok, _ := v6.allow(netip.MustParseAddr("2001:db8::ffff:2"), t0); ok {
		t.Fatal("same /64 must share the bucket")
	}
	if ok, _ := v6.allow(netip.MustParseAddr("2001:db8:0:1::1"), t0); !ok {
		t.Fatal("another /64 has its own bucket")
	}
}

func TestConnLimiterBoundedTable(t *testing.T) {
	l := newConnLimiter(2, time.Second, 2)
	l.allow(netip.MustParseAddr("192.0.2.1"), now)
	l.allow(netip.MustParseAddr("192.0.2.2"), now)
	if ok, _ := l.allow(netip.MustParseAddr("192.0.2.3"), now); ok {
		t.Fatal("a full table of mid-burst sources must refuse newcomers")
	}
	// Once the tracked sources have refilled they are forgotten.
	if ok, _ := l.allow(netip.MustParseAddr("192.0.2.3"), now.Add(2*time.Second)); !ok {
		t.Fatal("refilled sources must be swept to make room")
	}
	if len(l.buckets) != 1 {
		t.Fatalf("want 1 tracked source after the sweep, got %d", len(l.buckets))
	}
}
