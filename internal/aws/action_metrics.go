package aws

import (
	"context"
	"fmt"
	"slices"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/opsconsole/opsconsole/internal/ops"
)

// ShardLevelMetrics are the enhanced-monitoring metrics the console turns
// on, named one by one rather than as "ALL", so the request says exactly
// what will be billed.
var ShardLevelMetrics = []string{
	"IncomingBytes", "IncomingRecords", "OutgoingBytes", "OutgoingRecords",
	"WriteProvisionedThroughputExceeded", "ReadProvisionedThroughputExceeded", "IteratorAgeMilliseconds",
}

// SetShardMetrics is `:shard-metrics STREAM on|off`: EnableEnhancedMonitoring
// with every name in ShardLevelMetrics, or DisableEnhancedMonitoring of the
// enabled ones. Refused when there is nothing to change.
func (b *Backend) SetShardMetrics(stream string, on bool) ops.Action {
	state := "off"
	if on {
		state = "on"
	}
	return &metricsAction{target: newTarget(b, stream, "state", state), on: on}
}

type metricsAction struct {
	target
	on     bool
	names  []string
	before StreamSummary
}

func (a *metricsAction) Name() string { return "shard-metrics" }

func (a *metricsAction) Validate(ctx context.Context) error {
	s, err := a.activeSummary(ctx)
	if err != nil {
		return err
	}
	if a.on {
		if !slices.ContainsFunc(ShardLevelMetrics, func(m string) bool { return !slices.Contains(s.ShardMetrics, m) }) {
			return fmt.Errorf("shard-level metrics are already on for %s; nothing to change", a.stream)
		}
		a.names = ShardLevelMetrics
	} else {
		if len(s.ShardMetrics) == 0 {
			return fmt.Errorf("shard-level metrics are already off for %s; nothing to change", a.stream)
		}
		a.names = s.ShardMetrics
	}
	a.before = s
	return nil
}

func (a *metricsAction) send(ctx context.Context, c StreamMutator, opts ...func(*kinesis.Options)) error {
	names := make([]types.MetricsName, len(a.names))
	for i, n := range a.names {
		names[i] = types.MetricsName(n)
	}
	var err error
	if a.on {
		_, err = c.EnableEnhancedMonitoring(ctx, &kinesis.EnableEnhancedMonitoringInput{StreamName: sdkaws.String(a.stream), ShardLevelMetrics: names}, opts...)
	} else {
		_, err = c.DisableEnhancedMonitoring(ctx, &kinesis.DisableEnhancedMonitoringInput{StreamName: sdkaws.String(a.stream), ShardLevelMetrics: names}, opts...)
	}
	return err
}

func (a *metricsAction) Plan(ctx context.Context) (ops.Plan, error) {
	api, cmd, state := "EnableEnhancedMonitoring", "enable-enhanced-monitoring", "on"
	if !a.on {
		api, cmd, state = "DisableEnhancedMonitoring", "disable-enhanced-monitoring", "off"
	}
	req, err := a.request(api, a.send)
	if err != nil {
		return ops.Plan{}, err
	}
	p := ops.Plan{
		Title:    fmt.Sprintf("Shard-level metrics %s for %s", state, a.stream),
		Requests: []ops.Request{req},
		CLI:      []string{a.b.cli(cmd, "--stream-name", a.stream, "--shard-level-metrics", strings.Join(a.names, " "))},
		Risk:     ops.RiskConfirm,
	}
	if a.on {
		p.Changes = []string{"Enable per-shard CloudWatch metrics: " + strings.Join(a.names, ", ")}
		p.Notes = []string{
			fmt.Sprintf("Cost: each shard-level metric is billed as a custom CloudWatch metric per shard: %d metrics x %s = %d custom metrics, more after a reshard.",
				len(a.names), plural(a.before.OpenShards, "open shard"), len(a.names)*a.before.OpenShards),
			"Datapoints start within a minute or two; the shards pane shows heat once they arrive.",
		}
	} else {
		p.Changes = []string{"Disable per-shard CloudWatch metrics: " + strings.Join(a.names, ", ")}
		p.Notes = []string{"The shards pane loses per-shard heat and iterator age; stream-level metrics are unaffected (and free)."}
	}
	return p, nil
}

func (a *metricsAction) Apply(ctx context.Context) error {
	return a.b.where.classify(a.send(ctx, a.b.kinesis, noRetry), "changing the shard-level metrics of "+a.stream)
}

func (a *metricsAction) Verify(ctx context.Context) (string, error) {
	s, err := a.waitFor(ctx, func(s StreamSummary) bool {
		for _, n := range a.names {
			if slices.Contains(s.ShardMetrics, n) != a.on {
				return false
			}
		}
		return true
	})
	if err != nil {
		return "", err
	}
	if len(s.ShardMetrics) == 0 {
		return a.stream + " has shard-level metrics off", nil
	}
	return a.stream + " has shard-level metrics on: " + strings.Join(s.ShardMetrics, ", "), nil
}
