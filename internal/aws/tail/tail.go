// Package tail is the console's live record tailer: it reads every open
// shard of a Kinesis stream (or one shard and its descendants), decodes the
// records with internal/decode and hands the events to one consumer (the
// records pane) in batches. It has no UI dependency.
//
// What it guarantees:
//
//   - Every shard is listed (ListShards fully paginated, through
//     aws.Backend.ListShards) and read from the chosen Position: LATEST,
//     TRIM_HORIZON, AT_TIMESTAMP, AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER.
//   - When a shard closes (NextShardIterator null, ChildShards returned) its
//     children are read only after EVERY parent of theirs has been drained
//     (a merge child has two), so the order of each partition key holds
//     across a reshard, as in harlow/kinesis-consumer's allgroup.
//   - An ExpiredIteratorException is answered with a new iterator
//     AFTER_SEQUENCE_NUMBER of the last record delivered (or the starting
//     position when nothing was delivered yet): no gap, no duplicate.
//   - Reads are paced on the client: by default 1 GetRecords call per second
//     per shard (Options.ReadsPerSecond, 1..5) and never more than the
//     shard's 2 MiB/s read budget, because the console's reads count against
//     the same per-shard limits as the production consumers.
//     ProvisionedThroughputExceeded is answered with a capped exponential
//     backoff with jitter, and counted.
//   - The hand-over is bounded (Options.QueueEvents): when the consumer
//     falls behind, the oldest undelivered events are dropped and counted,
//     never silently and never with unbounded memory (see queue).
//   - A panic in a reader is recovered and reported as an error; the reader
//     resumes after the last record it delivered. Cancelling the context
//     (or Stop) ends every goroutine the tail started.
package tail

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/opsconsole/opsconsole/internal/aws"
	"github.com/opsconsole/opsconsole/internal/aws/analysis"
	"github.com/opsconsole/opsconsole/internal/decode"
)

// Defaults of Options.
const (
	DefaultReadsPerSecond = 1
	MaxReadsPerSecond     = analysis.ShardReadCallsPerSec
	DefaultQueueEvents    = 10_000
	defaultBackoffBase    = 500 * time.Millisecond
	defaultBackoffMax     = 10 * time.Second
)

// Options tune a tail. Zero values take the defaults noted.
type Options struct {
	// From is where every shard starts (Latest).
	From Position
	// Shard restricts the tail to one shard and, after a reshard, its
	// descendants.
	Shard string
	// ReadsPerSecond is the GetRecords call rate per shard, 1 to 5 (1).
	ReadsPerSecond int
	// ReadBytesPerSecond is the byte budget per shard (2 MiB/s, the
	// Kinesis per-shard read limit).
	ReadBytesPerSecond float64
	// QueueEvents bounds the events waiting for Next (10,000); beyond it
	// the oldest are dropped and counted.
	QueueEvents int
	// GetRecordsLimit caps the records of one GetRecords call (0: the API's
	// 10,000).
	GetRecordsLimit int32
	// BackoffBase and BackoffMax shape the backoff after throttling and
	// transient errors (500ms doubling up to 10s, with jitter).
	BackoffBase, BackoffMax time.Duration
	// Now and Sleep are the clock; tests pass a fake one (time.Now and a
	// context-aware timer).
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	// Decode tunes the decoder.
	Decode decode.Options
}

func (o *Options) defaults() error {
	if o.From.Type == "" {
		o.From = Latest
	}
	if o.ReadsPerSecond == 0 {
		o.ReadsPerSecond = DefaultReadsPerSecond
	}
	if o.ReadsPerSecond < 1 || o.ReadsPerSecond > MaxReadsPerSecond {
		return fmt.Errorf("tail rate %d: must be 1 to %d GetRecords calls per second per shard (the per-shard limit is %d, shared with production consumers)",
			o.ReadsPerSecond, MaxReadsPerSecond, MaxReadsPerSecond)
	}
	if o.ReadBytesPerSecond <= 0 {
		o.ReadBytesPerSecond = analysis.ShardReadBytesPerSec
	}
	if o.QueueEvents <= 0 {
		o.QueueEvents = DefaultQueueEvents
	}
	if o.GetRecordsLimit < 0 || o.GetRecordsLimit > 10_000 {
		return fmt.Errorf("GetRecords limit %d: must be 1 to 10000", o.GetRecordsLimit)
	}
	if o.BackoffBase <= 0 {
		o.BackoffBase = defaultBackoffBase
	}
	if o.BackoffMax <= 0 {
		o.BackoffMax = defaultBackoffMax
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	return nil
}

// Batch is what Next hands over: the events decoded since the previous
// batch, in the order they were read (per shard, in sequence order; a
// child's events after all of its parents').
type Batch struct {
	Events []decode.Event
	// Decoded is what the decoder saw in the records these events came
	// from (control messages, KPL aggregates, problems).
	Decoded decode.Stats
	// Dropped is the number of events dropped since the previous batch
	// because the consumer fell behind.
	Dropped int
	// Errors are problems to show: retried transient errors, a recovered
	// panic, a shard that stopped.
	Errors []error
	// Done is set on the last batch, once the tail has ended; Err says why
	// when it did not end by cancellation.
	Done bool
	Err  error
}

// Tailer is a running tail. Its methods are safe for concurrent use; one
// consumer calls Next.
type Tailer struct {
	b      *aws.Backend
	rr     aws.RecordReader
	stream string
	o      Options

	ctx    context.Context
	cancel context.CancelFunc
	q      *queue
	c      counters
	wg     sync.WaitGroup // shard readers
	ended  chan struct{}  // closed when every goroutine has returned
	events chan readerResult
}

// Start begins tailing stream through b. It does no I/O itself (the shard
// listing and reads run in goroutines, their failures arrive through Next),
// so the UI may call it from Update. The tail runs until ctx is cancelled,
// Stop is called, or every shard reader has stopped.
func Start(ctx context.Context, b *aws.Backend, stream string, o Options) (*Tailer, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	if strings.TrimSpace(stream) == "" {
		return nil, errors.New("no stream given: usage :records STREAM [--from latest|trim-horizon|RFC3339|seq:N] [--shard ID]")
	}
	ctx, cancel := context.WithCancel(ctx)
	t := &Tailer{
		b: b, rr: b.Kinesis(), stream: stream, o: o,
		ctx: ctx, cancel: cancel,
		q:      newQueue(o.QueueEvents),
		ended:  make(chan struct{}),
		events: make(chan readerResult),
	}
	t.c.started = o.Now()
	t.c.behind = map[string]int64{}
	t.c.s.Stream, t.c.s.From, t.c.s.ReadLimit = stream, o.From, o.ReadsPerSecond
	go t.run()
	return t, nil
}

// Next waits for the next batch. ok is false when the tail has ended and
// everything was handed over (the returned Batch then has Done set), or when
// ctx is done.
func (t *Tailer) Next(ctx context.Context) (Batch, bool) { return t.q.next(ctx) }

// Stats is a snapshot of the tail's position and rates.
func (t *Tailer) Stats() Stats {
	s := t.c.snapshot(t.o.Now())
	s.Pending = t.q.pending()
	s.Dropped = t.q.droppedTotal()
	return s
}

// Stop ends the tail and waits until every goroutine it started has
// returned. It is safe to call more than once and after the tail ended.
func (t *Tailer) Stop() {
	t.cancel()
	<-t.ended
}

// Done is closed once the tail has ended and all its goroutines returned.
func (t *Tailer) Done() <-chan struct{} { return t.ended }

// run lists the shards, starts the readers and follows the lineage until
// the tail ends.
func (t *Tailer) run() {
	defer close(t.ended)
	err := t.protect("planning the tail", t.coordinate)
	t.cancel()
	t.wg.Wait()
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	t.q.finish(err)
}

// protect runs f, turning a panic into an error, so a bug in the tail can
// never take the console down with it.
func (t *Tailer) protect(what string, f func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("internal error while %s of stream %s (panic: %v); the tail stopped — restart it with r", what, t.stream, v)
		}
	}()
	return f()
}

// shardState is where a shard is in the tail's lineage.
type shardState uint8

const (
	waiting shardState = iota + 1 // known, parents not drained yet
	reading
	drained // read to the end of a closed shard
	stopped // its reader gave up (the error was reported)
)

// lineage gates children on their parents. Shards that hold nothing to
// wait for (closed before a LATEST tail began, expired from the stream)
// count as drained; a parent the lineage does not know at all is outside a
// --shard tail's lineage, and is not waited for either.
type lineage struct {
	state   map[string]shardState
	parents map[string][]string // of waiting shards
}

func newLineage() *lineage {
	return &lineage{state: map[string]shardState{}, parents: map[string][]string{}}
}

// wait registers a shard that starts once its parents are drained; a shard
// already known is left as it is.
func (l *lineage) wait(id string, parents []string) {
	if _, known := l.state[id]; known {
		return
	}
	l.state[id] = waiting
	l.parents[id] = parents
}

// ready returns the waiting shards whose every parent is drained or
// unknown, in ID order, and marks them reading.
func (l *lineage) ready() []string {
	var out []string
	for id, ps := range l.parents {
		ok := true
		for _, p := range ps {
			if st, tracked := l.state[p]; tracked && st != drained {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	for _, id := range out {
		delete(l.parents, id)
		l.state[id] = reading
	}
	return out
}

// unknownParents lists the parents of waiting shards that the lineage
// does not know.
func (l *lineage) unknownParents() []string {
	var out []string
	for _, ps := range l.parents {
		for _, p := range ps {
			if _, ok := l.state[p]; !ok && !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	sort.Strings(out)
	return out
}

// readerResult is how a shard reader ends.
type readerResult struct {
	shard    string
	drained  bool
	children []types.ChildShard
	err      error // why it stopped when not drained
}

// coordinate plans the start, then starts children as their parents drain.
// It returns when ctx is done or no reader is left.
func (t *Tailer) coordinate() error {
	shards, err := t.b.ListShards(t.ctx, t.stream)
	if err != nil {
		return err
	}
	lin := newLineage()
	start, err := t.plan(shards, lin)
	if err != nil {
		return err
	}
	for _, s := range start {
		t.startReader(s, t.o.From)
	}
	active := len(start)
	var last error
	for active > 0 {
		var res readerResult
		select {
		case <-t.ctx.Done():
			return t.ctx.Err()
		case res = <-t.events:
		}
		active--
		if !res.drained {
			lin.state[res.shard] = stopped
			last = res.err
			continue
		}
		t.followChildren(lin, res)
		for _, id := range lin.ready() {
			t.startReader(id, t.childPosition())
			active++
		}
	}
	if last == nil {
		last = fmt.Errorf("every shard reader of %s stopped", t.stream)
	}
	return last
}

// plan decides which shards start now (in ID order) and registers the rest
// with the lineage.
func (t *Tailer) plan(shards []aws.Shard, lin *lineage) ([]string, error) {
	listed := make(map[string]aws.Shard, len(shards))
	for _, s := range shards {
		listed[s.ID] = s
	}
	if len(shards) == 0 {
		return nil, fmt.Errorf("stream %s has no shards to read", t.stream)
	}
	pos := t.o.From
	if t.o.Shard != "" {
		s, ok := listed[t.o.Shard]
		if !ok {
			return nil, fmt.Errorf("shard %s is not in stream %s (open shards: %s); check the ID with :shards %s",
				t.o.Shard, t.stream, openIDs(shards), t.stream)
		}
		if isSeq(pos) && !seqInRange(pos.Seq, s.StartingSequence, s.EndingSequence) {
			return nil, fmt.Errorf("sequence number %s is not in shard %s of %s (its range starts at %s)", pos.Seq, s.ID, t.stream, s.StartingSequence)
		}
		lin.state[s.ID] = reading
		return []string{s.ID}, nil
	}
	var start []string
	switch {
	case pos.Type == types.ShardIteratorTypeLatest:
		// Closed shards hold nothing newer than now.
		for _, s := range shards {
			if s.Open() {
				start = append(start, s.ID)
			} else {
				lin.state[s.ID] = drained
			}
		}
	case isSeq(pos):
		for _, s := range shards {
			if seqInRange(pos.Seq, s.StartingSequence, s.EndingSequence) {
				start = append(start, s.ID)
			}
		}
		switch {
		case len(start) == 0:
			return nil, fmt.Errorf("no shard of %s holds sequence number %s (it may have expired from the stream)", t.stream, pos.Seq)
		case len(start) > 1:
			sort.Strings(start)
			return nil, fmt.Errorf("sequence number %s could be in %d shards of %s (%s); a sequence number belongs to one shard, so name it with --shard ID",
				pos.Seq, len(start), t.stream, strings.Join(start, ", "))
		}
	default:
		// TRIM_HORIZON and AT_TIMESTAMP read the whole lineage: the roots
		// now, every other shard after its listed parents.
		for _, s := range shards {
			var ps []string
			for _, p := range s.Parents() {
				if _, ok := listed[p]; ok {
					ps = append(ps, p)
				}
			}
			if len(ps) == 0 {
				start = append(start, s.ID)
			} else {
				lin.wait(s.ID, ps)
			}
		}
	}
	if len(start) == 0 {
		return nil, fmt.Errorf("stream %s has no open shard to read", t.stream)
	}
	sort.Strings(start)
	for _, id := range start {
		lin.state[id] = reading
	}
	return start, nil
}

func isSeq(p Position) bool {
	return p.Type == types.ShardIteratorTypeAtSequenceNumber || p.Type == types.ShardIteratorTypeAfterSequenceNumber
}

// followChildren registers the children of a drained shard with the
// lineage. A child's other parent may be unknown to the tail: a shard that
// expired (nothing to wait for), or one born in the same reshard from a
// shard still being read (UpdateShardCount splits and merges through
// intermediate shards). Those are looked up in the listing and wait for
// their own parents, so no child overtakes any of its ancestors. A --shard
// tail reads one lineage: parents outside it are not waited for.
func (t *Tailer) followChildren(lin *lineage, res readerResult) {
	lin.state[res.shard] = drained
	var listing []aws.Shard
	listed := false
	list := func() []aws.Shard {
		if !listed {
			listed = true
			var err error
			if listing, err = t.b.ListShards(t.ctx, t.stream); err != nil && t.ctx.Err() == nil {
				t.report(fmt.Errorf("shard %s of %s closed, and listing the shards after the reshard failed: %w; the order of records across the reshard is not guaranteed — restart the tail with r", res.shard, t.stream, err))
			}
		}
		return listing
	}
	children := res.children
	if len(children) == 0 {
		// Some implementations answer the end of a closed shard without
		// ChildShards; the listing names the children too.
		for _, s := range list() {
			if slices.Contains(s.Parents(), res.shard) {
				id := s.ID
				children = append(children, types.ChildShard{ShardId: &id, ParentShards: s.Parents()})
			}
		}
	}
	for _, c := range children {
		lin.wait(deref(c.ShardId), c.ParentShards)
	}
	if t.o.Shard != "" {
		return
	}
	for unknown := lin.unknownParents(); len(unknown) > 0; unknown = lin.unknownParents() {
		byID := map[string]aws.Shard{}
		for _, s := range list() {
			byID[s.ID] = s
		}
		for _, p := range unknown {
			if s, ok := byID[p]; ok {
				lin.wait(p, s.Parents())
			} else {
				lin.state[p] = drained // expired: nothing left to read
			}
		}
	}
}

// childPosition is where a shard opened by a reshard is read from: all of
// it (its records are all newer than its parents', which were read), or
// from the tail's time when it started AT_TIMESTAMP.
func (t *Tailer) childPosition() Position {
	if t.o.From.Type == types.ShardIteratorTypeAtTimestamp {
		return t.o.From
	}
	return Position{Type: types.ShardIteratorTypeTrimHorizon}
}

func openIDs(shards []aws.Shard) string {
	var ids []string
	for _, s := range shards {
		if s.Open() {
			ids = append(ids, s.ID)
		}
	}
	if len(ids) == 0 {
		return "none"
	}
	sort.Strings(ids)
	if len(ids) > 8 {
		return strings.Join(ids[:8], ", ") + fmt.Sprintf(" and %d more", len(ids)-8)
	}
	return strings.Join(ids, ", ")
}

func (t *Tailer) startReader(shard string, pos Position) {
	t.c.add(func(s *Stats) { s.ShardsReading++ })
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		r := newShardReader(t, shard, pos)
		res := r.run()
		t.c.shardStopped(shard, r.positioned, res.drained)
		select {
		case t.events <- res:
		case <-t.ctx.Done():
		}
	}()
}

// report hands a problem to the consumer and counts it.
func (t *Tailer) report(err error) {
	t.c.add(func(s *Stats) { s.Errors++ })
	t.q.report(err)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}
