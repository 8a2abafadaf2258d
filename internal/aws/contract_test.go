package aws_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/opsconsole/opsconsole/internal/sim/simclock"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	awsbackend "github.com/opsconsole/opsconsole/internal/aws"
	"github.com/opsconsole/opsconsole/internal/aws/analysis"
	"github.com/opsconsole/opsconsole/internal/aws/kinesislocal"
	"github.com/opsconsole/opsconsole/internal/ops"
	"github.com/opsconsole/opsconsole/internal/sim/kinesissim"
)

// peer is one implementation of Kinesis the contract suite runs against:
// the simulator or kinesis-local. The code under test is the same Backend.
type peer struct {
	name    string
	backend *awsbackend.Backend
	admin   awsbackend.StreamAdmin
	kin     awsbackend.KinesisAPI
	// settle lets time pass until stream state transitions can finish.
	settle func()
	sim    *kinesissim.Sim // nil for kinesis-local
}

const testPageSize = 2

func simPeer(t *testing.T) peer {
	clk := simclock.New(time.Date(2025, 5, 6, 7, 0, 0, 0, time.UTC))
	s := kinesissim.New(kinesissim.Options{Now: clk.Now})
	b := awsbackend.NewBackend(s, s, awsbackend.Options{
		Profile: "sim", Region: "us-east-1",
		Now:   clk.Now,
		Sleep: func(ctx context.Context, d time.Duration) error { clk.Advance(d); return ctx.Err() },
		// No spacing: the fake clock only moves when something sleeps.
		SummaryInterval: -1, PollInterval: time.Second, PageSize: testPageSize,
	})
	return peer{name: "sim", backend: b, admin: s, kin: s, sim: s, settle: func() { clk.Advance(5 * time.Second) }}
}

func localPeer(t *testing.T) peer {
	p := kinesislocal.Start(t)
	p.Env(t)
	b, err := awsbackend.Connect(context.Background(), awsbackend.Config{}, awsbackend.Options{
		PollInterval: 100 * time.Millisecond, PageSize: testPageSize, SummaryInterval: 10 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	k := b.Kinesis()
	return peer{name: "kinesis-local", backend: b, admin: k.(awsbackend.StreamAdmin), kin: k,
		settle: func() { time.Sleep(3 * kinesislocal.StateDelay) }}
}

// eachPeer runs the suite against the simulator and kinesis-local.
func eachPeer(t *testing.T, f func(t *testing.T, p peer)) {
	t.Run("sim", func(t *testing.T) { f(t, simPeer(t)) })
	t.Run("kinesis-local", func(t *testing.T) { f(t, localPeer(t)) })
}

func (p peer) create(t *testing.T, name string, shards int, mode types.StreamMode) {
	t.Helper()
	ctx := context.Background()
	in := &kinesis.CreateStreamInput{StreamName: sdkaws.String(name), StreamModeDetails: &types.StreamModeDetails{StreamMode: mode}}
	if mode == types.StreamModeProvisioned {
		in.ShardCount = sdkaws.Int32(int32(shards))
	}
	if _, err := p.admin.CreateStream(ctx, in); err != nil {
		t.Fatalf("%s: CreateStream %s: %v", p.name, name, err)
	}
	p.waitActive(t, name)
}

// waitActive polls (a condition, not a fixed sleep) until the stream is ACTIVE.
func (p peer) waitActive(t *testing.T, name string) awsbackend.StreamSummary {
	t.Helper()
	for range 200 {
		s, err := p.backend.DescribeStream(context.Background(), name)
		if err == nil && s.Status == awsbackend.StatusActive {
			return s
		}
		p.settle()
	}
	t.Fatalf("%s: stream %s never became ACTIVE", p.name, name)
	return awsbackend.StreamSummary{}
}

func newRunner(t *testing.T) (*ops.Runner, string) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	log, err := ops.OpenAudit(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	return &ops.Runner{Audit: log, Who: ops.Identity{User: "tester", Host: "ci"},
		Target: ops.Target{Name: "test", Environment: "staging"}, VerifyTimeout: 2 * time.Minute}, path
}

// run prepares, confirms (typing what the plan asks for) and executes.
func run(t *testing.T, r *ops.Runner, a ops.Action) (ops.Plan, ops.Result) {
	t.Helper()
	ctx := context.Background()
	prep, err := r.Prepare(ctx, a)
	if err != nil {
		t.Fatalf("%s %s: Prepare: %v", a.Name(), a.Resource(), err)
	}
	var typed []string
	for _, c := range prep.Confirmations {
		typed = append(typed, c.Expect)
	}
	res := r.Execute(ctx, prep, typed)
	if res.Outcome != ops.OutcomeApplied || res.Err != nil || res.VerifyErr != nil || res.AuditErr != nil {
		t.Fatalf("%s %s: outcome %s err %v verify %v audit %v", a.Name(), a.Resource(), res.Outcome, res.Err, res.VerifyErr, res.AuditErr)
	}
	return prep.Plan, res
}

func TestContractListStreamsAndSummaries(t *testing.T) {
	eachPeer(t, func(t *testing.T, p peer) {
		ctx := context.Background()
		var want []string
		for i := range 5 {
			name := fmt.Sprintf("contract-%d", i)
			p.create(t, name, 1+i%3, types.StreamModeProvisioned)
			want = append(want, name)
		}
		p.create(t, "contract-od", 0, types.StreamModeOnDemand)
		want = append(want, "contract-od")

		list, err := p.backend.ListStreams(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, l := range list {
			got = append(got, l.Name)
		}
		slices.Sort(got)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("ListStreams (page size %d) = %v, want %v", testPageSize, got, want)
		}

		results := map[string]awsbackend.SummaryResult{}
		if err := p.backend.LoadSummaries(ctx, got, func(r awsbackend.SummaryResult) {
			if _, dup := results[r.Name]; dup {
				t.Errorf("%s delivered twice", r.Name)
			}
			results[r.Name] = r
		}); err != nil {
			t.Fatal(err)
		}
		if len(results) != len(want) {
			t.Fatalf("delivered %d summaries, want %d", len(results), len(want))
		}
		for i := range 5 {
			r := results[fmt.Sprintf("contract-%d", i)]
			s := r.Summary
			if r.Err != nil || s.Status != awsbackend.StatusActive || s.Mode != awsbackend.ModeProvisioned ||
				s.OpenShards != 1+i%3 || s.RetentionHours != 24 || s.Encryption != "NONE" || s.EnhancedMonitoring() {
				t.Errorf("summary of contract-%d: %+v (err %v)", i, s, r.Err)
			}
		}
		if s := results["contract-od"].Summary; s.Mode != awsbackend.ModeOnDemand || s.OpenShards < 1 {
			t.Errorf("on-demand summary %+v", s)
		}
	})
}

func TestContractShardsAndRecords(t *testing.T) {
	eachPeer(t, func(t *testing.T, p peer) {
		ctx := context.Background()
		p.create(t, "records", 5, types.StreamModeProvisioned)
		shards, err := p.backend.ListShards(ctx, "records")
		if err != nil {
			t.Fatal(err)
		}
		if len(shards) != 5 {
			t.Fatalf("ListShards (page size %d) returned %d shards", testPageSize, len(shards))
		}
		for i, r := range analysis.UniformRanges(5) {
			if shards[i].Range != r || !shards[i].Open() || shards[i].StartingSequence == "" {
				t.Errorf("shard %d: %+v, want range %s..%s", i, shards[i], r.Start, r.End)
			}
		}
		if m := analysis.BuildKeyspaceMap(shards, nil); !m.Complete {
			t.Errorf("keyspace map of a fresh stream is not complete: %+v", m)
		}

		// Put records under many keys; each must land in the shard whose
		// range holds MD5(key).
		var entries []types.PutRecordsRequestEntry
		for i := range 40 {
			entries = append(entries, types.PutRecordsRequestEntry{PartitionKey: sdkaws.String(fmt.Sprintf("key-%d", i)), Data: []byte(fmt.Sprintf("rec-%d", i))})
		}
		out, err := p.kin.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: sdkaws.String("records"), Records: entries})
		if err != nil || sdkaws.ToInt32(out.FailedRecordCount) != 0 {
			t.Fatalf("PutRecords: %v %+v", err, out)
		}
		one, err := p.kin.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: sdkaws.String("records"), PartitionKey: sdkaws.String("single"), Data: []byte("single")})
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range out.Records {
			want := shardFor(t, shards, fmt.Sprintf("key-%d", i))
			if sdkaws.ToString(r.ShardId) != want {
				t.Errorf("key-%d went to %s, its MD5 is in %s", i, sdkaws.ToString(r.ShardId), want)
			}
		}
		seen := 0
		for _, sh := range shards {
			it, err := p.kin.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: sdkaws.String("records"),
				ShardId: sdkaws.String(sh.ID), ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
			if err != nil {
				t.Fatal(err)
			}
			recs, err := p.kin.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range recs.Records {
				if shardFor(t, shards, sdkaws.ToString(r.PartitionKey)) != sh.ID {
					t.Errorf("record %s read from the wrong shard %s", sdkaws.ToString(r.PartitionKey), sh.ID)
				}
				seen++
			}
			if recs.NextShardIterator == nil {
				t.Errorf("open shard %s returned no next iterator", sh.ID)
			}
		}
		if seen != 41 {
			t.Errorf("read %d records back, put 41", seen)
		}
		// AT_SEQUENCE_NUMBER returns the record itself.
		it, err := p.kin.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: sdkaws.String("records"),
			ShardId: one.ShardId, ShardIteratorType: types.ShardIteratorTypeAtSequenceNumber, StartingSequenceNumber: one.SequenceNumber})
		if err != nil {
			t.Fatal(err)
		}
		recs, err := p.kin.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator, Limit: sdkaws.Int32(1)})
		if err != nil || len(recs.Records) != 1 || string(recs.Records[0].Data) != "single" {
			t.Errorf("AT_SEQUENCE_NUMBER: %v %+v", err, recs)
		}
	})
}

func shardFor(t *testing.T, shards []awsbackend.Shard, pk string) string {
	t.Helper()
	k := kinesissim.HashKeyOf(pk)
	for _, s := range analysis.OpenShards(shards) {
		if s.Range.Contains(k) {
			return s.ID
		}
	}
	t.Fatalf("no open shard holds %s", pk)
	return ""
}

// TestContractRemediations runs every action end to end through ops.Runner,
// with the audit log, and checks the layout the stream ends up with.
func TestContractRemediations(t *testing.T) {
	eachPeer(t, func(t *testing.T, p peer) {
		ctx := context.Background()
		r, auditPath := newRunner(t)
		p.create(t, "fixme", 2, types.StreamModeProvisioned)

		plan, res := run(t, r, p.backend.Reshard("fixme", 4))
		if !strings.Contains(plan.Requests[0].Body, `"TargetShardCount":4`) || !strings.Contains(res.Verified, "ACTIVE with 4 open shards (was 2)") {
			t.Errorf("reshard: %+v / %q", plan.Requests, res.Verified)
		}
		shards, err := p.backend.ListShards(ctx, "fixme")
		if err != nil {
			t.Fatal(err)
		}
		open := analysis.OpenShards(shards)
		if len(open) != 4 || !analysis.BuildKeyspaceMap(shards, nil).Complete {
			t.Fatalf("after reshard: %d open shards: %+v", len(open), shards)
		}
		// Lineage: every new shard is listed below one of its parents.
		rows := analysis.Lineage(shards)
		depth := map[string]int{}
		for _, row := range rows {
			depth[row.Shard.ID] = row.Depth
		}
		for _, s := range open {
			if s.ParentID == "" || depth[s.ID] == 0 {
				t.Errorf("child %s is not under a parent (parent %q, depth %d)", s.ID, s.ParentID, depth[s.ID])
			}
		}
		// Uniform: a quarter each. (kinesis-local's UpdateShardCount puts
		// the boundaries at i*(2^128-1)/n, one key off AWS's i*2^128/n, so
		// compare shares, not exact keys.)
		for i, s := range open {
			if d := s.Range.Share() - 0.25; d > 1e-12 || d < -1e-12 {
				t.Errorf("open shard %d has %v of the keyspace, want 1/4", i, s.Range.Share())
			}
		}

		_, res = run(t, r, p.backend.Split("fixme", open[0].ID, ""))
		if !strings.Contains(res.Verified, "ACTIVE with 5 open shards") || !strings.Contains(res.Verified, "12.5% of keys") {
			t.Errorf("split verify: %q", res.Verified)
		}
		shards, _ = p.backend.ListShards(ctx, "fixme")
		open = analysis.OpenShards(shards)
		// Merge the two halves back (named in reverse order: normalised).
		plan, res = run(t, r, p.backend.Merge("fixme", open[1].ID, open[0].ID))
		if plan.Risk != ops.RiskTyped || plan.ConfirmName != "fixme" ||
			!strings.Contains(plan.Requests[0].Body, `"ShardToMerge":"`+open[0].ID+`"`) ||
			!strings.Contains(res.Verified, "ACTIVE with 4 open shards") {
			t.Errorf("merge: %+v / %q", plan, res.Verified)
		}

		plan, res = run(t, r, p.backend.Retention("fixme", 48))
		if plan.Requests[0].API != "Kinesis.IncreaseStreamRetentionPeriod" || !strings.Contains(res.Verified, "48 hours (was 24)") {
			t.Errorf("retention up: %+v / %q", plan.Requests, res.Verified)
		}
		plan, res = run(t, r, p.backend.Retention("fixme", 24))
		if plan.Requests[0].API != "Kinesis.DecreaseStreamRetentionPeriod" || plan.Risk != ops.RiskTyped || !strings.Contains(res.Verified, "24 hours (was 48)") {
			t.Errorf("retention down: %+v / %q", plan.Requests, res.Verified)
		}

		plan, res = run(t, r, p.backend.SetShardMetrics("fixme", true))
		if !strings.Contains(plan.Requests[0].Body, `"ShardLevelMetrics":["IncomingBytes","IncomingRecords","OutgoingBytes","OutgoingRecords","WriteProvisionedThroughputExceeded","ReadProvisionedThroughputExceeded","IteratorAgeMilliseconds"]`) ||
			!strings.Contains(res.Verified, "shard-level metrics on") {
			t.Errorf("metrics on: %+v / %q", plan.Requests, res.Verified)
		}
		s, _ := p.backend.DescribeStream(ctx, "fixme")
		if len(s.ShardMetrics) != 7 {
			t.Errorf("enabled metrics %v", s.ShardMetrics)
		}
		_, res = run(t, r, p.backend.SetShardMetrics("fixme", false))
		if !strings.Contains(res.Verified, "off") {
			t.Errorf("metrics off: %q", res.Verified)
		}

		entries, skipped, err := ops.ReadAudit(auditPath, 0)
		if err != nil || skipped != 0 {
			t.Fatal(err, skipped)
		}
		var actions []string
		for _, e := range entries {
			if e.Outcome != ops.OutcomeApplied || e.Resource != "fixme" || !strings.HasPrefix(e.Request, "Kinesis.") || !strings.HasPrefix(e.CLI, "aws kinesis ") {
				t.Errorf("audit entry %+v", e)
			}
			actions = append(actions, e.Action)
		}
		if got := strings.Join(actions, ","); got != "reshard,split,merge,retention,retention,shard-metrics,shard-metrics" {
			t.Errorf("audited actions %s", got)
		}
	})
}

// TestContractOnDemandReshardRefused: kinesis-local would accept
// UpdateShardCount on an on-demand stream (AWS does not); the action must
// refuse before sending anything, on both peers.
func TestContractOnDemandReshardRefused(t *testing.T) {
	eachPeer(t, func(t *testing.T, p peer) {
		p.create(t, "od", 0, types.StreamModeOnDemand)
		before := p.waitActive(t, "od")
		r, _ := newRunner(t)
		_, err := r.Prepare(context.Background(), p.backend.Reshard("od", before.OpenShards*2))
		if err == nil || !strings.Contains(err.Error(), "ON_DEMAND") || !strings.Contains(err.Error(), "scales on-demand streams by itself") {
			t.Fatalf("reshard of an on-demand stream: %v", err)
		}
		p.settle()
		if after := p.waitActive(t, "od"); after.OpenShards != before.OpenShards {
			t.Errorf("open shards changed %d -> %d", before.OpenShards, after.OpenShards)
		}
		if p.sim != nil && p.sim.Calls("UpdateShardCount") != 0 {
			t.Errorf("UpdateShardCount was sent")
		}
	})
}
