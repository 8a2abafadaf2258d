package tail_test

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/opsconsole/opsconsole/internal/aws"
	"github.com/opsconsole/opsconsole/internal/aws/tail"
	"github.com/opsconsole/opsconsole/internal/decode"
	"github.com/opsconsole/opsconsole/internal/sim/kinesissim"
)

// vclock is virtual time for the tail: Sleep blocks until the clock
// reaches the sleeper's wake time, and the clock moves only when every
// shard reader is asleep (see drive), straight to the earliest wake time.
// Runs are deterministic and take no wall-clock time, and time never runs
// away while a reader still has work (which would expire iterators or trim
// records behind the test's back).
type vclock struct {
	mu       sync.Mutex
	now      time.Time
	sleepers []*sleeper
	slept    []time.Duration // every Sleep asked for, in order
}

type sleeper struct {
	at   time.Time
	wake chan struct{}
}

func newVClock() *vclock {
	return &vclock{now: time.Date(2025, 5, 6, 7, 0, 0, 0, time.UTC)}
}

func (c *vclock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *vclock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	c.mu.Lock()
	s := &sleeper{at: c.now.Add(d), wake: make(chan struct{})}
	c.sleepers = append(c.sleepers, s)
	c.slept = append(c.slept, d)
	c.mu.Unlock()
	select {
	case <-s.wake:
		return ctx.Err()
	case <-ctx.Done():
		c.mu.Lock()
		c.sleepers = slices.DeleteFunc(c.sleepers, func(o *sleeper) bool { return o == s })
		c.mu.Unlock()
		return ctx.Err()
	}
}

func (c *vclock) asleep() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.sleepers)
}

// step moves the clock to the earliest wake time and wakes who is due.
func (c *vclock) step() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.sleepers) == 0 {
		return
	}
	next := c.sleepers[0].at
	for _, s := range c.sleepers {
		if s.at.Before(next) {
			next = s.at
		}
	}
	if next.After(c.now) {
		c.now = next
	}
	c.wakeDue()
}

// Advance jumps the clock (an operator away for a while: iterators expire).
func (c *vclock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.wakeDue()
}

func (c *vclock) wakeDue() {
	kept := c.sleepers[:0]
	for _, s := range c.sleepers {
		if s.at.After(c.now) {
			kept = append(kept, s)
			continue
		}
		close(s.wake)
	}
	c.sleepers = kept
}

// drive advances the clock whenever every shard reader of tl is asleep,
// until the test ends.
func (c *vclock) drive(t testing.TB, readers func() int) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			if n := c.asleep(); n > 0 && n >= readers() {
				c.step()
				continue
			}
			runtime.Gosched()
			time.Sleep(20 * time.Microsecond) // yield the CPU while readers work
		}
	}()
}

// recorder wraps the simulator and logs the data-plane calls the tail
// makes, with their virtual times. hook, when set, runs before each
// GetRecords call and may replace it (fault injection).
type recorder struct {
	*kinesissim.Sim
	clk *vclock

	mu        sync.Mutex
	reads     map[string][]time.Time // shard -> GetRecords call times
	iterators []kinesis.GetShardIteratorInput
	hook      func(shard string, n int) // n: the call's index on that shard
}

func (r *recorder) GetShardIterator(ctx context.Context, in *kinesis.GetShardIteratorInput, opts ...func(*kinesis.Options)) (*kinesis.GetShardIteratorOutput, error) {
	out, err := r.Sim.GetShardIterator(ctx, in, opts...)
	r.mu.Lock()
	r.iterators = append(r.iterators, *in)
	r.mu.Unlock()
	if err == nil {
		iteratorShard.Store(sdkaws.ToString(out.ShardIterator), sdkaws.ToString(in.ShardId))
	}
	return out, err
}

// iteratorShard remembers which shard each iterator reads, so GetRecords
// calls can be attributed.
var iteratorShard sync.Map

func (r *recorder) GetRecords(ctx context.Context, in *kinesis.GetRecordsInput, opts ...func(*kinesis.Options)) (*kinesis.GetRecordsOutput, error) {
	v, _ := iteratorShard.Load(sdkaws.ToString(in.ShardIterator))
	shard, _ := v.(string)
	r.mu.Lock()
	n := len(r.reads[shard])
	r.reads[shard] = append(r.reads[shard], r.clk.Now())
	hook := r.hook
	r.mu.Unlock()
	if hook != nil {
		hook(shard, n)
	}
	out, err := r.Sim.GetRecords(ctx, in, opts...)
	if err == nil && out.NextShardIterator != nil {
		iteratorShard.Store(*out.NextShardIterator, shard)
	}
	return out, err
}

func (r *recorder) readTimes(shard string) []time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.reads[shard])
}

func (r *recorder) iteratorCalls() []kinesis.GetShardIteratorInput {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.iterators)
}

// env is one simulated account with a tail-ready backend.
type env struct {
	t   *testing.T
	clk *vclock
	sim *kinesissim.Sim
	rec *recorder
	b   *aws.Backend
}

func newEnv(t *testing.T, simOpts kinesissim.Options) *env {
	clk := newVClock()
	simOpts.Now = clk.Now
	if simOpts.UpdateDelay == 0 {
		simOpts.UpdateDelay = 2 * time.Second
	}
	s := kinesissim.New(simOpts)
	rec := &recorder{Sim: s, clk: clk, reads: map[string][]time.Time{}}
	b := aws.NewBackend(rec, s, aws.Options{Now: clk.Now, Sleep: clk.Sleep, PageSize: 2, SummaryInterval: -1})
	return &env{t: t, clk: clk, sim: s, rec: rec, b: b}
}

func (e *env) opts(o tail.Options) tail.Options {
	o.Now, o.Sleep = e.clk.Now, e.clk.Sleep
	return o
}

// start starts a tail and the clock driver; the tail is stopped at the end
// of the test.
func (e *env) start(stream string, o tail.Options) *tail.Tailer {
	e.t.Helper()
	tl, err := tail.Start(context.Background(), e.b, stream, e.opts(o))
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(tl.Stop)
	e.clk.drive(e.t, func() int { return tl.Stats().ShardsReading })
	return tl
}

func (e *env) createStream(name string, shards int) {
	e.t.Helper()
	ctx := context.Background()
	if _, err := e.sim.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: &name, ShardCount: sdkaws.Int32(int32(shards))}); err != nil {
		e.t.Fatal(err)
	}
	e.clk.Advance(time.Minute) // CREATING -> ACTIVE
	// A long retention, so virtual time never trims what a test checks.
	if _, err := e.sim.IncreaseStreamRetentionPeriod(ctx, &kinesis.IncreaseStreamRetentionPeriodInput{StreamName: &name, RetentionPeriodHours: sdkaws.Int32(8760)}); err != nil {
		e.t.Fatal(err)
	}
}

// payload is what the tests put: a JSON object naming its partition key
// and its rank among that key's records, so order and duplicates show.
type payload struct {
	Key string `json:"key"`
	N   int    `json:"n"`
	Pad string `json:"pad,omitempty"`
}

// put writes n records for each key, round-robin over the keys, with the
// ranks continuing from next (which it updates).
func (e *env) put(stream string, keys []string, n int, next map[string]int, pad int) {
	e.t.Helper()
	for i := 0; i < n; i++ {
		var recs []types.PutRecordsRequestEntry
		for _, k := range keys {
			b, _ := json.Marshal(payload{Key: k, N: next[k], Pad: strings.Repeat("x", pad)})
			next[k]++
			recs = append(recs, types.PutRecordsRequestEntry{Data: b, PartitionKey: sdkaws.String(k)})
		}
		out, err := e.sim.PutRecords(context.Background(), &kinesis.PutRecordsInput{StreamName: &stream, Records: recs})
		if err != nil || sdkaws.ToInt32(out.FailedRecordCount) != 0 {
			e.t.Fatalf("PutRecords: %v (%d failed)", err, sdkaws.ToInt32(out.FailedRecordCount))
		}
	}
}

func keysN(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("key-%03d", i)
	}
	return out
}

// collector drains a tail on its own goroutine, as the pane would.
type collector struct {
	mu     sync.Mutex
	events []decode.Event
	errs   []error
	drops  int
	stats  decode.Stats
	done   *tail.Batch
	more   chan struct{}
}

func collect(t *testing.T, tl *tail.Tailer) *collector {
	c := &collector{more: make(chan struct{}, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	finished := make(chan struct{})
	t.Cleanup(func() { cancel(); <-finished })
	go func() {
		defer close(finished)
		for {
			b, ok := tl.Next(ctx)
			c.mu.Lock()
			c.events = append(c.events, b.Events...)
			c.errs = append(c.errs, b.Errors...)
			c.drops += b.Dropped
			c.stats.Add(b.Decoded)
			if b.Done {
				c.done = &b
			}
			c.mu.Unlock()
			select {
			case c.more <- struct{}{}:
			default:
			}
			if !ok {
				return
			}
		}
	}()
	return c
}

// waitFor blocks until cond holds for what was collected. It waits on
// deliveries, not on time; the test binary's own timeout guards a hang.
func (c *collector) waitFor(t *testing.T, what string, cond func(c *collector) bool) {
	t.Helper()
	for {
		c.mu.Lock()
		ok := cond(c)
		ended := c.done != nil
		c.mu.Unlock()
		if ok {
			return
		}
		if ended {
			t.Fatalf("the tail ended (err %v) before %s; errors: %v", c.done.Err, what, c.errs)
		}
		<-c.more
	}
}

func (c *collector) snapshot() []decode.Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.events)
}

func (c *collector) errors() []error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.errs)
}

// checkExactlyOnceInOrder checks that the events are exactly the records
// put (want: ranks 0..want[k]-1 per key), each once, in rank order per key,
// and in sequence-number order per shard.
func checkExactlyOnceInOrder(t *testing.T, evs []decode.Event, want map[string]int) {
	t.Helper()
	next := map[string]int{}
	lastSeq := map[string]string{}
	for i, e := range evs {
		var p payload
		if err := json.Unmarshal(e.Fields, &p); err != nil {
			t.Fatalf("event %d: not a test payload (%v): %q", i, err, e.Message)
		}
		if p.Key != e.Origin.PartitionKey {
			t.Fatalf("event %d: payload key %s arrived with partition key %s", i, p.Key, e.Origin.PartitionKey)
		}
		if p.N != next[p.Key] {
			what := "out of order"
			if p.N < next[p.Key] {
				what = "a duplicate"
			} else {
				what = fmt.Sprintf("a gap (records %d..%d missing)", next[p.Key], p.N-1)
			}
			t.Fatalf("event %d: key %s rank %d after %d: %s", i, p.Key, p.N, next[p.Key]-1, what)
		}
		next[p.Key]++
		if prev, ok := lastSeq[e.Origin.ShardID]; ok && tail.CompareSeq(prev, e.Origin.SequenceNumber) >= 0 {
			t.Fatalf("event %d: shard %s sequence %s after %s", i, e.Origin.ShardID, e.Origin.SequenceNumber, prev)
		}
		lastSeq[e.Origin.ShardID] = e.Origin.SequenceNumber
	}
	for k, n := range want {
		if next[k] != n {
			t.Errorf("key %s: %d of %d records arrived", k, next[k], n)
		}
	}
	for k := range next {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected key %s", k)
		}
	}
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// openShards lists the open shard IDs of a stream.
func (e *env) openShards(stream string) []string {
	e.t.Helper()
	shards, err := e.b.ListOpenShards(context.Background(), stream)
	if err != nil {
		e.t.Fatal(err)
	}
	var ids []string
	for _, s := range shards {
		ids = append(ids, s.ID)
	}
	sort.Strings(ids)
	return ids
}
