package kinesissim

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/opsconsole/opsconsole/internal/aws/analysis"
)

// Limits of the data plane (AWS quotas).
const (
	maxRecordBytes      = 1 << 20 // data + partition key of one record
	maxPutRecordsCount  = 500
	maxPutRecordsBytes  = 5 << 20
	maxGetRecordsLimit  = 10000
	maxGetRecordsBytes  = 10 << 20
	iteratorLifetime    = 5 * time.Minute
	readBytesPerSecond  = analysis.ShardReadBytesPerSec
	readCallsPerSecond  = analysis.ShardReadCallsPerSec
	writeBytesPerSecond = analysis.ShardWriteBytesPerSec
	writeRecsPerSecond  = analysis.ShardWriteRecordsPerSec
)

// HashKeyOf is the hash key Kinesis derives from a partition key: its MD5
// read as a big-endian 128-bit integer.
func HashKeyOf(partitionKey string) analysis.HashKey {
	sum := md5.Sum([]byte(partitionKey))
	return analysis.HashKey{Hi: binary.BigEndian.Uint64(sum[:8]), Lo: binary.BigEndian.Uint64(sum[8:])}
}

// route finds the open shard whose range holds the record's hash key.
func (st *stream) route(partitionKey string, explicit *string) (*shard, error) {
	if partitionKey == "" || len(partitionKey) > 256 {
		return nil, validation("1 validation error detected: Value at 'partitionKey' failed to satisfy constraint: Member must have length between 1 and 256")
	}
	key := HashKeyOf(partitionKey)
	if explicit != nil {
		k, err := analysis.ParseHashKey(*explicit)
		if err != nil {
			return nil, invalidArgument("ExplicitHashKey %q is not a valid hash key.", *explicit)
		}
		key = k
	}
	open := st.openShards()
	i := sort.Search(len(open), func(i int) bool { return open[i].rng.End.Cmp(key) >= 0 })
	if i == len(open) || !open[i].rng.Contains(key) {
		return nil, invalidArgument("No open shard of stream %s holds hash key %s.", st.name, key)
	}
	return open[i], nil
}

// put stores one record, or reports that the shard's write limit (1 MiB/s,
// 1,000 records/s) is exhausted for this second.
func (s *Sim) put(st *stream, sh *shard, pk string, data []byte, now time.Time) (uint64, error) {
	size := len(pk) + len(data)
	if sec := now.Unix(); sh.writeSecond != sec {
		sh.writeSecond, sh.writeBytes, sh.writeCount = sec, 0, 0
	}
	if sh.writeBytes+size > writeBytesPerSecond || sh.writeCount+1 > writeRecsPerSecond {
		s.metrics.addWrite(st, sh, 0, 0, 1, now)
		return 0, throughputExceeded("Rate exceeded for shard %s in stream %s under account %s.", sh.id, st.name, s.opts.Account)
	}
	sh.writeBytes += size
	sh.writeCount++
	seq := st.nextSeq()
	sh.records = append(sh.records, record{seq: seq, arrival: now, partitionKey: pk, data: append([]byte(nil), data...)})
	s.metrics.addWrite(st, sh, float64(size), 1, 0, now)
	return seq, nil
}

func (s *Sim) writableStream(name, arn *string) (*stream, error) {
	st, err := s.lookup(name, arn)
	if err != nil {
		return nil, err
	}
	if !st.writable() {
		return nil, notFound("Stream %s under account %s is %s and does not accept records.", st.name, s.opts.Account, st.status)
	}
	return st, nil
}

// PutRecord writes one record to the shard its partition key hashes to.
func (s *Sim) PutRecord(ctx context.Context, in *kinesis.PutRecordInput, _ ...func(*kinesis.Options)) (*kinesis.PutRecordOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin(ctx, "PutRecord", ""); err != nil {
		return nil, err
	}
	st, err := s.writableStream(in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	if len(in.Data)+len(aws.ToString(in.PartitionKey)) > maxRecordBytes {
		return nil, validation("Record size exceeds the 1 MiB limit.")
	}
	sh, err := st.route(aws.ToString(in.PartitionKey), in.ExplicitHashKey)
	if err != nil {
		return nil, err
	}
	seq, err := s.put(st, sh, aws.ToString(in.PartitionKey), in.Data, s.opts.Now())
	if err != nil {
		return nil, err
	}
	return &kinesis.PutRecordOutput{ShardId: aws.String(sh.id), SequenceNumber: aws.String(formatSeq(seq)),
		EncryptionType: st.encryption}, nil
}

// PutRecords writes up to 500 records; each succeeds or fails on its own.
func (s *Sim) PutRecords(ctx context.Context, in *kinesis.PutRecordsInput, _ ...func(*kinesis.Options)) (*kinesis.PutRecordsOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin(ctx, "PutRecords", ""); err != nil {
		return nil, err
	}
	st, err := s.writableStream(in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	if len(in.Records) == 0 || len(in.Records) > maxPutRecordsCount {
		return nil, validation("1 validation error detected: Value at 'records' failed to satisfy constraint: Member must have length between 1 and 500")
	}
	total := 0
	for _, r := range in.Records {
		size := len(r.Data) + len(aws.ToString(r.PartitionKey))
		if size > maxRecordBytes {
			return nil, validation("Record size exceeds the 1 MiB limit.")
		}
		total += size
	}
	if total > maxPutRecordsBytes {
		return nil, invalidArgument("Records size exceeds 5 MiB limit.")
	}
	now := s.opts.Now()
	out := &kinesis.PutRecordsOutput{EncryptionType: st.encryption}
	failed := int32(0)
	for _, r := range in.Records {
		sh, err := st.route(aws.ToString(r.PartitionKey), r.ExplicitHashKey)
		if err != nil {
			return nil, err
		}
		seq, err := s.put(st, sh, aws.ToString(r.PartitionKey), r.Data, now)
		if err != nil {
			failed++
			out.Records = append(out.Records, types.PutRecordsResultEntry{
				ErrorCode:    aws.String("ProvisionedThroughputExceededException"),
				ErrorMessage: aws.String(err.Error()),
			})
			continue
		}
		out.Records = append(out.Records, types.PutRecordsResultEntry{ShardId: aws.String(sh.id), SequenceNumber: aws.String(formatSeq(seq))})
	}
	out.FailedRecordCount = aws.Int32(failed)
	return out, nil
}

// iterator is the decoded form of a shard iterator: read records with
// sequence numbers above After.
type iterator struct {
	Stream string `json:"s"`
	Shard  string `json:"h"`
	After  uint64 `json:"a"`
	Issued int64  `json:"t"`
}

func (s *Sim) encodeIterator(it iterator) string {
	it.Issued = s.opts.Now().UnixNano()
	b, _ := json.Marshal(it)
	return base64.StdEncoding.EncodeToString(b)
}

// GetShardIterator supports every position type of the API.
func (s *Sim) GetShardIterator(ctx context.Context, in *kinesis.GetShardIteratorInput, _ ...func(*kinesis.Options)) (*kinesis.GetShardIteratorOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin(ctx, "GetShardIterator", aws.ToString(in.ShardId)); err != nil {
		return nil, err
	}
	st, err := s.lookup(in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	sh := st.shard(aws.ToString(in.ShardId))
	if sh == nil {
		return nil, notFound("Shard %s in stream %s under account %s does not exist", aws.ToString(in.ShardId), st.name, s.opts.Account)
	}
	it := iterator{Stream: st.name, Shard: sh.id}
	seqArg := func() (uint64, error) {
		n, ok := parseSeq(aws.ToString(in.StartingSequenceNumber))
		if !ok || n < sh.startSeq || (!sh.open() && n > sh.endSeq) {
			return 0, invalidArgument("StartingSequenceNumber %s used in GetShardIterator on shard %s in stream %s under account %s is invalid.",
				aws.ToString(in.StartingSequenceNumber), sh.id, st.name, s.opts.Account)
		}
		return n, nil
	}
	switch in.ShardIteratorType {
	case types.ShardIteratorTypeTrimHorizon:
		it.After = sh.startSeq
	case types.ShardIteratorTypeLatest:
		it.After = st.seq
		if !sh.open() {
			it.After = sh.endSeq
		}
	case types.ShardIteratorTypeAtTimestamp:
		if in.Timestamp == nil {
			return nil, invalidArgument("Timestamp is required for AT_TIMESTAMP.")
		}
		ts := *in.Timestamp
		i := sort.Search(len(sh.records), func(i int) bool { return !sh.records[i].arrival.Before(ts) })
		switch {
		case i < len(sh.records):
			it.After = sh.records[i].seq - 1
		case sh.open():
			it.After = st.seq
		default:
			it.After = sh.endSeq
		}
	case types.ShardIteratorTypeAtSequenceNumber:
		n, err := seqArg()
		if err != nil {
			return nil, err
		}
		it.After = n - 1
	case types.ShardIteratorTypeAfterSequenceNumber:
		n, err := seqArg()
		if err != nil {
			return nil, err
		}
		it.After = n
	default:
		return nil, validation("ShardIteratorType must be one of AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER, TRIM_HORIZON, LATEST, AT_TIMESTAMP.")
	}
	return &kinesis.GetShardIteratorOutput{ShardIterator: aws.String(s.encodeIterator(it))}, nil
}

// GetRecords reads from an iterator. Iterators expire five minutes after
// they were issued; a shard allows 5 calls and 2 MiB per second (a large
// read blocks the shard until its bytes are paid back at 2 MiB/s). At the end
// of a closed shard NextShardIterator is nil and ChildShards names the
// children.
func (s *Sim) GetRecords(ctx context.Context, in *kinesis.GetRecordsInput, _ ...func(*kinesis.Options)) (*kinesis.GetRecordsOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var it iterator
	raw, decErr := base64.StdEncoding.DecodeString(aws.ToString(in.ShardIterator))
	if decErr == nil {
		decErr = json.Unmarshal(raw, &it)
	}
	if err := s.begin(ctx, "GetRecords", it.Shard); err != nil {
		return nil, err
	}
	if decErr != nil || it.Shard == "" {
		return nil, invalidArgument("Invalid ShardIterator.")
	}
	now := s.opts.Now()
	if issued := time.Unix(0, it.Issued); now.Sub(issued) > iteratorLifetime {
		return nil, &types.ExpiredIteratorException{Message: aws.String(
			"Iterator expired. The iterator was created at time " + issued.UTC().Format(time.RFC1123) +
				" while right now it is " + now.UTC().Format(time.RFC1123) +
				" which is further in the future than the tolerated delay of 300000 milliseconds.")}
	}
	st := s.streams[it.Stream]
	if st == nil {
		return nil, notFound("Stream %s under account %s not found.", it.Stream, s.opts.Account)
	}
	sh := st.shard(it.Shard)
	if sh == nil {
		return nil, notFound("Shard %s in stream %s under account %s does not exist", it.Shard, st.name, s.opts.Account)
	}
	limit := maxGetRecordsLimit
	if in.Limit != nil {
		limit = int(*in.Limit)
		if limit < 1 || limit > maxGetRecordsLimit {
			return nil, invalidArgument("Limit must be between 1 and 10000.")
		}
	}
	if !s.opts.DisableReadLimits {
		if err := s.readAllowed(st, sh, now); err != nil {
			return nil, err
		}
	}

	start := sort.Search(len(sh.records), func(i int) bool { return sh.records[i].seq > it.After })
	out := &kinesis.GetRecordsOutput{Records: []types.Record{}}
	bytes, i := 0, start
	for ; i < len(sh.records) && len(out.Records) < limit; i++ {
		r := sh.records[i]
		if len(out.Records) > 0 && bytes+len(r.data) > maxGetRecordsBytes {
			break
		}
		bytes += len(r.data)
		out.Records = append(out.Records, types.Record{
			SequenceNumber: aws.String(formatSeq(r.seq)), PartitionKey: aws.String(r.partitionKey),
			Data: append([]byte(nil), r.data...), ApproximateArrivalTimestamp: aws.Time(r.arrival),
			EncryptionType: st.encryption,
		})
		it.After = r.seq
	}
	behind := int64(0)
	if i < len(sh.records) {
		behind = now.Sub(sh.records[i].arrival).Milliseconds()
	}
	out.MillisBehindLatest = aws.Int64(behind)
	if !sh.open() && i == len(sh.records) {
		out.ChildShards = st.children(sh)
	} else {
		out.NextShardIterator = aws.String(s.encodeIterator(it))
	}
	sh.readBalance -= float64(bytes)
	age := time.Duration(0)
	if n := len(out.Records); n > 0 {
		age = now.Sub(*out.Records[n-1].ApproximateArrivalTimestamp)
	}
	s.metrics.addRead(st, sh, float64(bytes), float64(len(out.Records)), age, false, now)
	return out, nil
}

// readAllowed enforces 5 GetRecords calls per second per shard and the
// 2 MiB/s read budget.
func (s *Sim) readAllowed(st *stream, sh *shard, now time.Time) error {
	window := now.Add(-time.Second)
	recent := sh.readCalls[:0]
	for _, t := range sh.readCalls {
		if t.After(window) {
			recent = append(recent, t)
		}
	}
	sh.readCalls = recent
	if sh.readBalanceAt.IsZero() {
		sh.readBalance = readBytesPerSecond
	} else {
		sh.readBalance += now.Sub(sh.readBalanceAt).Seconds() * readBytesPerSecond
		sh.readBalance = min(sh.readBalance, readBytesPerSecond)
	}
	sh.readBalanceAt = now
	if len(sh.readCalls) >= readCallsPerSecond || sh.readBalance <= 0 {
		s.metrics.addRead(st, sh, 0, 0, 0, true, now)
		return throughputExceeded("Rate exceeded for Shard - %s in stream %s under account %s.", sh.id, st.name, s.opts.Account)
	}
	sh.readCalls = append(sh.readCalls, now)
	return nil
}

// children lists the shards whose parents include sh.
func (st *stream) children(sh *shard) []types.ChildShard {
	out := []types.ChildShard{}
	for _, c := range st.shards {
		if c.parent != sh.id && c.adjacent != sh.id {
			continue
		}
		parents := []string{c.parent}
		if c.adjacent != "" {
			parents = append(parents, c.adjacent)
		}
		out = append(out, types.ChildShard{
			ShardId:      aws.String(c.id),
			ParentShards: parents,
			HashKeyRange: &types.HashKeyRange{StartingHashKey: aws.String(c.rng.Start.String()), EndingHashKey: aws.String(c.rng.End.String())},
		})
	}
	return out
}
