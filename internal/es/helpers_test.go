package es_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/opsconsole/opsconsole/internal/es"
	"github.com/opsconsole/opsconsole/internal/sim/essim"
	"github.com/opsconsole/opsconsole/internal/sim/simclock"
)

// newClock is the clock shared by the simulator and the client, so tests
// move time instead of sleeping.
func newClock() *simclock.Clock { return simclock.New(time.Date(2025, 11, 3, 10, 0, 0, 0, time.UTC)) }

// env is a demo cluster behind a recorder, with a client on it.
type env struct {
	sim   *essim.Server
	rec   *essim.Recorder
	c     *es.Client
	clock *simclock.Clock
}

const demoURL = "http://es.demo.invalid:9200"

func newEnv(t *testing.T, mutate ...func(*es.Config)) *env {
	t.Helper()
	clk := newClock()
	sim := essim.NewDemo(essim.WithClock(clk.Now))
	rec := essim.NewRecorder(sim)
	cfg := es.Config{URLs: []string{demoURL}, Transport: rec, Now: clk.Now,
		RetryBackoff: func(int) time.Duration { return time.Millisecond }}
	for _, m := range mutate {
		m(&cfg)
	}
	c, err := es.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &env{sim: sim, rec: rec, c: c, clock: clk}
}

func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// simCall sends one request straight to the simulator (to arrange state the
// console has no action for) and fails the test on a non-2xx answer.
func simCall(t *testing.T, sim *essim.Server, method, path, body string) string {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	sim.ServeHTTP(w, req)
	if w.Code >= 300 {
		t.Fatalf("%s %s: %d %s", method, path, w.Code, w.Body.String())
	}
	return w.Body.String()
}

func mustSnapshot(t *testing.T, e *env) *es.Snapshot {
	t.Helper()
	snap, err := e.c.Snapshot(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func mustIndex(t *testing.T, snap *es.Snapshot, name string) *es.Index {
	t.Helper()
	ix, ok := snap.Index(name)
	if !ok {
		t.Fatalf("index %s not in snapshot", name)
	}
	return ix
}

var _ http.RoundTripper = (*essim.Recorder)(nil)
