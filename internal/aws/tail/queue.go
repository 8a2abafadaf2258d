package tail

import (
	"context"
	"sync"

	"github.com/opsconsole/opsconsole/internal/decode"
)

// queue carries decoded events from the shard readers to the consumer (the
// records pane). It is bounded: when the consumer falls more than capacity
// events behind, the OLDEST queued events are dropped and counted.
//
// Dropping the oldest keeps the tail live: what the operator sees when the
// screen catches up is what is arriving now, not what arrived a while ago.
// It also loses nothing the screen could have kept, because the pane's ring
// buffer evicts its oldest events the same way; the capacity is the pane's
// buffer size.
//
// The queue holds the readers' slices as they are (an event is a few
// hundred bytes; at 8 shards x 2 MiB/s of CloudWatch Logs that is hundreds
// of thousands of events a second, and every copy shows); a consumer that
// keeps up receives them without a copy.
type queue struct {
	mu       sync.Mutex
	capacity int
	chunks   [][]decode.Event
	n        int   // events in chunks
	dropped  int   // since the last hand-over
	total    int64 // dropped since the start
	stats    decode.Stats
	errs     []error
	done     bool
	err      error
	wake     chan struct{} // capacity 1: "something changed"
}

func newQueue(capacity int) *queue {
	return &queue{capacity: capacity, wake: make(chan struct{}, 1)}
}

func (q *queue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// push queues one read's events, in order, with the decode statistics of
// the records they came from. The queue owns evs from then on.
func (q *queue) push(evs []decode.Event, st decode.Stats) {
	q.mu.Lock()
	if len(evs) > 0 {
		q.chunks = append(q.chunks, evs)
		q.n += len(evs)
	}
	for over := q.n - q.capacity; over > 0; over = q.n - q.capacity {
		head := q.chunks[0]
		k := min(over, len(head))
		clear(head[:k]) // release what the dropped events hold now
		if k == len(head) {
			q.chunks[0] = nil
			q.chunks = q.chunks[1:]
		} else {
			q.chunks[0] = head[k:]
		}
		q.n -= k
		q.dropped += k
		q.total += int64(k)
	}
	q.stats.Add(st)
	q.mu.Unlock()
	q.signal()
}

// report queues a problem for the consumer to show.
func (q *queue) report(err error) {
	q.mu.Lock()
	// Bounded like the events: a storm of errors keeps the newest.
	if len(q.errs) >= maxQueuedErrors {
		q.errs = append(q.errs[:0], q.errs[1:]...)
	}
	q.errs = append(q.errs, err)
	q.mu.Unlock()
	q.signal()
}

const maxQueuedErrors = 64

// finish marks the end of the tail; err says why when it did not end by
// cancellation.
func (q *queue) finish(err error) {
	q.mu.Lock()
	q.done, q.err = true, err
	q.mu.Unlock()
	q.signal()
}

// droppedTotal is the number of events dropped since the start.
func (q *queue) droppedTotal() int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.total
}

// pending is the number of events waiting for the consumer.
func (q *queue) pending() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.n
}

// next waits for something to hand over and returns all of it at once, so
// a slow consumer gets fewer, larger batches. ok is false once the tail has
// finished and everything was handed over, or when ctx is done.
func (q *queue) next(ctx context.Context) (Batch, bool) {
	for {
		q.mu.Lock()
		if q.n > 0 || q.dropped > 0 || len(q.errs) > 0 || q.stats != (decode.Stats{}) {
			b := Batch{Dropped: q.dropped, Decoded: q.stats, Errors: q.errs}
			switch len(q.chunks) {
			case 0:
			case 1:
				b.Events = q.chunks[0]
			default:
				b.Events = make([]decode.Event, 0, q.n)
				for _, c := range q.chunks {
					b.Events = append(b.Events, c...)
				}
			}
			clear(q.chunks)
			q.chunks, q.n, q.dropped, q.stats, q.errs = q.chunks[:0], 0, 0, decode.Stats{}, nil
			q.mu.Unlock()
			return b, true
		}
		if q.done {
			b := Batch{Done: true, Err: q.err}
			q.mu.Unlock()
			return b, false
		}
		q.mu.Unlock()
		select {
		case <-q.wake:
		case <-ctx.Done():
			return Batch{}, false
		}
	}
}
