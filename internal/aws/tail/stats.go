package tail

import (
	"sync"
	"time"
)

// Stats is the tail's position and health for the pane's status line.
// Rates are averaged over the last RateWindow of completed seconds.
type Stats struct {
	Stream string
	From   Position
	// ShardsReading is the number of shard readers running, Positioned
	// those of them that hold an iterator (a LATEST tail sees what is
	// written after that), ShardsDone the shards read to their end (closed
	// by a reshard, then drained).
	ShardsReading, Positioned, ShardsDone int
	// ReadLimit is the configured GetRecords calls per second per shard;
	// ReadsPerShard is the measured rate, per shard being read.
	ReadLimit     int
	ReadsPerShard float64
	// BytesPerSec and EventsPerSec are totals over every shard: record
	// payload bytes read and decoded events delivered.
	BytesPerSec, EventsPerSec float64
	// MillisBehind is the largest MillisBehindLatest the shards reported on
	// their last read: how far the tail is from the tip of the stream.
	MillisBehind int64
	// Totals since the start.
	Calls, Records, Events, Bytes int64
	ControlMessages               int64 // CloudWatch Logs CONTROL_MESSAGEs (counted, not shown)
	Problems                      int64 // events that could not be fully decoded
	Throttles                     int64 // ProvisionedThroughputExceeded answers (backed off)
	ExpiredRecovered              int64 // expired iterators replaced without a gap
	Dropped                       int64 // events dropped because the consumer fell behind
	Errors                        int64 // problems reported (retried or fatal)
	// Pending is the number of events read but not yet taken by Next.
	Pending int
}

// RateWindow is how many completed seconds the rates average over.
const RateWindow = 5

// counters holds the live numbers behind Stats. Rates are kept in
// one-second buckets of the tail's clock.
type counters struct {
	mu      sync.Mutex
	s       Stats
	started time.Time
	buckets [RateWindow + 1]bucket
	behind  map[string]int64
}

type bucket struct {
	sec                  int64
	calls, bytes, events int64
}

func (c *counters) bucket(now time.Time) *bucket {
	sec := now.Unix()
	b := &c.buckets[sec%int64(len(c.buckets))]
	if b.sec != sec {
		*b = bucket{sec: sec}
	}
	return b
}

// read records one successful GetRecords call.
func (c *counters) read(now time.Time, shard string, records, bytes int, behind int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.bucket(now)
	b.calls++
	b.bytes += int64(bytes)
	c.s.Calls++
	c.s.Records += int64(records)
	c.s.Bytes += int64(bytes)
	c.behind[shard] = behind
}

func (c *counters) delivered(now time.Time, events, control, problems int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.bucket(now).events += int64(events)
	c.s.Events += int64(events)
	c.s.ControlMessages += int64(control)
	c.s.Problems += int64(problems)
}

// add changes a counter under the lock.
func (c *counters) add(f func(s *Stats)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f(&c.s)
}

func (c *counters) shardStopped(shard string, positioned, drained bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.s.ShardsReading--
	if positioned {
		c.s.Positioned--
	}
	if drained {
		c.s.ShardsDone++
	}
	delete(c.behind, shard)
}

func (c *counters) snapshot(now time.Time) Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.s
	sec := now.Unix()
	// Average over the completed seconds since the start, at most RateWindow.
	span := min(int64(RateWindow), sec-c.started.Unix())
	if span > 0 {
		var calls, bytes, events int64
		for _, b := range c.buckets {
			if b.sec < sec && b.sec >= sec-span {
				calls += b.calls
				bytes += b.bytes
				events += b.events
			}
		}
		s.BytesPerSec = float64(bytes) / float64(span)
		s.EventsPerSec = float64(events) / float64(span)
		if s.ShardsReading > 0 {
			s.ReadsPerShard = float64(calls) / float64(span) / float64(s.ShardsReading)
		}
	}
	for _, ms := range c.behind {
		s.MillisBehind = max(s.MillisBehind, ms)
	}
	return s
}
