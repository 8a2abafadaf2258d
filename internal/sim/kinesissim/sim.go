// Package kinesissim is an in-memory Kinesis and CloudWatch for the --demo
// fleet and for tests. It implements the same client interfaces as the SDK's
// *kinesis.Client and *cloudwatch.Client (internal/aws), so the console's
// production code runs against it unchanged.
//
// It follows the AWS semantics the console relies on: CREATING/UPDATING
// transitions, parents closing and children opening on reshards (with
// intermediate shards for UNIFORM_SCALING, as AWS does), ListShards tokens
// that expire and must not be sent with StreamName, sequence numbers that
// grow, every shard iterator type, iterators that expire after five minutes,
// per-shard read and write limits, retention trimming, MD5 routing of
// partition keys, and GetMetricData answered from the traffic it saw.
//
// Time comes from an injectable clock and everything, including the demo
// fleet's traffic, is computed when a call arrives: there are no goroutines
// to stop.
package kinesissim

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Options tune the simulator. Zero values take the defaults noted.
type Options struct {
	// Now is the clock; nil means time.Now. Use a simclock.Clock in tests.
	Now func() time.Time
	// Region and Account appear in ARNs (us-east-1, 123456789012).
	Region, Account string
	// CreateDelay and UpdateDelay are how long a stream stays CREATING or
	// UPDATING (1s and 3s of simulated time).
	CreateDelay, UpdateDelay time.Duration
	// MaxRecordsPerShard bounds memory: older records are trimmed early
	// beyond it, as if retention had expired (100,000).
	MaxRecordsPerShard int
	// MetricHistory is how much CloudWatch history is kept (3h).
	MetricHistory time.Duration
	// MaxDatapointsPerPage caps the datapoints of one GetMetricData response
	// (100,800, as CloudWatch); tests lower it to exercise NextToken.
	MaxDatapointsPerPage int
	// DisableReadLimits turns off the 5 calls/s and 2 MiB/s per-shard read
	// limits (the write limits always apply).
	DisableReadLimits bool
}

func (o *Options) defaults() {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	if o.Account == "" {
		o.Account = "123456789012"
	}
	if o.CreateDelay == 0 {
		o.CreateDelay = time.Second
	}
	if o.UpdateDelay == 0 {
		o.UpdateDelay = 3 * time.Second
	}
	if o.MaxRecordsPerShard == 0 {
		o.MaxRecordsPerShard = 100_000
	}
	if o.MetricHistory == 0 {
		o.MetricHistory = 3 * time.Hour
	}
	if o.MaxDatapointsPerPage == 0 {
		o.MaxDatapointsPerPage = 100_800
	}
}

// Sim is one simulated account and region. It is safe for concurrent use.
type Sim struct {
	mu      sync.Mutex
	opts    Options
	streams map[string]*stream
	metrics *metricStore
	calls   map[string]int
	faults  map[string][]fault
}

type fault struct {
	err   error
	match func(shardID string) bool
}

// New returns an empty simulator.
func New(opts Options) *Sim {
	opts.defaults()
	return &Sim{
		opts:    opts,
		streams: map[string]*stream{},
		metrics: newMetricStore(),
		calls:   map[string]int{},
		faults:  map[string][]fault{},
	}
}

// Now is the simulator's clock.
func (s *Sim) Now() time.Time { return s.opts.Now() }

// Calls reports how many times an API (e.g. "UpdateShardCount") was called,
// whatever the outcome. Tests use it to prove that nothing was sent.
func (s *Sim) Calls(api string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[api]
}

// Fail makes the next n calls of api fail with err before doing anything
// (fault injection: throttling, expired iterators, internal failures).
func (s *Sim) Fail(api string, n int, err error) {
	s.FailShard(api, "", n, err)
}

// FailShard is Fail restricted to calls on one shard (GetShardIterator,
// GetRecords); an empty shardID matches every call.
func (s *Sim) FailShard(api, shardID string, n int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults[api] = append(s.faults[api], fault{err: err, match: func(id string) bool {
			return shardID == "" || id == shardID
		}})
	}
}

// begin starts an API call, with s.mu held: it counts the call, brings the
// simulated world up to the clock, and returns an injected fault if one is
// due.
func (s *Sim) begin(ctx context.Context, api, shardID string) error {
	s.calls[api]++
	if err := ctx.Err(); err != nil {
		return err
	}
	s.advance(s.opts.Now())
	fs := s.faults[api]
	for i, f := range fs {
		if f.match(shardID) {
			s.faults[api] = append(fs[:i:i], fs[i+1:]...)
			return f.err
		}
	}
	return nil
}

// advance applies everything that happened up to now: finished CREATING and
// UPDATING transitions, demo traffic, retention trimming, metric expiry.
func (s *Sim) advance(now time.Time) {
	for name, st := range s.streams {
		st.settle(now, s)
		if st.status == statusDeleted {
			delete(s.streams, name)
			continue
		}
		if st.gen != nil {
			st.gen.run(now, st, s)
		}
		st.trim(now, s.opts.MaxRecordsPerShard)
	}
	s.metrics.expire(now.Add(-s.opts.MetricHistory))
}

func (s *Sim) arn(stream string) string {
	return fmt.Sprintf("arn:aws:kinesis:%s:%s:stream/%s", s.opts.Region, s.opts.Account, stream)
}

// lookup finds a stream by name or ARN, as the API accepts either.
func (s *Sim) lookup(name, arn *string) (*stream, error) {
	n := aws.ToString(name)
	if n == "" && aws.ToString(arn) != "" {
		for _, st := range s.streams {
			if st.arn == aws.ToString(arn) {
				return st, nil
			}
		}
		return nil, notFound("Stream %s under account %s not found.", aws.ToString(arn), s.opts.Account)
	}
	if n == "" {
		return nil, invalidArgument("Either StreamName or StreamARN should be provided.")
	}
	st, ok := s.streams[n]
	if !ok {
		return nil, notFound("Stream %s under account %s not found.", n, s.opts.Account)
	}
	return st, nil
}
