package aws

import (
	"context"
	"fmt"
	"strconv"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/opsconsole/opsconsole/internal/aws/analysis"
	"github.com/opsconsole/opsconsole/internal/ops"
	"github.com/opsconsole/opsconsole/internal/units"
)

// Retention limits of Kinesis, in hours.
const (
	MinRetentionHours = 24
	MaxRetentionHours = 8760
)

// Retention is `:retention STREAM HOURS` (24 to 8,760, different from the
// current period): IncreaseStreamRetentionPeriod, or
// DecreaseStreamRetentionPeriod with typed confirmation and a note on how
// much data becomes unreadable.
func (b *Backend) Retention(stream string, hours int) ops.Action {
	return &retentionAction{target: newTarget(b, stream, "retention_hours", strconv.Itoa(hours)), hours: hours}
}

type retentionAction struct {
	target
	hours  int
	before StreamSummary
}

func (a *retentionAction) Name() string { return "retention" }

func (a *retentionAction) Validate(ctx context.Context) error {
	if a.hours < MinRetentionHours || a.hours > MaxRetentionHours {
		return fmt.Errorf("retention must be between %d and %s hours (1 to 365 days); got %d", MinRetentionHours, thousands(MaxRetentionHours), a.hours)
	}
	s, err := a.activeSummary(ctx)
	if err != nil {
		return err
	}
	if s.RetentionHours == a.hours {
		return fmt.Errorf("stream %s already keeps records for %d hours; nothing to change", a.stream, a.hours)
	}
	a.before = s
	return nil
}

func (a *retentionAction) increase() bool { return a.hours > a.before.RetentionHours }

func (a *retentionAction) operation() (api, cli string) {
	if a.increase() {
		return "IncreaseStreamRetentionPeriod", "increase-stream-retention-period"
	}
	return "DecreaseStreamRetentionPeriod", "decrease-stream-retention-period"
}

func (a *retentionAction) send(ctx context.Context, c StreamMutator, opts ...func(*kinesis.Options)) error {
	var err error
	if a.increase() {
		_, err = c.IncreaseStreamRetentionPeriod(ctx, &kinesis.IncreaseStreamRetentionPeriodInput{
			StreamName: sdkaws.String(a.stream), RetentionPeriodHours: sdkaws.Int32(int32(a.hours))}, opts...)
	} else {
		_, err = c.DecreaseStreamRetentionPeriod(ctx, &kinesis.DecreaseStreamRetentionPeriodInput{
			StreamName: sdkaws.String(a.stream), RetentionPeriodHours: sdkaws.Int32(int32(a.hours))}, opts...)
	}
	return err
}

func (a *retentionAction) Plan(ctx context.Context) (ops.Plan, error) {
	api, cmd := a.operation()
	req, err := a.request(api, a.send)
	if err != nil {
		return ops.Plan{}, err
	}
	p := ops.Plan{
		Title:    "Change retention of " + a.stream,
		Changes:  []string{fmt.Sprintf("Retention %d h -> %d h", a.before.RetentionHours, a.hours)},
		Requests: []ops.Request{req},
		CLI:      []string{a.b.cli(cmd, "--stream-name", a.stream, "--retention-period-hours", strconv.Itoa(a.hours))},
		Risk:     ops.RiskConfirm,
	}
	if a.increase() {
		p.Notes = []string{
			"Records that already expired stay expired; the longer period applies to records still in the stream.",
			"Retention beyond 24 hours is billed: extended retention per shard-hour up to 7 days, long-term retention per GB-month beyond.",
		}
		return p, nil
	}
	p.Risk, p.ConfirmName = ops.RiskTyped, a.stream
	m, haveMetrics := a.recentMetrics(ctx)
	bytes, records := -1.0, -1.0
	if haveMetrics {
		bytes, records = m.IncomingBytesPerSec.Mean(0), m.IncomingRecordsPerSec.Mean(0)
	}
	loss := analysis.EstimateRetentionLoss(a.before.RetentionHours, a.hours, bytes, records)
	note := fmt.Sprintf("Records older than %d hours become unreadable at once: up to %s of the oldest data now retained", a.hours, analysis.FormatDuration(loss.Span))
	if loss.RatesKnown {
		note += fmt.Sprintf(", about %s in %s records at the last hour's average rate", units.Bytes(loss.Bytes), units.Count(loss.Records))
	}
	p.Notes = append(p.Notes, note+".")
	if age := m.IteratorAge(); haveMetrics && age > time.Duration(a.hours)*time.Hour {
		p.Notes = append(p.Notes, fmt.Sprintf("Consumers are %s behind, more than the new period: they WILL lose unread records.", analysis.FormatDuration(age)))
	}
	return p, nil
}

func (a *retentionAction) Apply(ctx context.Context) error {
	return a.b.where.classify(a.send(ctx, a.b.kinesis, noRetry), "changing the retention of "+a.stream)
}

func (a *retentionAction) Verify(ctx context.Context) (string, error) {
	s, err := a.waitFor(ctx, func(s StreamSummary) bool { return s.RetentionHours == a.hours })
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s is ACTIVE and keeps records for %d hours (was %d)", a.stream, s.RetentionHours, a.before.RetentionHours), nil
}
