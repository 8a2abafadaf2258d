package kinesissim

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"math"
	"regexp"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// The AWS/Kinesis metric names the simulator publishes. Stream-level names
// carry the StreamName dimension; shard-level ones (enhanced monitoring)
// StreamName and ShardId, and exist only while that metric is enabled.
const (
	namespace            = "AWS/Kinesis"
	mIncomingBytes       = "IncomingBytes"
	mIncomingRecords     = "IncomingRecords"
	mWriteThrottled      = "WriteProvisionedThroughputExceeded"
	mReadThrottled       = "ReadProvisionedThroughputExceeded"
	mStreamIteratorAge   = "GetRecords.IteratorAgeMilliseconds"
	mGetRecordsBytes     = "GetRecords.Bytes"
	mGetRecordsRecords   = "GetRecords.Records"
	mShardIteratorAge    = "IteratorAgeMilliseconds"
	mShardOutgoingBytes  = "OutgoingBytes"
	mShardOutgoingRecord = "OutgoingRecords"
)

type metricKey struct {
	stream, shard, name string
}

// agg is one minute of one metric: enough for every CloudWatch statistic
// the console asks for.
type agg struct {
	sum, min, max, count float64
}

func (a *agg) add(v float64) {
	if a.count == 0 || v < a.min {
		a.min = v
	}
	if a.count == 0 || v > a.max {
		a.max = v
	}
	a.sum += v
	a.count++
}

func (a *agg) merge(b agg) {
	if b.count == 0 {
		return
	}
	if a.count == 0 || b.min < a.min {
		a.min = b.min
	}
	if a.count == 0 || b.max > a.max {
		a.max = b.max
	}
	a.sum += b.sum
	a.count += b.count
}

// metricStore keeps one-minute aggregates, like Kinesis's one-minute
// CloudWatch metrics.
type metricStore struct {
	series      map[metricKey]map[int64]*agg // minute (unix seconds / 60) -> agg
	expiredUpTo int64                        // the cut of the last expiry, so it runs once a minute
}

func newMetricStore() *metricStore {
	return &metricStore{series: map[metricKey]map[int64]*agg{}}
}

func (m *metricStore) add(k metricKey, v float64, at time.Time) {
	min := at.Unix() / 60
	s := m.series[k]
	if s == nil {
		s = map[int64]*agg{}
		m.series[k] = s
	}
	a := s[min]
	if a == nil {
		a = &agg{}
		s[min] = a
	}
	a.add(v)
}

func (m *metricStore) expire(before time.Time) {
	cut := before.Unix() / 60
	if cut <= m.expiredUpTo {
		return
	}
	m.expiredUpTo = cut
	for k, s := range m.series {
		for min := range s {
			if min < cut {
				delete(s, min)
			}
		}
		if len(s) == 0 {
			delete(m.series, k)
		}
	}
}

// shardMetric records a shard-level metric only while it is enabled.
func (m *metricStore) shardMetric(st *stream, sh *shard, name types.MetricsName, v float64, at time.Time) {
	if st.monitoring[name] {
		m.add(metricKey{st.name, sh.id, string(name)}, v, at)
	}
}

func (m *metricStore) addWrite(st *stream, sh *shard, bytes, records, throttled float64, at time.Time) {
	if throttled == 0 {
		m.add(metricKey{st.name, "", mIncomingBytes}, bytes, at)
		m.add(metricKey{st.name, "", mIncomingRecords}, records, at)
		m.shardMetric(st, sh, types.MetricsNameIncomingBytes, bytes, at)
		m.shardMetric(st, sh, types.MetricsNameIncomingRecords, records, at)
	}
	m.add(metricKey{st.name, "", mWriteThrottled}, throttled, at)
	m.shardMetric(st, sh, types.MetricsNameWriteProvisionedThroughputExceeded, throttled, at)
}

func (m *metricStore) addRead(st *stream, sh *shard, bytes, records float64, age time.Duration, throttled bool, at time.Time) {
	if throttled {
		m.add(metricKey{st.name, "", mReadThrottled}, 1, at)
		m.shardMetric(st, sh, types.MetricsNameReadProvisionedThroughputExceeded, 1, at)
		return
	}
	ms := float64(age.Milliseconds())
	m.add(metricKey{st.name, "", mReadThrottled}, 0, at)
	m.add(metricKey{st.name, "", mGetRecordsBytes}, bytes, at)
	m.add(metricKey{st.name, "", mGetRecordsRecords}, records, at)
	m.add(metricKey{st.name, "", mStreamIteratorAge}, ms, at)
	m.shardMetric(st, sh, types.MetricsNameOutgoingBytes, bytes, at)
	m.shardMetric(st, sh, types.MetricsNameOutgoingRecords, records, at)
	m.shardMetric(st, sh, types.MetricsNameIteratorAgeMilliseconds, ms, at)
	m.shardMetric(st, sh, types.MetricsNameReadProvisionedThroughputExceeded, 0, at)
}

// GetMetricData limits and rules, as CloudWatch enforces them.
const maxQueries = 500

var queryIDPattern = regexp.MustCompile(`^[a-z][a-zA-Z0-9_]*$`)

var statistics = []string{"Sum", "Maximum", "Minimum", "Average", "SampleCount"}

// metricsToken continues a GetMetricData answer: Query is the index of the
// next query to answer and Offset the datapoints of it already sent.
type metricsToken struct {
	Query, Offset int
}

// GetMetricData answers MetricStat queries in AWS/Kinesis from the simulated
// traffic. Expressions (metric math) are refused: the simulator does not
// evaluate them.
func (s *Sim) GetMetricData(ctx context.Context, in *cloudwatch.GetMetricDataInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin(ctx, "GetMetricData", ""); err != nil {
		return nil, err
	}
	qs := in.MetricDataQueries
	if len(qs) == 0 {
		return nil, cloudWatchValidation("The parameter MetricDataQueries is required.")
	}
	if len(qs) > maxQueries {
		return nil, cloudWatchValidation("The collection MetricDataQueries must not have a size greater than %d.", maxQueries)
	}
	if in.StartTime == nil || in.EndTime == nil || !in.StartTime.Before(*in.EndTime) {
		return nil, cloudWatchValidation("The parameter StartTime must be less than the parameter EndTime.")
	}
	seen := map[string]bool{}
	for _, q := range qs {
		id := aws.ToString(q.Id)
		if !queryIDPattern.MatchString(id) || len(id) > 255 {
			return nil, cloudWatchValidation("Invalid metric data query id %q: it must start with a lowercase letter and contain only letters, digits and underscores.", id)
		}
		if seen[id] {
			return nil, cloudWatchValidation("The values for parameter id in MetricDataQueries are not unique.")
		}
		seen[id] = true
		if q.Expression != nil {
			return nil, cloudWatchValidation("Query %s: the simulator does not evaluate metric math expressions.", id)
		}
		ms := q.MetricStat
		if ms == nil || ms.Metric == nil || ms.Metric.MetricName == nil {
			return nil, cloudWatchValidation("Query %s: exactly one of MetricStat and Expression must be given.", id)
		}
		p := aws.ToInt32(ms.Period)
		if p < 60 || p%60 != 0 {
			return nil, cloudWatchValidation("Query %s: the Period must be a multiple of 60 for standard-resolution metrics (got %d).", id, p)
		}
		if !slices.Contains(statistics, aws.ToString(ms.Stat)) {
			return nil, cloudWatchValidation("Query %s: unsupported Stat %q.", id, aws.ToString(ms.Stat))
		}
	}

	var tok metricsToken
	if in.NextToken != nil {
		b, err := base64.RawURLEncoding.DecodeString(*in.NextToken)
		if err != nil || json.Unmarshal(b, &tok) != nil || tok.Query >= len(qs) {
			return nil, &cwtypes.InvalidNextToken{Message: aws.String("The service returned an invalid NextToken.")}
		}
	}
	budget := s.opts.MaxDatapointsPerPage
	if in.MaxDatapoints != nil && int(*in.MaxDatapoints) < budget {
		budget = int(*in.MaxDatapoints)
	}
	ascending := in.ScanBy == cwtypes.ScanByTimestampAscending
	out := &cloudwatch.GetMetricDataOutput{}
	for qi := tok.Query; qi < len(qs); qi++ {
		q := qs[qi]
		ts, vs := s.answer(q.MetricStat, *in.StartTime, *in.EndTime, ascending)
		offset := 0
		if qi == tok.Query {
			offset = tok.Offset
		}
		ts, vs = ts[offset:], vs[offset:]
		res := cwtypes.MetricDataResult{Id: q.Id, Label: q.Label, StatusCode: cwtypes.StatusCodeComplete}
		if res.Label == nil {
			res.Label = q.MetricStat.Metric.MetricName
		}
		n := min(len(ts), budget)
		res.Timestamps, res.Values = ts[:n], vs[:n]
		budget -= n
		if n < len(ts) {
			res.StatusCode = cwtypes.StatusCodePartialData
			b, _ := json.Marshal(metricsToken{Query: qi, Offset: offset + n})
			out.NextToken = aws.String(base64.RawURLEncoding.EncodeToString(b))
		}
		if q.ReturnData == nil || *q.ReturnData {
			out.MetricDataResults = append(out.MetricDataResults, res)
		}
		if out.NextToken != nil {
			break
		}
		if budget == 0 && qi+1 < len(qs) {
			b, _ := json.Marshal(metricsToken{Query: qi + 1})
			out.NextToken = aws.String(base64.RawURLEncoding.EncodeToString(b))
			break
		}
	}
	return out, nil
}

// answer aggregates one metric into periods aligned to multiples of the
// period; periods without data are left out, as CloudWatch does.
func (s *Sim) answer(ms *cwtypes.MetricStat, start, end time.Time, ascending bool) ([]time.Time, []float64) {
	if aws.ToString(ms.Metric.Namespace) != namespace {
		return []time.Time{}, []float64{}
	}
	var streamName, shardID string
	for _, d := range ms.Metric.Dimensions {
		switch aws.ToString(d.Name) {
		case "StreamName":
			streamName = aws.ToString(d.Value)
		case "ShardId":
			shardID = aws.ToString(d.Value)
		default:
			return []time.Time{}, []float64{}
		}
	}
	series := s.metrics.series[metricKey{streamName, shardID, aws.ToString(ms.Metric.MetricName)}]
	period := int64(aws.ToInt32(ms.Period))
	first := start.Unix() / period * period
	var ts []time.Time
	var vs []float64
	for p := first; p < end.Unix(); p += period {
		var a agg
		for min := p / 60; min < (p+period)/60; min++ {
			if b := series[min]; b != nil {
				a.merge(*b)
			}
		}
		if a.count == 0 {
			continue
		}
		ts = append(ts, time.Unix(p, 0).UTC())
		vs = append(vs, statistic(a, aws.ToString(ms.Stat)))
	}
	if !ascending {
		slices.Reverse(ts)
		slices.Reverse(vs)
	}
	if ts == nil {
		return []time.Time{}, []float64{}
	}
	return ts, vs
}

func statistic(a agg, stat string) float64 {
	switch stat {
	case "Sum":
		return a.sum
	case "Maximum":
		return a.max
	case "Minimum":
		return a.min
	case "Average":
		return a.sum / a.count
	case "SampleCount":
		return a.count
	}
	return math.NaN()
}
