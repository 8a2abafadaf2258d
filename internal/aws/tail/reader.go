package tail

import (
	"errors"
	"fmt"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"

	"github.com/opsconsole/opsconsole/internal/decode"
)

// Limits of a reader's own resilience.
const (
	// maxPanics is how many panics in a row, without a record delivered in
	// between, stop a shard reader.
	maxPanics = 3
	// reportEvery: a run of transient errors is reported on its first
	// occurrence and then every reportEvery-th, not once per retry.
	reportEvery = 10
	// latestSkew is how far before the LATEST iterator's time a recovered
	// iterator starts when nothing was delivered yet: clocks differ, and
	// a few already-written records are better than a gap.
	latestSkew = 5 * time.Second
)

// noRetry turns off the SDK's own retries for GetRecords: every retry
// would be a call the pacer did not count, against the shard's 5 calls/s.
// The reader backs off and counts throttles itself.
func noRetry(o *kinesis.Options) { o.Retryer = sdkaws.NopRetryer{} }

// shardReader reads one shard from its start position to its end (a
// closed shard) or until the tail stops.
type shardReader struct {
	t     *Tailer
	shard string
	start Position
	// last is the sequence number of the last record handed to the queue;
	// an expired iterator restarts AFTER it.
	last string
	// latestAt is when the first LATEST iterator was taken, for recovery
	// before any record was delivered.
	latestAt   time.Time
	positioned bool // it got its first iterator
	iter       *string
	pace       pacer
	back       backoff
	dec        *decode.Decoder
	evs        []decode.Event
	lastEvents int // events of the last read, to size the next slice
	failures   int // transient errors in a row
}

func newShardReader(t *Tailer, shard string, pos Position) *shardReader {
	return &shardReader{
		t: t, shard: shard, start: pos,
		pace: newPacer(t.o.ReadsPerSecond, t.o.ReadBytesPerSecond),
		back: backoff{base: t.o.BackoffBase, limit: t.o.BackoffMax},
		dec:  decode.NewDecoder(t.o.Decode),
	}
}

// run reads until the shard is drained, the reader gives up, or the tail
// stops. A panic is reported and the reader resumes after the last record
// it delivered.
func (r *shardReader) run() readerResult {
	panics := 0
	for {
		before := r.last
		res, perr := r.protected()
		if perr == nil {
			return res
		}
		if r.last != before {
			panics = 0
		}
		panics++
		if panics >= maxPanics {
			err := fmt.Errorf("reader of shard %s stopped after %d internal errors in a row (last: %v); the other shards go on — restart the tail with r", r.shard, panics, perr)
			r.t.report(err)
			return readerResult{shard: r.shard, err: err}
		}
		r.t.report(fmt.Errorf("reader of shard %s hit an internal error (%v) and resumes %s", r.shard, perr, r.resumeText()))
		r.iter = nil
		if r.sleep(r.back.next()) != nil {
			return readerResult{shard: r.shard, err: r.t.ctx.Err()}
		}
	}
}

func (r *shardReader) resumeText() string {
	if r.last == "" {
		return "from " + r.start.String()
	}
	return "after sequence number " + r.last
}

func (r *shardReader) protected() (res readerResult, perr error) {
	defer func() {
		if v := recover(); v != nil {
			perr = fmt.Errorf("panic: %v", v)
		}
	}()
	return r.loop(), nil
}

// loop is the GetRecords loop.
func (r *shardReader) loop() readerResult {
	t := r.t
	for {
		if t.ctx.Err() != nil {
			return readerResult{shard: r.shard, err: t.ctx.Err()}
		}
		if r.iter == nil {
			if res, ok := r.newIterator(); !ok {
				return res
			}
			continue
		}
		now := t.o.Now()
		if d := r.pace.delay(now); d > 0 {
			if r.sleep(d) != nil {
				return readerResult{shard: r.shard, err: t.ctx.Err()}
			}
			continue
		}
		r.pace.called(now)
		in := &kinesis.GetRecordsInput{ShardIterator: r.iter}
		if t.o.GetRecordsLimit > 0 {
			in.Limit = sdkaws.Int32(t.o.GetRecordsLimit)
		}
		out, err := t.rr.GetRecords(t.ctx, in, noRetry)
		if err != nil {
			var expired *types.ExpiredIteratorException
			if errors.As(err, &expired) {
				r.iter = nil
				t.c.add(func(s *Stats) { s.ExpiredRecovered++ })
				continue
			}
			if res, ok := r.failed(err, "reading"); !ok {
				return res
			}
			continue
		}
		r.recovered()
		r.deliver(out)
		if out.NextShardIterator == nil {
			return readerResult{shard: r.shard, drained: true, children: out.ChildShards}
		}
		r.iter = out.NextShardIterator
	}
}

// deliver decodes a GetRecords answer and queues its events.
func (r *shardReader) deliver(out *kinesis.GetRecordsOutput) {
	t := r.t
	bytes := 0
	var st decode.Stats
	// The slice goes to the queue; the next read starts a new one, sized
	// like the last so decoding does not regrow it.
	r.evs = make([]decode.Event, 0, max(r.lastEvents, len(out.Records)))
	for i := range out.Records {
		rec := &out.Records[i]
		bytes += len(rec.Data)
		var s decode.Stats
		r.evs, s = r.decode(decode.Record{
			Data:           rec.Data,
			PartitionKey:   deref(rec.PartitionKey),
			SequenceNumber: deref(rec.SequenceNumber),
			ShardID:        r.shard,
			ArrivalTime:    sdkaws.ToTime(rec.ApproximateArrivalTimestamp),
			EncryptionType: string(rec.EncryptionType),
		}, r.evs)
		st.Add(s)
	}
	r.pace.read(bytes)
	now := t.o.Now()
	t.c.read(now, r.shard, len(out.Records), bytes, sdkaws.ToInt64(out.MillisBehindLatest))
	if len(out.Records) == 0 {
		return
	}
	evs := r.evs
	r.evs, r.lastEvents = nil, len(evs)
	t.q.push(evs, st)
	t.c.delivered(now, len(evs), st.ControlMessages, st.Problems)
	r.last = deref(out.Records[len(out.Records)-1].SequenceNumber)
}

// decode decodes one record; should the decoder panic on it, the record is
// shown undecoded with the reason instead of stopping the shard.
func (r *shardReader) decode(rec decode.Record, dst []decode.Event) (out []decode.Event, st decode.Stats) {
	n := len(dst)
	defer func() {
		if v := recover(); v != nil {
			r.dec = decode.NewDecoder(r.t.o.Decode) // its state is suspect
			out = append(dst[:n], decode.Event{
				Time: rec.ArrivalTime, Source: rec.ShardID, Kind: decode.KindBinary,
				Message: fmt.Sprintf("record of %d bytes not decoded", len(rec.Data)),
				Raw:     rec.Data,
				Origin: decode.Origin{ShardID: rec.ShardID, SequenceNumber: rec.SequenceNumber, SubIndex: -1,
					PartitionKey: rec.PartitionKey, ArrivalTime: rec.ArrivalTime},
				Problem: fmt.Sprintf("the decoder failed on this record (panic: %v): shown undecoded", v),
			})
			st = decode.Stats{Records: 1, Bytes: int64(len(rec.Data)), Events: 1, Problems: 1}
		}
	}()
	return r.dec.Decode(rec, dst)
}

// newIterator gets the iterator to (re)start from: the start position at
// first, AFTER_SEQUENCE_NUMBER of the last delivered record afterwards. ok
// is false when the reader must stop.
func (r *shardReader) newIterator() (readerResult, bool) {
	t := r.t
	in := &kinesis.GetShardIteratorInput{StreamName: &t.stream, ShardId: &r.shard}
	switch {
	case r.last != "":
		in.ShardIteratorType = types.ShardIteratorTypeAfterSequenceNumber
		in.StartingSequenceNumber = sdkaws.String(r.last)
	case r.start.Type == types.ShardIteratorTypeLatest && !r.latestAt.IsZero():
		// The first LATEST iterator expired before anything arrived on it:
		// LATEST again would skip what arrived meanwhile.
		in.ShardIteratorType = types.ShardIteratorTypeAtTimestamp
		in.Timestamp = sdkaws.Time(r.latestAt.Add(-latestSkew))
	default:
		in.ShardIteratorType = r.start.Type
		switch r.start.Type {
		case types.ShardIteratorTypeAtTimestamp:
			in.Timestamp = sdkaws.Time(r.start.Time)
		case types.ShardIteratorTypeAtSequenceNumber, types.ShardIteratorTypeAfterSequenceNumber:
			in.StartingSequenceNumber = sdkaws.String(r.start.Seq)
		}
	}
	now := t.o.Now()
	out, err := t.rr.GetShardIterator(t.ctx, in)
	if err != nil {
		return r.failed(err, "positioning on")
	}
	r.recovered()
	if r.start.Type == types.ShardIteratorTypeLatest && r.latestAt.IsZero() {
		r.latestAt = now
	}
	if !r.positioned {
		r.positioned = true
		t.c.add(func(s *Stats) { s.Positioned++ })
	}
	r.iter = out.ShardIterator
	if r.iter == nil {
		// Nothing left to read from here: the shard is closed and read.
		return readerResult{shard: r.shard, drained: true}, false
	}
	return readerResult{}, true
}

// failed handles an error of a call: throttling and transient errors back
// off and retry (ok true); errors retrying cannot fix stop the reader.
func (r *shardReader) failed(err error, doing string) (readerResult, bool) {
	t := r.t
	if t.ctx.Err() != nil {
		return readerResult{shard: r.shard, err: t.ctx.Err()}, false
	}
	what := fmt.Sprintf("%s shard %s of %s", doing, r.shard, t.stream)
	if throttled(err) {
		t.c.add(func(s *Stats) { s.Throttles++ })
	} else if fatal(err) {
		cerr := t.b.Classify(err, what)
		r.t.report(fmt.Errorf("%w; this shard is no longer read", cerr))
		return readerResult{shard: r.shard, err: cerr}, false
	} else {
		r.failures++
		if r.failures%reportEvery == 1 {
			r.t.report(fmt.Errorf("%w (retrying with backoff)", t.b.Classify(err, what)))
		}
	}
	d := r.back.next()
	r.pace.holdUntil(t.o.Now().Add(d))
	if r.sleep(d) != nil {
		return readerResult{shard: r.shard, err: t.ctx.Err()}, false
	}
	return readerResult{}, true
}

// recovered resets the backoff after a call succeeded.
func (r *shardReader) recovered() {
	r.back.reset()
	r.failures = 0
}

func (r *shardReader) sleep(d time.Duration) error { return r.t.o.Sleep(r.t.ctx, d) }

// throttled reports the errors that mean "too fast, slow down".
func throttled(err error) bool {
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	switch apiErr.ErrorCode() {
	case "ProvisionedThroughputExceededException", "LimitExceededException", "ThrottlingException", "Throttling", "KMSThrottlingException":
		return true
	}
	return false
}

// fatal reports errors that retrying cannot fix: the stream or shard is
// gone, IAM or KMS refuses, or the request itself is wrong.
func fatal(err error) bool {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode() {
		case "ResourceNotFoundException", "InvalidArgumentException", "ValidationException",
			"AccessDeniedException", "KMSAccessDeniedException", "KMSDisabledException",
			"KMSInvalidStateException", "KMSNotFoundException", "KMSOptInRequired":
			return true
		}
	}
	return false
}
