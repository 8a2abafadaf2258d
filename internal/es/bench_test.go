package es_test

import (
	"bytes"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/opsconsole/opsconsole/internal/es"
	"github.com/opsconsole/opsconsole/internal/sim/essim"
)

// The indices pane of a big cluster: 10,000 indices, about 50,000 shard
// copies. BenchmarkSnapshot10k measures the whole fetch through the real
// client with the simulator in-process (the simulator's own work included);
// BenchmarkSnapshot10kReplay replays the same answers from memory, which is
// the client's share: transport, JSON decoding and assembly.

var (
	largeOnce sync.Once
	largeSim  *essim.Server
)

func large() *essim.Server {
	largeOnce.Do(func() { largeSim = essim.NewLarge(10_000, 50_000) })
	return largeSim
}

func BenchmarkSnapshot10k(b *testing.B) {
	sim := large()
	c, err := es.New(es.Config{URLs: []string{demoURL}, Transport: sim})
	if err != nil {
		b.Fatal(err)
	}
	benchSnapshot(b, c)
}

// replay answers every request with the body the simulator gave the first
// time, so only the client's work is measured.
type replay struct {
	next  http.RoundTripper
	mu    sync.Mutex
	cache map[string]*cached
}

type cached struct {
	status int
	header http.Header
	body   []byte
}

func (r *replay) RoundTrip(req *http.Request) (*http.Response, error) {
	key := req.Method + " " + req.URL.String()
	r.mu.Lock()
	c, ok := r.cache[key]
	r.mu.Unlock()
	if !ok {
		res, err := r.next.RoundTrip(req)
		if err != nil {
			return nil, err
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		c = &cached{status: res.StatusCode, header: res.Header, body: body}
		r.mu.Lock()
		r.cache[key] = c
		r.mu.Unlock()
	}
	return &http.Response{StatusCode: c.status, Header: c.header, Body: io.NopCloser(bytes.NewReader(c.body)), Request: req}, nil
}

func BenchmarkSnapshot10kReplay(b *testing.B) {
	c, err := es.New(es.Config{URLs: []string{demoURL}, Transport: &replay{next: large(), cache: map[string]*cached{}}})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := c.Snapshot(b.Context()); err != nil { // warm the cache
		b.Fatal(err)
	}
	benchSnapshot(b, c)
}

func benchSnapshot(b *testing.B, c *es.Client) {
	b.ReportAllocs()
	var snap *es.Snapshot
	for b.Loop() {
		var err error
		snap, err = c.Snapshot(b.Context())
		if err != nil {
			b.Fatal(err)
		}
	}
	if len(snap.Indices) != 10_000 || len(snap.Shards) < 49_000 || len(snap.Warnings) != 0 {
		b.Fatalf("snapshot: %d indices, %d shards, warnings %v", len(snap.Indices), len(snap.Shards), snap.Warnings)
	}
	b.ReportMetric(float64(len(snap.Indices)), "indices")
	b.ReportMetric(float64(len(snap.Shards)), "shards")
}
