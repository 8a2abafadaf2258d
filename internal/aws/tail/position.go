package tail

import (
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// Position is where a tail starts reading each shard: one of the five
// shard iterator types, with the time or sequence number it needs.
type Position struct {
	Type types.ShardIteratorType
	// Time is the AT_TIMESTAMP position.
	Time time.Time
	// Seq is the AT_SEQUENCE_NUMBER / AFTER_SEQUENCE_NUMBER position: a
	// decimal sequence number (up to 128 bits, so never parsed into an int64).
	Seq string
}

// Latest is the default position: only records written from now on.
var Latest = Position{Type: types.ShardIteratorTypeLatest}

// ParseFrom reads the --from value of `:records`:
//
//	latest             records written from now on (also "")
//	trim-horizon       the oldest record still retained
//	2025-05-06T07:00:00Z  records that arrived at or after an RFC 3339 time
//	seq:N              from the record with sequence number N
//	after:N            from the record after sequence number N
func ParseFrom(s string) (Position, error) {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "", "latest":
		return Latest, nil
	case "trim-horizon", "trim_horizon", "oldest":
		return Position{Type: types.ShardIteratorTypeTrimHorizon}, nil
	}
	if rest, ok := cutPrefixFold(s, "seq:"); ok {
		if err := checkSeq(rest); err != nil {
			return Position{}, err
		}
		return Position{Type: types.ShardIteratorTypeAtSequenceNumber, Seq: rest}, nil
	}
	if rest, ok := cutPrefixFold(s, "after:"); ok {
		if err := checkSeq(rest); err != nil {
			return Position{}, err
		}
		return Position{Type: types.ShardIteratorTypeAfterSequenceNumber, Seq: rest}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return Position{}, fmt.Errorf("--from %q: expected latest, trim-horizon, an RFC 3339 time such as 2025-05-06T07:00:00Z, or seq:SEQUENCE_NUMBER", s)
	}
	return Position{Type: types.ShardIteratorTypeAtTimestamp, Time: t}, nil
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return "", false
}

// checkSeq accepts what Kinesis accepts as a sequence number: 1 to 128
// decimal digits.
func checkSeq(s string) error {
	if s == "" || len(s) > 128 || strings.Trim(s, "0123456789") != "" {
		return fmt.Errorf("sequence number %q: expected the decimal digits Kinesis prints (e.g. seq:49590338271490256608559692538361571095921575989136588898)", s)
	}
	return nil
}

// String renders the position the way --from takes it.
func (p Position) String() string {
	switch p.Type {
	case types.ShardIteratorTypeTrimHorizon:
		return "trim-horizon"
	case types.ShardIteratorTypeAtTimestamp:
		return p.Time.UTC().Format(time.RFC3339)
	case types.ShardIteratorTypeAtSequenceNumber:
		return "seq:" + p.Seq
	case types.ShardIteratorTypeAfterSequenceNumber:
		return "after:" + p.Seq
	}
	return "latest"
}

// CompareSeq orders two sequence numbers numerically. They are up to 128
// bits wide and not always the same length, so neither int64 nor string
// order is right. An unparsable number sorts first.
func CompareSeq(a, b string) int {
	x, okA := new(big.Int).SetString(a, 10)
	y, okB := new(big.Int).SetString(b, 10)
	switch {
	case !okA && !okB:
		return 0
	case !okA:
		return -1
	case !okB:
		return 1
	}
	return x.Cmp(y)
}

// seqInRange reports whether seq may belong to a shard whose sequence
// range is [start, end] (end empty while the shard is open).
func seqInRange(seq, start, end string) bool {
	if start != "" && CompareSeq(seq, start) < 0 {
		return false
	}
	return end == "" || CompareSeq(seq, end) <= 0
}
