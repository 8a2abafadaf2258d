package runbook

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/opsconsole/opsconsole/internal/aws"
	"github.com/opsconsole/opsconsole/internal/aws/analysis"
	"github.com/opsconsole/opsconsole/internal/units"
)

var (
	streamParam = ProbeParam{Name: "stream", Required: true, Help: "the Kinesis stream"}
	windowParam = func(def string) ProbeParam {
		return ProbeParam{Name: "window", Default: def, Help: "how far back to look in CloudWatch (1m steps, at most 1h)"}
	}
)

// metricWindow reads the window argument as a number of one-minute periods.
func metricWindow(a Args) (int, error) {
	d, err := a.Duration("window")
	if err != nil {
		return 0, err
	}
	if d < time.Minute || d > aws.DefaultWindow {
		return 0, fmt.Errorf("window %s must be between 1m and %s", d, aws.DefaultWindow)
	}
	return int(d / aws.DefaultPeriod), nil
}

// lastN keeps the newest n periods of a series.
func lastN(s aws.Series, n int) aws.Series {
	if n <= 0 || n >= len(s.Values) {
		return s
	}
	cut := len(s.Values) - n
	return aws.Series{Start: s.Start.Add(time.Duration(cut) * s.Step), Step: s.Step, Values: s.Values[cut:]}
}

// streamView is one stream's summary and last-hour metrics.
func streamView(ctx context.Context, env *Env, stream string) (aws.StreamSummary, aws.StreamMetrics, error) {
	b := env.Kinesis
	sum, err := b.DescribeStream(ctx, stream)
	if err != nil {
		return sum, aws.StreamMetrics{}, err
	}
	ms, err := b.StreamMetrics(ctx, []string{stream}, aws.LastHour(env.now()))
	if err != nil {
		return sum, aws.StreamMetrics{}, b.Classify(err, "reading CloudWatch metrics of "+stream)
	}
	return sum, ms[stream], nil
}

func kinesisProbes() []*Probe {
	return []*Probe{
		{
			Name: "kinesis.stream_status", Backend: BackendKinesis,
			Help:   "DescribeStreamSummary: status, mode, open shards, retention, encryption, shard-level metrics",
			Params: []ProbeParam{streamParam},
			Outputs: []Output{
				{"active", KindNumber, "1 when the stream is ACTIVE"}, {"status", KindText, "ACTIVE, CREATING, UPDATING or DELETING"},
				{"mode", KindText, "PROVISIONED or ON_DEMAND"}, {"open_shards", KindNumber, "open shards"},
				{"retention_hours", KindNumber, "retention period"}, {"shard_metrics", KindNumber, "1 when shard-level metrics are on"},
				{"arn", KindText, "the stream ARN"},
			},
			Thresholds: map[string]Threshold{"active": mustThreshold("", "< 1")},
			Run:        probeStreamStatus,
		},
		{
			Name: "kinesis.capacity", Backend: BackendKinesis,
			Help:   "peak write demand (accepted plus throttled) against the open shards' 1 MiB/s each, and the shard count it needs",
			Params: []ProbeParam{streamParam, windowParam("1h")},
			Outputs: []Output{
				{"open_shards", KindNumber, "open shards"}, {"on_demand", KindNumber, "1 for an on-demand stream (AWS scales it)"},
				{"peak_demand_bytes", KindNumber, "peak bytes/s offered (accepted + throttled)"},
				{"write_use_pct", KindNumber, "peak demand as a share of write capacity"},
				{"suggested_shards", KindNumber, "shards for the peak with 20% headroom, within one UpdateShardCount"},
				{"reshard_needed", KindNumber, "1 when the suggestion is above the current count"},
			},
			Thresholds: map[string]Threshold{"write_use_pct": mustThreshold("> 70", "> 90"), "reshard_needed": mustThreshold(">= 1", "")},
			Run:        probeCapacity,
		},
		{
			Name: "kinesis.incoming", Backend: BackendKinesis,
			Help:   "IncomingRecords and IncomingBytes over the window: is anything arriving?",
			Params: []ProbeParam{streamParam, windowParam("15m")},
			Outputs: []Output{
				{"records_per_sec", KindNumber, "mean records/s accepted"}, {"bytes_per_sec", KindNumber, "mean bytes/s accepted"},
				{"idle_minutes", KindNumber, "minutes of the window with no record at all"},
			},
			Thresholds: map[string]Threshold{"records_per_sec": mustThreshold("", "<= 0"), "idle_minutes": mustThreshold(">= 1", "")},
			Run:        probeIncoming,
		},
		{
			Name: "kinesis.throttles", Backend: BackendKinesis,
			Help:   "WriteProvisionedThroughputExceeded and ReadProvisionedThroughputExceeded over the window",
			Params: []ProbeParam{streamParam, windowParam("15m")},
			Outputs: []Output{
				{"write_throttled", KindNumber, "records rejected over the window"},
				{"write_throttled_pct", KindNumber, "rejected records as a share of all offered"},
				{"read_throttled", KindNumber, "GetRecords calls rejected over the window"},
			},
			Thresholds: map[string]Threshold{"write_throttled_pct": mustThreshold("> 0", "> 1"), "read_throttled": mustThreshold("> 0", "> 60")},
			Run:        probeThrottles,
		},
		{
			Name: "kinesis.iterator_age", Backend: BackendKinesis,
			Help:   "GetRecords.IteratorAgeMilliseconds against retention: lag, its trend over the window, backlog, time to data loss",
			Params: []ProbeParam{streamParam, windowParam("15m")},
			Outputs: []Output{
				{"age", KindDuration, "age of the oldest record consumers read (newest maximum)"},
				{"retention", KindDuration, "retention period"},
				{"retention_used_pct", KindNumber, "age as a share of retention"},
				{"growth", KindNumber, "seconds of age gained per second over the window (1 = consumers stopped, < 0 catching up)"},
				{"time_to_loss", KindDuration, "when unread records start to expire at this growth (unset when not growing)"},
				{"backlog_records", KindNumber, "estimated unread records (age x incoming rate)"},
				{"suggested_retention_hours", KindNumber, "retention that doubles the headroom (set when data is at risk)"},
			},
			Thresholds: map[string]Threshold{
				"growth":             mustThreshold("> 0.02", "> 0.1"),
				"retention_used_pct": mustThreshold("> 50", "> 80"),
				"time_to_loss":       mustThreshold("< 24h", "< 6h"),
			},
			Run: probeIteratorAge,
		},
		{
			Name: "kinesis.hot_shards", Backend: BackendKinesis,
			Help:   "shard-level metrics: each open shard's share of writes against its share of keys and its limits",
			Params: []ProbeParam{streamParam, windowParam("5m")},
			Outputs: []Output{
				{"hot", KindNumber, "hot shards (near a limit or throttled)"}, {"warm", KindNumber, "warm shards (well above their share)"},
				{"unknown", KindNumber, "open shards without shard-level metrics"},
				{"hot_shard", KindText, "the hottest hot or warm shard"}, {"hot_share_pct", KindNumber, "its share of writes"},
				{"open_shards", KindNumber, "open shards"},
			},
			Thresholds: map[string]Threshold{"hot": mustThreshold("", ">= 1"), "unknown": mustThreshold(">= 1", "")},
			Run:        probeHotShards,
		},
	}
}

func probeStreamStatus(ctx context.Context, env *Env, a Args) (Observation, error) {
	s, err := env.Kinesis.DescribeStream(ctx, a.Str("stream"))
	if err != nil {
		return Observation{}, err
	}
	metrics := "off"
	if s.EnhancedMonitoring() {
		metrics = fmt.Sprintf("on (%d metrics)", len(s.ShardMetrics))
	}
	obs := Observation{
		Summary: fmt.Sprintf("%s is %s with %d open shards", s.Name, s.Status, s.OpenShards),
		Evidence: []string{
			fmt.Sprintf("status %s, mode %s, %d open shards", s.Status, s.Mode, s.OpenShards),
			fmt.Sprintf("retention %d h, encryption %s, shard-level metrics %s, %d enhanced fan-out consumers", s.RetentionHours, s.Encryption, metrics, s.Consumers),
		},
		Outputs: map[string]Value{
			"active": Flag(s.Status == aws.StatusActive), "status": Text(s.Status), "mode": Text(s.Mode),
			"open_shards": Number(float64(s.OpenShards)), "retention_hours": Number(float64(s.RetentionHours)),
			"shard_metrics": Flag(s.EnhancedMonitoring()), "arn": Text(s.ARN),
		},
	}
	switch s.Status {
	case aws.StatusUpdating:
		obs.Evidence = append(obs.Evidence, "UPDATING: a reshard or setting change is in progress; writes and reads still work")
	case aws.StatusCreating, aws.StatusDeleting:
		obs.Evidence = append(obs.Evidence, s.Status+": the stream accepts no records")
	}
	return obs, nil
}

func probeCapacity(ctx context.Context, env *Env, a Args) (Observation, error) {
	n, err := metricWindow(a)
	if err != nil {
		return Observation{}, err
	}
	s, m, err := streamView(ctx, env, a.Str("stream"))
	if err != nil {
		return Observation{}, err
	}
	obs := Observation{Outputs: map[string]Value{"open_shards": Number(float64(s.OpenShards)), "on_demand": Flag(!s.Provisioned())}}
	in, recs, thr := lastN(m.IncomingBytesPerSec, n), lastN(m.IncomingRecordsPerSec, n), lastN(m.WriteThrottled, n)
	peak, peakAccepted, peakRecords := 0.0, 0.0, 0.0
	for i := range in.Values {
		bytes, records := in.Values[i], recs.Values[i]
		demand := bytes
		// Throttled records are demand the stream turned away: count them
		// at the average record size of what was accepted.
		if records > 0 && i < len(thr.Values) && thr.Values[i] > 0 {
			demand += thr.Values[i] / in.Step.Seconds() * bytes / records
		}
		if demand > peak {
			peak, peakAccepted, peakRecords = demand, bytes, records
		}
	}
	obs.Outputs["peak_demand_bytes"] = Number(math.Round(peak))
	if !s.Provisioned() {
		obs.Summary = fmt.Sprintf("%s is on-demand: AWS adds capacity as traffic grows (peak %s/s)", s.Name, units.Bytes(peak))
		obs.Evidence = []string{obs.Summary, "on-demand streams scale to double their previous peak; sudden jumps beyond that are throttled for a few minutes"}
		return obs, nil
	}
	capacity := float64(s.OpenShards) * analysis.ShardWriteBytesPerSec
	use := 0.0
	if capacity > 0 {
		use = peak / capacity * 100
	}
	sug := analysis.SuggestShardCount(s.OpenShards, analysis.Peak{InBytesPerSec: peak, InRecordsPerSec: peakRecords * peak / math.Max(peakAccepted, 1),
		OutBytesPerSec: lastN(m.OutgoingBytesPerSec, n).Max()}, analysis.DefaultHeadroom)
	obs.Outputs["write_use_pct"] = Number(math.Round(use))
	obs.Outputs["suggested_shards"] = Number(float64(sug.Target))
	obs.Outputs["reshard_needed"] = Flag(sug.Target > s.OpenShards)
	obs.Summary = fmt.Sprintf("peak write demand %s/s is %.0f%% of %d shards' %s/s", units.Bytes(peak), use, s.OpenShards, units.Bytes(capacity))
	obs.Evidence = []string{
		fmt.Sprintf("peak demand over %dm: %s/s (%s/s accepted + throttled records at the same size)", n, units.Bytes(peak), units.Bytes(peakAccepted)),
		fmt.Sprintf("write capacity: %d open shards x 1 MiB/s = %s/s (%.0f%% used at peak)", s.OpenShards, units.Bytes(capacity), use),
		"sizing: " + sug.Reason,
	}
	if sug.Target <= s.OpenShards {
		obs.Evidence = append(obs.Evidence, fmt.Sprintf("%d shards are enough for the stream as a whole; throttling with spare capacity means a hot shard (skewed partition keys)", s.OpenShards))
	}
	return obs, nil
}

func probeIncoming(ctx context.Context, env *Env, a Args) (Observation, error) {
	n, err := metricWindow(a)
	if err != nil {
		return Observation{}, err
	}
	_, m, err := streamView(ctx, env, a.Str("stream"))
	if err != nil {
		return Observation{}, err
	}
	recs, bytes := lastN(m.IncomingRecordsPerSec, n), lastN(m.IncomingBytesPerSec, n)
	idle := 0
	for _, v := range recs.Values {
		if v <= 0 {
			idle++
		}
	}
	rps, bps := recs.Mean(0), bytes.Mean(0)
	obs := Observation{
		Summary: fmt.Sprintf("%s records/s (%s/s) arriving over the last %dm", units.Count(rps), units.Bytes(bps), n),
		Outputs: map[string]Value{"records_per_sec": Number(math.Round(rps*100) / 100), "bytes_per_sec": Number(math.Round(bps)), "idle_minutes": Number(float64(idle))},
	}
	obs.Evidence = []string{obs.Summary}
	if idle > 0 {
		obs.Evidence = append(obs.Evidence, fmt.Sprintf("%d of %d minutes had no incoming record at all: producers stopped, failed, or write elsewhere", idle, n))
	}
	return obs, nil
}

func probeThrottles(ctx context.Context, env *Env, a Args) (Observation, error) {
	n, err := metricWindow(a)
	if err != nil {
		return Observation{}, err
	}
	_, m, err := streamView(ctx, env, a.Str("stream"))
	if err != nil {
		return Observation{}, err
	}
	wt, rt := lastN(m.WriteThrottled, n).Sum(0), lastN(m.ReadThrottled, n).Sum(0)
	accepted := lastN(m.IncomingRecordsPerSec, n).Sum(0) * aws.DefaultPeriod.Seconds()
	pct := 0.0
	if wt+accepted > 0 {
		pct = wt / (wt + accepted) * 100
	}
	obs := Observation{
		Summary: fmt.Sprintf("%s records rejected (%.1f%% of writes), %s reads throttled over the last %dm", units.Count(wt), pct, units.Count(rt), n),
		Outputs: map[string]Value{"write_throttled": Number(math.Round(wt)), "write_throttled_pct": Number(math.Round(pct*10) / 10), "read_throttled": Number(math.Round(rt))},
	}
	obs.Evidence = []string{obs.Summary}
	if wt > 0 {
		obs.Evidence = append(obs.Evidence, "rejected writes are lost unless the producer retries them (the KPL and Firehose do; a CloudWatch Logs subscription retries for a while, then drops)")
	}
	if rt > 0 {
		obs.Evidence = append(obs.Evidence, "read throttling: consumers share 5 GetRecords calls and 2 MiB/s per shard; too many consumers per shard slow each other down")
	}
	return obs, nil
}

func probeIteratorAge(ctx context.Context, env *Env, a Args) (Observation, error) {
	n, err := metricWindow(a)
	if err != nil {
		return Observation{}, err
	}
	s, m, err := streamView(ctx, env, a.Str("stream"))
	if err != nil {
		return Observation{}, err
	}
	window := m
	window.IteratorAgeMS = lastN(m.IteratorAgeMS, n)
	window.IncomingRecordsPerSec = lastN(m.IncomingRecordsPerSec, n)
	window.IncomingBytesPerSec = lastN(m.IncomingBytesPerSec, n)
	lag := aws.Lag(s, window)
	age := window.IteratorAge()
	obs := Observation{Outputs: map[string]Value{
		"age": Duration(age), "retention": Duration(s.Retention()),
		"retention_used_pct": Number(math.Round(lag.RetentionUsed*1000) / 10),
		"backlog_records":    Number(math.Round(lag.BacklogRecords)),
	}}
	if _, ok := window.IteratorAgeMS.Last(); !ok {
		obs.Summary = fmt.Sprintf("no consumer read %s in the last %dm (no GetRecords.IteratorAgeMilliseconds datapoint)", s.Name, n)
		obs.Evidence = []string{obs.Summary, "enhanced fan-out consumers report SubscribeToShardEvent.MillisBehindLatest instead, which this check does not read"}
		return obs, nil
	}
	if lag.GrowthKnown {
		obs.Outputs["growth"] = Number(math.Round(lag.Growth*1000) / 1000)
	}
	if lag.LossKnown {
		obs.Outputs["time_to_loss"] = Duration(lag.TimeToLoss.Round(time.Minute))
	}
	if lag.Level != analysis.LagOK || (lag.LossKnown && lag.TimeToLoss < 24*time.Hour) {
		obs.Outputs["suggested_retention_hours"] = Number(float64(min(8760, max(48, 2*s.RetentionHours))))
	}
	obs.Summary = lag.Message
	obs.Evidence = []string{lag.Message}
	switch {
	case !lag.GrowthKnown:
		obs.Evidence = append(obs.Evidence, "trend unknown: fewer than two datapoints in the window")
	case lag.Growth > 0.02:
		obs.Evidence = append(obs.Evidence, fmt.Sprintf("the age grew %.0f s per minute over the last %dm: consumers are falling further behind", lag.Growth*60, n))
	case lag.Growth < -0.02:
		obs.Evidence = append(obs.Evidence, fmt.Sprintf("the age shrank %.0f s per minute over the last %dm: consumers are catching up", -lag.Growth*60, n))
	default:
		obs.Evidence = append(obs.Evidence, fmt.Sprintf("the age is steady over the last %dm", n))
	}
	return obs, nil
}

func probeHotShards(ctx context.Context, env *Env, a Args) (Observation, error) {
	n, err := metricWindow(a)
	if err != nil {
		return Observation{}, err
	}
	b, stream := env.Kinesis, a.Str("stream")
	s, err := b.DescribeStream(ctx, stream)
	if err != nil {
		return Observation{}, err
	}
	shards, err := b.ListOpenShards(ctx, stream)
	if err != nil {
		return Observation{}, err
	}
	open := analysis.OpenShards(shards)
	obs := Observation{Outputs: map[string]Value{"open_shards": Number(float64(len(open)))}}
	var heat map[string]analysis.Heat
	if s.EnhancedMonitoring() {
		ids := make([]string, len(open))
		for i, sh := range open {
			ids[i] = sh.ID
		}
		ms, err := b.ShardMetrics(ctx, stream, ids, aws.LastHour(env.now()))
		if err != nil {
			return Observation{}, b.Classify(err, "reading shard-level metrics of "+stream)
		}
		rates := map[string]analysis.ShardRates{}
		for id, sm := range ms {
			if _, ok := sm.IncomingBytesPerSec.Last(); ok || sm.IncomingBytesPerSec.Max() > 0 {
				rates[id] = sm.Rates(n)
			}
		}
		heat = analysis.AssessHeat(shards, rates)
	} else {
		heat = analysis.AssessHeat(shards, nil)
	}
	counts := map[analysis.HeatLevel]int{}
	for _, sh := range open {
		h := heat[sh.ID]
		counts[h.Level]++
		obs.Evidence = append(obs.Evidence, fmt.Sprintf("%s %s: %s", sh.ID, strings.ToUpper(h.Level.String()), h.Reason))
	}
	obs.Outputs["hot"] = Number(float64(counts[analysis.HeatHot]))
	obs.Outputs["warm"] = Number(float64(counts[analysis.HeatWarm]))
	obs.Outputs["unknown"] = Number(float64(counts[analysis.HeatUnknown]))
	id, h, ok := analysis.HottestShard(heat)
	if ok && h.Level >= analysis.HeatWarm {
		obs.Outputs["hot_shard"] = Text(id)
		obs.Outputs["hot_share_pct"] = Number(math.Round(h.TrafficShare * 100))
	}
	sort.SliceStable(obs.Evidence, func(i, j int) bool { return heatRank(obs.Evidence[i]) > heatRank(obs.Evidence[j]) })
	switch {
	case !s.EnhancedMonitoring():
		obs.Summary = "shard-level metrics are off for " + stream + ": hot shards cannot be seen"
		obs.Evidence = append([]string{obs.Summary + " (enable them with :shard-metrics " + stream + " on; they cost extra per shard)"}, obs.Evidence...)
	case counts[analysis.HeatHot] > 0:
		obs.Summary = fmt.Sprintf("%s is hot: %s", id, h.Reason)
	case ok && h.Level == analysis.HeatWarm:
		obs.Summary = fmt.Sprintf("no hot shard; %s is the warmest: %s", id, h.Reason)
	default:
		obs.Summary = fmt.Sprintf("no hot shard among %d open shards", len(open))
	}
	return obs, nil
}

// heatRank sorts evidence lines hottest first.
func heatRank(line string) int {
	for i, w := range []string{" COLD:", " UNKNOWN:", " NORMAL:", " WARM:", " HOT:"} {
		if strings.Contains(line, w) {
			return i
		}
	}
	return -1
}
