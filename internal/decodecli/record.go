package decodecli

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/opsconsole/opsconsole/internal/decode"
	"github.com/opsconsole/opsconsole/internal/decode/jsonscan"
)

// recordParser reads one record object as `aws kinesis get-records` prints
// it ({"SequenceNumber", "ApproximateArrivalTimestamp", "Data" (base64),
// "PartitionKey", "EncryptionType"}), or a Lambda Kinesis event record
// ({"kinesis":{"data", "partitionKey", ...}, "eventID":"shardId-...:seq"}).
// Key case is ignored, which covers both. Data is decoded into a buffer the
// parser reuses: the record is valid until the next call.
type recordParser struct {
	data    []byte
	scratch []byte
}

// parse returns the record, a warning (the record is still usable) or an
// error (it is not).
func (p *recordParser) parse(b []byte) (rec decode.Record, warning string, err error) {
	var haveData bool
	if err := p.members(b, &rec, &haveData, &warning, 0); err != nil {
		return rec, "", err
	}
	if !haveData {
		return rec, "", errors.New("the record has no Data field")
	}
	return rec, warning, nil
}

func (p *recordParser) members(b []byte, rec *decode.Record, haveData *bool, warning *string, depth int) error {
	i, empty, err := jsonscan.ObjectStart(b, 0)
	if err != nil {
		return err
	}
	for !empty {
		key, kesc, vi, err := jsonscan.Key(b, i)
		if err != nil {
			return err
		}
		if kesc {
			key = jsonscan.Unescape(nil, key)
		}
		name := strings.ToLower(string(key))
		next, err := jsonscan.Skip(b, vi)
		if err != nil {
			return err
		}
		val := b[vi:next]
		switch name {
		case "data":
			s, err := p.str(val, "Data")
			if err != nil {
				return err
			}
			p.data = p.data[:0]
			if p.data, err = base64.StdEncoding.AppendDecode(p.data, s); err != nil {
				var ce base64.CorruptInputError
				if errors.As(err, &ce) {
					return fmt.Errorf("Data is not valid base64 (bad byte at position %d of %d)", int64(ce), len(s))
				}
				return fmt.Errorf("Data is not valid base64: %v", err)
			}
			rec.Data = p.data
			*haveData = true
		case "partitionkey", "sequencenumber", "encryptiontype", "shardid":
			s, err := p.str(val, string(key))
			if err != nil {
				return err
			}
			switch name {
			case "partitionkey":
				rec.PartitionKey = string(s)
			case "sequencenumber":
				rec.SequenceNumber = string(s)
			case "encryptiontype":
				rec.EncryptionType = string(s)
			default:
				rec.ShardID = string(s)
			}
		case "eventid":
			// Lambda: "shardId-000000000006:49590338271490256608559692538361571095921575989136588898"
			if s, err := p.str(val, "eventID"); err == nil && rec.ShardID == "" {
				if shard, _, ok := strings.Cut(string(s), ":"); ok && strings.HasPrefix(shard, "shardId-") {
					rec.ShardID = shard
				}
			}
		case "approximatearrivaltimestamp":
			t, err := p.arrival(val)
			if err != nil {
				*warning = err.Error()
			} else {
				rec.ArrivalTime = t
			}
		case "kinesis":
			if depth == 0 && len(val) > 0 && val[0] == '{' {
				if err := p.members(val, rec, haveData, warning, depth+1); err != nil {
					return err
				}
			}
		}
		if i, empty, err = jsonscan.ObjectNext(b, next); err != nil {
			return err
		}
	}
	return nil
}

// str reads a JSON string value; the result is valid until the next call.
func (p *recordParser) str(val []byte, field string) ([]byte, error) {
	raw, esc, _, err := jsonscan.String(val, 0)
	if err != nil {
		return nil, fmt.Errorf("%s is not a string", field)
	}
	if !esc {
		return raw, nil
	}
	p.scratch = jsonscan.Unescape(p.scratch[:0], raw)
	return p.scratch, nil
}

// arrival reads ApproximateArrivalTimestamp: AWS CLI v1 prints epoch
// seconds (1756918020.25), v2 an ISO 8601 string in the local zone
// ("2025-09-03T18:47:00.250000+02:00"); Lambda events use epoch seconds.
func (p *recordParser) arrival(val []byte) (time.Time, error) {
	if len(val) > 0 && val[0] == '"' {
		s, err := p.str(val, "ApproximateArrivalTimestamp")
		if err != nil {
			return time.Time{}, err
		}
		if t, err := time.Parse(time.RFC3339Nano, string(s)); err == nil {
			return t.UTC(), nil
		}
		if t, err := time.Parse("2006-01-02T15:04:05.999999999Z0700", string(s)); err == nil {
			return t.UTC(), nil
		}
		return time.Time{}, fmt.Errorf("ApproximateArrivalTimestamp %q is not an ISO 8601 time; arrival time left empty", s)
	}
	f, err := strconv.ParseFloat(string(val), 64)
	if err != nil || f < 0 {
		return time.Time{}, fmt.Errorf("ApproximateArrivalTimestamp %s is neither epoch seconds nor an ISO 8601 string; arrival time left empty", val)
	}
	sec := int64(f)
	// Round to microseconds: the CLI prints at most that, and float noise
	// would otherwise show up as nanoseconds.
	return time.Unix(sec, 0).Add(time.Duration((f-float64(sec))*1e6+0.5) * time.Microsecond).UTC(), nil
}
