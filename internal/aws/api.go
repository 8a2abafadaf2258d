// Package aws is the console's Kinesis and CloudWatch backend over
// aws-sdk-go-v2: credentials the way SREs have them, the reads behind the
// streams and shards panes, and the Kinesis remediations as ops.Actions.
//
// Everything talks to the narrow interfaces below, which *kinesis.Client and
// *cloudwatch.Client satisfy and internal/sim/kinesissim implements, so the
// code the tests and the demo run is the production code.
//
// Constructors:
//
//	Connect(ctx, Config, Options)      real AWS through the SDK's default chain
//	NewBackend(kinesis, cw, Options)   any implementation (the simulator: kinesissim.NewDemo)
//
// Reads (all errors are *Error in the operator's words; see KindOf):
//
//	ListStreams                        every stream, fully paginated
//	LoadSummaries(names, deliver)      DescribeStreamSummary per stream, delivered as each finishes
//	DescribeStream                     one summary (status, mode, shards, retention, encryption, metrics)
//	ListShards / ListOpenShards        every shard, token-expiry safe; analysis.Lineage orders them
//	StreamMetrics(names, LastHour(now)) per-stream CloudWatch series (rates, throttles, iterator age)
//	ShardMetrics(stream, ids, window)  per-shard series when enhanced monitoring is on
//	Lag(summary, metrics)              backlog, retention used, time to data loss
//	SuggestReshard(summary)            shard count for the last hour's peak
//
// Actions (ops.Action, for ops.Runner; Command parses a command-mode line):
//
//	Reshard(stream, n)  Split(stream, shard, at)  Merge(stream, a, b)
//	Retention(stream, hours)  SetShardMetrics(stream, on)
//
// The pure analysis (hash-key shares, heat, keyspace map, lag) lives in
// internal/aws/analysis.
package aws

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
)

// StreamReader is what the streams and shards panes read.
type StreamReader interface {
	ListStreams(ctx context.Context, in *kinesis.ListStreamsInput, opts ...func(*kinesis.Options)) (*kinesis.ListStreamsOutput, error)
	DescribeStreamSummary(ctx context.Context, in *kinesis.DescribeStreamSummaryInput, opts ...func(*kinesis.Options)) (*kinesis.DescribeStreamSummaryOutput, error)
	ListShards(ctx context.Context, in *kinesis.ListShardsInput, opts ...func(*kinesis.Options)) (*kinesis.ListShardsOutput, error)
}

// RecordReader is what the record tailer (internal/aws/tail) reads.
type RecordReader interface {
	ListShards(ctx context.Context, in *kinesis.ListShardsInput, opts ...func(*kinesis.Options)) (*kinesis.ListShardsOutput, error)
	GetShardIterator(ctx context.Context, in *kinesis.GetShardIteratorInput, opts ...func(*kinesis.Options)) (*kinesis.GetShardIteratorOutput, error)
	GetRecords(ctx context.Context, in *kinesis.GetRecordsInput, opts ...func(*kinesis.Options)) (*kinesis.GetRecordsOutput, error)
}

// StreamMutator holds the calls the remediations make. Only ops.Actions call
// them, each once, with SDK retries off.
type StreamMutator interface {
	UpdateShardCount(ctx context.Context, in *kinesis.UpdateShardCountInput, opts ...func(*kinesis.Options)) (*kinesis.UpdateShardCountOutput, error)
	SplitShard(ctx context.Context, in *kinesis.SplitShardInput, opts ...func(*kinesis.Options)) (*kinesis.SplitShardOutput, error)
	MergeShards(ctx context.Context, in *kinesis.MergeShardsInput, opts ...func(*kinesis.Options)) (*kinesis.MergeShardsOutput, error)
	IncreaseStreamRetentionPeriod(ctx context.Context, in *kinesis.IncreaseStreamRetentionPeriodInput, opts ...func(*kinesis.Options)) (*kinesis.IncreaseStreamRetentionPeriodOutput, error)
	DecreaseStreamRetentionPeriod(ctx context.Context, in *kinesis.DecreaseStreamRetentionPeriodInput, opts ...func(*kinesis.Options)) (*kinesis.DecreaseStreamRetentionPeriodOutput, error)
	EnableEnhancedMonitoring(ctx context.Context, in *kinesis.EnableEnhancedMonitoringInput, opts ...func(*kinesis.Options)) (*kinesis.EnableEnhancedMonitoringOutput, error)
	DisableEnhancedMonitoring(ctx context.Context, in *kinesis.DisableEnhancedMonitoringInput, opts ...func(*kinesis.Options)) (*kinesis.DisableEnhancedMonitoringOutput, error)
}

// Producer writes records; the console itself never does, tests and the
// contract suite do.
type Producer interface {
	PutRecord(ctx context.Context, in *kinesis.PutRecordInput, opts ...func(*kinesis.Options)) (*kinesis.PutRecordOutput, error)
	PutRecords(ctx context.Context, in *kinesis.PutRecordsInput, opts ...func(*kinesis.Options)) (*kinesis.PutRecordsOutput, error)
}

// StreamAdmin creates and deletes streams (tests and fixtures only).
type StreamAdmin interface {
	CreateStream(ctx context.Context, in *kinesis.CreateStreamInput, opts ...func(*kinesis.Options)) (*kinesis.CreateStreamOutput, error)
	DeleteStream(ctx context.Context, in *kinesis.DeleteStreamInput, opts ...func(*kinesis.Options)) (*kinesis.DeleteStreamOutput, error)
}

// KinesisAPI is everything the backend uses from Kinesis.
type KinesisAPI interface {
	StreamReader
	RecordReader
	StreamMutator
	Producer
}

// MetricsAPI is what the backend uses from CloudWatch.
type MetricsAPI interface {
	GetMetricData(ctx context.Context, in *cloudwatch.GetMetricDataInput, opts ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error)
}

// The SDK clients are the production implementations.
var (
	_ KinesisAPI  = (*kinesis.Client)(nil)
	_ StreamAdmin = (*kinesis.Client)(nil)
	_ MetricsAPI  = (*cloudwatch.Client)(nil)
)
