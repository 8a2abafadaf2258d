package aws

import (
	"context"
	"fmt"
	"math"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/opsconsole/opsconsole/internal/aws/analysis"
)

// CloudWatch facts the queries rely on.
const (
	kinesisNamespace = "AWS/Kinesis"
	// maxQueriesPerCall is GetMetricData's limit on MetricDataQueries.
	maxQueriesPerCall = 500
	// DefaultPeriod is the resolution of Kinesis metrics (one minute).
	DefaultPeriod = time.Minute
	// DefaultWindow is the sparkline's span.
	DefaultWindow = time.Hour
)

// metricSpec is one metric the console reads: its name, the statistic that
// makes sense for it, and whether the value is a per-period total to turn
// into a per-second rate.
type metricSpec struct {
	key  string // query id suffix; also how results are filed
	name string
	stat string
	rate bool // Sum over the period / period seconds
}

// Stream-level metrics (dimension StreamName). Bytes and records are Sums
// (totals per period); throttles are Sums (events per period); iterator age
// is the Maximum (the oldest consumer position matters, not the average).
var streamMetricSpecs = []metricSpec{
	{"in_bytes", "IncomingBytes", "Sum", true},
	{"in_records", "IncomingRecords", "Sum", true},
	{"out_bytes", "GetRecords.Bytes", "Sum", true},
	{"write_thr", "WriteProvisionedThroughputExceeded", "Sum", false},
	{"read_thr", "ReadProvisionedThroughputExceeded", "Sum", false},
	{"iter_age", "GetRecords.IteratorAgeMilliseconds", "Maximum", false},
}

// Shard-level metrics (dimensions StreamName and ShardId); they exist only
// while enhanced monitoring is on for them.
var shardMetricSpecs = []metricSpec{
	{"in_bytes", "IncomingBytes", "Sum", true},
	{"in_records", "IncomingRecords", "Sum", true},
	{"out_bytes", "OutgoingBytes", "Sum", true},
	{"write_thr", "WriteProvisionedThroughputExceeded", "Sum", false},
	{"read_thr", "ReadProvisionedThroughputExceeded", "Sum", false},
	{"iter_age", "IteratorAgeMilliseconds", "Maximum", false},
}

// Series is a metric over a window at a fixed step, oldest first. Periods
// without a datapoint are 0 for totals and rates (no datapoint means
// nothing happened) and NaN for iterator age (no reader, so unknown).
type Series struct {
	Start  time.Time
	Step   time.Duration
	Values []float64
}

// Last returns the newest known value.
func (s Series) Last() (float64, bool) {
	for i := len(s.Values) - 1; i >= 0; i-- {
		if !math.IsNaN(s.Values[i]) {
			return s.Values[i], true
		}
	}
	return 0, false
}

// Max returns the largest known value (0 when none).
func (s Series) Max() float64 {
	m := 0.0
	for _, v := range s.Values {
		if !math.IsNaN(v) && v > m {
			m = v
		}
	}
	return m
}

// Mean of the known values over the last n steps (all when n <= 0).
func (s Series) Mean(n int) float64 {
	sum, cnt := s.total(n)
	if cnt == 0 {
		return 0
	}
	return sum / float64(cnt)
}

// Sum of the known values over the last n steps (all when n <= 0).
func (s Series) Sum(n int) float64 {
	sum, _ := s.total(n)
	return sum
}

func (s Series) total(n int) (sum float64, known int) {
	vs := s.Values
	if n > 0 && n < len(vs) {
		vs = vs[len(vs)-n:]
	}
	for _, v := range vs {
		if !math.IsNaN(v) {
			sum += v
			known++
		}
	}
	return sum, known
}

// StreamMetrics are one stream's CloudWatch metrics over the window.
type StreamMetrics struct {
	IncomingBytesPerSec   Series
	IncomingRecordsPerSec Series
	OutgoingBytesPerSec   Series // GetRecords.Bytes: polling consumers
	WriteThrottled        Series // records rejected per period
	ReadThrottled         Series // GetRecords calls rejected per period
	IteratorAgeMS         Series // maximum per period
}

// Peak is the window's peak throughput, for reshard sizing.
func (m StreamMetrics) Peak() analysis.Peak {
	return analysis.Peak{InBytesPerSec: m.IncomingBytesPerSec.Max(), InRecordsPerSec: m.IncomingRecordsPerSec.Max(),
		OutBytesPerSec: m.OutgoingBytesPerSec.Max()}
}

// IteratorAge is the newest maximum iterator age.
func (m StreamMetrics) IteratorAge() time.Duration {
	v, _ := m.IteratorAgeMS.Last()
	return time.Duration(v * float64(time.Millisecond))
}

// AgeTrend is the iterator age series as lag-analysis samples.
func (m StreamMetrics) AgeTrend() []analysis.AgePoint {
	var out []analysis.AgePoint
	for i, v := range m.IteratorAgeMS.Values {
		if !math.IsNaN(v) {
			out = append(out, analysis.AgePoint{Time: m.IteratorAgeMS.Start.Add(time.Duration(i) * m.IteratorAgeMS.Step),
				Age: time.Duration(v * float64(time.Millisecond))})
		}
	}
	return out
}

// Lag assesses consumer lag for a stream from its summary and metrics: the
// backlog, the share of retention used and the time left before data loss.
func Lag(s StreamSummary, m StreamMetrics) analysis.Lag {
	in, _ := m.IncomingRecordsPerSec.Last()
	bytes, _ := m.IncomingBytesPerSec.Last()
	return analysis.AssessLag(analysis.LagInput{
		IteratorAge: m.IteratorAge(), IncomingRecordsPerSec: in, IncomingBytesPerSec: bytes,
		Retention: s.Retention(), Trend: m.AgeTrend(),
	})
}

// ShardMetrics are one shard's enhanced-monitoring metrics over the window.
type ShardMetrics struct {
	IncomingBytesPerSec   Series
	IncomingRecordsPerSec Series
	OutgoingBytesPerSec   Series
	WriteThrottled        Series
	ReadThrottled         Series
	IteratorAgeMS         Series
}

// Rates averages the last n periods (all when n <= 0) for heat analysis.
func (m ShardMetrics) Rates(n int) analysis.ShardRates {
	return analysis.ShardRates{
		IncomingBytes: m.IncomingBytesPerSec.Mean(n), IncomingRecords: m.IncomingRecordsPerSec.Mean(n),
		OutgoingBytes:  m.OutgoingBytesPerSec.Mean(n),
		WriteThrottled: m.WriteThrottled.Sum(n), ReadThrottled: m.ReadThrottled.Sum(n),
	}
}

// Window is the span metrics are read over: [End-Span, End) in Period
// steps. End is the start of the current period, so every period returned
// is complete (a partial minute would read as a dip in the rate).
type Window struct {
	End    time.Time
	Span   time.Duration
	Period time.Duration
}

// LastHour is the default window ending at now.
func LastHour(now time.Time) Window {
	return Window{End: now.Truncate(DefaultPeriod), Span: DefaultWindow, Period: DefaultPeriod}
}

func (w Window) start() time.Time { return w.End.Add(-w.Span) }
func (w Window) steps() int       { return int(w.Span / w.Period) }

// query is one GetMetricData query and where its answer goes.
type query struct {
	id   string
	spec metricSpec
	dims []cwtypes.Dimension
	into *Series
}

// StreamMetrics reads the stream-level metrics of every named stream (six
// queries each, batched 500 to a call).
func (b *Backend) StreamMetrics(ctx context.Context, streams []string, w Window) (map[string]StreamMetrics, error) {
	out := make(map[string]*StreamMetrics, len(streams))
	var qs []query
	for i, name := range streams {
		m := &StreamMetrics{}
		out[name] = m
		targets := []*Series{&m.IncomingBytesPerSec, &m.IncomingRecordsPerSec, &m.OutgoingBytesPerSec,
			&m.WriteThrottled, &m.ReadThrottled, &m.IteratorAgeMS}
		for j, spec := range streamMetricSpecs {
			qs = append(qs, query{id: fmt.Sprintf("s%d_%s", i, spec.key), spec: spec, into: targets[j],
				dims: []cwtypes.Dimension{{Name: sdkaws.String("StreamName"), Value: sdkaws.String(name)}}})
		}
	}
	if err := b.runQueries(ctx, qs, w); err != nil {
		return nil, err
	}
	res := make(map[string]StreamMetrics, len(out))
	for k, v := range out {
		res[k] = *v
	}
	return res, nil
}

// ShardMetrics reads the shard-level metrics of the given shards of one
// stream. They are empty unless enhanced monitoring is on.
func (b *Backend) ShardMetrics(ctx context.Context, stream string, shardIDs []string, w Window) (map[string]ShardMetrics, error) {
	out := make(map[string]*ShardMetrics, len(shardIDs))
	var qs []query
	for i, id := range shardIDs {
		m := &ShardMetrics{}
		out[id] = m
		targets := []*Series{&m.IncomingBytesPerSec, &m.IncomingRecordsPerSec, &m.OutgoingBytesPerSec,
			&m.WriteThrottled, &m.ReadThrottled, &m.IteratorAgeMS}
		for j, spec := range shardMetricSpecs {
			qs = append(qs, query{id: fmt.Sprintf("h%d_%s", i, spec.key), spec: spec, into: targets[j],
				dims: []cwtypes.Dimension{
					{Name: sdkaws.String("StreamName"), Value: sdkaws.String(stream)},
					{Name: sdkaws.String("ShardId"), Value: sdkaws.String(id)},
				}})
		}
	}
	if err := b.runQueries(ctx, qs, w); err != nil {
		return nil, err
	}
	res := make(map[string]ShardMetrics, len(out))
	for k, v := range out {
		res[k] = *v
	}
	return res, nil
}

// runQueries sends the queries in batches of at most 500, following
// NextToken within each batch, and files every datapoint into its Series.
func (b *Backend) runQueries(ctx context.Context, qs []query, w Window) error {
	steps := w.steps()
	byID := make(map[string]*query, len(qs))
	for i := range qs {
		q := &qs[i]
		byID[q.id] = q
		fill := 0.0
		if q.spec.stat == "Maximum" {
			fill = math.NaN()
		}
		q.into.Start, q.into.Step, q.into.Values = w.start(), w.Period, make([]float64, steps)
		for k := range q.into.Values {
			q.into.Values[k] = fill
		}
	}
	period := int32(w.Period / time.Second)
	for lo := 0; lo < len(qs); lo += maxQueriesPerCall {
		batch := qs[lo:min(lo+maxQueriesPerCall, len(qs))]
		in := &cloudwatch.GetMetricDataInput{
			StartTime: sdkaws.Time(w.start()), EndTime: sdkaws.Time(w.End),
			ScanBy: cwtypes.ScanByTimestampAscending,
		}
		for _, q := range batch {
			in.MetricDataQueries = append(in.MetricDataQueries, cwtypes.MetricDataQuery{
				Id: sdkaws.String(q.id),
				MetricStat: &cwtypes.MetricStat{
					Metric: &cwtypes.Metric{Namespace: sdkaws.String(kinesisNamespace), MetricName: sdkaws.String(q.spec.name), Dimensions: q.dims},
					Period: sdkaws.Int32(period), Stat: sdkaws.String(q.spec.stat),
				},
				ReturnData: sdkaws.Bool(true),
			})
		}
		for {
			var out *cloudwatch.GetMetricDataOutput
			err := b.retryThrottled(ctx, func() error {
				var err error
				out, err = b.metrics.GetMetricData(ctx, in)
				return err
			})
			if err != nil {
				return b.where.classify(err, "reading CloudWatch metrics")
			}
			for _, r := range out.MetricDataResults {
				q := byID[sdkaws.ToString(r.Id)]
				if q == nil {
					continue
				}
				for k, ts := range r.Timestamps {
					if k >= len(r.Values) {
						break
					}
					i := int(ts.Sub(w.start()) / w.Period)
					if i < 0 || i >= steps {
						continue
					}
					v := r.Values[k]
					if q.spec.rate {
						v /= w.Period.Seconds()
					}
					q.into.Values[i] = v
				}
			}
			if out.NextToken == nil || *out.NextToken == "" {
				break
			}
			in.NextToken = out.NextToken
		}
	}
	return nil
}
