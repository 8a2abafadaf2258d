package aws

import (
	"context"
	"errors"
	"fmt"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/opsconsole/opsconsole/internal/aws/analysis"
)

// Shard is the domain shard the panes, actions and tailer share.
type Shard = analysis.Shard

// maxListRestarts bounds how often an expired NextToken restarts the
// listing (each restart means a page took more than five minutes).
const maxListRestarts = 3

// ListShards lists every shard of a stream, open and closed, in ID order.
// Follow-up pages carry only NextToken (the API rejects StreamName with
// it); when a token expires (ExpiredNextTokenException) the listing starts
// over, so the result is never a silent mix of two listings.
func (b *Backend) ListShards(ctx context.Context, stream string) ([]Shard, error) {
	return b.listShards(ctx, stream, nil)
}

// ListOpenShards lists only the open shards (ShardFilter AT_LATEST).
func (b *Backend) ListOpenShards(ctx context.Context, stream string) ([]Shard, error) {
	return b.listShards(ctx, stream, &types.ShardFilter{Type: types.ShardFilterTypeAtLatest})
}

func (b *Backend) listShards(ctx context.Context, stream string, filter *types.ShardFilter) ([]Shard, error) {
	for restart := 0; ; restart++ {
		shards, err := b.listShardsOnce(ctx, stream, filter)
		var expired *types.ExpiredNextTokenException
		if errors.As(err, &expired) && restart < maxListRestarts {
			continue
		}
		if err != nil {
			return nil, b.where.classify(err, "listing the shards of "+stream)
		}
		return shards, nil
	}
}

func (b *Backend) listShardsOnce(ctx context.Context, stream string, filter *types.ShardFilter) ([]Shard, error) {
	var out []Shard
	in := &kinesis.ListShardsInput{StreamName: sdkaws.String(stream), MaxResults: sdkaws.Int32(int32(b.opts.PageSize)), ShardFilter: filter}
	for {
		var page *kinesis.ListShardsOutput
		err := b.retryThrottled(ctx, func() error {
			var err error
			page, err = b.kinesis.ListShards(ctx, in)
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, s := range page.Shards {
			sh, err := shardFromSDK(s)
			if err != nil {
				return nil, fmt.Errorf("stream %s: %w", stream, err)
			}
			out = append(out, sh)
		}
		if page.NextToken == nil || *page.NextToken == "" {
			return out, nil
		}
		in = &kinesis.ListShardsInput{NextToken: page.NextToken, MaxResults: in.MaxResults}
	}
}

func shardFromSDK(s types.Shard) (Shard, error) {
	sh := Shard{
		ID:               sdkaws.ToString(s.ShardId),
		ParentID:         sdkaws.ToString(s.ParentShardId),
		AdjacentParentID: sdkaws.ToString(s.AdjacentParentShardId),
	}
	if s.HashKeyRange == nil {
		return Shard{}, fmt.Errorf("shard %s has no hash key range", sh.ID)
	}
	r, err := analysis.ParseHashRange(sdkaws.ToString(s.HashKeyRange.StartingHashKey), sdkaws.ToString(s.HashKeyRange.EndingHashKey))
	if err != nil {
		return Shard{}, fmt.Errorf("shard %s: %w", sh.ID, err)
	}
	sh.Range = r
	if s.SequenceNumberRange != nil {
		sh.StartingSequence = sdkaws.ToString(s.SequenceNumberRange.StartingSequenceNumber)
		sh.EndingSequence = sdkaws.ToString(s.SequenceNumberRange.EndingSequenceNumber)
	}
	return sh, nil
}
