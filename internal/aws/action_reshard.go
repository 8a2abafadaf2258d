package aws

import (
	"context"
	"fmt"
	"strconv"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/opsconsole/opsconsole/internal/aws/analysis"
	"github.com/opsconsole/opsconsole/internal/ops"
)

// Reshard is `:reshard STREAM N`: UpdateShardCount with UNIFORM_SCALING.
// Provisioned, ACTIVE streams only; N between half and double the open
// shard count, at most 10,000, and different from it.
func (b *Backend) Reshard(stream string, shards int) ops.Action {
	return &reshardAction{target: newTarget(b, stream, "target_shard_count", strconv.Itoa(shards)), shards: shards}
}

type reshardAction struct {
	target
	shards int
	before StreamSummary
}

func (a *reshardAction) Name() string { return "reshard" }

func (a *reshardAction) Validate(ctx context.Context) error {
	if err := validStreamName(a.stream); err != nil {
		return err
	}
	s, err := a.b.DescribeStream(ctx, a.stream)
	if err != nil {
		return err
	}
	// Mode first: an on-demand stream is refused whatever its state, even
	// where an emulator (kinesis-local) would accept the call.
	if !s.Provisioned() {
		return fmt.Errorf("stream %s is %s: AWS scales on-demand streams by itself, so their shard count cannot be set. Switch it to provisioned first (aws kinesis update-stream-mode) if you need to", a.stream, s.Mode)
	}
	if err := requireActive(s); err != nil {
		return err
	}
	cur := s.OpenShards
	lo, hi := analysis.ReshardBounds(cur)
	switch {
	case a.shards == cur:
		return fmt.Errorf("stream %s already has %s; nothing to change", a.stream, plural(cur, "open shard"))
	case a.shards < 1:
		return fmt.Errorf("a stream needs at least 1 shard (asked for %d)", a.shards)
	case a.shards > analysis.MaxShardsPerStream:
		return fmt.Errorf("%s shards is above the Kinesis maximum of %s for UpdateShardCount", thousands(a.shards), thousands(analysis.MaxShardsPerStream))
	case a.shards < lo:
		return fmt.Errorf("%d is less than half of the current %d open shards: one UpdateShardCount may go down to %d at most; reshard in steps", a.shards, cur, lo)
	case a.shards > hi:
		return fmt.Errorf("%d is more than double the current %d open shards: one UpdateShardCount may go up to %d at most; reshard in steps", a.shards, cur, hi)
	}
	a.before = s
	return nil
}

func (a *reshardAction) send(ctx context.Context, c StreamMutator, opts ...func(*kinesis.Options)) error {
	_, err := c.UpdateShardCount(ctx, &kinesis.UpdateShardCountInput{StreamName: sdkaws.String(a.stream),
		TargetShardCount: sdkaws.Int32(int32(a.shards)), ScalingType: types.ScalingTypeUniformScaling}, opts...)
	return err
}

func (a *reshardAction) Plan(ctx context.Context) (ops.Plan, error) {
	req, err := a.request("UpdateShardCount", a.send)
	if err != nil {
		return ops.Plan{}, err
	}
	cur := a.before.OpenShards
	p := ops.Plan{
		Title: "Reshard " + a.stream,
		Changes: []string{
			fmt.Sprintf("%d -> %s (uniform scaling: every shard gets an equal share of the keyspace)", cur, plural(a.shards, "open shard")),
			fmt.Sprintf("Capacity: %s -> %s", capacity(cur), capacity(a.shards)),
		},
		Requests: []ops.Request{req},
		CLI: []string{a.b.cli("update-shard-count", "--stream-name", a.stream, "--target-shard-count", strconv.Itoa(a.shards),
			"--scaling-type", string(types.ScalingTypeUniformScaling))},
		Notes: []string{
			"AWS allows 10 scalings per stream per rolling 24 hours; the stream is UPDATING meanwhile (seconds to minutes), still taking reads and writes, and no other reshard can start.",
			"Parent shards close and child shards open; consumers must finish the parents before reading the children (KCL and the console's tail do).",
			fmt.Sprintf("Provisioned shards are billed per shard-hour: %d -> %d shards.", cur, a.shards),
			"A uniform reshard does not help if a few partition keys take most writes; split the hot shard instead (:split).",
		},
		Risk: ops.RiskConfirm,
	}
	if m, ok := a.recentMetrics(ctx); ok {
		s := analysis.SuggestShardCount(cur, m.Peak(), analysis.DefaultHeadroom)
		note := "Observed over the last hour: " + s.Reason + "."
		if s.Target != a.shards {
			note += fmt.Sprintf(" Suggested target: %d.", s.Target)
		}
		p.Notes = append([]string{note}, p.Notes...)
	} else {
		p.Notes = append(p.Notes, "No CloudWatch throughput for the last hour, so no target could be suggested.")
	}
	return p, nil
}

func (a *reshardAction) Apply(ctx context.Context) error {
	return a.b.where.classify(a.send(ctx, a.b.kinesis, noRetry), "UpdateShardCount on "+a.stream)
}

func (a *reshardAction) Verify(ctx context.Context) (string, error) {
	s, err := a.waitFor(ctx, func(s StreamSummary) bool { return s.OpenShards == a.shards })
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s is ACTIVE with %s (was %d): %s", a.stream, plural(s.OpenShards, "open shard"), a.before.OpenShards, capacity(s.OpenShards)), nil
}

// SuggestReshard sizes a provisioned stream from its last hour of
// throughput (for the streams pane's hint and the runbooks).
func (b *Backend) SuggestReshard(ctx context.Context, s StreamSummary) (analysis.ReshardSuggestion, error) {
	m, err := b.StreamMetrics(ctx, []string{s.Name}, LastHour(b.opts.Now()))
	if err != nil {
		return analysis.ReshardSuggestion{}, err
	}
	return analysis.SuggestShardCount(s.OpenShards, m[s.Name].Peak(), analysis.DefaultHeadroom), nil
}
