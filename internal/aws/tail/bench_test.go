package tail_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/opsconsole/opsconsole/internal/aws"
	"github.com/opsconsole/opsconsole/internal/aws/analysis"
	"github.com/opsconsole/opsconsole/internal/aws/tail"
	"github.com/opsconsole/opsconsole/internal/decode"
	"github.com/opsconsole/opsconsole/internal/decode/encode"
)

// fullShards is an in-process Kinesis serving n open shards, each of whose
// GetRecords answers holds one second of a shard's full read limit: 2 MiB
// of gzip'd CloudWatch Logs envelopes of ECS JSON logs. Only the three
// calls the tail makes are implemented.
type fullShards struct {
	aws.KinesisAPI // nil: any other call panics
	shards         []types.Shard
	page           *kinesis.GetRecordsOutput
	eventsPerPage  int
	rawPerPage     int
}

func newFullShards(n int, rnd *rand.Rand) *fullShards {
	f := &fullShards{}
	for i, r := range analysis.UniformRanges(n) {
		f.shards = append(f.shards, types.Shard{
			ShardId:             sdkaws.String(fmt.Sprintf("shardId-%012d", i)),
			HashKeyRange:        &types.HashKeyRange{StartingHashKey: sdkaws.String(r.Start.String()), EndingHashKey: sdkaws.String(r.End.String())},
			SequenceNumberRange: &types.SequenceNumberRange{StartingSequenceNumber: sdkaws.String("49590338271490256608559692538361571095921575989136588898")},
		})
	}
	page := &kinesis.GetRecordsOutput{MillisBehindLatest: sdkaws.Int64(0)}
	size := 0
	arrival := time.Date(2025, 5, 6, 7, 0, 0, 0, time.UTC)
	for seq := 0; size < analysis.ShardReadBytesPerSec; seq++ {
		env := benchEnvelope(rnd, arrival, 50)
		data := encode.CWLEnvelope(env)
		if size+len(data) > analysis.ShardReadBytesPerSec {
			break
		}
		size += len(data)
		f.eventsPerPage += len(env.LogEvents)
		f.rawPerPage += len(env.JSON())
		page.Records = append(page.Records, types.Record{
			Data: data, PartitionKey: sdkaws.String(env.LogStream),
			SequenceNumber:              sdkaws.String(fmt.Sprintf("4959033827149025660855969253836157109592157598913%07d", seq)),
			ApproximateArrivalTimestamp: sdkaws.Time(arrival),
		})
	}
	f.page = page
	return f
}

// benchEnvelope is one subscription record of n ECS lines from a busy
// service: the usual repetition of log lines, with the ids, durations and
// addresses that make real logs compress about 8:1 rather than 20:1.
func benchEnvelope(rnd *rand.Rand, t time.Time, n int) encode.Envelope {
	env := encode.Envelope{Owner: "210987654321", LogGroup: "/ecs/checkout-api",
		LogStream: fmt.Sprintf("ecs/checkout-api/%032x", rnd.Uint64()), SubscriptionFilters: []string{"app-logs-to-kinesis"}}
	for i := range n {
		ts := t.Add(time.Duration(i*37) * time.Millisecond)
		level, msg := "info", fmt.Sprintf("GET /api/cart/%d 200 in %dms", rnd.IntN(100000), rnd.IntN(400))
		switch rnd.IntN(10) {
		case 0, 1:
			level, msg = "error", fmt.Sprintf("payment-gateway request failed: context deadline exceeded after 3000ms (order %d)", 40000+rnd.IntN(60000))
		case 2:
			level, msg = "warn", fmt.Sprintf("slow query on orders table: %dms from 10.0.%d.%d:5432", rnd.IntN(900), rnd.IntN(255), rnd.IntN(255))
		}
		env.LogEvents = append(env.LogEvents, encode.LogEvent{Timestamp: ts, Message: encode.ECSLog{
			Timestamp: ts, Level: level, Message: msg, Service: "checkout-api",
			Function: "main.(*Server).handle", File: "server.go", Line: 212,
			Extra: map[string]any{"trace.id": fmt.Sprintf("%016x%016x", rnd.Uint64(), rnd.Uint64()), "http.response.status_code": 200},
		}.JSON()})
	}
	return env
}

func (f *fullShards) ListShards(context.Context, *kinesis.ListShardsInput, ...func(*kinesis.Options)) (*kinesis.ListShardsOutput, error) {
	return &kinesis.ListShardsOutput{Shards: f.shards}, nil
}

func (f *fullShards) GetShardIterator(_ context.Context, in *kinesis.GetShardIteratorInput, _ ...func(*kinesis.Options)) (*kinesis.GetShardIteratorOutput, error) {
	return &kinesis.GetShardIteratorOutput{ShardIterator: in.ShardId}, nil
}

func (f *fullShards) GetRecords(_ context.Context, in *kinesis.GetRecordsInput, _ ...func(*kinesis.Options)) (*kinesis.GetRecordsOutput, error) {
	out := *f.page
	out.NextShardIterator = in.ShardIterator
	return &out, nil
}

// fastClock is a clock whose Sleep returns at once after moving time on:
// the benchmark measures the CPU the tail needs, not the waiting.
type fastClock struct{ ns atomic.Int64 }

func (c *fastClock) Now() time.Time { return time.Unix(0, c.ns.Load()) }
func (c *fastClock) Sleep(ctx context.Context, d time.Duration) error {
	c.ns.Add(int64(d))
	return ctx.Err()
}

// BenchmarkTail8ShardsFullReadLimit: can the tail keep up with 8 shards at
// their full 2 MiB/s read limit? One op is one second of such a stream: 8
// GetRecords answers of 2 MiB of gzip'd CloudWatch Logs envelopes, read,
// paced, decoded and handed to a consumer. Run with -cpu 1 for one core;
// MiB/s is compressed record bytes read and decoded (what the read limit
// counts): the tail keeps up when it exceeds 16 MiB/s.
func BenchmarkTail8ShardsFullReadLimit(b *testing.B) {
	const shards = 8
	f := newFullShards(shards, rand.New(rand.NewPCG(1, 2)))
	pageBytes := 0
	for _, r := range f.page.Records {
		pageBytes += len(r.Data)
	}
	clk := &fastClock{}
	backend := aws.NewBackend(f, nil, aws.Options{Now: clk.Now, Sleep: clk.Sleep})
	b.SetBytes(int64(shards * pageBytes))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	tl, err := tail.Start(context.Background(), backend, "app-logs", tail.Options{Now: clk.Now, Sleep: clk.Sleep, QueueEvents: 1 << 20})
	if err != nil {
		b.Fatal(err)
	}
	// Readers run ahead of the consumer (nothing waits on this clock), so
	// the work is what they read and decoded, not what was consumed.
	want := int64(b.N) * shards * int64(pageBytes)
	dropped := 0
	for tl.Stats().Bytes < want {
		bt, ok := tl.Next(context.Background())
		if !ok {
			b.Fatalf("tail ended: %v", bt.Err)
		}
		dropped += bt.Dropped
	}
	elapsed := time.Since(start)
	st := tl.Stats()
	b.StopTimer()
	tl.Stop()
	secs := elapsed.Seconds()
	b.ReportMetric(float64(st.Events)/secs, "events/s")
	b.ReportMetric(float64(st.Bytes)/float64(pageBytes)*float64(f.rawPerPage)/secs/1e6, "json-MB/s")
	b.ReportMetric(float64(st.Bytes)/secs/(1<<20), "MiB/s")
	b.ReportMetric(float64(f.rawPerPage)/float64(pageBytes), "gzip-ratio")
	b.ReportMetric(float64(dropped), "dropped")
}

// BenchmarkDecodeOnly8Shards decodes the same second of 8 shards without
// the tail (no pacing, no hand-over), on one goroutine: the ceiling the
// tail's own overhead is measured against.
func BenchmarkDecodeOnly8Shards(b *testing.B) {
	const shards = 8
	f := newFullShards(shards, rand.New(rand.NewPCG(1, 2)))
	pageBytes := 0
	for _, r := range f.page.Records {
		pageBytes += len(r.Data)
	}
	d := decode.NewDecoder(decode.Options{})
	b.SetBytes(int64(shards * pageBytes))
	b.ReportAllocs()
	for b.Loop() {
		for range shards {
			evs := make([]decode.Event, 0, f.eventsPerPage)
			for _, r := range f.page.Records {
				evs, _ = d.Decode(decode.Record{Data: r.Data, PartitionKey: *r.PartitionKey, SequenceNumber: *r.SequenceNumber,
					ArrivalTime: *r.ApproximateArrivalTimestamp}, evs)
			}
		}
	}
}
