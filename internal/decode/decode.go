// Package decode turns Kinesis records into log events. It is pure: no I/O,
// no clock, no globals beyond a pool of reusable decoders.
//
// Records nest the way producers wrap them:
//
//	KPL aggregate (magic F3 89 9A C2 + protobuf + MD5)
//	  -> sub-record data
//	     -> gzip
//	        -> CloudWatch Logs subscription envelope (DATA_MESSAGE fans out
//	           into one event per log event; CONTROL_MESSAGE is counted only)
//	           -> log event message: JSON/ECS object, or text
//	        -> or a JSON object, text, or binary
//
// Decoding never fails as a whole: what cannot be decoded becomes an event
// with Problem set and the payload kept raw, never guessed at.
package decode

import (
	"bytes"
	"encoding/hex"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/klauspost/compress/gzip"
)

// DefaultMaxDecompressed bounds how far one gzip payload may expand. A
// Kinesis record is at most 10 MiB; CloudWatch Logs JSON compresses about
// 10:1, so 64 MiB leaves room while stopping decompression bombs.
const DefaultMaxDecompressed = 64 << 20

// Options tune a Decoder. The zero value is ready to use.
type Options struct {
	// MaxDecompressed caps the size of a decompressed gzip payload in bytes;
	// 0 means DefaultMaxDecompressed. Larger payloads are shown undecoded.
	MaxDecompressed int
}

// Decoder decodes records, reusing its gzip state and scratch buffers
// between calls. A Decoder is not safe for concurrent use; use one per
// goroutine, or the package-level Decode, which pools them.
type Decoder struct {
	maxOut  int
	zr      *gzip.Reader
	br      bytes.Reader
	spans   []cwlSpan
	kpl     kplScratch
	scratch []byte
	intern  interner
}

// NewDecoder returns a Decoder with the given options.
func NewDecoder(opts Options) *Decoder {
	d := &Decoder{maxOut: opts.MaxDecompressed}
	if d.maxOut <= 0 {
		d.maxOut = DefaultMaxDecompressed
	}
	return d
}

var pool = sync.Pool{New: func() any { return NewDecoder(Options{}) }}

// Decode decodes r with a pooled Decoder; see Decoder.Decode.
func Decode(r Record, dst []Event) ([]Event, Stats) {
	d := pool.Get().(*Decoder)
	dst, st := d.Decode(r, dst)
	pool.Put(d)
	return dst, st
}

// Decode appends the events of r to dst (so callers can reuse a slice) and
// returns it with what was seen. Control messages are counted in Stats and
// not returned. The events reference r.Data and memory of their own; none
// of it is reused by later calls.
func (d *Decoder) Decode(r Record, dst []Event) ([]Event, Stats) {
	st := Stats{Records: 1, Bytes: int64(len(r.Data))}
	n0 := len(dst)
	base := Event{
		Time:   r.ArrivalTime,
		Source: r.ShardID,
		Origin: Origin{
			ShardID:        r.ShardID,
			SequenceNumber: r.SequenceNumber,
			SubIndex:       -1,
			PartitionKey:   r.PartitionKey,
			ArrivalTime:    r.ArrivalTime,
		},
	}
	if bytes.HasPrefix(r.Data, kplMagic) {
		dst = d.decodeKPL(r.Data, &base, dst, &st)
	} else {
		dst = d.decodePayload(r.Data, &base, dst, &st)
	}
	st.Events = len(dst) - n0
	for i := n0; i < len(dst); i++ {
		if dst[i].Problem != "" {
			st.Problems++
		}
	}
	return dst, st
}

// decodePayload decodes one payload (a record's data or a KPL sub-record's),
// which belongs to the caller and is not written to.
func (d *Decoder) decodePayload(data []byte, base *Event, dst []Event, st *Stats) []Event {
	if !isGzip(data) {
		return d.decodePlain(data, nil, base, dst, st)
	}
	out, err := d.gunzip(data)
	if err != nil {
		return append(dst, undecoded(base, data, "gzip: "+err.Error()+": shown undecoded"))
	}
	ev := *base
	ev.Layers |= LayerGzip
	return d.decodePlain(out, data, &ev, dst, st)
}

// decodePlain decodes an uncompressed payload: a CloudWatch Logs envelope,
// a JSON object, text, or binary. gz is the gzip data that data was
// decompressed from (so data is the decoder's own), or nil when data belongs
// to the caller.
func (d *Decoder) decodePlain(data, gz []byte, base *Event, dst []Event, st *Stats) []Event {
	if i := skipSpace(data, 0); i < len(data) && data[i] == '{' && bytes.Contains(data, []byte(`"messageType"`)) {
		own := data
		if gz == nil {
			own = append([]byte(nil), data...) // the envelope scan writes in place
		}
		out, ok, dirty := d.decodeCWL(own, base, dst, st)
		if ok {
			return out
		}
		if dirty && gz != nil {
			// Not an envelope after all, and partly rewritten: decompress
			// again (rare: it said "messageType" but is malformed).
			var err error
			if data, err = d.gunzip(gz); err != nil {
				return append(dst, undecoded(base, gz, "gzip: "+err.Error()+": shown undecoded"))
			}
		}
	}
	ev := *base
	ev.Raw = data
	d.decodeMessage(data, &ev, false)
	return append(dst, ev)
}

// decodeMessage fills Message, Kind, Fields, Level, Source and Time from one
// message: a CloudWatch log event's message (always text, since it came out
// of a JSON string) or a record payload (which may be binary).
func (d *Decoder) decodeMessage(m []byte, ev *Event, isString bool) {
	if i := skipSpace(m, 0); i < len(m) && m[i] == '{' && d.decodeJSON(m, ev) {
		return
	}
	if !isString && !isText(m) {
		ev.Kind = KindBinary
		ev.Message = hexPreview(m)
		return
	}
	ev.Kind = KindText
	m = trimNewlines(m)
	ev.Message = string(m)
	ev.Level = textLevel(m)
}

// undecoded is the event for a payload that claims a format it does not
// hold: the bytes are kept raw and the reason is said.
func undecoded(base *Event, data []byte, problem string) Event {
	ev := *base
	ev.Kind = KindBinary
	ev.Raw = data
	ev.Message = hexPreview(data)
	ev.Problem = problem
	if isText(data) {
		ev.Kind = KindText
		ev.Message = string(trimNewlines(data))
	}
	return ev
}

// isText reports valid UTF-8 with few control bytes. Escape sequences in a
// hostile payload still count as text, so the operator sees them escaped.
func isText(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	ctl := 0
	for _, c := range b {
		switch {
		case c == 0:
			return false
		case (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f:
			ctl++
		}
	}
	return ctl*8 <= len(b)
}

const hexPreviewBytes = 32

// hexPreview renders the first bytes of a binary payload as hex, with the
// total size, for a one-line view; Raw keeps everything.
func hexPreview(b []byte) string {
	n := min(len(b), hexPreviewBytes)
	out := make([]byte, 0, 2*n+32)
	out = append(out, "hex "...)
	out = hex.AppendEncode(out, b[:n])
	if n < len(b) {
		out = append(out, "..."...)
	}
	out = append(out, " ("...)
	out = strconv.AppendInt(out, int64(len(b)), 10)
	out = append(out, " bytes)"...)
	return string(out)
}

func trimNewlines(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// interner shares the strings that repeat across events (log groups, log
// streams, service names) so they are allocated once. It is bounded: when
// full it starts over.
type interner map[string]string

const internMax = 4096

func (in *interner) get(b []byte) string {
	if s, ok := (*in)[string(b)]; ok {
		return s
	}
	if *in == nil || len(*in) >= internMax {
		*in = make(interner, 64)
	}
	s := string(b)
	(*in)[s] = s
	return s
}
