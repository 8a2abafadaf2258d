package runbook

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/opsconsole/opsconsole/internal/aws"
	"github.com/opsconsole/opsconsole/internal/aws/analysis"
	"github.com/opsconsole/opsconsole/internal/decode"
)

// Sampling bounds: a probe reads at most this much from a production
// stream, and paces its reads so it never takes more than its share of a
// shard's 5 GetRecords calls per second.
const (
	sampleCallsPerShard = 4
	sampleReadPause     = 250 * time.Millisecond
	sampleConcurrency   = 4
	sampleMaxShards     = 64
)

func logsProbes() []*Probe {
	return []*Probe{{
		Name: "logs.top_errors", Backend: BackendKinesis,
		Help: "reads a bounded sample of a stream's recent records, decodes them (CloudWatch Logs, gzip, KPL, ECS JSON) and counts error messages by template",
		Params: []ProbeParam{streamParam,
			{Name: "window", Default: "5m", Help: "how far back to read (AT_TIMESTAMP now-window)"},
			{Name: "max_records", Default: "5000", Help: "stop after this many records"},
			{Name: "min_level", Default: "error", Help: "the least severe level counted (warn, error, fatal)"}},
		Outputs: []Output{
			{"records", KindNumber, "records read"}, {"events", KindNumber, "decoded events"},
			{"errors", KindNumber, "events at min_level or worse"},
			{"top_count", KindNumber, "events of the most repeated error template"},
			{"top_share_pct", KindNumber, "its share of all events"},
			{"top_message", KindText, "the template (numbers, ids and times replaced)"},
			{"top_source", KindText, "where it came from (log group or service)"},
		},
		Thresholds: map[string]Threshold{"top_share_pct": mustThreshold(">= 5", ">= 20")},
		Run:        probeTopErrors,
	}}
}

func probeTopErrors(ctx context.Context, env *Env, a Args) (Observation, error) {
	window, err := a.Duration("window")
	if err != nil {
		return Observation{}, err
	}
	if window < time.Minute || window > 24*time.Hour {
		return Observation{}, fmt.Errorf("window %s must be between 1m and 24h", window)
	}
	maxRecords, err := a.Int("max_records")
	if err != nil || maxRecords < 1 {
		return Observation{}, fmt.Errorf("max_records must be a whole number of 1 or more")
	}
	minLevel := decode.NormalizeLevel(a.Str("min_level"))
	stream := a.Str("stream")
	recs, notes, err := sampleRecords(ctx, env, stream, env.now().Add(-window), maxRecords)
	if err != nil {
		return Observation{}, err
	}
	top := decode.NewTopMessages(2000)
	var events []decode.Event
	for _, r := range recs {
		events, _ = decode.Decode(r, events[:0])
		for i := range events {
			top.Add(&events[i])
		}
	}
	rows := top.Top(0, minLevel)
	errCount := 0
	for _, r := range rows {
		errCount += r.Count
	}
	obs := Observation{Outputs: map[string]Value{
		"records": Number(float64(len(recs))), "events": Number(float64(top.Total())), "errors": Number(float64(errCount)),
	}}
	obs.Evidence = append(obs.Evidence, notes...)
	if len(rows) == 0 {
		obs.Outputs["top_count"] = Number(0)
		obs.Outputs["top_share_pct"] = Number(0)
		obs.Summary = fmt.Sprintf("no %s-level message in %d events from %d records of the last %s", minLevel, top.Total(), len(recs), formatDuration(window))
		obs.Evidence = append([]string{obs.Summary}, obs.Evidence...)
		return obs, nil
	}
	first := rows[0]
	share := float64(first.Count) / float64(max(top.Total(), 1)) * 100
	obs.Outputs["top_count"] = Number(float64(first.Count))
	obs.Outputs["top_share_pct"] = Number(math.Round(share*10) / 10)
	obs.Outputs["top_message"] = Text(first.Template)
	obs.Outputs["top_source"] = Text(first.Source)
	obs.Summary = fmt.Sprintf("%q is %.0f%% of all events (%d of %d) in the last %s", first.Template, share, first.Count, top.Total(), formatDuration(window))
	lines := []string{fmt.Sprintf("%d records, %d events, %d at %s or worse, %d distinct templates", len(recs), top.Total(), errCount, minLevel, top.Distinct())}
	for i, r := range rows {
		if i == 5 {
			break
		}
		lines = append(lines, fmt.Sprintf("%5d x %-5s %s  [%s]  e.g. %s", r.Count, r.Level, r.Template, r.Source, r.Example))
	}
	obs.Evidence = append(lines, obs.Evidence...)
	return obs, nil
}

// sampleRecords reads the records a stream received since from, shard by
// shard (a few shards at a time, each read paced and bounded), and stops
// at max records. Notes say what was left unread.
func sampleRecords(ctx context.Context, env *Env, stream string, from time.Time, max int) ([]decode.Record, []string, error) {
	b := env.Kinesis
	shards, err := b.ListShards(ctx, stream)
	if err != nil {
		return nil, nil, err
	}
	var notes []string
	if len(shards) > sampleMaxShards {
		notes = append(notes, fmt.Sprintf("sampled the first %d of %d shards", sampleMaxShards, len(shards)))
		shards = shards[:sampleMaxShards]
	}
	var (
		mu      sync.Mutex
		out     []decode.Record
		errs    []error
		partial int
		wg      sync.WaitGroup
		sem     = make(chan struct{}, sampleConcurrency)
	)
	full := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(out) >= max
	}
	for _, sh := range shards {
		wg.Add(1)
		go func(sh analysis.Shard) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if full() {
				return
			}
			recs, more, err := readShardSince(ctx, env, stream, sh.ID, from)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			if more {
				partial++
			}
			out = append(out, recs...)
		}(sh)
	}
	wg.Wait()
	if len(out) == 0 && len(errs) > 0 {
		return nil, nil, b.Classify(errors.Join(errs...), "reading records of "+stream)
	}
	for _, e := range errs {
		notes = append(notes, "a shard could not be read: "+b.Classify(e, "reading records of "+stream).Error())
	}
	if partial > 0 {
		notes = append(notes, fmt.Sprintf("%d shard(s) had more records than the sample reads (%d calls each)", partial, sampleCallsPerShard))
	}
	if len(out) > max {
		notes = append(notes, fmt.Sprintf("kept the first %d of %d records read", max, len(out)))
		out = out[:max]
	}
	return out, notes, nil
}

// readShardSince reads one shard from a timestamp, at most
// sampleCallsPerShard GetRecords calls, paced. more reports that the shard
// had records left.
func readShardSince(ctx context.Context, env *Env, stream, shard string, from time.Time) (recs []decode.Record, more bool, err error) {
	api := env.Kinesis.Kinesis()
	it, err := api.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: sdkaws.String(stream), ShardId: sdkaws.String(shard),
		ShardIteratorType: types.ShardIteratorTypeAtTimestamp, Timestamp: sdkaws.Time(from)})
	if err != nil {
		return nil, false, err
	}
	iter := it.ShardIterator
	for call := 0; call < sampleCallsPerShard && iter != nil; call++ {
		if call > 0 {
			if err := env.sleep(ctx, sampleReadPause); err != nil {
				return recs, false, err
			}
		}
		page, err := getRecordsPolitely(ctx, env, api, iter)
		if err != nil {
			return recs, false, err
		}
		for _, r := range page.Records {
			recs = append(recs, decode.Record{Data: r.Data, PartitionKey: sdkaws.ToString(r.PartitionKey), SequenceNumber: sdkaws.ToString(r.SequenceNumber),
				ShardID: shard, ArrivalTime: sdkaws.ToTime(r.ApproximateArrivalTimestamp), EncryptionType: string(r.EncryptionType)})
		}
		iter = page.NextShardIterator
		if len(page.Records) == 0 || sdkaws.ToInt64(page.MillisBehindLatest) == 0 {
			return recs, false, nil
		}
	}
	return recs, iter != nil, nil
}

// getRecordsPolitely reads one page, backing off when the shard's read
// limit is reached (production consumers share it): a throttled sample
// waits, it does not fail.
func getRecordsPolitely(ctx context.Context, env *Env, api aws.RecordReader, iter *string) (*kinesis.GetRecordsOutput, error) {
	for attempt := 0; ; attempt++ {
		page, err := api.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter, Limit: sdkaws.Int32(1000)})
		var thr *types.ProvisionedThroughputExceededException
		if err == nil || !errors.As(err, &thr) || attempt == 3 {
			return page, err
		}
		if err := env.sleep(ctx, time.Duration(attempt+1)*time.Second); err != nil {
			return nil, err
		}
	}
}
