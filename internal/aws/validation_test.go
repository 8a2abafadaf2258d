package aws_test

import (
	"context"
	"fmt"
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

var mutations = []string{"UpdateShardCount", "SplitShard", "MergeShards", "IncreaseStreamRetentionPeriod",
	"DecreaseStreamRetentionPeriod", "EnableEnhancedMonitoring", "DisableEnhancedMonitoring"}

// fixture is a simulator with streams in known states:
//
//	prov4    provisioned, 4 shards, ACTIVE
//	one      provisioned, 1 shard
//	ondemand on-demand
//	busy     provisioned, 2 shards, UPDATING (a split is in progress)
//	split    provisioned; shard 0 was split at its last key, so shard 0 is
//	         closed and shard 3 covers a single key
//	huge     provisioned, 6,000 shards
//	metered  provisioned, shard-level metrics all on
func fixture(t *testing.T) (*kinesissim.Sim, *awsbackend.Backend, *simclock.Clock) {
	t.Helper()
	clk := simclock.New(time.Date(2025, 5, 6, 7, 0, 0, 0, time.UTC))
	s := kinesissim.New(kinesissim.Options{Now: clk.Now})
	ctx := context.Background()
	mk := func(name string, n int, mode types.StreamMode) {
		in := &kinesis.CreateStreamInput{StreamName: sdkaws.String(name), StreamModeDetails: &types.StreamModeDetails{StreamMode: mode}}
		if n > 0 {
			in.ShardCount = sdkaws.Int32(int32(n))
		}
		if _, err := s.CreateStream(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	mk("prov4", 4, types.StreamModeProvisioned)
	mk("one", 1, types.StreamModeProvisioned)
	mk("ondemand", 0, types.StreamModeOnDemand)
	mk("busy", 2, types.StreamModeProvisioned)
	mk("split", 2, types.StreamModeProvisioned)
	mk("huge", 6000, types.StreamModeProvisioned)
	mk("metered", 2, types.StreamModeProvisioned)
	clk.Advance(time.Minute)
	half := analysis.UniformRanges(2)[1].Start
	if _, err := s.SplitShard(ctx, &kinesis.SplitShardInput{StreamName: sdkaws.String("split"), ShardToSplit: sdkaws.String("shardId-000000000000"),
		NewStartingHashKey: sdkaws.String(half.Dec().String())}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EnableEnhancedMonitoring(ctx, &kinesis.EnableEnhancedMonitoringInput{StreamName: sdkaws.String("metered"),
		ShardLevelMetrics: []types.MetricsName{types.MetricsNameAll}}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	if _, err := s.SplitShard(ctx, &kinesis.SplitShardInput{StreamName: sdkaws.String("busy"), ShardToSplit: sdkaws.String("shardId-000000000000"),
		NewStartingHashKey: sdkaws.String("1000")}); err != nil {
		t.Fatal(err)
	}
	base := map[string]int{}
	for _, m := range mutations {
		base[m] = s.Calls(m)
	}
	t.Cleanup(func() {
		for _, m := range mutations {
			if s.Calls(m) != base[m] {
				t.Errorf("%s was sent %d time(s) by a test that must send nothing", m, s.Calls(m)-base[m])
			}
		}
	})
	b := awsbackend.NewBackend(s, s, awsbackend.Options{Profile: "ops", Region: "eu-west-1", Now: clk.Now,
		Sleep: func(ctx context.Context, d time.Duration) error { return ctx.Err() }, SummaryInterval: -1})
	return s, b, clk
}

func TestEveryValidationRuleRefusesBeforeSending(t *testing.T) {
	_, b, _ := fixture(t)
	shard := func(n string) string { return "shardId-00000000000" + n }
	cases := []struct {
		name   string
		action ops.Action
		want   string
	}{
		{"reshard: provisioned only", b.Reshard("ondemand", 8), "AWS scales on-demand streams by itself"},
		{"reshard: ACTIVE only", b.Reshard("busy", 3), "busy is UPDATING"},
		{"reshard: at least half", b.Reshard("prov4", 1), "less than half of the current 4 open shards: one UpdateShardCount may go down to 2"},
		{"reshard: at most double", b.Reshard("prov4", 9), "more than double the current 4 open shards: one UpdateShardCount may go up to 8"},
		{"reshard: at most 10,000", b.Reshard("huge", 10001), "10,001 shards is above the Kinesis maximum of 10,000"},
		{"reshard: a change", b.Reshard("prov4", 4), "already has 4 open shards; nothing to change"},
		{"reshard: at least one shard", b.Reshard("one", 0), "needs at least 1 shard"},
		{"reshard: stream name", b.Reshard("bad name!", 2), `"bad name!" is not a Kinesis stream name`},
		{"reshard: stream exists", b.Reshard("nope", 2), "describing stream nope: not found in region eu-west-1"},
		{"split: ACTIVE only", b.Split("busy", shard("1"), ""), "busy is UPDATING"},
		{"split: shard exists", b.Split("prov4", shard("9"), ""), "has no shard shardId-000000000009"},
		{"split: open shards only", b.Split("split", shard("0"), ""), "shardId-000000000000 of split is closed"},
		{"split: key after the start", b.Split("prov4", shard("1"), analysis.UniformRanges(4)[1].Start.String()), "is not inside shard shardId-000000000001: the new starting hash key must be greater than"},
		{"split: key within the end", b.Split("prov4", shard("1"), analysis.UniformRanges(4)[2].Start.String()), "is not inside shard"},
		{"split: key syntax", b.Split("prov4", shard("1"), "12ab"), "--at: hash key \"12ab\""},
		{"split: one-key shard", b.Split("split", shard("3"), ""), "covers a single hash key"},
		{"merge: two shards", b.Merge("prov4", shard("1"), shard("1")), "cannot merge shardId-000000000001 with itself"},
		{"merge: ACTIVE only", b.Merge("busy", shard("0"), shard("1")), "busy is UPDATING"},
		{"merge: adjacent only", b.Merge("prov4", shard("0"), shard("2")), "shards shardId-000000000000 and shardId-000000000002 are not adjacent"},
		{"merge: adjacent only, reversed", b.Merge("prov4", shard("3"), shard("1")), "are not adjacent"},
		{"merge: open only", b.Merge("split", shard("0"), shard("1")), "shardId-000000000000 of split is closed"},
		{"merge: shards exist", b.Merge("prov4", shard("0"), shard("7")), "has no shard shardId-000000000007"},
		{"retention: at least 24", b.Retention("prov4", 23), "between 24 and 8,760 hours"},
		{"retention: at most 8760", b.Retention("prov4", 8761), "between 24 and 8,760 hours"},
		{"retention: a change", b.Retention("prov4", 24), "already keeps records for 24 hours"},
		{"retention: ACTIVE only", b.Retention("busy", 48), "busy is UPDATING"},
		{"shard-metrics: already on", b.SetShardMetrics("metered", true), "already on for metered"},
		{"shard-metrics: already off", b.SetShardMetrics("prov4", false), "already off for prov4"},
		{"shard-metrics: ACTIVE only", b.SetShardMetrics("busy", true), "busy is UPDATING"},
	}
	r := &ops.Runner{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := r.Prepare(context.Background(), c.action)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Prepare = %v\nwant an error containing %q", err, c.want)
			}
		})
	}
}

func TestValidationBoundariesAreAccepted(t *testing.T) {
	_, b, _ := fixture(t)
	r := &ops.Runner{}
	for _, a := range []ops.Action{
		b.Reshard("prov4", 2), b.Reshard("prov4", 8), b.Reshard("one", 2),
		b.Split("prov4", "shardId-000000000001", analysis.UniformRanges(4)[2].Start.Dec().String()), // its last key
		b.Split("prov4", "shardId-000000000001", ""),                                                // the middle
	} {
		if _, err := r.Prepare(context.Background(), a); err != nil {
			t.Errorf("%s %v: %v", a.Name(), a.Params(), err)
		}
	}
	for _, c := range []struct {
		a     ops.Action
		risk  ops.Risk
		title string
	}{
		{b.Merge("prov4", "shardId-000000000002", "shardId-000000000001"), ops.RiskTyped, "Merge shardId-000000000001 and shardId-000000000002 of prov4"},
		{b.Retention("prov4", 8760), ops.RiskConfirm, "Change retention of prov4"},
		{b.Retention("prov4", 24+1), ops.RiskConfirm, "Change retention of prov4"},
		{b.SetShardMetrics("prov4", true), ops.RiskConfirm, "Shard-level metrics on for prov4"},
		{b.SetShardMetrics("metered", false), ops.RiskConfirm, "Shard-level metrics off for metered"},
	} {
		p, err := r.Prepare(context.Background(), c.a)
		if err != nil || p.Plan.Risk != c.risk || p.Plan.Title != c.title {
			t.Errorf("%s %v: %v %+v", c.a.Name(), c.a.Params(), err, p)
		}
	}
}

func TestCommandParsing(t *testing.T) {
	_, b, _ := fixture(t)
	for _, c := range []struct {
		verb   string
		args   []string
		name   string
		params string
		err    string
	}{
		{"reshard", []string{"prov4", "8"}, "reshard", "map[target_shard_count:8]", ""},
		{"reshard", []string{"prov4", "eight"}, "", "", `"eight" is not a shard count; usage: :reshard STREAM N`},
		{"reshard", []string{"prov4"}, "", "", "reshard takes a stream and a shard count"},
		{"split", []string{"prov4", "shardId-000000000001"}, "split", "map[shard:shardId-000000000001]", ""},
		{"split", []string{"prov4", "shardId-000000000001", "--at", "123"}, "split", "map[at:123 shard:shardId-000000000001]", ""},
		{"split", []string{"prov4", "shardId-000000000001", "--at=123"}, "split", "map[at:123 shard:shardId-000000000001]", ""},
		{"split", []string{"prov4", "shardId-000000000001", "--at"}, "", "", "--at needs a hash key"},
		{"split", []string{"prov4", "s", "--force"}, "", "", `unknown option "--force"`},
		{"merge", []string{"prov4", "a", "b"}, "merge", "map[adjacent_shard:b shard:a]", ""},
		{"merge", []string{"prov4", "a"}, "", "", "merge takes a stream and two shard ids"},
		{"retention", []string{"prov4", "48"}, "retention", "map[retention_hours:48]", ""},
		{"retention", []string{"prov4", "48h"}, "retention", "map[retention_hours:48]", ""},
		{"retention", []string{"prov4", "2d"}, "", "", `"2d" is not a number of hours`},
		{"shard-metrics", []string{"prov4", "on"}, "shard-metrics", "map[state:on]", ""},
		{"shard-metrics", []string{"prov4", "yes"}, "", "", "usage: :shard-metrics STREAM on|off"},
		{"rollover", nil, "", "", `unknown Kinesis command "rollover"`},
	} {
		a, err := b.Command(c.verb, c.args)
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%s %v: error %v, want %q", c.verb, c.args, err, c.err)
		case c.err == "" && err != nil:
			t.Errorf("%s %v: %v", c.verb, c.args, err)
		case c.err == "" && (a.Name() != c.name || fmtParams(a) != c.params || a.Resource() != "prov4" || a.Backend() != "kinesis"):
			t.Errorf("%s %v: %s %s %s", c.verb, c.args, a.Name(), fmtParams(a), a.Resource())
		}
	}
}

func fmtParams(a ops.Action) string { return fmt.Sprint(a.Params()) }
