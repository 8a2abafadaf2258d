package analysis

import (
	"fmt"
	"math"
	"time"

	"github.com/opsconsole/opsconsole/internal/units"
)

// ReshardBounds is the range UpdateShardCount accepts from a stream with
// current open shards: at least half (rounded up) and at most double the
// current count, and never more than MaxShardsPerStream.
func ReshardBounds(current int) (lo, hi int) {
	lo = (current + 1) / 2
	hi = min(2*current, MaxShardsPerStream)
	return max(lo, 1), hi
}

// Peak is the highest per-second throughput observed over a window.
type Peak struct {
	InBytesPerSec   float64
	InRecordsPerSec float64
	// OutBytesPerSec counts polling consumers (GetRecords.Bytes), which share
	// each shard's 2 MiB/s read limit.
	OutBytesPerSec float64
}

// DefaultHeadroom sizes for the peak plus 20%, so a shard runs at most at
// about 80% of its limits.
const DefaultHeadroom = 0.2

// ReshardSuggestion is a shard count sized for the observed peak.
type ReshardSuggestion struct {
	Current int
	// Needed is what the peak requires; Target is Needed clamped to what one
	// UpdateShardCount may do (Clamped says so).
	Needed  int
	Target  int
	Clamped bool
	Reason  string
}

// SuggestShardCount sizes a provisioned stream for peak with headroom (0.2 =
// 20% spare).
func SuggestShardCount(current int, peak Peak, headroom float64) ReshardSuggestion {
	f := 1 + headroom
	need := func(rate, limit float64) int { return int(math.Ceil(rate * f / limit)) }
	needed := max(1,
		need(peak.InBytesPerSec, ShardWriteBytesPerSec),
		need(peak.InRecordsPerSec, ShardWriteRecordsPerSec),
		need(peak.OutBytesPerSec, ShardReadBytesPerSec))
	lo, hi := ReshardBounds(current)
	target := min(max(needed, lo), hi)
	s := ReshardSuggestion{Current: current, Needed: needed, Target: target, Clamped: target != needed}
	s.Reason = fmt.Sprintf("peak %s/s in, %s records/s, %s/s out need %d shard%s with %.0f%% headroom",
		units.Bytes(peak.InBytesPerSec), units.Count(peak.InRecordsPerSec), units.Bytes(peak.OutBytesPerSec),
		needed, plural(needed), headroom*100)
	if s.Clamped {
		s.Reason += fmt.Sprintf("; one UpdateShardCount may only go from %d to between %d and %d, so %d now",
			current, lo, hi, target)
		if needed > hi {
			s.Reason += " and again once the stream is ACTIVE"
		}
	}
	return s
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// RetentionLoss is what a retention decrease makes unreadable.
type RetentionLoss struct {
	// Span is the age band that expires at once: records older than the new
	// period and younger than the old one.
	Span time.Duration
	// Bytes and Records estimate that band from average incoming rates;
	// RatesKnown is false when no rates were available.
	Bytes, Records float64
	RatesKnown     bool
}

// EstimateRetentionLoss estimates the data a decrease from fromHours to
// toHours makes unreadable, from average rates per second (negative rates mean
// unknown).
func EstimateRetentionLoss(fromHours, toHours int, bytesPerSec, recordsPerSec float64) RetentionLoss {
	if toHours >= fromHours {
		return RetentionLoss{}
	}
	l := RetentionLoss{Span: time.Duration(fromHours-toHours) * time.Hour}
	if bytesPerSec >= 0 && recordsPerSec >= 0 {
		l.RatesKnown = true
		l.Bytes = bytesPerSec * l.Span.Seconds()
		l.Records = recordsPerSec * l.Span.Seconds()
	}
	return l
}
