package decode

import (
	"encoding/json"
	"strings"
	"time"
)

// Record is one Kinesis record as read from a shard (GetRecords or the
// `aws kinesis get-records` output). Data is the payload after the base64 of
// the wire format; the decoder keeps references to it in the events it
// returns, so the caller must not modify it afterwards.
type Record struct {
	Data           []byte
	PartitionKey   string
	SequenceNumber string
	ShardID        string
	ArrivalTime    time.Time // ApproximateArrivalTimestamp
	EncryptionType string    // NONE or KMS, as Kinesis reports it
}

// Kind is the innermost form of an event's payload.
type Kind string

const (
	KindJSON   Kind = "json"   // a JSON object; Fields holds it, ECS keys were read
	KindText   Kind = "text"   // valid UTF-8 and mostly printable
	KindBinary Kind = "binary" // anything else; Message is a hex preview
)

// Layers records the envelopes an event was unwrapped from, outermost first
// in String.
type Layers uint8

const (
	LayerKPL  Layers = 1 << iota // from a KPL aggregated record: one sub-record (Origin.SubIndex >= 0), or the aggregate itself shown undecoded (SubIndex -1, Problem set)
	LayerGzip                    // gzip-compressed
	LayerCWL                     // one log event of a CloudWatch Logs subscription envelope
)

// layerNames holds String for every combination, so rendering allocates
// nothing.
var layerNames = func() (names [LayerCWL << 1]string) {
	for l := range names {
		var parts []string
		for _, n := range [...]struct {
			bit  Layers
			name string
		}{{LayerKPL, "kpl"}, {LayerGzip, "gzip"}, {LayerCWL, "cwlogs"}} {
			if Layers(l)&n.bit != 0 {
				parts = append(parts, n.name)
			}
		}
		names[l] = strings.Join(parts, "+")
	}
	return names
}()

// String renders the layers as "kpl+gzip+cwlogs" (empty when none).
func (l Layers) String() string {
	if int(l) < len(layerNames) {
		return layerNames[l]
	}
	return "unknown"
}

// MarshalJSON writes the layers as a string ("kpl+gzip+cwlogs").
func (l Layers) MarshalJSON() ([]byte, error) { return json.Marshal(l.String()) }

// UnmarshalJSON reads what MarshalJSON writes.
func (l *Layers) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*l = 0
	for _, p := range strings.Split(s, "+") {
		switch p {
		case "kpl":
			*l |= LayerKPL
		case "gzip":
			*l |= LayerGzip
		case "cwlogs":
			*l |= LayerCWL
		}
	}
	return nil
}

// Origin is where an event came from: enough to find the record again
// (shard + sequence number + sub-index) and to name the log it belongs to.
type Origin struct {
	ShardID         string    `json:"shard,omitempty"`
	SequenceNumber  string    `json:"seq,omitempty"`
	SubIndex        int       `json:"sub"`   // index in the KPL aggregate; -1 when the record was not aggregated
	EventIndex      int       `json:"index"` // index in the CloudWatch Logs envelope; 0 otherwise
	PartitionKey    string    `json:"partition_key,omitempty"`
	ExplicitHashKey string    `json:"explicit_hash_key,omitempty"`
	ArrivalTime     time.Time `json:"arrival"`
	Owner           string    `json:"owner,omitempty"` // CloudWatch Logs: the AWS account that owns the log group
	LogGroup        string    `json:"log_group,omitempty"`
	LogStream       string    `json:"log_stream,omitempty"`
	LogEventID      string    `json:"log_event_id,omitempty"`
}

// Event is one decoded event: a CloudWatch log event, one KPL sub-record, or
// one plain record. Strings are raw, exactly as they came; sanitise them (see
// Sanitize) before they reach a terminal.
type Event struct {
	// Time is the event's own time: the ECS/JSON @timestamp when present and
	// parseable, else the CloudWatch log event timestamp, else the record's
	// arrival time.
	Time time.Time `json:"time"`
	// Level is normalised to trace, debug, info, warn, error, fatal, or "".
	Level string `json:"level,omitempty"`
	// Source names the producer: the CloudWatch log group, else the ECS
	// service.name, else log.origin (file:line or function), else the shard.
	Source  string `json:"source,omitempty"`
	Message string `json:"message"`
	Kind    Kind   `json:"kind"`
	Layers  Layers `json:"layers"`
	// Fields is the JSON object of a KindJSON event, compacted onto one line,
	// for a detail view (json.Indent it) and for export.
	Fields json.RawMessage `json:"fields,omitempty"`
	// Raw is the payload bytes the event was decoded from (for a CloudWatch
	// log event, its message). Event JSON carries it only where Message and
	// Fields do not already say it all: binary payloads and problems.
	Raw    []byte `json:"raw,omitempty"`
	Origin Origin `json:"origin"`
	// Problem says why the payload could not be decoded as what it claims to
	// be, e.g. "KPL MD5 mismatch: shown undecoded". Empty when all is well.
	Problem string `json:"problem,omitempty"`
}

// Stats counts what one Decode call (or a sum of them, see Add) saw.
type Stats struct {
	Records         int   // Kinesis records decoded
	Bytes           int64 // record payload bytes in
	Events          int   // events returned
	ControlMessages int   // CloudWatch Logs CONTROL_MESSAGE envelopes (counted, not returned)
	KPLAggregates   int   // records that were KPL aggregates
	KPLSubRecords   int   // sub-records found in them
	Problems        int   // events returned with a Problem
}

// Add accumulates o into s.
func (s *Stats) Add(o Stats) {
	s.Records += o.Records
	s.Bytes += o.Bytes
	s.Events += o.Events
	s.ControlMessages += o.ControlMessages
	s.KPLAggregates += o.KPLAggregates
	s.KPLSubRecords += o.KPLSubRecords
	s.Problems += o.Problems
}
