package tail_test

import (
	"context"
	"fmt"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/opsconsole/opsconsole/internal/aws"
	"github.com/opsconsole/opsconsole/internal/aws/tail"
	"github.com/opsconsole/opsconsole/internal/decode"
	"github.com/opsconsole/opsconsole/internal/decode/encode"
	"github.com/opsconsole/opsconsole/internal/sim/kinesissim"
)

func TestParseFrom(t *testing.T) {
	good := map[string]tail.Position{
		"":             tail.Latest,
		"latest":       tail.Latest,
		"LATEST":       tail.Latest,
		"trim-horizon": {Type: types.ShardIteratorTypeTrimHorizon},
		"2025-05-06T07:00:00Z": {Type: types.ShardIteratorTypeAtTimestamp,
			Time: time.Date(2025, 5, 6, 7, 0, 0, 0, time.UTC)},
		"seq:49590338271490256608559692538361571095921575989136588898": {Type: types.ShardIteratorTypeAtSequenceNumber,
			Seq: "49590338271490256608559692538361571095921575989136588898"},
		"after:12": {Type: types.ShardIteratorTypeAfterSequenceNumber, Seq: "12"},
	}
	for in, want := range good {
		got, err := tail.ParseFrom(in)
		if err != nil || !got.Time.Equal(want.Time) || got.Type != want.Type || got.Seq != want.Seq {
			t.Errorf("ParseFrom(%q) = %+v, %v; want %+v", in, got, err, want)
		}
		if again, err := tail.ParseFrom(got.String()); err != nil || again.Type != got.Type || again.Seq != got.Seq || !again.Time.Equal(got.Time) {
			t.Errorf("ParseFrom(%q.String() = %q) = %+v, %v", in, got.String(), again, err)
		}
	}
	for _, bad := range []string{"yesterday", "seq:", "seq:12a", "seq:-1", "2025-05-06", "after:x"} {
		if _, err := tail.ParseFrom(bad); err == nil {
			t.Errorf("ParseFrom(%q) should fail", bad)
		}
	}
}

func TestCompareSeqIsNumericBeyond64Bits(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"9", "10", -1},
		{"49590338271490256608559692538361571095921575989136588898", "49590338271490256608559692538361571095921575989136588899", -1},
		{"340282366920938463463374607431768211456", "340282366920938463463374607431768211455", 1}, // 2^128 vs 2^128-1
		{"007", "7", 0},
	}
	for _, c := range cases {
		if got := tail.CompareSeq(c.a, c.b); got != c.want {
			t.Errorf("CompareSeq(%s, %s) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

func TestStartRejectsBadOptions(t *testing.T) {
	e := newEnv(t, kinesissim.Options{})
	for _, o := range []tail.Options{{ReadsPerSecond: 6}, {ReadsPerSecond: -1}, {GetRecordsLimit: 10001}} {
		if _, err := tail.Start(context.Background(), e.b, "s", o); err == nil {
			t.Errorf("Start(%+v) should fail", o)
		}
	}
	if _, err := tail.Start(context.Background(), e.b, " ", tail.Options{}); err == nil || !strings.Contains(err.Error(), "usage") {
		t.Errorf("empty stream: %v", err)
	}
}

// A LATEST tail sees every record written after it positioned itself on
// every shard, once, in order.
func TestLatestReadsEveryShardExactlyOnceInOrder(t *testing.T) {
	e := newEnv(t, kinesissim.Options{})
	e.createStream("orders", 4)
	next := map[string]int{}
	keys := keysN(40)
	e.put("orders", keys, 3, map[string]int{}, 0) // before the tail: not shown
	tl := e.start("orders", tail.Options{})
	c := collect(t, tl)
	for tl.Stats().Positioned < 4 {
		runtime.Gosched() // every shard has its LATEST iterator
	}
	e.put("orders", keys, 25, next, 0)
	c.waitFor(t, "1000 events", func(c *collector) bool { return len(c.events) >= total(next) })
	checkExactlyOnceInOrder(t, c.snapshot(), next)
	st := tl.Stats()
	if st.ShardsReading != 4 || st.Records != int64(total(next)) || st.Events != int64(total(next)) {
		t.Errorf("stats %+v", st)
	}
}

// TRIM_HORIZON through a uniform reshard 2 -> 3 (splits and merges with
// intermediate shards, as AWS does it): every record once, per-key order
// kept, and no child read before all its parents were drained.
func TestReshardReadsChildrenAfterEveryParent(t *testing.T) {
	e := newEnv(t, kinesissim.Options{})
	e.createStream("orders", 2)
	next := map[string]int{}
	keys := keysN(60)
	e.put("orders", keys, 10, next, 0)
	// Small reads, so the parents take many calls to drain and a child
	// started early would overtake them.
	tl := e.start("orders", tail.Options{From: tail.Position{Type: types.ShardIteratorTypeTrimHorizon}, GetRecordsLimit: 7, ReadsPerSecond: 2})
	c := collect(t, tl)
	c.waitFor(t, "the first events", func(c *collector) bool { return len(c.events) > 0 })
	if _, err := e.sim.UpdateShardCount(context.Background(), &kinesis.UpdateShardCountInput{
		StreamName: sdkaws.String("orders"), TargetShardCount: sdkaws.Int32(3), ScalingType: types.ScalingTypeUniformScaling}); err != nil {
		t.Fatal(err)
	}
	e.put("orders", keys, 10, next, 0) // while UPDATING: into the parents
	for len(e.openShards("orders")) != 3 || e.notActive("orders") {
		runtime.Gosched()
	}
	e.put("orders", keys, 10, next, 0) // into the children
	c.waitFor(t, "every record", func(c *collector) bool { return len(c.events) >= total(next) })
	evs := c.snapshot()
	checkExactlyOnceInOrder(t, evs, next)
	checkParentsFirst(t, e, "orders", evs)
	if st := tl.Stats(); st.ShardsDone < 2 || st.ShardsReading != 3 {
		t.Errorf("after the reshard: %d shards done, %d reading; want >= 2 and 3", st.ShardsDone, st.ShardsReading)
	}
}

// notActive reports whether the stream is not ACTIVE (yet).
func (e *env) notActive(stream string) bool {
	s, err := e.b.DescribeStream(context.Background(), stream)
	return err != nil || s.Status != aws.StatusActive
}

// checkParentsFirst checks that every event of a child shard was delivered
// after every event of each of its parents.
func checkParentsFirst(t *testing.T, e *env, stream string, evs []decode.Event) {
	t.Helper()
	shards, err := e.b.ListShards(context.Background(), stream)
	if err != nil {
		t.Fatal(err)
	}
	first, last := map[string]int{}, map[string]int{}
	for i, ev := range evs {
		id := ev.Origin.ShardID
		if _, ok := first[id]; !ok {
			first[id] = i
		}
		last[id] = i
	}
	checked := 0
	for _, s := range shards {
		f, ok := first[s.ID]
		if !ok {
			continue
		}
		for _, p := range s.Parents() {
			if l, ok := last[p]; ok {
				checked++
				if l > f {
					t.Errorf("child %s delivered its first event (#%d) before parent %s's last (#%d)", s.ID, f, p, l)
				}
			}
		}
	}
	if checked == 0 {
		t.Fatalf("no parent/child pair carried events: the test proves nothing")
	}
}

// A merge child has two parents; it is read only after both are drained,
// even when one parent has a long backlog.
func TestMergeChildWaitsForBothParents(t *testing.T) {
	e := newEnv(t, kinesissim.Options{})
	e.createStream("orders", 2)
	ids := e.openShards("orders")
	next := map[string]int{}
	// Keys of the first shard only, then of both.
	var keysA, all []string
	for _, k := range keysN(200) {
		if kinesissim.HashKeyOf(k).Hi < 1<<63 {
			keysA = append(keysA, k)
		}
		all = append(all, k)
	}
	e.put("orders", keysA[:5], 40, next, 0) // shard A: a backlog of 200 records
	tl := e.start("orders", tail.Options{From: tail.Position{Type: types.ShardIteratorTypeTrimHorizon}, GetRecordsLimit: 5})
	c := collect(t, tl)
	if _, err := e.sim.MergeShards(context.Background(), &kinesis.MergeShardsInput{StreamName: sdkaws.String("orders"),
		ShardToMerge: &ids[0], AdjacentShardToMerge: &ids[1]}); err != nil {
		t.Fatal(err)
	}
	for e.notActive("orders") {
		runtime.Gosched()
	}
	e.put("orders", all[:20], 5, next, 0) // into the merge child
	c.waitFor(t, "every record", func(c *collector) bool { return len(c.events) >= total(next) })
	evs := c.snapshot()
	checkExactlyOnceInOrder(t, evs, next)
	checkParentsFirst(t, e, "orders", evs)
}

// An expired iterator is replaced AFTER_SEQUENCE_NUMBER of the last record
// delivered: nothing lost, nothing repeated.
func TestExpiredIteratorResumesAfterLastDelivered(t *testing.T) {
	e := newEnv(t, kinesissim.Options{})
	e.createStream("orders", 1)
	shard := e.openShards("orders")[0]
	next := map[string]int{}
	keys := keysN(10)
	e.put("orders", keys, 5, next, 0)
	// The third read of the shard finds its iterator expired (injected);
	// later the operator is away for six minutes (a real expiry).
	e.rec.hook = func(s string, n int) {
		if s == shard && n == 2 {
			e.sim.FailShard("GetRecords", shard, 1, kinesissim.ExpiredIterator())
		}
	}
	tl := e.start("orders", tail.Options{From: tail.Position{Type: types.ShardIteratorTypeTrimHorizon}, GetRecordsLimit: 20})
	c := collect(t, tl)
	c.waitFor(t, "the backlog", func(c *collector) bool { return len(c.events) >= total(next) })
	e.clk.Advance(6 * time.Minute)
	e.put("orders", keys, 5, next, 0)
	c.waitFor(t, "every record", func(c *collector) bool { return len(c.events) >= total(next) })
	evs := c.snapshot()
	checkExactlyOnceInOrder(t, evs, next)
	if got := tl.Stats().ExpiredRecovered; got != 2 {
		t.Errorf("ExpiredRecovered = %d, want 2 (one injected, one real)", got)
	}
	var after []string
	for _, in := range e.rec.iteratorCalls() {
		if in.ShardIteratorType == types.ShardIteratorTypeAfterSequenceNumber {
			after = append(after, sdkaws.ToString(in.StartingSequenceNumber))
		}
	}
	// The injected expiry came after two reads of 20 records; the real one
	// after the whole backlog of 50.
	want := []string{evs[39].Origin.SequenceNumber, evs[49].Origin.SequenceNumber}
	if fmt.Sprint(after) != fmt.Sprint(want) {
		t.Errorf("recovery iterators AFTER_SEQUENCE_NUMBER %v, want %v", after, want)
	}
}

// With no record delivered yet, a LATEST tail whose iterator expires
// recovers AT_TIMESTAMP of when it started (minus clock skew), so records
// written in between are not skipped.
func TestExpiredLatestIteratorBeforeAnyRecordLosesNothing(t *testing.T) {
	e := newEnv(t, kinesissim.Options{})
	e.createStream("orders", 1)
	next := map[string]int{}
	tl := e.start("orders", tail.Options{})
	c := collect(t, tl)
	for tl.Stats().Positioned < 1 {
		runtime.Gosched()
	}
	e.clk.Advance(6 * time.Minute)
	e.put("orders", keysN(3), 2, next, 0)
	c.waitFor(t, "every record", func(c *collector) bool { return len(c.events) >= total(next) })
	checkExactlyOnceInOrder(t, c.snapshot(), next)
	calls := e.rec.iteratorCalls()
	if last := calls[len(calls)-1]; last.ShardIteratorType != types.ShardIteratorTypeAtTimestamp {
		t.Errorf("recovery used %s, want AT_TIMESTAMP", last.ShardIteratorType)
	}
}

// Throttling is counted and backed off exponentially (with jitter, capped),
// and nothing is lost.
func TestThrottlingBacksOffExponentially(t *testing.T) {
	e := newEnv(t, kinesissim.Options{})
	e.createStream("orders", 1)
	shard := e.openShards("orders")[0]
	next := map[string]int{}
	e.put("orders", keysN(5), 4, next, 0)
	e.sim.FailShard("GetRecords", shard, 4, kinesissim.Throttled())
	base, limit := 2*time.Second, 10*time.Second
	tl := e.start("orders", tail.Options{From: tail.Position{Type: types.ShardIteratorTypeTrimHorizon}, BackoffBase: base, BackoffMax: limit})
	c := collect(t, tl)
	c.waitFor(t, "every record", func(c *collector) bool { return len(c.events) >= total(next) })
	checkExactlyOnceInOrder(t, c.snapshot(), next)
	if got := tl.Stats().Throttles; got != 4 {
		t.Errorf("Throttles = %d, want 4", got)
	}
	times := e.rec.readTimes(shard)
	if len(times) < 5 {
		t.Fatalf("%d reads", len(times))
	}
	for k := 0; k < 4; k++ {
		gap := times[k+1].Sub(times[k])
		d := min(base<<k, limit)
		if gap < d/2 || gap > d {
			t.Errorf("retry %d came %v after the throttle; want within [%v, %v]", k+1, gap, d/2, d)
		}
	}
}

// The byte budget keeps a reader of a 12 MiB backlog under the shard's
// 2 MiB/s read limit: the simulator, which enforces it, never throttles.
func TestBytePacingAvoidsThrottling(t *testing.T) {
	e := newEnv(t, kinesissim.Options{})
	e.createStream("orders", 1)
	next := map[string]int{}
	for range 12 { // 240 records of 50 KB, within the 1 MiB/s write limit
		e.put("orders", keysN(20), 1, next, 50_000)
		e.clk.Advance(time.Second)
	}
	tl := e.start("orders", tail.Options{From: tail.Position{Type: types.ShardIteratorTypeTrimHorizon}, ReadsPerSecond: 5})
	c := collect(t, tl)
	c.waitFor(t, "every record", func(c *collector) bool { return len(c.events) >= total(next) })
	checkExactlyOnceInOrder(t, c.snapshot(), next)
	if got := tl.Stats().Throttles; got != 0 {
		t.Errorf("Throttles = %d, want 0", got)
	}
}

// The limiter: never more than ReadsPerSecond GetRecords calls per shard in
// any second of (virtual) time, and no slower either.
func TestLimiterKeepsReadsPerShardPerSecond(t *testing.T) {
	for _, rate := range []int{1, 3, 5} {
		t.Run(fmt.Sprint(rate), func(t *testing.T) {
			e := newEnv(t, kinesissim.Options{})
			e.createStream("orders", 4)
			tl := e.start("orders", tail.Options{ReadsPerSecond: rate})
			ids := e.openShards("orders")
			const calls = 30
			for {
				enough := true
				for _, id := range ids {
					enough = enough && len(e.rec.readTimes(id)) >= calls
				}
				if enough {
					break
				}
				runtime.Gosched()
			}
			want := time.Second / time.Duration(rate)
			for _, id := range ids {
				times := e.rec.readTimes(id)[:calls]
				for i := rate; i < len(times); i++ {
					if w := times[i].Sub(times[i-rate]); w < time.Second {
						t.Fatalf("shard %s: %d calls within %v", id, rate+1, w)
					}
				}
				if span := times[calls-1].Sub(times[0]); span > time.Duration(calls-1)*want*11/10 {
					t.Errorf("shard %s: %d calls took %v; want about %v", id, calls, span, time.Duration(calls-1)*want)
				}
			}
			st := tl.Stats()
			if st.ReadLimit != rate || st.ReadsPerShard < float64(rate)*0.8 || st.ReadsPerShard > float64(rate)*1.01 {
				t.Errorf("stats: %.2f reads/s per shard, limit %d; want about %d", st.ReadsPerShard, st.ReadLimit, rate)
			}
		})
	}
}

// A consumer that does not keep up loses the oldest events, and the loss is
// counted, in the batch and in the stats.
func TestSlowConsumerDropsOldestAndCounts(t *testing.T) {
	e := newEnv(t, kinesissim.Options{})
	e.createStream("orders", 1)
	e.put("orders", keysN(1), 1000, map[string]int{}, 0)
	tl := e.start("orders", tail.Options{From: tail.Position{Type: types.ShardIteratorTypeTrimHorizon}, QueueEvents: 100, GetRecordsLimit: 90})
	for st := tl.Stats(); st.Records < 1000; st = tl.Stats() {
		runtime.Gosched()
	}
	if st := tl.Stats(); st.Pending != 100 || st.Dropped != 900 {
		t.Fatalf("pending %d, dropped %d; want 100 and 900", st.Pending, st.Dropped)
	}
	b, ok := tl.Next(context.Background())
	if !ok || len(b.Events) != 100 || b.Dropped != 900 {
		t.Fatalf("batch: ok %v, %d events, %d dropped", ok, len(b.Events), b.Dropped)
	}
	// The newest 100 are kept, in order.
	for i, ev := range b.Events {
		var n int
		if _, err := fmt.Sscanf(ev.Message, `{"key":"key-000","n":%d}`, &n); err != nil || n != 900+i {
			t.Fatalf("event %d is %q, want record %d", i, ev.Message, 900+i)
		}
	}
}

// Stopping the tail (or cancelling its context) ends every goroutine it
// started.
func TestStopLeavesNoGoroutine(t *testing.T) {
	for _, how := range []string{"stop", "cancel"} {
		t.Run(how, func(t *testing.T) {
			e := newEnv(t, kinesissim.Options{})
			e.createStream("orders", 4)
			e.put("orders", keysN(8), 5, map[string]int{}, 0)
			ctx, cancel := context.WithCancel(context.Background())
			tl, err := tail.Start(ctx, e.b, "orders", e.opts(tail.Options{From: tail.Position{Type: types.ShardIteratorTypeTrimHorizon}}))
			if err != nil {
				t.Fatal(err)
			}
			e.clk.drive(t, func() int { return tl.Stats().ShardsReading })
			b, _ := tl.Next(context.Background())
			if len(b.Events) == 0 || tailGoroutines() == 0 {
				t.Fatalf("the tail is not running (%d events, %d goroutines)", len(b.Events), tailGoroutines())
			}
			if how == "stop" {
				tl.Stop()
			} else {
				cancel()
				<-tl.Done()
			}
			cancel()
			// Returning goroutines may still be on their way out: poll.
			for i := 0; i < 1000 && tailGoroutines() > 0; i++ {
				runtime.Gosched()
				time.Sleep(time.Millisecond)
			}
			if n := tailGoroutines(); n != 0 {
				t.Fatalf("%d tail goroutines left after %s:\n%s", n, how, goroutineDump())
			}
			for {
				if b, ok := tl.Next(context.Background()); !ok {
					if !b.Done || b.Err != nil {
						t.Errorf("last batch %+v: want Done without error after %s", b, how)
					}
					break
				}
			}
		})
	}
}

func goroutineDump() string {
	var sb strings.Builder
	_ = pprof.Lookup("goroutine").WriteTo(&sb, 1)
	return sb.String()
}

// tailGoroutines counts goroutines running code of package tail.
func tailGoroutines() int {
	n := 0
	for _, g := range strings.Split(goroutineDump(), "\n\n") {
		if strings.Contains(g, "internal/aws/tail.") {
			n++
		}
	}
	return n
}

// A panic in a reader is recovered, reported, and the reader resumes where
// it was: the program survives and nothing is lost or repeated.
func TestReaderPanicIsReportedAndRecovered(t *testing.T) {
	e := newEnv(t, kinesissim.Options{})
	e.createStream("orders", 2)
	shard := e.openShards("orders")[1]
	next := map[string]int{}
	e.put("orders", keysN(20), 5, next, 0)
	e.rec.hook = func(s string, n int) {
		if s == shard && n == 1 {
			panic("injected failure")
		}
	}
	tl := e.start("orders", tail.Options{From: tail.Position{Type: types.ShardIteratorTypeTrimHorizon}, GetRecordsLimit: 10})
	c := collect(t, tl)
	c.waitFor(t, "every record", func(c *collector) bool { return len(c.events) >= total(next) })
	checkExactlyOnceInOrder(t, c.snapshot(), next)
	c.waitFor(t, "the panic report", func(c *collector) bool { return len(c.errs) > 0 })
	if err := c.errors()[0]; !strings.Contains(err.Error(), "injected failure") || !strings.Contains(err.Error(), shard) || !strings.Contains(err.Error(), "resumes after sequence number") {
		t.Errorf("report: %v", err)
	}
	if st := tl.Stats(); st.ShardsReading != 2 || st.Errors != 1 {
		t.Errorf("stats %+v", st)
	}
}

// A reader that panics over and over without progress stops alone; the
// other shards go on.
func TestReaderThatKeepsPanickingStopsAlone(t *testing.T) {
	e := newEnv(t, kinesissim.Options{})
	e.createStream("orders", 2)
	bad := e.openShards("orders")[0]
	e.rec.hook = func(s string, n int) {
		if s == bad {
			panic("always")
		}
	}
	tl := e.start("orders", tail.Options{})
	c := collect(t, tl)
	c.waitFor(t, "the reader to stop", func(c *collector) bool {
		for _, err := range c.errs {
			if strings.Contains(err.Error(), "stopped after 3 internal errors") {
				return true
			}
		}
		return false
	})
	for tl.Stats().ShardsReading != 1 {
		runtime.Gosched()
	}
	next := map[string]int{}
	var goodKeys []string
	for _, k := range keysN(100) {
		if kinesissim.HashKeyOf(k).Hi >= 1<<63 {
			goodKeys = append(goodKeys, k)
		}
	}
	e.put("orders", goodKeys[:5], 3, next, 0)
	c.waitFor(t, "the other shard's records", func(c *collector) bool { return len(c.events) >= total(next) })
	checkExactlyOnceInOrder(t, c.snapshot(), next)
}

// CloudWatch Logs envelopes fan out into their log events; control
// messages are counted, not shown.
func TestDecodesEnvelopesAndCountsControlMessages(t *testing.T) {
	e := newEnv(t, kinesissim.Options{})
	e.createStream("logs", 1)
	now := e.clk.Now()
	env := encode.CWLEnvelope(encode.Envelope{Owner: "123456789012", LogGroup: "/ecs/checkout-api", LogStream: "task/1",
		LogEvents: []encode.LogEvent{
			{Timestamp: now, Message: encode.ECSLog{Timestamp: now, Level: "error", Message: "payment failed (order 1)"}.JSON()},
			{Timestamp: now, Message: encode.ECSLog{Timestamp: now, Level: "info", Message: "GET /cart 200"}.JSON()},
		}})
	kpl := encode.KPLAggregate([]encode.KPLRecord{{PartitionKey: "a", Data: []byte("one")}, {PartitionKey: "b", Data: []byte("two")}})
	for _, data := range [][]byte{encode.CWLControl(now), env, kpl} {
		if _, err := e.sim.PutRecord(context.Background(), &kinesis.PutRecordInput{StreamName: sdkaws.String("logs"), PartitionKey: sdkaws.String("p"), Data: data}); err != nil {
			t.Fatal(err)
		}
	}
	tl := e.start("logs", tail.Options{From: tail.Position{Type: types.ShardIteratorTypeTrimHorizon}})
	c := collect(t, tl)
	c.waitFor(t, "4 events", func(c *collector) bool { return len(c.events) >= 4 })
	evs := c.snapshot()
	got := []string{}
	for _, ev := range evs {
		got = append(got, ev.Level+"|"+ev.Message+"|"+ev.Source)
	}
	want := []string{"error|payment failed (order 1)|/ecs/checkout-api", "info|GET /cart 200|/ecs/checkout-api", "|one|" + evs[2].Origin.ShardID, "|two|" + evs[2].Origin.ShardID}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("events %q\nwant %q", got, want)
	}
	st := tl.Stats()
	c.mu.Lock()
	control := c.stats.ControlMessages
	c.mu.Unlock()
	if st.ControlMessages != 1 || control != 1 || st.Records != 3 || st.Events != 4 {
		t.Errorf("stats %+v, batch control messages %d", st, control)
	}
}

// The start positions: AT_TIMESTAMP skips older records; seq:N starts at
// that record of the named shard; bad positions fail in the operator's
// words.
func TestStartPositions(t *testing.T) {
	e := newEnv(t, kinesissim.Options{})
	e.createStream("orders", 2)
	ids := e.openShards("orders")
	e.put("orders", keysN(10), 3, map[string]int{}, 0)
	e.clk.Advance(time.Hour)
	mark := e.clk.Now()
	next := map[string]int{}
	e.put("orders", []string{"late"}, 4, next, 0)

	tl := e.start("orders", tail.Options{From: tail.Position{Type: types.ShardIteratorTypeAtTimestamp, Time: mark}})
	c := collect(t, tl)
	c.waitFor(t, "the late records", func(c *collector) bool { return len(c.events) >= 4 })
	evs := c.snapshot()
	checkExactlyOnceInOrder(t, evs, next)

	// seq:N of the second late record, on its shard.
	from := tail.Position{Type: types.ShardIteratorTypeAtSequenceNumber, Seq: evs[1].Origin.SequenceNumber}
	tl2 := e.start("orders", tail.Options{From: from, Shard: evs[1].Origin.ShardID})
	c2 := collect(t, tl2)
	c2.waitFor(t, "3 records", func(c *collector) bool { return len(c.events) >= 3 })
	if got := c2.snapshot()[0].Origin.SequenceNumber; got != from.Seq {
		t.Errorf("seq tail starts at %s, want %s", got, from.Seq)
	}

	for _, bad := range []struct {
		o    tail.Options
		want string
	}{
		{tail.Options{From: from}, "name it with --shard"},
		{tail.Options{Shard: "shardId-000000000099"}, "is not in stream orders (open shards: " + ids[0] + ", " + ids[1]},
	} {
		tl, err := tail.Start(context.Background(), e.b, "orders", e.opts(bad.o))
		if err != nil {
			t.Fatal(err)
		}
		b, ok := tl.Next(context.Background())
		if ok || !b.Done || b.Err == nil || !strings.Contains(b.Err.Error(), bad.want) {
			t.Errorf("%+v: got %+v, want an error containing %q", bad.o, b, bad.want)
		}
	}
}

// A stream that does not exist ends the tail with the backend's error in
// the operator's words.
func TestMissingStreamEndsWithClassifiedError(t *testing.T) {
	e := newEnv(t, kinesissim.Options{})
	tl, err := tail.Start(context.Background(), e.b, "nope", e.opts(tail.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	b, ok := tl.Next(context.Background())
	if ok || !b.Done || aws.KindOf(b.Err) != aws.KindNotFound {
		t.Fatalf("got %+v (kind %v), want a not-found error", b, aws.KindOf(b.Err))
	}
	if !strings.Contains(b.Err.Error(), "nope") {
		t.Errorf("error %q should name the stream", b.Err)
	}
}
