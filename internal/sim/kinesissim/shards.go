package kinesissim

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/opsconsole/opsconsole/internal/aws/analysis"
)

type shard struct {
	id               string
	parent, adjacent string
	rng              analysis.HashRange
	startSeq, endSeq uint64 // endSeq 0 while open
	closedAt         time.Time
	records          []record // ascending by seq

	writeSecond            int64 // the second writeBytes/writeRecords count
	writeBytes, writeCount int
	readCalls              []time.Time // GetRecords calls in the last second
	// readBalance is a token bucket of read bytes: up to one second's worth
	// (2 MiB), refilled at 2 MiB/s and charged after each read; a read
	// needs a positive balance, so after a large read the shard is blocked
	// until the bytes are paid back (AWS: 10 MiB read, ~5 s throttled).
	readBalance   float64
	readBalanceAt time.Time
}

type record struct {
	seq          uint64
	arrival      time.Time
	partitionKey string
	data         []byte
}

func (sh *shard) open() bool { return sh.endSeq == 0 }

func (sh *shard) toSDK() types.Shard {
	out := types.Shard{
		ShardId: aws.String(sh.id),
		HashKeyRange: &types.HashKeyRange{
			StartingHashKey: aws.String(sh.rng.Start.String()),
			EndingHashKey:   aws.String(sh.rng.End.String()),
		},
		SequenceNumberRange: &types.SequenceNumberRange{StartingSequenceNumber: aws.String(formatSeq(sh.startSeq))},
	}
	if sh.parent != "" {
		out.ParentShardId = aws.String(sh.parent)
	}
	if sh.adjacent != "" {
		out.AdjacentParentShardId = aws.String(sh.adjacent)
	}
	if !sh.open() {
		out.SequenceNumberRange.EndingSequenceNumber = aws.String(formatSeq(sh.endSeq))
	}
	return out
}

// Sequence numbers are 56 decimal digits, like AWS's; all of one simulator's
// have the same length, so they compare the same as strings and as integers.
func formatSeq(n uint64) string { return "49" + leftPad(strconv.FormatUint(n, 10), 54) }

func leftPad(s string, n int) string {
	if len(s) >= n {
		return s
	}
	return strings.Repeat("0", n-len(s)) + s
}

func parseSeq(s string) (uint64, bool) {
	if len(s) != 56 || !strings.HasPrefix(s, "49") {
		return 0, false
	}
	n, err := strconv.ParseUint(strings.TrimLeft(s[2:], "0"), 10, 64)
	if err != nil && strings.TrimLeft(s[2:], "0") != "" {
		return 0, false
	}
	return n, true
}

// trim drops records past retention (or beyond the memory cap) and shards
// that closed more than a retention period ago.
func (st *stream) trim(now time.Time, maxRecords int) {
	horizon := now.Add(-st.retentionPeriod())
	kept := st.shards[:0]
	for _, sh := range st.shards {
		i := sort.Search(len(sh.records), func(i int) bool { return !sh.records[i].arrival.Before(horizon) })
		if over := len(sh.records) - maxRecords; over > i {
			i = over
		}
		if i > 0 {
			sh.records = append(sh.records[:0:0], sh.records[i:]...)
		}
		if !sh.open() && sh.closedAt.Before(horizon) {
			st.topology++
			continue
		}
		kept = append(kept, sh)
	}
	st.shards = kept
}

// ListShards pages through a stream's shards in ID order. As on AWS, a
// follow-up call carries only NextToken (StreamName with NextToken is an
// error) and the token expires after five minutes.
func (s *Sim) ListShards(ctx context.Context, in *kinesis.ListShardsInput, _ ...func(*kinesis.Options)) (*kinesis.ListShardsOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin(ctx, "ListShards", ""); err != nil {
		return nil, err
	}
	limit := 1000
	if in.MaxResults != nil {
		limit = int(*in.MaxResults)
		if limit < 1 || limit > 10000 {
			return nil, invalidArgument("MaxResults must be between 1 and 10000.")
		}
	}
	var (
		st     *stream
		after  = aws.ToString(in.ExclusiveStartShardId)
		filter = in.ShardFilter
	)
	if in.NextToken != nil {
		if in.StreamName != nil || in.StreamARN != nil || in.ExclusiveStartShardId != nil || in.ShardFilter != nil {
			return nil, invalidArgument("NextToken and StreamName cannot be provided together.")
		}
		tok, err := s.decodeToken(*in.NextToken, "shards")
		if err != nil {
			return nil, err
		}
		if st = s.streams[tok.Stream]; st == nil {
			return nil, notFound("Stream %s under account %s not found.", tok.Stream, s.opts.Account)
		}
		after, filter = tok.After, tok.Filter.toSDK()
	} else {
		var err error
		if st, err = s.lookup(in.StreamName, in.StreamARN); err != nil {
			return nil, err
		}
	}
	if st.status == types.StreamStatusCreating {
		return nil, inUse("Stream %s under account %s is still being created.", st.name, s.opts.Account)
	}
	match, err := shardFilter(filter)
	if err != nil {
		return nil, err
	}
	var page []types.Shard
	var last string
	more := false
	for _, sh := range st.shards {
		if sh.id <= after || !match(sh) {
			continue
		}
		if len(page) == limit {
			more = true
			break
		}
		page = append(page, sh.toSDK())
		last = sh.id
	}
	out := &kinesis.ListShardsOutput{Shards: page}
	if more {
		out.NextToken = aws.String(s.encodeToken(token{Kind: "shards", Stream: st.name, After: last, Filter: filterOf(filter)}))
	}
	return out, nil
}

func shardFilter(f *types.ShardFilter) (func(*shard) bool, error) {
	if f == nil {
		return func(*shard) bool { return true }, nil
	}
	switch f.Type {
	case types.ShardFilterTypeAtLatest:
		return func(sh *shard) bool { return sh.open() }, nil
	case types.ShardFilterTypeAtTrimHorizon, types.ShardFilterTypeFromTrimHorizon:
		return func(*shard) bool { return true }, nil
	case types.ShardFilterTypeAfterShardId:
		if f.ShardId == nil {
			return nil, invalidArgument("ShardFilter AFTER_SHARD_ID needs a ShardId.")
		}
		id := *f.ShardId
		return func(sh *shard) bool { return sh.id > id }, nil
	case types.ShardFilterTypeAtTimestamp, types.ShardFilterTypeFromTimestamp:
		if f.Timestamp == nil {
			return nil, invalidArgument("ShardFilter %s needs a Timestamp.", f.Type)
		}
		ts := *f.Timestamp
		return func(sh *shard) bool { return sh.open() || sh.closedAt.After(ts) }, nil
	}
	return nil, invalidArgument("Unknown ShardFilter type %q.", f.Type)
}

// token is the opaque NextToken of ListStreams and ListShards.
type token struct {
	Kind   string       `json:"k"`
	Stream string       `json:"s,omitempty"`
	After  string       `json:"a"`
	Filter *tokenFilter `json:"f,omitempty"`
	Issued int64        `json:"t"`
}

type tokenFilter struct {
	Type    types.ShardFilterType `json:"type"`
	ShardID string                `json:"id,omitempty"`
	Time    *time.Time            `json:"ts,omitempty"`
}

func filterOf(f *types.ShardFilter) *tokenFilter {
	if f == nil {
		return nil
	}
	return &tokenFilter{Type: f.Type, ShardID: aws.ToString(f.ShardId), Time: f.Timestamp}
}

func (f *tokenFilter) toSDK() *types.ShardFilter {
	if f == nil {
		return nil
	}
	out := &types.ShardFilter{Type: f.Type, Timestamp: f.Time}
	if f.ShardID != "" {
		out.ShardId = aws.String(f.ShardID)
	}
	return out
}

// tokenLifetime is how long a pagination token stays valid (AWS: 300 s).
const tokenLifetime = 5 * time.Minute

func (s *Sim) encodeToken(t token) string {
	t.Issued = s.opts.Now().UnixNano()
	b, _ := json.Marshal(t)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (s *Sim) decodeToken(raw, kind string) (token, error) {
	var t token
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil || json.Unmarshal(b, &t) != nil || t.Kind != kind {
		return token{}, invalidArgument("Invalid NextToken.")
	}
	if s.opts.Now().Sub(time.Unix(0, t.Issued)) > tokenLifetime {
		return token{}, &types.ExpiredNextTokenException{Message: aws.String("The timestamp in the NextToken has expired.")}
	}
	return t, nil
}
