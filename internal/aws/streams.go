package aws

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/opsconsole/opsconsole/internal/panicsafe"
)

// Stream status and capacity mode values, as Kinesis spells them.
const (
	StatusActive   = "ACTIVE"
	StatusCreating = "CREATING"
	StatusUpdating = "UPDATING"
	StatusDeleting = "DELETING"

	ModeProvisioned = "PROVISIONED"
	ModeOnDemand    = "ON_DEMAND"
)

// StreamListing is one row of ListStreams: what is known before the
// per-stream summary arrives.
type StreamListing struct {
	Name, ARN string
	Status    string
	Mode      string // "" when the server sent no summary
	Created   time.Time
}

// ListStreams lists every stream in the region, following NextToken (or,
// for servers that only send HasMoreStreams, ExclusiveStartStreamName).
func (b *Backend) ListStreams(ctx context.Context) ([]StreamListing, error) {
	var out []StreamListing
	in := &kinesis.ListStreamsInput{Limit: sdkaws.Int32(int32(b.opts.PageSize))}
	for {
		page, err := b.kinesis.ListStreams(ctx, in)
		if err != nil {
			return out, b.where.classify(err, "listing Kinesis streams")
		}
		byName := map[string]types.StreamSummary{}
		for _, s := range page.StreamSummaries {
			byName[sdkaws.ToString(s.StreamName)] = s
		}
		for _, name := range page.StreamNames {
			l := StreamListing{Name: name}
			if s, ok := byName[name]; ok {
				l.ARN, l.Status, l.Created = sdkaws.ToString(s.StreamARN), string(s.StreamStatus), sdkaws.ToTime(s.StreamCreationTimestamp)
				if s.StreamModeDetails != nil {
					l.Mode = string(s.StreamModeDetails.StreamMode)
				}
			}
			out = append(out, l)
		}
		switch {
		case page.NextToken != nil && *page.NextToken != "":
			in = &kinesis.ListStreamsInput{NextToken: page.NextToken, Limit: in.Limit}
		case sdkaws.ToBool(page.HasMoreStreams) && len(page.StreamNames) > 0:
			in = &kinesis.ListStreamsInput{ExclusiveStartStreamName: sdkaws.String(page.StreamNames[len(page.StreamNames)-1]), Limit: in.Limit}
		default:
			return out, nil
		}
	}
}

// StreamSummary is what the streams pane shows for one stream.
type StreamSummary struct {
	Name, ARN      string
	Status         string // ACTIVE, CREATING, UPDATING, DELETING
	Mode           string // PROVISIONED or ON_DEMAND
	OpenShards     int
	RetentionHours int
	Encryption     string // NONE or KMS
	KeyID          string
	// ShardMetrics lists the enabled shard-level (enhanced monitoring)
	// metrics; empty means off.
	ShardMetrics []string
	Consumers    int
	Created      time.Time
}

// EnhancedMonitoring reports whether any shard-level metric is on.
func (s StreamSummary) EnhancedMonitoring() bool { return len(s.ShardMetrics) > 0 }

// Provisioned reports whether the stream is in provisioned mode.
func (s StreamSummary) Provisioned() bool { return s.Mode == ModeProvisioned }

// Retention is the retention period as a duration.
func (s StreamSummary) Retention() time.Duration { return time.Duration(s.RetentionHours) * time.Hour }

// DescribeStream returns one stream's summary (DescribeStreamSummary).
func (b *Backend) DescribeStream(ctx context.Context, name string) (StreamSummary, error) {
	var out *kinesis.DescribeStreamSummaryOutput
	err := b.retryThrottled(ctx, func() error {
		var err error
		out, err = b.kinesis.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: sdkaws.String(name)})
		return err
	})
	if err != nil {
		return StreamSummary{}, b.where.classify(err, "describing stream "+name)
	}
	d := out.StreamDescriptionSummary
	s := StreamSummary{
		Name: sdkaws.ToString(d.StreamName), ARN: sdkaws.ToString(d.StreamARN), Status: string(d.StreamStatus),
		OpenShards: int(sdkaws.ToInt32(d.OpenShardCount)), RetentionHours: int(sdkaws.ToInt32(d.RetentionPeriodHours)),
		Encryption: string(d.EncryptionType), KeyID: sdkaws.ToString(d.KeyId),
		Consumers: int(sdkaws.ToInt32(d.ConsumerCount)), Created: sdkaws.ToTime(d.StreamCreationTimestamp),
		Mode: ModeProvisioned, // streams created before on-demand existed report no mode
	}
	if d.StreamModeDetails != nil && d.StreamModeDetails.StreamMode != "" {
		s.Mode = string(d.StreamModeDetails.StreamMode)
	}
	if s.Encryption == "" {
		s.Encryption = "NONE"
	}
	for _, em := range d.EnhancedMonitoring {
		for _, m := range em.ShardLevelMetrics {
			s.ShardMetrics = append(s.ShardMetrics, string(m))
		}
	}
	return s, nil
}

// SummaryResult is one stream's summary, or the error that stopped it.
type SummaryResult struct {
	Name    string
	Summary StreamSummary
	Err     error
}

// LoadSummaries describes every named stream and delivers each result as
// soon as it is ready, so a pane of 1,000 streams fills in progressively
// instead of waiting for the slowest. DescribeStreamSummary is rate limited
// per account, so calls run SummaryConcurrency at a time, spaced by
// SummaryInterval, and back off when throttled.
//
// describeSafely is DescribeStream for a pool goroutine: a panic on one
// stream's answer becomes that stream's error.
func (b *Backend) describeSafely(ctx context.Context, name string) (s StreamSummary, err error) {
	defer panicsafe.Recover(func(e error) { err = e })
	return b.DescribeStream(ctx, name)
}

// deliver is called once per name, in completion order, never concurrently.
// LoadSummaries returns when every stream was delivered (nil) or ctx ended
// (ctx.Err(); the undelivered streams are simply not delivered).
func (b *Backend) LoadSummaries(ctx context.Context, names []string, deliver func(SummaryResult)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan string)
	results := make(chan SummaryResult)
	pace := b.newPacer()
	var wg sync.WaitGroup
	for range min(b.opts.SummaryConcurrency, max(len(names), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for name := range work {
				if pace(ctx) != nil {
					return
				}
				sum, err := b.describeSafely(ctx, name)
				select {
				case results <- SummaryResult{Name: name, Summary: sum, Err: err}:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		defer close(work)
		for _, n := range names {
			select {
			case work <- n:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()
	delivered := 0
	for r := range results {
		deliver(r)
		delivered++
	}
	if delivered < len(names) {
		return ctx.Err()
	}
	return nil
}

// newPacer returns a function that waits until the next call may start.
func (b *Backend) newPacer() func(context.Context) error {
	if b.opts.SummaryInterval < 0 {
		return func(ctx context.Context) error { return ctx.Err() }
	}
	var mu sync.Mutex
	var next time.Time
	return func(ctx context.Context) error {
		mu.Lock()
		now := b.opts.Now()
		if next.Before(now) {
			next = now
		}
		wait := next.Sub(now)
		next = next.Add(b.opts.SummaryInterval)
		mu.Unlock()
		return b.opts.Sleep(ctx, wait)
	}
}

// Throttled reads are retried this many times by retryThrottled, on top
// of the SDK's own retries, with exponential backoff from readBackoffBase.
const (
	readRetries     = 5
	readBackoffBase = 250 * time.Millisecond
	readBackoffMax  = 8 * time.Second
)

// retryThrottled runs a read again after a jittered, growing pause while AWS
// throttles it. Other errors return at once.
func (b *Backend) retryThrottled(ctx context.Context, call func() error) error {
	delay := readBackoffBase
	for attempt := 0; ; attempt++ {
		err := call()
		if err == nil || !isThrottle(err) || attempt == readRetries {
			return err
		}
		jittered := delay/2 + time.Duration(rand.Int64N(int64(delay/2)+1))
		if serr := b.opts.Sleep(ctx, jittered); serr != nil {
			return err
		}
		delay = min(2*delay, readBackoffMax)
	}
}
