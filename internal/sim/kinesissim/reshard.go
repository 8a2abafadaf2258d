package kinesissim

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/opsconsole/opsconsole/internal/aws/analysis"
)

// UpdateShardCount rescales a provisioned stream. The stream is UPDATING
// for Options.UpdateDelay; then, as on AWS, the change is carried out as
// pairwise splits and merges, so intermediate shards may appear (closed) in
// the lineage, and the final open shards have uniform ranges.
func (s *Sim) UpdateShardCount(ctx context.Context, in *kinesis.UpdateShardCountInput, _ ...func(*kinesis.Options)) (*kinesis.UpdateShardCountOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin(ctx, "UpdateShardCount", ""); err != nil {
		return nil, err
	}
	st, err := s.lookup(in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	if st.mode == types.StreamModeOnDemand {
		return nil, validation("UpdateShardCount is not supported for stream %s in ON_DEMAND mode.", st.name)
	}
	if err := st.requireActive("UpdateShardCount"); err != nil {
		return nil, err
	}
	if in.ScalingType != types.ScalingTypeUniformScaling {
		return nil, validation("ScalingType must be UNIFORM_SCALING.")
	}
	cur := len(st.openShards())
	target := int(aws.ToInt32(in.TargetShardCount))
	lo, hi := analysis.ReshardBounds(cur)
	switch {
	case target < 1 || target > analysis.MaxShardsPerStream:
		return nil, invalidArgument("TargetShardCount must be between 1 and %d.", analysis.MaxShardsPerStream)
	case target == cur:
		return nil, invalidArgument("Stream %s already has %d open shards.", st.name, cur)
	case target < lo || target > hi:
		return nil, invalidArgument("UpdateShardCount cannot go from %d to %d shards: the target must be between half and double the current count (%d to %d).", cur, target, lo, hi)
	}
	now := s.opts.Now()
	day := now.Add(-24 * time.Hour)
	recent := st.scalings[:0]
	for _, t := range st.scalings {
		if t.After(day) {
			recent = append(recent, t)
		}
	}
	st.scalings = recent
	if len(st.scalings) >= scalingsPerDay {
		return nil, limitExceeded("Stream %s has been scaled %d times in the last 24 hours; the limit is %d.", st.name, len(st.scalings), scalingsPerDay)
	}
	st.scalings = append(st.scalings, now)
	st.startUpdate(now, s.opts.UpdateDelay, func(at time.Time) { st.scaleUniform(target, at) })
	return &kinesis.UpdateShardCountOutput{StreamName: aws.String(st.name), StreamARN: aws.String(st.arn),
		CurrentShardCount: aws.Int32(int32(cur)), TargetShardCount: aws.Int32(int32(target))}, nil
}

// scaleUniform reaches target uniform shards by splitting at every missing
// boundary, then merging the pieces of each target range pairwise.
func (st *stream) scaleUniform(target int, now time.Time) {
	targets := analysis.UniformRanges(target)
	for _, t := range targets[1:] {
		for _, sh := range st.openShards() {
			if sh.rng.Start.Cmp(t.Start) < 0 && t.Start.Cmp(sh.rng.End) <= 0 {
				st.split(sh, t.Start, now)
				break
			}
		}
	}
	for _, t := range targets {
		for {
			var pieces []*shard
			for _, sh := range st.openShards() {
				if t.Start.Cmp(sh.rng.Start) <= 0 && sh.rng.End.Cmp(t.End) <= 0 {
					pieces = append(pieces, sh)
				}
			}
			if len(pieces) < 2 {
				break
			}
			st.merge(pieces[0], pieces[1], now)
		}
	}
}

func (st *stream) split(parent *shard, at analysis.HashKey, now time.Time) {
	st.closeShard(parent, now)
	st.newShard(parent.id, "", analysis.HashRange{Start: parent.rng.Start, End: at.Dec()})
	st.newShard(parent.id, "", analysis.HashRange{Start: at, End: parent.rng.End})
}

// merge closes a and b (adjacent, either order) and opens their child, whose
// ParentShardId is a and AdjacentParentShardId b, as MergeShards does.
func (st *stream) merge(a, b *shard, now time.Time) {
	lo, hi := a, b
	if b.rng.Start.Cmp(a.rng.Start) < 0 {
		lo, hi = b, a
	}
	st.closeShard(a, now)
	st.closeShard(b, now)
	st.newShard(a.id, b.id, analysis.HashRange{Start: lo.rng.Start, End: hi.rng.End})
}

// SplitShard splits an open shard at NewStartingHashKey, which must lie in
// (start, end] of the parent's range.
func (s *Sim) SplitShard(ctx context.Context, in *kinesis.SplitShardInput, _ ...func(*kinesis.Options)) (*kinesis.SplitShardOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin(ctx, "SplitShard", ""); err != nil {
		return nil, err
	}
	st, err := s.lookup(in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	if err := st.requireActive("SplitShard"); err != nil {
		return nil, err
	}
	sh := st.shard(aws.ToString(in.ShardToSplit))
	if sh == nil {
		return nil, notFound("Could not find shard %s in stream %s under account %s.", aws.ToString(in.ShardToSplit), st.name, s.opts.Account)
	}
	if !sh.open() {
		return nil, inUse("Shard %s in stream %s under account %s has already been merged or split, and thus is not eligible for merging or splitting.", sh.id, st.name, s.opts.Account)
	}
	at, err := analysis.ParseHashKey(aws.ToString(in.NewStartingHashKey))
	if err != nil {
		return nil, invalidArgument("NewStartingHashKey %q is not a valid hash key.", aws.ToString(in.NewStartingHashKey))
	}
	if at.Cmp(sh.rng.Start) <= 0 || at.Cmp(sh.rng.End) > 0 {
		return nil, invalidArgument("NewStartingHashKey %s used in SplitShard() on shard %s in stream %s under account %s is not both greater than one plus the shard's StartingHashKey %s and less than the shard's EndingHashKey %s.",
			at, sh.id, st.name, s.opts.Account, sh.rng.Start, sh.rng.End)
	}
	st.startUpdate(s.opts.Now(), s.opts.UpdateDelay, func(t time.Time) { st.split(sh, at, t) })
	return &kinesis.SplitShardOutput{}, nil
}

// MergeShards merges two open, adjacent shards.
func (s *Sim) MergeShards(ctx context.Context, in *kinesis.MergeShardsInput, _ ...func(*kinesis.Options)) (*kinesis.MergeShardsOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin(ctx, "MergeShards", ""); err != nil {
		return nil, err
	}
	st, err := s.lookup(in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	if err := st.requireActive("MergeShards"); err != nil {
		return nil, err
	}
	a, b := st.shard(aws.ToString(in.ShardToMerge)), st.shard(aws.ToString(in.AdjacentShardToMerge))
	if a == nil || b == nil {
		return nil, notFound("Could not find shard %s or %s in stream %s under account %s.", aws.ToString(in.ShardToMerge), aws.ToString(in.AdjacentShardToMerge), st.name, s.opts.Account)
	}
	if !a.open() || !b.open() {
		return nil, inUse("Shards %s and %s in stream %s under account %s must both be open to merge.", a.id, b.id, st.name, s.opts.Account)
	}
	if !analysis.Adjacent(a.rng, b.rng) && !analysis.Adjacent(b.rng, a.rng) {
		return nil, invalidArgument("Shards %s and %s in stream %s under account %s are not adjacent.", a.id, b.id, st.name, s.opts.Account)
	}
	st.startUpdate(s.opts.Now(), s.opts.UpdateDelay, func(t time.Time) { st.merge(a, b, t) })
	return &kinesis.MergeShardsOutput{}, nil
}
