package aws

import (
	"context"
	"fmt"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/opsconsole/opsconsole/internal/aws/analysis"
	"github.com/opsconsole/opsconsole/internal/ops"
)

// Merge is `:merge STREAM SHARD_A SHARD_B`: MergeShards of two open shards
// whose ranges touch (A's ending hash key + 1 is B's starting key, in either
// order; the request always names the lower range first). The operator
// types the stream name to confirm.
func (b *Backend) Merge(stream, shardA, shardB string) ops.Action {
	t := newTarget(b, stream, "shard", shardA)
	t.params["adjacent_shard"] = shardB
	return &mergeAction{target: t, first: shardA, second: shardB}
}

type mergeAction struct {
	target
	first, second string
	lower, upper  Shard
	before        StreamSummary
}

func (a *mergeAction) Name() string { return "merge" }

func (a *mergeAction) Validate(ctx context.Context) error {
	if a.first == a.second {
		return fmt.Errorf("cannot merge %s with itself; name two adjacent shards", a.first)
	}
	s, shards, err := a.activeWithShards(ctx)
	if err != nil {
		return err
	}
	x, okX := analysis.FindShard(shards, a.first)
	y, okY := analysis.FindShard(shards, a.second)
	switch {
	case !okX:
		return fmt.Errorf("stream %s has no shard %s; list them with :shards %s", a.stream, a.first, a.stream)
	case !okY:
		return fmt.Errorf("stream %s has no shard %s; list them with :shards %s", a.stream, a.second, a.stream)
	case !x.Open():
		return fmt.Errorf("shard %s of %s is closed; only open shards can be merged", a.first, a.stream)
	case !y.Open():
		return fmt.Errorf("shard %s of %s is closed; only open shards can be merged", a.second, a.stream)
	}
	if y.Range.Start.Cmp(x.Range.Start) < 0 {
		x, y = y, x
	}
	if !analysis.Adjacent(x.Range, y.Range) {
		return fmt.Errorf("shards %s and %s are not adjacent: %s ends at %s but %s starts at %s; only neighbouring ranges can be merged (see the keyspace map)",
			x.ID, y.ID, x.ID, x.Range.End, y.ID, y.Range.Start)
	}
	a.lower, a.upper, a.before = x, y, s
	return nil
}

func (a *mergeAction) send(ctx context.Context, c StreamMutator, opts ...func(*kinesis.Options)) error {
	_, err := c.MergeShards(ctx, &kinesis.MergeShardsInput{StreamName: sdkaws.String(a.stream),
		ShardToMerge: sdkaws.String(a.lower.ID), AdjacentShardToMerge: sdkaws.String(a.upper.ID)}, opts...)
	return err
}

func (a *mergeAction) Plan(ctx context.Context) (ops.Plan, error) {
	req, err := a.request("MergeShards", a.send)
	if err != nil {
		return ops.Plan{}, err
	}
	merged := analysis.HashRange{Start: a.lower.Range.Start, End: a.upper.Range.End}
	return ops.Plan{
		Title: fmt.Sprintf("Merge %s and %s of %s", a.lower.ID, a.upper.ID, a.stream),
		Changes: []string{
			fmt.Sprintf("%s (%s of keys) and %s (%s) close", a.lower.ID, sharePct(a.lower.Range.Share()), a.upper.ID, sharePct(a.upper.Range.Share())),
			fmt.Sprintf("One child shard opens with %s of the keyspace", sharePct(merged.Share())),
			fmt.Sprintf("Open shards %d -> %d", a.before.OpenShards, a.before.OpenShards-1),
		},
		Requests: []ops.Request{req},
		CLI: []string{a.b.cli("merge-shards", "--stream-name", a.stream, "--shard-to-merge", a.lower.ID,
			"--adjacent-shard-to-merge", a.upper.ID)},
		Notes: []string{
			"The merged shard has the limits of ONE shard (1 MiB/s and 1,000 records/s in, 2 MiB/s out): merge only shards that are cold together, or writes will be throttled.",
			"The stream is UPDATING for a few seconds; consumers read the child after finishing both parents.",
		},
		Risk:        ops.RiskTyped,
		ConfirmName: a.stream,
	}, nil
}

func (a *mergeAction) Apply(ctx context.Context) error {
	return a.b.where.classify(a.send(ctx, a.b.kinesis, noRetry), "MergeShards on "+a.stream)
}

func (a *mergeAction) Verify(ctx context.Context) (string, error) {
	return a.verifyLayout(ctx, a.before.OpenShards-1, a.lower.ID, a.upper.ID)
}
