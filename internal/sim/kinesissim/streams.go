package kinesissim

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/opsconsole/opsconsole/internal/aws/analysis"
)

const statusDeleted types.StreamStatus = "deleted (internal)"

// AWS limits the simulator enforces.
const (
	minRetentionHours = 24
	maxRetentionHours = 8760
	scalingsPerDay    = 10
	onDemandShards    = 4 // an on-demand stream starts with 4 shards
)

var streamNamePattern = regexp.MustCompile(`^[a-zA-Z0-9_.-]{1,128}$`)

type stream struct {
	name, arn  string
	created    time.Time
	status     types.StreamStatus
	mode       types.StreamMode
	retention  int32 // hours
	encryption types.EncryptionType
	keyID      string
	monitoring map[types.MetricsName]bool

	shards   []*shard // every shard ever created and not yet expired, in ID order
	nextNum  int
	seq      uint64 // last sequence number handed out
	topology int    // bumped whenever the open shards change

	// pending runs when the clock reaches readyAt and the stream turns
	// ACTIVE (or disappears, for DELETING).
	readyAt time.Time
	pending func(now time.Time)

	scalings []time.Time // UpdateShardCount calls, for the 10-per-24h limit
	gen      *generator  // demo traffic, nil for plain streams
}

func (st *stream) settle(now time.Time, s *Sim) {
	if st.status == types.StreamStatusActive || now.Before(st.readyAt) {
		return
	}
	if st.pending != nil {
		st.pending(st.readyAt)
		st.pending = nil
	}
	if st.status == types.StreamStatusDeleting {
		st.status = statusDeleted
		return
	}
	st.status = types.StreamStatusActive
}

func (st *stream) nextSeq() uint64 {
	st.seq++
	return st.seq
}

func (st *stream) newShard(parent, adjacent string, r analysis.HashRange) *shard {
	sh := &shard{
		id:       fmt.Sprintf("shardId-%012d", st.nextNum),
		parent:   parent,
		adjacent: adjacent,
		rng:      r,
		startSeq: st.nextSeq(),
	}
	st.nextNum++
	st.shards = append(st.shards, sh)
	st.topology++
	return sh
}

func (st *stream) closeShard(sh *shard, now time.Time) {
	sh.endSeq = st.nextSeq()
	sh.closedAt = now
	st.topology++
}

func (st *stream) shard(id string) *shard {
	i := sort.Search(len(st.shards), func(i int) bool { return st.shards[i].id >= id })
	if i < len(st.shards) && st.shards[i].id == id {
		return st.shards[i]
	}
	return nil
}

// openShards returns the open shards ordered by starting hash key.
func (st *stream) openShards() []*shard {
	var open []*shard
	for _, sh := range st.shards {
		if sh.open() {
			open = append(open, sh)
		}
	}
	slices.SortFunc(open, func(a, b *shard) int { return a.rng.Start.Cmp(b.rng.Start) })
	return open
}

func (st *stream) retentionPeriod() time.Duration { return time.Duration(st.retention) * time.Hour }

func (st *stream) writable() bool {
	return st.status == types.StreamStatusActive || st.status == types.StreamStatusUpdating
}

func (st *stream) requireActive(op string) error {
	if st.status != types.StreamStatusActive {
		return inUse("Stream %s under account is in %s state; %s needs an ACTIVE stream.", st.name, st.status, op)
	}
	return nil
}

// startUpdate puts the stream in UPDATING and runs apply when it ends.
func (st *stream) startUpdate(now time.Time, d time.Duration, apply func(time.Time)) {
	st.status = types.StreamStatusUpdating
	st.readyAt = now.Add(d)
	st.pending = apply
}

// CreateStream creates a provisioned stream with ShardCount uniform shards,
// or an on-demand stream with 4. It is CREATING for Options.CreateDelay.
func (s *Sim) CreateStream(ctx context.Context, in *kinesis.CreateStreamInput, _ ...func(*kinesis.Options)) (*kinesis.CreateStreamOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin(ctx, "CreateStream", ""); err != nil {
		return nil, err
	}
	name := aws.ToString(in.StreamName)
	if !streamNamePattern.MatchString(name) {
		return nil, validation("1 validation error detected: Value '%s' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+", name)
	}
	if _, ok := s.streams[name]; ok {
		return nil, inUse("Stream %s under account %s already exists.", name, s.opts.Account)
	}
	mode := types.StreamModeProvisioned
	if in.StreamModeDetails != nil && in.StreamModeDetails.StreamMode != "" {
		mode = in.StreamModeDetails.StreamMode
	}
	n := int(aws.ToInt32(in.ShardCount))
	switch {
	case mode == types.StreamModeOnDemand && in.ShardCount != nil:
		return nil, validation("ShardCount is not supported for streams in ON_DEMAND mode.")
	case mode == types.StreamModeOnDemand:
		n = onDemandShards
	case n < 1 || n > analysis.MaxShardsPerStream:
		return nil, invalidArgument("ShardCount must be between 1 and %d for a provisioned stream.", analysis.MaxShardsPerStream)
	}
	now := s.opts.Now()
	st := s.addStream(name, mode, n, now)
	st.status = types.StreamStatusCreating
	st.readyAt = now.Add(s.opts.CreateDelay)
	return &kinesis.CreateStreamOutput{}, nil
}

// addStream creates a stream's record and shards (ACTIVE; callers adjust).
func (s *Sim) addStream(name string, mode types.StreamMode, n int, now time.Time) *stream {
	st := &stream{
		name: name, arn: s.arn(name), created: now,
		status: types.StreamStatusActive, mode: mode, retention: minRetentionHours,
		encryption: types.EncryptionTypeNone,
		monitoring: map[types.MetricsName]bool{},
		// Sequence numbers start from the creation time so that two streams
		// do not share them and they grow across the stream's whole life.
		seq: uint64(now.UnixMilli()) * 1000,
	}
	for _, r := range analysis.UniformRanges(n) {
		st.newShard("", "", r)
	}
	s.streams[name] = st
	return st
}

// DeleteStream removes a stream after a short DELETING phase.
func (s *Sim) DeleteStream(ctx context.Context, in *kinesis.DeleteStreamInput, _ ...func(*kinesis.Options)) (*kinesis.DeleteStreamOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin(ctx, "DeleteStream", ""); err != nil {
		return nil, err
	}
	st, err := s.lookup(in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	st.status = types.StreamStatusDeleting
	st.readyAt = s.opts.Now().Add(s.opts.CreateDelay)
	st.pending = nil
	return &kinesis.DeleteStreamOutput{}, nil
}

// ListStreams pages through stream names in order, with summaries.
func (s *Sim) ListStreams(ctx context.Context, in *kinesis.ListStreamsInput, _ ...func(*kinesis.Options)) (*kinesis.ListStreamsOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin(ctx, "ListStreams", ""); err != nil {
		return nil, err
	}
	limit := 100
	if in.Limit != nil {
		limit = int(*in.Limit)
		if limit < 1 || limit > 10000 {
			return nil, invalidArgument("Limit must be between 1 and 10000.")
		}
	}
	after := aws.ToString(in.ExclusiveStartStreamName)
	if in.NextToken != nil {
		if in.ExclusiveStartStreamName != nil {
			return nil, invalidArgument("NextToken and ExclusiveStartStreamName cannot be provided together.")
		}
		tok, err := s.decodeToken(*in.NextToken, "streams")
		if err != nil {
			return nil, err
		}
		after = tok.After
	}
	names := make([]string, 0, len(s.streams))
	for n := range s.streams {
		if n > after {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	out := &kinesis.ListStreamsOutput{HasMoreStreams: aws.Bool(len(names) > limit)}
	if len(names) > limit {
		names = names[:limit]
		out.NextToken = aws.String(s.encodeToken(token{Kind: "streams", After: names[limit-1]}))
	}
	out.StreamNames = names
	for _, n := range names {
		st := s.streams[n]
		out.StreamSummaries = append(out.StreamSummaries, types.StreamSummary{
			StreamName: aws.String(st.name), StreamARN: aws.String(st.arn), StreamStatus: st.status,
			StreamCreationTimestamp: aws.Time(st.created),
			StreamModeDetails:       &types.StreamModeDetails{StreamMode: st.mode},
		})
	}
	return out, nil
}

// DescribeStreamSummary is the per-stream summary the streams pane shows.
func (s *Sim) DescribeStreamSummary(ctx context.Context, in *kinesis.DescribeStreamSummaryInput, _ ...func(*kinesis.Options)) (*kinesis.DescribeStreamSummaryOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin(ctx, "DescribeStreamSummary", ""); err != nil {
		return nil, err
	}
	st, err := s.lookup(in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	sum := &types.StreamDescriptionSummary{
		StreamName: aws.String(st.name), StreamARN: aws.String(st.arn), StreamStatus: st.status,
		StreamModeDetails:       &types.StreamModeDetails{StreamMode: st.mode},
		RetentionPeriodHours:    aws.Int32(st.retention),
		StreamCreationTimestamp: aws.Time(st.created),
		EnhancedMonitoring:      []types.EnhancedMetrics{{ShardLevelMetrics: st.enabledMetrics()}},
		EncryptionType:          st.encryption,
		OpenShardCount:          aws.Int32(int32(len(st.openShards()))),
		ConsumerCount:           aws.Int32(0),
	}
	if st.keyID != "" {
		sum.KeyId = aws.String(st.keyID)
	}
	return &kinesis.DescribeStreamSummaryOutput{StreamDescriptionSummary: sum}, nil
}

func (st *stream) enabledMetrics() []types.MetricsName {
	out := []types.MetricsName{}
	for _, m := range shardLevelMetrics {
		if st.monitoring[m] {
			out = append(out, m)
		}
	}
	return out
}

// shardLevelMetrics are the enhanced-monitoring metric names, in AWS's order.
var shardLevelMetrics = []types.MetricsName{
	types.MetricsNameIncomingBytes, types.MetricsNameIncomingRecords,
	types.MetricsNameOutgoingBytes, types.MetricsNameOutgoingRecords,
	types.MetricsNameWriteProvisionedThroughputExceeded, types.MetricsNameReadProvisionedThroughputExceeded,
	types.MetricsNameIteratorAgeMilliseconds,
}

// IncreaseStreamRetentionPeriod lengthens retention (max 8,760 h).
func (s *Sim) IncreaseStreamRetentionPeriod(ctx context.Context, in *kinesis.IncreaseStreamRetentionPeriodInput, _ ...func(*kinesis.Options)) (*kinesis.IncreaseStreamRetentionPeriodOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin(ctx, "IncreaseStreamRetentionPeriod", ""); err != nil {
		return nil, err
	}
	if err := s.changeRetention(in.StreamName, in.StreamARN, in.RetentionPeriodHours, true); err != nil {
		return nil, err
	}
	return &kinesis.IncreaseStreamRetentionPeriodOutput{}, nil
}

// DecreaseStreamRetentionPeriod shortens retention (min 24 h); older records
// become unreadable at once.
func (s *Sim) DecreaseStreamRetentionPeriod(ctx context.Context, in *kinesis.DecreaseStreamRetentionPeriodInput, _ ...func(*kinesis.Options)) (*kinesis.DecreaseStreamRetentionPeriodOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin(ctx, "DecreaseStreamRetentionPeriod", ""); err != nil {
		return nil, err
	}
	if err := s.changeRetention(in.StreamName, in.StreamARN, in.RetentionPeriodHours, false); err != nil {
		return nil, err
	}
	return &kinesis.DecreaseStreamRetentionPeriodOutput{}, nil
}

func (s *Sim) changeRetention(name, arn *string, hours *int32, increase bool) error {
	st, err := s.lookup(name, arn)
	if err != nil {
		return err
	}
	if err := st.requireActive("changing retention"); err != nil {
		return err
	}
	h := aws.ToInt32(hours)
	if h < minRetentionHours || h > maxRetentionHours {
		return invalidArgument("Minimum allowed retention period is %d hours. Maximum allowed retention period is %d hours.", minRetentionHours, maxRetentionHours)
	}
	if increase && h <= st.retention {
		return invalidArgument("Requested retention period (%d hours) for stream %s can not be shorter than existing retention period (%d hours). Use DecreaseRetentionPeriod API.", h, st.name, st.retention)
	}
	if !increase && h >= st.retention {
		return invalidArgument("Requested retention period (%d hours) for stream %s can not be longer than existing retention period (%d hours). Use IncreaseRetentionPeriod API.", h, st.name, st.retention)
	}
	st.retention = h
	st.trim(s.opts.Now(), s.opts.MaxRecordsPerShard)
	return nil
}

// EnableEnhancedMonitoring turns shard-level metrics on.
func (s *Sim) EnableEnhancedMonitoring(ctx context.Context, in *kinesis.EnableEnhancedMonitoringInput, _ ...func(*kinesis.Options)) (*kinesis.EnableEnhancedMonitoringOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin(ctx, "EnableEnhancedMonitoring", ""); err != nil {
		return nil, err
	}
	st, cur, desired, err := s.setMonitoring(in.StreamName, in.StreamARN, in.ShardLevelMetrics, true)
	if err != nil {
		return nil, err
	}
	return &kinesis.EnableEnhancedMonitoringOutput{StreamName: aws.String(st.name), StreamARN: aws.String(st.arn),
		CurrentShardLevelMetrics: cur, DesiredShardLevelMetrics: desired}, nil
}

// DisableEnhancedMonitoring turns shard-level metrics off.
func (s *Sim) DisableEnhancedMonitoring(ctx context.Context, in *kinesis.DisableEnhancedMonitoringInput, _ ...func(*kinesis.Options)) (*kinesis.DisableEnhancedMonitoringOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin(ctx, "DisableEnhancedMonitoring", ""); err != nil {
		return nil, err
	}
	st, cur, desired, err := s.setMonitoring(in.StreamName, in.StreamARN, in.ShardLevelMetrics, false)
	if err != nil {
		return nil, err
	}
	return &kinesis.DisableEnhancedMonitoringOutput{StreamName: aws.String(st.name), StreamARN: aws.String(st.arn),
		CurrentShardLevelMetrics: cur, DesiredShardLevelMetrics: desired}, nil
}

func (s *Sim) setMonitoring(name, arn *string, names []types.MetricsName, on bool) (*stream, []types.MetricsName, []types.MetricsName, error) {
	st, err := s.lookup(name, arn)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := st.requireActive("changing enhanced monitoring"); err != nil {
		return nil, nil, nil, err
	}
	if len(names) == 0 {
		return nil, nil, nil, invalidArgument("ShardLevelMetrics must name at least one metric.")
	}
	var change []types.MetricsName
	for _, m := range names {
		switch {
		case m == types.MetricsNameAll:
			change = append(change, shardLevelMetrics...)
		case slices.Contains(shardLevelMetrics, m):
			change = append(change, m)
		default:
			return nil, nil, nil, validation("1 validation error detected: Value '[%s]' at 'shardLevelMetrics' failed to satisfy constraint: Member must satisfy enum value set: [IncomingBytes, IncomingRecords, OutgoingBytes, OutgoingRecords, WriteProvisionedThroughputExceeded, ReadProvisionedThroughputExceeded, IteratorAgeMilliseconds, ALL]", m)
		}
	}
	cur := st.enabledMetrics()
	for _, m := range change {
		st.monitoring[m] = on
	}
	return st, cur, st.enabledMetrics(), nil
}
