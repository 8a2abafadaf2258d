package kinesissim

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/opsconsole/opsconsole/internal/sim/simclock"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

func mq(id, metric, stat string, period int32, dims ...string) cwtypes.MetricDataQuery {
	var ds []cwtypes.Dimension
	for i := 0; i+1 < len(dims); i += 2 {
		ds = append(ds, cwtypes.Dimension{Name: aws.String(dims[i]), Value: aws.String(dims[i+1])})
	}
	return cwtypes.MetricDataQuery{Id: aws.String(id), MetricStat: &cwtypes.MetricStat{
		Metric: &cwtypes.Metric{Namespace: aws.String("AWS/Kinesis"), MetricName: aws.String(metric), Dimensions: ds},
		Period: aws.Int32(period), Stat: aws.String(stat)}}
}

func TestGetMetricDataFromTraffic(t *testing.T) {
	s, clk := newTestSim(t)
	s.opts.DisableReadLimits = true
	create(t, s, clk, "st", 2)
	ctx := context.Background()
	if _, err := s.EnableEnhancedMonitoring(ctx, &kinesis.EnableEnhancedMonitoringInput{StreamName: aws.String("st"),
		ShardLevelMetrics: []types.MetricsName{types.MetricsNameIncomingBytes}}); err != nil {
		t.Fatal(err)
	}
	start := clk.Now().Truncate(time.Minute)
	clk.Advance(start.Add(time.Minute).Sub(clk.Now())) // to a minute boundary
	// Minute 1: three 100-byte records (pk "a" is 1 byte). Minute 2: one.
	for range 3 {
		put(t, s, "st", "a", strings.Repeat("x", 99))
	}
	clk.Advance(time.Minute)
	put(t, s, "st", "a", strings.Repeat("x", 99))
	it := iter(t, s, "st", "shardId-000000000000", types.ShardIteratorTypeTrimHorizon, "", nil)
	clk.Advance(30 * time.Second)
	if _, err := s.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: aws.String(it)}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	end := clk.Now()
	out, err := s.GetMetricData(ctx, &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(start), EndTime: aws.Time(end), ScanBy: cwtypes.ScanByTimestampAscending,
		MetricDataQueries: []cwtypes.MetricDataQuery{
			mq("bytes", "IncomingBytes", "Sum", 60, "StreamName", "st"),
			mq("recs", "IncomingRecords", "Sum", 120, "StreamName", "st"),
			mq("age", "GetRecords.IteratorAgeMilliseconds", "Maximum", 60, "StreamName", "st"),
			mq("shard", "IncomingBytes", "Sum", 60, "StreamName", "st", "ShardId", "shardId-000000000000"),
			mq("off", "IncomingRecords", "Sum", 60, "StreamName", "st", "ShardId", "shardId-000000000000"),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range out.MetricDataResults {
		got[*r.Id] = fmt.Sprint(r.Values)
	}
	want := map[string]string{
		"bytes": "[300 100]", // one-minute sums
		"recs":  "[3 1]",     // 120-s periods aligned to the epoch: 10:00-10:02, 10:02-10:04
		"age":   "[30000]",   // the newest record returned was 30 s old
		"shard": "[300 100]", // enabled shard-level metric
		"off":   "[]",        // not enabled: no datapoints
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("results %v\nwant %v", got, want)
	}
}

func TestGetMetricDataRulesAndPagination(t *testing.T) {
	s, clk := newTestSim(t)
	create(t, s, clk, "st", 1)
	ctx := context.Background()
	now := clk.Now()
	call := func(qs []cwtypes.MetricDataQuery) error {
		_, err := s.GetMetricData(ctx, &cloudwatch.GetMetricDataInput{StartTime: aws.Time(now.Add(-time.Hour)), EndTime: aws.Time(now), MetricDataQueries: qs})
		return err
	}
	var many []cwtypes.MetricDataQuery
	for i := range 501 {
		many = append(many, mq(fmt.Sprintf("q%d", i), "IncomingBytes", "Sum", 60, "StreamName", "st"))
	}
	for name, c := range map[string]struct {
		qs   []cwtypes.MetricDataQuery
		want string
	}{
		"over 500":     {many, "must not have a size greater than 500"},
		"bad id":       {[]cwtypes.MetricDataQuery{mq("In", "IncomingBytes", "Sum", 60)}, "must start with a lowercase letter"},
		"duplicate id": {[]cwtypes.MetricDataQuery{mq("a", "IncomingBytes", "Sum", 60), mq("a", "IncomingBytes", "Sum", 60)}, "not unique"},
		"bad period":   {[]cwtypes.MetricDataQuery{mq("a", "IncomingBytes", "Sum", 90)}, "multiple of 60"},
		"bad stat":     {[]cwtypes.MetricDataQuery{mq("a", "IncomingBytes", "p99.9x", 60)}, "unsupported Stat"},
	} {
		if err := call(c.qs); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := call(many[:500]); err != nil {
		t.Errorf("500 queries: %v", err)
	}

	// Pagination: at most 3 datapoints per page.
	s.opts.MaxDatapointsPerPage = 3
	for range 5 {
		put(t, s, "st", "k", "x")
		clk.Advance(time.Minute)
	}
	in := &cloudwatch.GetMetricDataInput{StartTime: aws.Time(clk.Now().Add(-time.Hour)), EndTime: aws.Time(clk.Now()),
		MetricDataQueries: []cwtypes.MetricDataQuery{mq("a", "IncomingRecords", "Sum", 60, "StreamName", "st"), mq("b", "IncomingBytes", "Sum", 60, "StreamName", "st")}}
	total, pages := map[string]int{}, 0
	for {
		out, err := s.GetMetricData(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, r := range out.MetricDataResults {
			total[*r.Id] += len(r.Values)
		}
		if out.NextToken == nil {
			break
		}
		in.NextToken = out.NextToken
	}
	if total["a"] != 5 || total["b"] != 5 || pages != 4 {
		t.Errorf("paged results %v in %d pages", total, pages)
	}
}

func TestDemoIsDeterministicAndAlive(t *testing.T) {
	read := func(s *Sim, clk *simclock.Clock) string {
		out, err := s.GetMetricData(context.Background(), &cloudwatch.GetMetricDataInput{
			StartTime: aws.Time(clk.Now().Add(-10 * time.Minute)), EndTime: aws.Time(clk.Now().Truncate(time.Minute)),
			MetricDataQueries: []cwtypes.MetricDataQuery{mq("a", "IncomingBytes", "Sum", 60, "StreamName", DemoAppLogs)}})
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(out.MetricDataResults[0].Values)
	}
	at := time.Date(2025, 6, 1, 9, 30, 0, 0, time.UTC)
	c1, c2 := simclock.New(at), simclock.New(at)
	d1, d2 := NewDemo(Options{Now: c1.Now}), NewDemo(Options{Now: c2.Now})
	first := read(d1, c1)
	if first != read(d2, c2) {
		t.Error("two demo fleets at the same clock differ")
	}
	c1.Advance(5 * time.Minute)
	if read(d1, c1) == first {
		t.Error("demo metrics did not move in five minutes")
	}
}
