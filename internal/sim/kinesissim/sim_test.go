package kinesissim

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/opsconsole/opsconsole/internal/sim/simclock"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/opsconsole/opsconsole/internal/aws/analysis"
)

var t0 = time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)

func newTestSim(t *testing.T) (*Sim, *simclock.Clock) {
	t.Helper()
	clk := simclock.New(t0)
	return New(Options{Now: clk.Now}), clk
}

// create makes an ACTIVE provisioned stream with n shards.
func create(t *testing.T, s *Sim, clk *simclock.Clock, name string, n int) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(int32(n))}); err != nil {
		t.Fatal(err)
	}
	if st := status(t, s, name); st != types.StreamStatusCreating {
		t.Fatalf("new stream is %s, want CREATING", st)
	}
	clk.Advance(s.opts.CreateDelay)
	if st := status(t, s, name); st != types.StreamStatusActive {
		t.Fatalf("stream is %s after the create delay", st)
	}
}

func status(t *testing.T, s *Sim, name string) types.StreamStatus {
	t.Helper()
	out, err := s.DescribeStreamSummary(context.Background(), &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return out.StreamDescriptionSummary.StreamStatus
}

func allShards(t *testing.T, s *Sim, name string) []types.Shard {
	t.Helper()
	var out []types.Shard
	in := &kinesis.ListShardsInput{StreamName: aws.String(name)}
	for {
		page, err := s.ListShards(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page.Shards...)
		if page.NextToken == nil {
			return out
		}
		in = &kinesis.ListShardsInput{NextToken: page.NextToken}
	}
}

func openRanges(t *testing.T, shards []types.Shard) []string {
	t.Helper()
	var out []analysis.Shard
	for _, sh := range shards {
		r, err := analysis.ParseHashRange(*sh.HashKeyRange.StartingHashKey, *sh.HashKeyRange.EndingHashKey)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, analysis.Shard{ID: *sh.ShardId, Range: r, EndingSequence: aws.ToString(sh.SequenceNumberRange.EndingSequenceNumber)})
	}
	var s []string
	for _, sh := range analysis.OpenShards(out) {
		s = append(s, sh.Range.Start.String())
	}
	return s
}

func TestListShardsPaginationTokenRulesAndExpiry(t *testing.T) {
	s, clk := newTestSim(t)
	create(t, s, clk, "big", 25)
	ctx := context.Background()
	page, err := s.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String("big"), MaxResults: aws.Int32(10)})
	if err != nil || len(page.Shards) != 10 || page.NextToken == nil {
		t.Fatalf("first page: %v, %d shards", err, len(page.Shards))
	}
	var bad *types.InvalidArgumentException
	if _, err := s.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String("big"), NextToken: page.NextToken}); !errors.As(err, &bad) {
		t.Errorf("StreamName with NextToken: %v", err)
	}
	if got := len(allShards(t, s, "big")); got != 25 {
		t.Errorf("listed %d shards", got)
	}
	clk.Advance(5*time.Minute + time.Second)
	var expired *types.ExpiredNextTokenException
	if _, err := s.ListShards(ctx, &kinesis.ListShardsInput{NextToken: page.NextToken}); !errors.As(err, &expired) {
		t.Errorf("expired token: %v", err)
	}
	// AT_LATEST lists open shards only; AFTER_SHARD_ID skips.
	out, err := s.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String("big"),
		ShardFilter: &types.ShardFilter{Type: types.ShardFilterTypeAfterShardId, ShardId: aws.String("shardId-000000000020")}})
	if err != nil || len(out.Shards) != 4 {
		t.Errorf("AFTER_SHARD_ID: %v, %d", err, len(out.Shards))
	}
}

func TestUniformScalingThroughUpdatingWithLineage(t *testing.T) {
	for _, c := range []struct{ from, to int }{{4, 8}, {4, 5}, {4, 2}, {3, 5}, {6, 3}} {
		t.Run(fmt.Sprintf("%d-to-%d", c.from, c.to), func(t *testing.T) {
			s, clk := newTestSim(t)
			create(t, s, clk, "st", c.from)
			out, err := s.UpdateShardCount(context.Background(), &kinesis.UpdateShardCountInput{StreamName: aws.String("st"),
				TargetShardCount: aws.Int32(int32(c.to)), ScalingType: types.ScalingTypeUniformScaling})
			if err != nil || aws.ToInt32(out.CurrentShardCount) != int32(c.from) {
				t.Fatalf("UpdateShardCount: %v", err)
			}
			if st := status(t, s, "st"); st != types.StreamStatusUpdating {
				t.Fatalf("status %s", st)
			}
			if got := len(openRanges(t, allShards(t, s, "st"))); got != c.from {
				t.Errorf("%d open shards while UPDATING, want the old %d", got, c.from)
			}
			clk.Advance(s.opts.UpdateDelay)
			if st := status(t, s, "st"); st != types.StreamStatusActive {
				t.Fatalf("status %s", st)
			}
			shards := allShards(t, s, "st")
			var want []string
			for _, r := range analysis.UniformRanges(c.to) {
				want = append(want, r.Start.String())
			}
			if got := openRanges(t, shards); strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("open ranges %v, want uniform %v", got, want)
			}
			// Every shard that is not an original has parents in the listing,
			// and every closed shard has an ending sequence number above its start.
			ids := map[string]bool{}
			for _, sh := range shards {
				ids[*sh.ShardId] = true
			}
			for _, sh := range shards {
				if sh.ParentShardId != nil && !ids[*sh.ParentShardId] {
					t.Errorf("%s has unknown parent %s", *sh.ShardId, *sh.ParentShardId)
				}
				if e := sh.SequenceNumberRange.EndingSequenceNumber; e != nil && *e <= *sh.SequenceNumberRange.StartingSequenceNumber {
					t.Errorf("%s ends before it starts", *sh.ShardId)
				}
			}
		})
	}
}

func TestReshardRulesAreEnforced(t *testing.T) {
	s, clk := newTestSim(t)
	create(t, s, clk, "st", 4)
	ctx := context.Background()
	upd := func(n int) error {
		_, err := s.UpdateShardCount(ctx, &kinesis.UpdateShardCountInput{StreamName: aws.String("st"),
			TargetShardCount: aws.Int32(int32(n)), ScalingType: types.ScalingTypeUniformScaling})
		return err
	}
	for _, n := range []int{1, 9, 4, 0} {
		if err := upd(n); err == nil {
			t.Errorf("target %d accepted", n)
		}
	}
	if err := upd(5); err != nil {
		t.Fatal(err)
	}
	var inUseErr *types.ResourceInUseException
	if err := upd(6); !errors.As(err, &inUseErr) {
		t.Errorf("second reshard while UPDATING: %v", err)
	}
	// Ten scalings per rolling 24 hours.
	n := 5
	for i := 1; i < 10; i++ {
		clk.Advance(s.opts.UpdateDelay)
		n = map[int]int{5: 6, 6: 5}[n]
		if err := upd(n); err != nil {
			t.Fatalf("scaling %d: %v", i+1, err)
		}
	}
	clk.Advance(s.opts.UpdateDelay)
	var limit *types.LimitExceededException
	if err := upd(4); !errors.As(err, &limit) {
		t.Errorf("11th scaling in 24h: %v", err)
	}
	clk.Advance(24 * time.Hour)
	if err := upd(4); err != nil {
		t.Errorf("after 24h: %v", err)
	}
	// On-demand streams refuse UpdateShardCount.
	if _, err := s.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("od"),
		StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	var v *types.ValidationException
	if _, err := s.UpdateShardCount(ctx, &kinesis.UpdateShardCountInput{StreamName: aws.String("od"),
		TargetShardCount: aws.Int32(8), ScalingType: types.ScalingTypeUniformScaling}); !errors.As(err, &v) {
		t.Errorf("on-demand UpdateShardCount: %v", err)
	}
}

func TestSplitAndMerge(t *testing.T) {
	s, clk := newTestSim(t)
	create(t, s, clk, "st", 2)
	ctx := context.Background()
	half := analysis.UniformRanges(2)[1].Start
	for _, at := range []string{"0", half.Dec().String(), "340282366920938463463374607431768211456"} {
		if _, err := s.SplitShard(ctx, &kinesis.SplitShardInput{StreamName: aws.String("st"),
			ShardToSplit: aws.String("shardId-000000000000"), NewStartingHashKey: aws.String(at)}); err == nil && at != half.Dec().String() {
			t.Errorf("split at %s accepted", at)
		}
		if at == half.Dec().String() {
			break
		}
	}
	clk.Advance(s.opts.UpdateDelay)
	shards := allShards(t, s, "st")
	if len(shards) != 4 || aws.ToString(shards[2].ParentShardId) != "shardId-000000000000" ||
		*shards[3].HashKeyRange.StartingHashKey != half.Dec().String() || *shards[3].HashKeyRange.EndingHashKey != half.Dec().String() {
		t.Fatalf("after split at the last key: %+v", shards)
	}
	// Merge the one-key child with shard 1 (adjacent), given in reverse order.
	if _, err := s.MergeShards(ctx, &kinesis.MergeShardsInput{StreamName: aws.String("st"),
		ShardToMerge: aws.String("shardId-000000000001"), AdjacentShardToMerge: aws.String("shardId-000000000003")}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(s.opts.UpdateDelay)
	var notAdj *types.InvalidArgumentException
	if _, err := s.MergeShards(ctx, &kinesis.MergeShardsInput{StreamName: aws.String("st"),
		ShardToMerge: aws.String("shardId-000000000002"), AdjacentShardToMerge: aws.String("shardId-000000000002")}); err == nil {
		t.Error("merged a shard with itself")
	} else if !errors.As(err, &notAdj) {
		t.Logf("self merge: %v", err)
	}
	shards = allShards(t, s, "st")
	last := shards[len(shards)-1]
	if aws.ToString(last.ParentShardId) != "shardId-000000000001" || aws.ToString(last.AdjacentParentShardId) != "shardId-000000000003" ||
		*last.HashKeyRange.StartingHashKey != half.Dec().String() || *last.HashKeyRange.EndingHashKey != analysis.MaxHashKey.String() {
		t.Errorf("merge child %+v %+v", last, last.HashKeyRange)
	}
	var inUseErr *types.ResourceInUseException
	if _, err := s.SplitShard(ctx, &kinesis.SplitShardInput{StreamName: aws.String("st"),
		ShardToSplit: aws.String("shardId-000000000001"), NewStartingHashKey: aws.String(analysis.MaxHashKey.String())}); !errors.As(err, &inUseErr) {
		t.Errorf("splitting a closed shard: %v", err)
	}
}

func put(t *testing.T, s *Sim, stream, pk, data string) *kinesis.PutRecordOutput {
	t.Helper()
	out, err := s.PutRecord(context.Background(), &kinesis.PutRecordInput{StreamName: aws.String(stream), PartitionKey: aws.String(pk), Data: []byte(data)})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func iter(t *testing.T, s *Sim, stream, shard string, typ types.ShardIteratorType, seq string, ts *time.Time) string {
	t.Helper()
	in := &kinesis.GetShardIteratorInput{StreamName: aws.String(stream), ShardId: aws.String(shard), ShardIteratorType: typ, Timestamp: ts}
	if seq != "" {
		in.StartingSequenceNumber = aws.String(seq)
	}
	out, err := s.GetShardIterator(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return *out.ShardIterator
}

func TestRoutingByMD5AndIteratorTypes(t *testing.T) {
	s, clk := newTestSim(t)
	s.opts.DisableReadLimits = true
	create(t, s, clk, "st", 4)
	// MD5("a") = 0cc175b9c0f1b6a831c399e269772661 -> first quarter;
	// MD5("b") = 92eb5ffee6ae2fec3ad71c777531578f -> third quarter.
	if got := put(t, s, "st", "a", "x"); *got.ShardId != "shardId-000000000000" {
		t.Errorf("key a went to %s", *got.ShardId)
	}
	if got := put(t, s, "st", "b", "x"); *got.ShardId != "shardId-000000000002" {
		t.Errorf("key b went to %s", *got.ShardId)
	}
	ehk := analysis.UniformRanges(4)[3].Start.String()
	out, err := s.PutRecord(context.Background(), &kinesis.PutRecordInput{StreamName: aws.String("st"), PartitionKey: aws.String("a"),
		ExplicitHashKey: aws.String(ehk), Data: []byte("e")})
	if err != nil || *out.ShardId != "shardId-000000000003" {
		t.Errorf("explicit hash key: %v %v", out, err)
	}

	const sh = "shardId-000000000000"
	var seqs []string
	for i := range 5 {
		clk.Advance(time.Second)
		seqs = append(seqs, *put(t, s, "st", "a", fmt.Sprint(i)).SequenceNumber)
	}
	for i := 1; i < len(seqs); i++ {
		if seqs[i] <= seqs[i-1] || len(seqs[i]) != len(seqs[i-1]) {
			t.Fatalf("sequence numbers do not grow: %v", seqs)
		}
	}
	read := func(it string, limit int32) (*kinesis.GetRecordsOutput, []string) {
		out, err := s.GetRecords(context.Background(), &kinesis.GetRecordsInput{ShardIterator: aws.String(it), Limit: aws.Int32(limit)})
		if err != nil {
			t.Fatal(err)
		}
		var data []string
		for _, r := range out.Records {
			data = append(data, string(r.Data))
		}
		return out, data
	}
	_, d := read(iter(t, s, "st", sh, types.ShardIteratorTypeTrimHorizon, "", nil), 100)
	if strings.Join(d, "") != "x01234" {
		t.Errorf("TRIM_HORIZON read %v", d)
	}
	_, d = read(iter(t, s, "st", sh, types.ShardIteratorTypeAtSequenceNumber, seqs[2], nil), 100)
	if strings.Join(d, "") != "234" {
		t.Errorf("AT_SEQUENCE_NUMBER read %v", d)
	}
	_, d = read(iter(t, s, "st", sh, types.ShardIteratorTypeAfterSequenceNumber, seqs[2], nil), 100)
	if strings.Join(d, "") != "34" {
		t.Errorf("AFTER_SEQUENCE_NUMBER read %v", d)
	}
	ts := t0.Add(s.opts.CreateDelay + 3*time.Second)
	_, d = read(iter(t, s, "st", sh, types.ShardIteratorTypeAtTimestamp, "", &ts), 100)
	if strings.Join(d, "") != "234" {
		t.Errorf("AT_TIMESTAMP read %v", d)
	}
	latest := iter(t, s, "st", sh, types.ShardIteratorTypeLatest, "", nil)
	put(t, s, "st", "a", "new")
	_, d = read(latest, 100)
	if strings.Join(d, "") != "new" {
		t.Errorf("LATEST read %v", d)
	}
	// Limit and MillisBehindLatest.
	clk.Advance(10 * time.Second)
	gr, d := read(iter(t, s, "st", sh, types.ShardIteratorTypeTrimHorizon, "", nil), 2)
	if strings.Join(d, "") != "x0" || aws.ToInt64(gr.MillisBehindLatest) != 13000 {
		t.Errorf("limited read %v, behind %d", d, aws.ToInt64(gr.MillisBehindLatest))
	}
	if _, err := s.GetShardIterator(context.Background(), &kinesis.GetShardIteratorInput{StreamName: aws.String("st"), ShardId: aws.String(sh),
		ShardIteratorType: types.ShardIteratorTypeAtSequenceNumber, StartingSequenceNumber: aws.String("12")}); err == nil {
		t.Error("a malformed sequence number was accepted")
	}
}

func TestIteratorsExpireAndClosedShardsNameChildren(t *testing.T) {
	s, clk := newTestSim(t)
	s.opts.DisableReadLimits = true
	create(t, s, clk, "st", 1)
	put(t, s, "st", "k", "before")
	it := iter(t, s, "st", "shardId-000000000000", types.ShardIteratorTypeTrimHorizon, "", nil)
	clk.Advance(5*time.Minute + time.Millisecond)
	var expired *types.ExpiredIteratorException
	if _, err := s.GetRecords(context.Background(), &kinesis.GetRecordsInput{ShardIterator: aws.String(it)}); !errors.As(err, &expired) {
		t.Fatalf("5-minute-old iterator: %v", err)
	}
	it = iter(t, s, "st", "shardId-000000000000", types.ShardIteratorTypeTrimHorizon, "", nil)
	if _, err := s.UpdateShardCount(context.Background(), &kinesis.UpdateShardCountInput{StreamName: aws.String("st"),
		TargetShardCount: aws.Int32(2), ScalingType: types.ScalingTypeUniformScaling}); err != nil {
		t.Fatal(err)
	}
	put(t, s, "st", "k", "during") // UPDATING streams still take writes, into the parent
	clk.Advance(s.opts.UpdateDelay)
	out, err := s.GetRecords(context.Background(), &kinesis.GetRecordsInput{ShardIterator: aws.String(it), Limit: aws.Int32(1)})
	if err != nil || len(out.Records) != 1 || out.NextShardIterator == nil {
		t.Fatalf("first read of the closed parent: %v %+v", err, out)
	}
	out, err = s.GetRecords(context.Background(), &kinesis.GetRecordsInput{ShardIterator: out.NextShardIterator})
	if err != nil || len(out.Records) != 1 || string(out.Records[0].Data) != "during" {
		t.Fatalf("second read: %v %+v", err, out)
	}
	if out.NextShardIterator != nil || len(out.ChildShards) != 2 || out.ChildShards[0].ParentShards[0] != "shardId-000000000000" {
		t.Errorf("end of closed shard: next %v children %+v", out.NextShardIterator, out.ChildShards)
	}
}

func TestReadAndWriteLimits(t *testing.T) {
	s, clk := newTestSim(t)
	create(t, s, clk, "st", 1)
	ctx := context.Background()
	var thr *types.ProvisionedThroughputExceededException
	it := iter(t, s, "st", "shardId-000000000000", types.ShardIteratorTypeLatest, "", nil)
	for i := range 5 {
		if _, err := s.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: aws.String(it)}); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
	}
	if _, err := s.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: aws.String(it)}); !errors.As(err, &thr) {
		t.Fatalf("sixth call in a second: %v", err)
	}
	clk.Advance(time.Second)
	// 1,000 records/s per shard in.
	big := strings.Repeat("x", 1000)
	accepted := 0
	for range 1100 {
		if _, err := s.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("st"), PartitionKey: aws.String("k"), Data: []byte(big[:10])}); err == nil {
			accepted++
		} else if !errors.As(err, &thr) {
			t.Fatal(err)
		}
	}
	if accepted != 1000 {
		t.Errorf("accepted %d records in one second", accepted)
	}
	clk.Advance(time.Second)
	// 2 MiB/s out, with one second of burst: a 4 MiB read leaves the shard
	// 2 MiB in debt, so it is blocked for the next second.
	for range 4 {
		recs := make([]types.PutRecordsRequestEntry, 1)
		recs[0] = types.PutRecordsRequestEntry{PartitionKey: aws.String("k"), Data: make([]byte, 1<<20-1)}
		if out, err := s.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String("st"), Records: recs}); err != nil || *out.FailedRecordCount != 0 {
			t.Fatalf("put 1 MiB: %v", err)
		}
		clk.Advance(time.Second)
	}
	it = iter(t, s, "st", "shardId-000000000000", types.ShardIteratorTypeAtTimestamp, "", aws.Time(clk.Now().Add(-4*time.Second)))
	if _, err := s.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: aws.String(it)}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(900 * time.Millisecond)
	if _, err := s.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: aws.String(it)}); !errors.As(err, &thr) {
		t.Errorf("read 0.9 s after a 4 MiB read: %v", err)
	}
	clk.Advance(200 * time.Millisecond)
	if _, err := s.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: aws.String(it)}); err != nil {
		t.Errorf("read 1.1 s after a 4 MiB read: %v", err)
	}
	// Injected faults hit only the matching shard.
	clk.Advance(3 * time.Second)
	s.FailShard("GetRecords", "shardId-000000000009", 1, Throttled())
	if _, err := s.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: aws.String(iter(t, s, "st", "shardId-000000000000", types.ShardIteratorTypeLatest, "", nil))}); err != nil {
		t.Errorf("fault for another shard fired: %v", err)
	}
}

func TestRetentionTrimsOldRecords(t *testing.T) {
	s, clk := newTestSim(t)
	s.opts.DisableReadLimits = true
	create(t, s, clk, "st", 1)
	put(t, s, "st", "k", "old")
	clk.Advance(20 * time.Hour)
	put(t, s, "st", "k", "new")
	clk.Advance(5 * time.Hour)
	out, err := s.GetRecords(context.Background(), &kinesis.GetRecordsInput{ShardIterator: aws.String(
		iter(t, s, "st", "shardId-000000000000", types.ShardIteratorTypeTrimHorizon, "", nil))})
	if err != nil || len(out.Records) != 1 || string(out.Records[0].Data) != "new" {
		t.Errorf("after 25 h: %v %+v", err, out.Records)
	}
}
