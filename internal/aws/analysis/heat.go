package analysis

import (
	"fmt"
	"math"
	"strings"
)

// Per-shard limits of a provisioned Kinesis shard (AWS quotas).
const (
	MiB = 1 << 20
	// ShardWriteBytesPerSec and ShardWriteRecordsPerSec: 1 MiB/s and 1,000
	// records/s in, per shard.
	ShardWriteBytesPerSec   = 1 * MiB
	ShardWriteRecordsPerSec = 1000
	// ShardReadBytesPerSec: 2 MiB/s out per shard, shared by all polling
	// consumers (enhanced fan-out consumers get their own 2 MiB/s).
	ShardReadBytesPerSec = 2 * MiB
	// ShardReadCallsPerSec: 5 GetRecords calls per second per shard.
	ShardReadCallsPerSec = 5
	// MaxShardsPerStream is UpdateShardCount's ceiling (the default account
	// quota may be lower; AWS says so when it refuses).
	MaxShardsPerStream = 10000
)

// ShardRates are one shard's observed rates, per second, from the shard-level
// (enhanced monitoring) CloudWatch metrics over the same window.
type ShardRates struct {
	IncomingBytes   float64
	IncomingRecords float64
	OutgoingBytes   float64
	// WriteThrottled and ReadThrottled are counts over the window.
	WriteThrottled float64
	ReadThrottled  float64
}

// HeatLevel ranks a shard's load. The zero value means "no metrics", which
// the panes must show as unknown rather than as cold.
type HeatLevel int

const (
	HeatUnknown HeatLevel = iota
	HeatCold
	HeatNormal
	HeatWarm
	HeatHot
)

func (h HeatLevel) String() string {
	switch h {
	case HeatCold:
		return "cold"
	case HeatNormal:
		return "normal"
	case HeatWarm:
		return "warm"
	case HeatHot:
		return "hot"
	}
	return "unknown"
}

// Heat is the verdict for one shard and the numbers behind it.
type Heat struct {
	Level HeatLevel
	// TrafficShare is the shard's share of the stream's incoming bytes (of
	// records when no bytes were counted); KeyspaceShare its share of the
	// hash keys. Skew is TrafficShare / KeyspaceShare (1 = fair share).
	TrafficShare  float64
	KeyspaceShare float64
	Skew          float64
	// Utilisation is the highest use of a per-shard limit, 1 = at the limit;
	// Limit names which one.
	Utilisation float64
	Limit       string
	// Reason is one sentence for the pane and the runbook.
	Reason string
}

// Heat thresholds. A shard is hot when it is near a hard limit or was
// throttled, warm when it is well above its fair share or over half a limit,
// cold when it carries a small fraction of its fair share at low use.
const (
	hotUtilisation  = 0.8
	warmUtilisation = 0.5
	warmSkew        = 1.5
	coldSkew        = 0.25
	coldUtilisation = 0.1
)

// AssessHeat classifies every open shard in shards. rates holds per-shard
// rates by shard ID; a shard without an entry gets HeatUnknown (enhanced
// monitoring off, or no datapoint yet). Closed shards are skipped: they take
// no writes.
func AssessHeat(shards []Shard, rates map[string]ShardRates) map[string]Heat {
	open := OpenShards(shards)
	var totalBytes, totalRecords float64
	for _, s := range open {
		if r, ok := rates[s.ID]; ok {
			totalBytes += r.IncomingBytes
			totalRecords += r.IncomingRecords
		}
	}
	out := make(map[string]Heat, len(open))
	for _, s := range open {
		r, ok := rates[s.ID]
		if !ok {
			out[s.ID] = Heat{Level: HeatUnknown, KeyspaceShare: s.Range.Share(),
				Reason: "no shard-level metrics (enable them with :shard-metrics STREAM on)"}
			continue
		}
		out[s.ID] = classify(s.Range.Share(), r, totalBytes, totalRecords)
	}
	return out
}

func classify(keyShare float64, r ShardRates, totalBytes, totalRecords float64) Heat {
	h := Heat{KeyspaceShare: keyShare}
	switch {
	case totalBytes > 0:
		h.TrafficShare = r.IncomingBytes / totalBytes
	case totalRecords > 0:
		h.TrafficShare = r.IncomingRecords / totalRecords
	}
	if keyShare > 0 {
		h.Skew = h.TrafficShare / keyShare
	}
	uses := []struct {
		v    float64
		name string
	}{
		{r.IncomingBytes / ShardWriteBytesPerSec, "1 MiB/s write limit"},
		{r.IncomingRecords / ShardWriteRecordsPerSec, "1,000 records/s write limit"},
		{r.OutgoingBytes / ShardReadBytesPerSec, "2 MiB/s read limit"},
	}
	for _, u := range uses {
		if u.v > h.Utilisation {
			h.Utilisation, h.Limit = u.v, u.name
		}
	}
	share := fmt.Sprintf("takes %s of writes on %s of keys", pct(h.TrafficShare), pct(keyShare))
	use := ""
	if h.Limit != "" {
		use = fmt.Sprintf("%s of the %s", pct(h.Utilisation), h.Limit)
	}
	var throttled []string
	if r.WriteThrottled > 0 {
		throttled = append(throttled, fmt.Sprintf("%.0f writes throttled", r.WriteThrottled))
	}
	if r.ReadThrottled > 0 {
		throttled = append(throttled, fmt.Sprintf("%.0f reads throttled", r.ReadThrottled))
	}

	switch {
	case totalBytes == 0 && totalRecords == 0:
		h.Level = HeatCold
		h.Reason = "idle: the stream had no incoming traffic in the window"
	case h.Utilisation >= hotUtilisation || len(throttled) > 0:
		h.Level = HeatHot
		h.Reason = joinReason(share, use, strings.Join(throttled, ", "))
	case h.Utilisation >= warmUtilisation || h.Skew >= warmSkew:
		h.Level = HeatWarm
		h.Reason = joinReason(share, use)
	case h.Skew <= coldSkew && h.Utilisation < coldUtilisation:
		h.Level = HeatCold
		h.Reason = joinReason(share, use, "a merge candidate")
	default:
		h.Level = HeatNormal
		h.Reason = joinReason(share, use)
	}
	return h
}

func joinReason(parts ...string) string {
	var keep []string
	for _, p := range parts {
		if p != "" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, "; ")
}

// pct formats a share as a whole percentage, with "<1%" for small non-zero
// values so a cold shard never reads as exactly zero.
func pct(v float64) string {
	switch {
	case v > 0 && v < 0.005:
		return "<1%"
	case math.IsInf(v, 0) || math.IsNaN(v):
		return "?%"
	}
	return fmt.Sprintf("%.0f%%", v*100)
}

// HottestShard returns the open shard with the highest level, then the
// highest traffic share; ok is false when no shard has metrics.
func HottestShard(heat map[string]Heat) (id string, h Heat, ok bool) {
	for sid, v := range heat {
		if v.Level == HeatUnknown {
			continue
		}
		better := !ok || v.Level > h.Level ||
			(v.Level == h.Level && (v.TrafficShare > h.TrafficShare ||
				(v.TrafficShare == h.TrafficShare && sid < id)))
		if better {
			id, h, ok = sid, v, true
		}
	}
	return id, h, ok
}
