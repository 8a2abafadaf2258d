package aws

import (
	"context"
	"time"
)

// Options configure a Backend. Zero values take the defaults noted.
type Options struct {
	// Profile, Region and KinesisEndpoint are only used in messages and in
	// the CLI previews of plans (--profile, --region, --endpoint-url).
	Profile, Region, KinesisEndpoint string
	// Now is the clock for metric windows (time.Now).
	Now func() time.Time
	// Sleep waits between polls and retries (a context-aware timer). Tests
	// on a simulated clock pass a function that advances it.
	Sleep func(ctx context.Context, d time.Duration) error
	// SummaryConcurrency is how many DescribeStreamSummary calls run at
	// once (4). SummaryInterval spaces their starts (100ms, i.e. at most 10/s,
	// half the account's 20/s limit); negative means no spacing.
	SummaryConcurrency int
	SummaryInterval    time.Duration
	// PollInterval is how often Verify re-reads the stream (2s).
	PollInterval time.Duration
	// PageSize is the page asked of ListStreams and ListShards (1,000).
	PageSize int
}

// Backend is the console's Kinesis/CloudWatch backend: the reads behind the
// panes and the constructors of the Kinesis actions. One Backend serves
// every pane and is safe for concurrent use.
type Backend struct {
	kinesis KinesisAPI
	metrics MetricsAPI
	where   where
	opts    Options
}

// NewBackend wraps any implementation of the client interfaces: the SDK
// clients (see Connect) or the simulator.
func NewBackend(k KinesisAPI, m MetricsAPI, o Options) *Backend {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = sleepCtx
	}
	if o.SummaryConcurrency <= 0 {
		o.SummaryConcurrency = 4
	}
	if o.SummaryInterval == 0 {
		o.SummaryInterval = 100 * time.Millisecond
	}
	if o.PageSize <= 0 {
		o.PageSize = 1000
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 2 * time.Second
	}
	return &Backend{kinesis: k, metrics: m, where: where{profile: o.Profile, region: o.Region}, opts: o}
}

// Kinesis exposes the client, for the record tailer.
func (b *Backend) Kinesis() KinesisAPI { return b.kinesis }

// Profile and Region are what the backend was connected with, for the
// header line ("aws:prod-logs/us-east-2").
func (b *Backend) Profile() string { return b.where.profile }
func (b *Backend) Region() string  { return b.where.region }

// Classify turns any error from this backend's clients into an *Error in the
// operator's words (already classified errors pass through).
func (b *Backend) Classify(err error, what string) error { return b.where.classify(err, what) }

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
