package aws_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/opsconsole/opsconsole/internal/sim/simclock"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	awsbackend "github.com/opsconsole/opsconsole/internal/aws"
	"github.com/opsconsole/opsconsole/internal/aws/analysis"
	"github.com/opsconsole/opsconsole/internal/ops"
	"github.com/opsconsole/opsconsole/internal/sim/kinesissim"
)

func demo(t *testing.T) (*kinesissim.Sim, *awsbackend.Backend, *simclock.Clock) {
	t.Helper()
	clk := simclock.New(time.Date(2025, 6, 1, 9, 30, 0, 0, time.UTC))
	s := kinesissim.NewDemo(kinesissim.Options{Now: clk.Now})
	b := awsbackend.NewBackend(s, s, awsbackend.Options{Profile: "demo", Region: "us-east-1", Now: clk.Now,
		Sleep: func(ctx context.Context, d time.Duration) error { clk.Advance(d); return ctx.Err() }, SummaryInterval: -1})
	return s, b, clk
}

func TestDemoFleetShowsWhatTheRunbooksLookFor(t *testing.T) {
	_, b, clk := demo(t)
	ctx := context.Background()
	list, err := b.ListStreams(ctx)
	if err != nil || len(list) != 3 || list[0].Name != kinesissim.DemoAppLogs || list[1].Name != kinesissim.DemoAuditTrail || list[2].Name != kinesissim.DemoClickstream {
		t.Fatalf("demo streams: %v %+v", err, list)
	}
	app, _ := b.DescribeStream(ctx, kinesissim.DemoAppLogs)
	click, _ := b.DescribeStream(ctx, kinesissim.DemoClickstream)
	audit, _ := b.DescribeStream(ctx, kinesissim.DemoAuditTrail)
	if app.Mode != awsbackend.ModeProvisioned || app.OpenShards != 4 || !app.EnhancedMonitoring() ||
		click.Mode != awsbackend.ModeOnDemand || audit.RetentionHours != 168 || audit.Encryption != "KMS" {
		t.Fatalf("summaries: %+v %+v %+v", app, click, audit)
	}

	m, err := b.StreamMetrics(ctx, []string{app.Name, click.Name}, awsbackend.LastHour(clk.Now()))
	if err != nil {
		t.Fatal(err)
	}
	am := m[app.Name]
	in, _ := am.IncomingBytesPerSec.Last()
	if in < 1.3*analysis.MiB || in > 1.9*analysis.MiB || am.WriteThrottled.Sum(10) == 0 {
		t.Errorf("app-logs in %.0f B/s, throttles %v", in, am.WriteThrottled.Sum(10))
	}
	if n := len(am.IncomingBytesPerSec.Values); n != 60 {
		t.Errorf("sparkline has %d points", n)
	}
	lag := awsbackend.Lag(app, am)
	if age := am.IteratorAge(); age < 35*time.Minute || age > 47*time.Minute || !lag.GrowthKnown || lag.Growth < 0.1 {
		t.Errorf("iterator age %v, growth %v", age, lag.Growth)
	}
	if lag.BacklogRecords < 1e5 || !strings.Contains(lag.Message, "backlog ~") {
		t.Errorf("lag %+v", lag)
	}
	if cage := m[click.Name].IteratorAge(); cage > 5*time.Second {
		t.Errorf("clickstream consumers should be caught up, age %v", cage)
	}

	shards, err := b.ListShards(ctx, app.Name)
	if err != nil {
		t.Fatal(err)
	}
	heat := hotShard(t, b, app.Name, shards, clk)
	id, h, ok := analysis.HottestShard(heat)
	if !ok || id != kinesissim.DemoHotShard || h.Level != analysis.HeatHot || h.TrafficShare < 0.55 {
		t.Errorf("hottest %s %+v", id, h)
	}
}

func hotShard(t *testing.T, b *awsbackend.Backend, stream string, shards []awsbackend.Shard, clk *simclock.Clock) map[string]analysis.Heat {
	t.Helper()
	var ids []string
	for _, s := range analysis.OpenShards(shards) {
		ids = append(ids, s.ID)
	}
	sm, err := b.ShardMetrics(context.Background(), stream, ids, awsbackend.LastHour(clk.Now()))
	if err != nil {
		t.Fatal(err)
	}
	rates := map[string]analysis.ShardRates{}
	for id, m := range sm {
		rates[id] = m.Rates(10)
	}
	return analysis.AssessHeat(shards, rates)
}

// TestDemoFixTheHotShard is the "done when": find the hot shard,
// split it through the pipeline, and watch throttling stop and the
// consumer start catching up.
func TestDemoFixTheHotShard(t *testing.T) {
	_, b, clk := demo(t)
	ctx := context.Background()
	r, _ := newRunner(t)
	_, res := run(t, r, b.Split(kinesissim.DemoAppLogs, kinesissim.DemoHotShard, ""))
	if !strings.Contains(res.Verified, "app-logs is ACTIVE with 5 open shards; shardId-000000000001 closed") {
		t.Fatalf("verified %q", res.Verified)
	}
	clk.Advance(30 * time.Minute)
	shards, _ := b.ListShards(ctx, kinesissim.DemoAppLogs)
	heat := hotShard(t, b, kinesissim.DemoAppLogs, shards, clk)
	for id, h := range heat {
		if h.Level == analysis.HeatHot {
			t.Errorf("%s still hot after the split: %+v", id, h)
		}
	}
	m, _ := b.StreamMetrics(ctx, []string{kinesissim.DemoAppLogs}, awsbackend.LastHour(clk.Now()))
	am := m[kinesissim.DemoAppLogs]
	if thr := am.WriteThrottled.Sum(20); thr != 0 {
		t.Errorf("%v writes throttled in the last 20 minutes after the split", thr)
	}
	trend := am.AgeTrend()
	if first, last := trend[len(trend)-20].Age, trend[len(trend)-1].Age; last >= first {
		t.Errorf("iterator age did not fall after the split: %v -> %v", first, last)
	}
}

func TestDemoPlansShowRequestCLIAndNotes(t *testing.T) {
	_, b, _ := demo(t)
	r := &ops.Runner{}
	ctx := context.Background()
	p, err := r.Prepare(ctx, b.Reshard(kinesissim.DemoAppLogs, 8))
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Plan.Requests[0].String(); got != `Kinesis.UpdateShardCount {"ScalingType":"UNIFORM_SCALING","StreamName":"app-logs","TargetShardCount":8}` {
		t.Errorf("request %s", got)
	}
	if got := p.Plan.CLI[0]; got != "aws kinesis update-shard-count --stream-name app-logs --target-shard-count 8 --scaling-type UNIFORM_SCALING --profile demo --region us-east-1" {
		t.Errorf("cli %s", got)
	}
	notes := strings.Join(p.Plan.Notes, "\n")
	for _, want := range []string{"Observed over the last hour: peak", "Suggested target: ", "10 scalings per stream per rolling 24 hours", "UPDATING"} {
		if !strings.Contains(notes, want) {
			t.Errorf("reshard notes lack %q:\n%s", want, notes)
		}
	}
	if !strings.Contains(strings.Join(p.Plan.Changes, "\n"), "write 4 MiB/s and 4,000 records/s, read 8 MiB/s -> write 8 MiB/s and 8,000 records/s, read 16 MiB/s") {
		t.Errorf("changes %v", p.Plan.Changes)
	}

	p, err = r.Prepare(ctx, b.Retention(kinesissim.DemoAuditTrail, 24))
	if err != nil {
		t.Fatal(err)
	}
	notes = strings.Join(p.Plan.Notes, "\n")
	if p.Plan.Risk != ops.RiskTyped || p.Plan.ConfirmName != kinesissim.DemoAuditTrail ||
		!strings.Contains(notes, "Records older than 24 hours become unreadable at once: up to 6 d of the oldest data now retained, about ") ||
		p.Plan.CLI[0] != "aws kinesis decrease-stream-retention-period --stream-name audit-trail --retention-period-hours 24 --profile demo --region us-east-1" {
		t.Errorf("retention decrease plan %+v", p.Plan)
	}

	p, err = r.Prepare(ctx, b.SetShardMetrics(kinesissim.DemoClickstream, true))
	if err != nil {
		t.Fatal(err)
	}
	if notes := strings.Join(p.Plan.Notes, "\n"); !strings.Contains(notes, "7 metrics x 4 open shards = 28 custom metrics") ||
		p.Plan.CLI[0] != "aws kinesis enable-enhanced-monitoring --stream-name clickstream --shard-level-metrics IncomingBytes IncomingRecords OutgoingBytes OutgoingRecords WriteProvisionedThroughputExceeded ReadProvisionedThroughputExceeded IteratorAgeMilliseconds --profile demo --region us-east-1" {
		t.Errorf("metrics plan %+v", p.Plan)
	}

	p, err = r.Prepare(ctx, b.Split(kinesissim.DemoAppLogs, kinesissim.DemoHotShard, ""))
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Plan.Requests[0].Body; got != `{"NewStartingHashKey":"127605887595351923798765477786913079296","ShardToSplit":"shardId-000000000001","StreamName":"app-logs"}` {
		t.Errorf("split body %s", got)
	}
}

// TestDemoRecordsAreCloudWatchLogsEnvelopes reads the hot shard from
// TRIM_HORIZON and checks the payloads a runbook decodes.
func TestDemoRecordsAreCloudWatchLogsEnvelopes(t *testing.T) {
	s, _, _ := demo(t)
	ctx := context.Background()
	types_ := map[string]int{}
	errorsSeen := 0
	for _, shard := range []string{"shardId-000000000000", kinesissim.DemoHotShard, "shardId-000000000002", "shardId-000000000003"} {
		it, err := s.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: sdkaws.String(kinesissim.DemoAppLogs),
			ShardId: sdkaws.String(shard), ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
		if err != nil {
			t.Fatal(err)
		}
		out, err := s.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator})
		if err != nil {
			t.Fatal(err)
		}
		if shard == kinesissim.DemoHotShard && len(out.Records) < 800 {
			t.Errorf("hot shard holds only %d sample records", len(out.Records))
		}
		for _, r := range out.Records {
			zr, err := gzip.NewReader(bytes.NewReader(r.Data))
			if err != nil {
				t.Fatalf("record %s is not gzip: %v", sdkaws.ToString(r.SequenceNumber), err)
			}
			raw, _ := io.ReadAll(zr)
			var env struct {
				MessageType string `json:"messageType"`
				LogGroup    string `json:"logGroup"`
				LogEvents   []struct {
					Message string `json:"message"`
				} `json:"logEvents"`
			}
			if err := json.Unmarshal(raw, &env); err != nil {
				t.Fatalf("not a CloudWatch Logs envelope: %v: %s", err, raw)
			}
			types_[env.MessageType]++
			for _, ev := range env.LogEvents {
				var line map[string]any
				if env.MessageType == "DATA_MESSAGE" && json.Unmarshal([]byte(ev.Message), &line) != nil {
					t.Fatalf("log event is not ECS JSON: %q", ev.Message)
				}
				if strings.Contains(ev.Message, "payment-gateway request failed: context deadline exceeded") {
					errorsSeen++
				}
			}
		}
	}
	if types_["DATA_MESSAGE"] < 1200 || types_["CONTROL_MESSAGE"] == 0 || errorsSeen < 1000 {
		t.Errorf("message types %v, repetitive errors %d", types_, errorsSeen)
	}
}
