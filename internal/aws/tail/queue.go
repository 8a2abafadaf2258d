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
type queue struct {
	mu      sync.Mutex
	ring    []decode.Event
	head, n int
	dropped int   // since the last hand-over
	total   int64 // since the start
	stats   decode.Stats
	errs    []error
	done    bool
	err     error
	wake    chan struct{} // capacity 1: "something changed"
}

func newQueue(capacity int) *queue {
	return &queue{ring: make([]decode.Event, capacity), wake: make(chan struct{}, 1)}
}

func (q *queue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// push appends one read's events, in order, with the decode statistics of
// the records they came from.
func (q *queue) push(evs []decode.Event, st decode.Stats) {
	q.mu.Lock()
	c := len(q.ring)
	for i := range evs {
		if q.n == c {
			q.ring[q.head] = decode.Event{} // release its memory now
			q.head = (q.head + 1) % c
			q.n--
			q.dropped++
			q.total++
		}
		q.ring[(q.head+q.n)%c] = evs[i]
		q.n++
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
			b := Batch{Events: make([]decode.Event, q.n), Dropped: q.dropped, Decoded: q.stats, Errors: q.errs}
			c := len(q.ring)
			for i := range b.Events {
				j := (q.head + i) % c
				b.Events[i] = q.ring[j]
				q.ring[j] = decode.Event{}
			}
			q.head, q.n, q.dropped, q.stats, q.errs = 0, 0, 0, decode.Stats{}, nil
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
