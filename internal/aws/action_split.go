package aws

import (
	"context"
	"fmt"
	"slices"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/opsconsole/opsconsole/internal/aws/analysis"
	"github.com/opsconsole/opsconsole/internal/ops"
)

// Split is `:split STREAM SHARD_ID [--at HASHKEY]`: SplitShard at the middle
// of the shard's hash-key range, or at the given key (at == "" for the
// middle), which must lie strictly after the shard's first key and no later
// than its last. Open shards of ACTIVE streams only.
func (b *Backend) Split(stream, shardID, at string) ops.Action {
	t := newTarget(b, stream, "shard", shardID)
	if at != "" {
		t.params["at"] = at
	}
	return &splitAction{target: t, shardID: shardID, at: at}
}

type splitAction struct {
	target
	shardID, at string
	parent      Shard
	key         analysis.HashKey
	before      StreamSummary
}

func (a *splitAction) Name() string { return "split" }

func (a *splitAction) Validate(ctx context.Context) error {
	s, shards, err := a.activeWithShards(ctx)
	if err != nil {
		return err
	}
	sh, ok := analysis.FindShard(shards, a.shardID)
	switch {
	case !ok:
		return fmt.Errorf("stream %s has no shard %s; list them with :shards %s", a.stream, a.shardID, a.stream)
	case !sh.Open():
		return fmt.Errorf("shard %s of %s is closed (it was already split or merged); only open shards can be split", a.shardID, a.stream)
	}
	if a.at == "" {
		mid, ok := sh.Range.Midpoint()
		if !ok {
			return fmt.Errorf("shard %s covers a single hash key and cannot be split", a.shardID)
		}
		a.key = mid
	} else {
		k, err := analysis.ParseHashKey(a.at)
		if err != nil {
			return fmt.Errorf("--at: %w", err)
		}
		if k.Cmp(sh.Range.Start) <= 0 || k.Cmp(sh.Range.End) > 0 {
			return fmt.Errorf("--at %s is not inside shard %s: the new starting hash key must be greater than %s and at most %s", a.at, a.shardID, sh.Range.Start, sh.Range.End)
		}
		a.key = k
	}
	a.parent, a.before = sh, s
	return nil
}

func (a *splitAction) send(ctx context.Context, c StreamMutator, opts ...func(*kinesis.Options)) error {
	_, err := c.SplitShard(ctx, &kinesis.SplitShardInput{StreamName: sdkaws.String(a.stream), ShardToSplit: sdkaws.String(a.shardID),
		NewStartingHashKey: sdkaws.String(a.key.String())}, opts...)
	return err
}

func (a *splitAction) Plan(ctx context.Context) (ops.Plan, error) {
	req, err := a.request("SplitShard", a.send)
	if err != nil {
		return ops.Plan{}, err
	}
	lower := analysis.HashRange{Start: a.parent.Range.Start, End: a.key.Dec()}
	upper := analysis.HashRange{Start: a.key, End: a.parent.Range.End}
	at := "at the middle of its range"
	if a.at != "" {
		at = "at hash key " + a.at
	}
	p := ops.Plan{
		Title: fmt.Sprintf("Split %s of %s", a.shardID, a.stream),
		Changes: []string{
			fmt.Sprintf("%s (%s of the keyspace) closes, split %s", a.shardID, sharePct(a.parent.Range.Share()), at),
			fmt.Sprintf("Two child shards open: %s..%s (%s) and %s..%s (%s)", lower.Start, lower.End, sharePct(lower.Share()),
				upper.Start, upper.End, sharePct(upper.Share())),
			fmt.Sprintf("Open shards %d -> %d", a.before.OpenShards, a.before.OpenShards+1),
		},
		Requests: []ops.Request{req},
		CLI: []string{a.b.cli("split-shard", "--stream-name", a.stream, "--shard-to-split", a.shardID,
			"--new-starting-hash-key", a.key.String())},
		Notes: []string{
			"The stream is UPDATING for a few seconds; the parent's records stay readable until retention expires, and consumers read the children after finishing the parent.",
			"A split only helps if the hot traffic spreads over many partition keys: one very hot key always lands in one shard.",
		},
		Risk: ops.RiskConfirm,
	}
	if a.before.Provisioned() {
		p.Notes = append(p.Notes, "One more provisioned shard: +1 MiB/s write capacity and one more shard-hour billed.")
	}
	return p, nil
}

func (a *splitAction) Apply(ctx context.Context) error {
	return a.b.where.classify(a.send(ctx, a.b.kinesis, noRetry), "SplitShard on "+a.stream)
}

func (a *splitAction) Verify(ctx context.Context) (string, error) {
	return a.verifyLayout(ctx, a.before.OpenShards+1, a.shardID)
}

// verifyLayout waits until the stream is ACTIVE with open shards, then
// reports which children now serve the closed parents.
func (t *target) verifyLayout(ctx context.Context, open int, parents ...string) (string, error) {
	if _, err := t.waitFor(ctx, func(s StreamSummary) bool { return s.OpenShards == open }); err != nil {
		return "", err
	}
	shards, err := t.b.ListShards(ctx, t.stream)
	if err != nil {
		return "", err
	}
	var kids []string
	for _, s := range shards {
		if s.Open() && (slices.Contains(parents, s.ParentID) || slices.Contains(parents, s.AdjacentParentID)) {
			kids = append(kids, fmt.Sprintf("%s (%s of keys)", s.ID, sharePct(s.Range.Share())))
		}
	}
	return fmt.Sprintf("%s is ACTIVE with %s; %s closed, now served by %s", t.stream, plural(open, "open shard"),
		strings.Join(parents, " and "), strings.Join(kids, ", ")), nil
}
