package aws_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/opsconsole/opsconsole/internal/sim/simclock"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	awsbackend "github.com/opsconsole/opsconsole/internal/aws"
	"github.com/opsconsole/opsconsole/internal/sim/kinesissim"
)

// manyStreams is a simulator with n ACTIVE one-shard streams.
func manyStreams(t testing.TB, n int) (*kinesissim.Sim, *simclock.Clock, []string) {
	clk := simclock.New(time.Date(2025, 5, 6, 7, 0, 0, 0, time.UTC))
	s := kinesissim.New(kinesissim.Options{Now: clk.Now})
	var names []string
	for i := range n {
		name := fmt.Sprintf("s-%04d", i)
		if _, err := s.CreateStream(context.Background(), &kinesis.CreateStreamInput{StreamName: sdkaws.String(name), ShardCount: sdkaws.Int32(1)}); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	clk.Advance(time.Minute)
	return s, clk, names
}

// gate blocks DescribeStreamSummary for one stream until released.
type gate struct {
	awsbackend.KinesisAPI
	slow    string
	release chan struct{}
}

func (g *gate) DescribeStreamSummary(ctx context.Context, in *kinesis.DescribeStreamSummaryInput, o ...func(*kinesis.Options)) (*kinesis.DescribeStreamSummaryOutput, error) {
	if sdkaws.ToString(in.StreamName) == g.slow {
		select {
		case <-g.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return g.KinesisAPI.DescribeStreamSummary(ctx, in, o...)
}

func TestSummariesArriveProgressively(t *testing.T) {
	s, clk, names := manyStreams(t, 20)
	g := &gate{KinesisAPI: s, slow: names[0], release: make(chan struct{})}
	b := awsbackend.NewBackend(g, s, awsbackend.Options{Now: clk.Now, SummaryInterval: -1, SummaryConcurrency: 3})
	var order []string
	err := b.LoadSummaries(context.Background(), names, func(r awsbackend.SummaryResult) {
		if r.Err != nil || r.Summary.Name != r.Name || r.Summary.OpenShards != 1 {
			t.Errorf("result %+v", r)
		}
		order = append(order, r.Name)
		// The first stream is held back until every other one was
		// delivered: the pane fills in without waiting for it.
		if len(order) == len(names)-1 {
			close(g.release)
		}
	})
	if err != nil || len(order) != len(names) || order[len(order)-1] != names[0] {
		t.Fatalf("err %v, order %v", err, order)
	}
}

// recordingSleep records the pauses a backend asks for without waiting.
type recordingSleep struct {
	mu     sync.Mutex
	pauses []time.Duration
}

func (r *recordingSleep) sleep(ctx context.Context, d time.Duration) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pauses = append(r.pauses, d)
	return ctx.Err()
}

func TestSummariesBackOffWhenThrottled(t *testing.T) {
	s, clk, names := manyStreams(t, 5)
	rs := &recordingSleep{}
	b := awsbackend.NewBackend(s, s, awsbackend.Options{Now: clk.Now, Sleep: rs.sleep, SummaryInterval: -1, SummaryConcurrency: 1})
	s.Fail("DescribeStreamSummary", 4, kinesissim.LimitExceeded())
	got := 0
	if err := b.LoadSummaries(context.Background(), names, func(r awsbackend.SummaryResult) {
		if r.Err != nil {
			t.Errorf("%s: %v", r.Name, r.Err)
		}
		got++
	}); err != nil || got != 5 {
		t.Fatalf("err %v, delivered %d", err, got)
	}
	if len(rs.pauses) != 4 {
		t.Fatalf("pauses %v, want 4 backoffs", rs.pauses)
	}
	for i, p := range rs.pauses {
		lo, hi := (250*time.Millisecond<<i)/2, 250*time.Millisecond<<i
		if p < lo || p > hi {
			t.Errorf("pause %d = %v, want within [%v, %v] (exponential, jittered)", i, p, lo, hi)
		}
	}

	// Throttled past every retry: that stream reports a throttling error in
	// the operator's words, the others still arrive.
	s.Fail("DescribeStreamSummary", 6, kinesissim.LimitExceeded())
	var failed []string
	_ = b.LoadSummaries(context.Background(), names, func(r awsbackend.SummaryResult) {
		if r.Err != nil {
			failed = append(failed, r.Name)
			if awsbackend.KindOf(r.Err) != awsbackend.KindThrottled {
				t.Errorf("error kind of %v", r.Err)
			}
		}
	})
	if len(failed) != 1 || failed[0] != names[0] {
		t.Errorf("failed %v", failed)
	}
}

func TestLoadSummariesStopsWhenCancelled(t *testing.T) {
	s, clk, names := manyStreams(t, 10)
	g := &gate{KinesisAPI: s, slow: names[3], release: make(chan struct{})}
	b := awsbackend.NewBackend(g, s, awsbackend.Options{Now: clk.Now, SummaryInterval: -1, SummaryConcurrency: 1})
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	err := b.LoadSummaries(ctx, names, func(awsbackend.SummaryResult) {
		n++
		if n == 3 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) || n > 4 {
		t.Errorf("err %v after %d deliveries", err, n)
	}
}

// expiring makes the first ListShards follow-up arrive after its token has
// expired (the clock jumps six minutes), as when a page takes too long.
type expiring struct {
	awsbackend.KinesisAPI
	clk        *simclock.Clock
	always     bool
	done       bool
	calls      int
	streamSent int
}

func (e *expiring) ListShards(ctx context.Context, in *kinesis.ListShardsInput, o ...func(*kinesis.Options)) (*kinesis.ListShardsOutput, error) {
	e.calls++
	if in.NextToken != nil && (e.always || !e.done) {
		e.done = true
		e.clk.Advance(6 * time.Minute)
	}
	if in.NextToken != nil && in.StreamName != nil {
		e.streamSent++
	}
	return e.KinesisAPI.ListShards(ctx, in, o...)
}

func TestListShardsRestartsWhenTheTokenExpires(t *testing.T) {
	clk := simclock.New(time.Date(2025, 5, 6, 7, 0, 0, 0, time.UTC))
	s := kinesissim.New(kinesissim.Options{Now: clk.Now})
	if _, err := s.CreateStream(context.Background(), &kinesis.CreateStreamInput{StreamName: sdkaws.String("wide"), ShardCount: sdkaws.Int32(7)}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	e := &expiring{KinesisAPI: s, clk: clk}
	b := awsbackend.NewBackend(e, s, awsbackend.Options{Now: clk.Now, PageSize: 3})
	shards, err := b.ListShards(context.Background(), "wide")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, sh := range shards {
		if seen[sh.ID] {
			t.Errorf("%s listed twice", sh.ID)
		}
		seen[sh.ID] = true
	}
	// Pages of 3: first listing 1 page + 1 expired follow-up, then 3 pages.
	if len(shards) != 7 || e.calls != 5 || e.streamSent != 0 {
		t.Errorf("%d shards in %d calls (StreamName sent with NextToken %d times)", len(shards), e.calls, e.streamSent)
	}

	e = &expiring{KinesisAPI: s, clk: clk, always: true}
	b = awsbackend.NewBackend(e, s, awsbackend.Options{Now: clk.Now, PageSize: 3})
	if _, err := b.ListShards(context.Background(), "wide"); err == nil || e.calls != 8 {
		t.Errorf("always-expiring listing: err %v after %d calls, want an error after 4 attempts", err, e.calls)
	}
}
