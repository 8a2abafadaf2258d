// Package encode builds the payloads internal/decode reads, byte for byte as
// AWS produces them: CloudWatch Logs subscription envelopes (gzip'd JSON),
// KPL aggregated records, ECS JSON log lines, and the JSON that
// `aws kinesis get-records` prints. The Kinesis simulator, the tail tests,
// the decode benchmarks and the fuzz seeds use it to make realistic data.
package encode

import (
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// Message types of a CloudWatch Logs subscription envelope.
const (
	DataMessage    = "DATA_MESSAGE"
	ControlMessage = "CONTROL_MESSAGE"
)

// LogEvent is one CloudWatch Logs log event.
type LogEvent struct {
	ID        string // "" gets a 56-digit id like CloudWatch's, derived from Timestamp and position
	Timestamp time.Time
	Message   string
}

// Envelope is a CloudWatch Logs subscription message.
type Envelope struct {
	MessageType         string // "" means DATA_MESSAGE
	Owner               string // AWS account id
	LogGroup            string
	LogStream           string
	SubscriptionFilters []string
	LogEvents           []LogEvent
}

type wireEvent struct {
	ID        string `json:"id"`
	Timestamp int64  `json:"timestamp"`
	Message   string `json:"message"`
}

type wireEnvelope struct {
	MessageType         string      `json:"messageType"`
	Owner               string      `json:"owner"`
	LogGroup            string      `json:"logGroup"`
	LogStream           string      `json:"logStream"`
	SubscriptionFilters []string    `json:"subscriptionFilters"`
	LogEvents           []wireEvent `json:"logEvents"`
}

// JSON returns the envelope as CloudWatch Logs writes it, before gzip.
func (e Envelope) JSON() []byte {
	w := wireEnvelope{
		MessageType:         e.MessageType,
		Owner:               e.Owner,
		LogGroup:            e.LogGroup,
		LogStream:           e.LogStream,
		SubscriptionFilters: e.SubscriptionFilters,
		LogEvents:           make([]wireEvent, len(e.LogEvents)),
	}
	if w.MessageType == "" {
		w.MessageType = DataMessage
	}
	if w.SubscriptionFilters == nil {
		w.SubscriptionFilters = []string{}
	}
	for i, ev := range e.LogEvents {
		id := ev.ID
		if id == "" {
			id = EventID(ev.Timestamp, i)
		}
		w.LogEvents[i] = wireEvent{ID: id, Timestamp: ev.Timestamp.UnixMilli(), Message: ev.Message}
	}
	return marshal(w)
}

// CWLEnvelope returns the envelope gzip'd: the Data of the Kinesis record a
// subscription filter puts.
func CWLEnvelope(e Envelope) []byte { return Gzip(e.JSON()) }

// CWLControl returns the gzip'd CONTROL_MESSAGE CloudWatch Logs puts when a
// subscription filter is created, to check the stream is writable.
func CWLControl(t time.Time) []byte {
	return CWLEnvelope(Envelope{
		MessageType: ControlMessage,
		Owner:       "CloudwatchLogs",
		LogEvents: []LogEvent{{
			Timestamp: t,
			Message:   "CWL CONTROL MESSAGE: Checking health of destination Kinesis stream.",
		}},
	})
}

// EventID makes a CloudWatch-style log event id: 56 decimal digits, unique
// per (timestamp, index).
func EventID(t time.Time, index int) string {
	return fmt.Sprintf("%017d%039d", t.UnixMilli(), index)
}

// gzipWriters recycles compressors: each holds about a megabyte of state,
// and simulators call Gzip for every record they put.
var gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(nil) }}

// Gzip compresses b as a single gzip member (default level, as CloudWatch
// Logs does). It is safe for concurrent use.
func Gzip(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzipWriters.Get().(*gzip.Writer)
	zw.Reset(&buf)
	// Writes to a bytes.Buffer cannot fail.
	_, _ = zw.Write(b)
	_ = zw.Close()
	gzipWriters.Put(zw)
	return buf.Bytes()
}

// ECSLog is one log line as the Elastic ECS loggers (ecszap, ecs-logging-*)
// write it.
type ECSLog struct {
	Timestamp time.Time
	Level     string // info, warn, error...
	Message   string
	Service   string // service.name; omitted when ""
	Function  string // log.origin.function
	File      string // log.origin.file.name
	Line      int    // log.origin.file.line
	Extra     map[string]any
}

// JSON returns the line, with the trailing newline loggers write.
func (l ECSLog) JSON() string {
	var b bytes.Buffer
	b.WriteString(`{"log.level":`)
	b.Write(marshal(l.Level))
	b.WriteString(`,"@timestamp":`)
	b.Write(marshal(l.Timestamp.UTC().Format("2006-01-02T15:04:05.000Z07:00")))
	if l.Function != "" || l.File != "" {
		b.WriteString(`,"log.origin":{"function":`)
		b.Write(marshal(l.Function))
		b.WriteString(`,"file.name":`)
		b.Write(marshal(l.File))
		b.WriteString(`,"file.line":`)
		b.WriteString(strconv.Itoa(l.Line))
		b.WriteByte('}')
	}
	b.WriteString(`,"message":`)
	b.Write(marshal(l.Message))
	if l.Service != "" {
		b.WriteString(`,"service.name":`)
		b.Write(marshal(l.Service))
	}
	if len(l.Extra) > 0 {
		extra := marshal(l.Extra) // sorted keys
		b.WriteByte(',')
		b.Write(extra[1 : len(extra)-1])
	}
	b.WriteString(`,"ecs.version":"1.6.0"}`)
	b.WriteByte('\n')
	return b.String()
}

// KPLRecord is one user record to aggregate.
type KPLRecord struct {
	PartitionKey    string
	ExplicitHashKey string // optional
	Data            []byte
}

// KPLMagic starts every KPL aggregated record.
var KPLMagic = []byte{0xF3, 0x89, 0x9A, 0xC2}

// KPLAggregate packs records the way the Kinesis Producer Library does: the
// magic, the protobuf AggregatedRecord with de-duplicated key tables, and
// the MD5 of the protobuf.
func KPLAggregate(recs []KPLRecord) []byte {
	var pb []byte
	pkIndex := map[string]uint64{}
	ehkIndex := map[string]uint64{}
	var pks, ehks []string
	for _, r := range recs {
		if _, ok := pkIndex[r.PartitionKey]; !ok {
			pkIndex[r.PartitionKey] = uint64(len(pks))
			pks = append(pks, r.PartitionKey)
		}
		if _, ok := ehkIndex[r.ExplicitHashKey]; r.ExplicitHashKey != "" && !ok {
			ehkIndex[r.ExplicitHashKey] = uint64(len(ehks))
			ehks = append(ehks, r.ExplicitHashKey)
		}
	}
	for _, k := range pks {
		pb = appendBytesField(pb, 1, []byte(k))
	}
	for _, k := range ehks {
		pb = appendBytesField(pb, 2, []byte(k))
	}
	for _, r := range recs {
		var sub []byte
		sub = appendTag(sub, 1, 0)
		sub = binary.AppendUvarint(sub, pkIndex[r.PartitionKey])
		if r.ExplicitHashKey != "" {
			sub = appendTag(sub, 2, 0)
			sub = binary.AppendUvarint(sub, ehkIndex[r.ExplicitHashKey])
		}
		sub = appendBytesField(sub, 3, r.Data)
		pb = appendBytesField(pb, 3, sub)
	}
	sum := md5.Sum(pb)
	out := append(append([]byte(nil), KPLMagic...), pb...)
	return append(out, sum[:]...)
}

func appendTag(b []byte, field, wireType uint64) []byte {
	return binary.AppendUvarint(b, field<<3|wireType)
}

func appendBytesField(b []byte, field uint64, v []byte) []byte {
	b = appendTag(b, field, 2)
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

// CLIRecord is one record of `aws kinesis get-records` output.
type CLIRecord struct {
	Data           []byte
	PartitionKey   string
	SequenceNumber string
	ArrivalTime    time.Time
	EncryptionType string // "" is omitted, as for unencrypted streams
}

// CLIOptions shape the get-records output like a given AWS CLI version.
type CLIOptions struct {
	// NumericTimestamps writes ApproximateArrivalTimestamp as epoch seconds
	// (AWS CLI v1, or v2 with cli_timestamp_format = none) instead of ISO 8601.
	NumericTimestamps bool
	// Indent pretty-prints with 4 spaces, as the CLI does by default.
	Indent             bool
	NextShardIterator  string
	MillisBehindLatest int64
}

// GetRecordsOutput returns what `aws kinesis get-records` prints for recs.
func GetRecordsOutput(recs []CLIRecord, o CLIOptions) []byte {
	type wireRecord struct {
		SequenceNumber              string          `json:"SequenceNumber"`
		ApproximateArrivalTimestamp json.RawMessage `json:"ApproximateArrivalTimestamp"`
		Data                        string          `json:"Data"`
		PartitionKey                string          `json:"PartitionKey"`
		EncryptionType              string          `json:"EncryptionType,omitempty"`
	}
	out := struct {
		Records            []wireRecord `json:"Records"`
		NextShardIterator  string       `json:"NextShardIterator"`
		MillisBehindLatest int64        `json:"MillisBehindLatest"`
	}{Records: make([]wireRecord, len(recs)), NextShardIterator: o.NextShardIterator, MillisBehindLatest: o.MillisBehindLatest}
	for i, r := range recs {
		var ts []byte
		if o.NumericTimestamps {
			ts = strconv.AppendFloat(nil, float64(r.ArrivalTime.UnixMicro())/1e6, 'f', -1, 64)
		} else {
			ts = marshal(r.ArrivalTime.Format("2006-01-02T15:04:05.000000-07:00"))
		}
		out.Records[i] = wireRecord{
			SequenceNumber:              r.SequenceNumber,
			ApproximateArrivalTimestamp: ts,
			Data:                        base64.StdEncoding.EncodeToString(r.Data),
			PartitionKey:                r.PartitionKey,
			EncryptionType:              r.EncryptionType,
		}
	}
	b := marshal(out)
	if o.Indent {
		var ind bytes.Buffer
		_ = json.Indent(&ind, b, "", "    ") // b is valid JSON we just wrote
		b = ind.Bytes()
	}
	return b
}

// marshal is json.Marshal without HTML escaping, as AWS writes JSON. The
// values marshalled here cannot fail to encode.
func marshal(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic("encode: " + err.Error())
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}
