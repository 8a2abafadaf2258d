package decode_test

import (
	"bytes"
	"crypto/md5"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/opsconsole/opsconsole/internal/decode"
	"github.com/opsconsole/opsconsole/internal/decode/encode"
	"github.com/opsconsole/opsconsole/internal/decode/jsonscan"
)

// The seed corpora live in testdata/fuzz/<FuzzName>/ (see seeds_test.go);
// `go test` runs them as regular tests, `go test -fuzz=FuzzX` explores.

// checkEvents asserts what must hold for any input: provenance matches the
// record, fields are well formed, and the JSON export is valid and safe.
func checkEvents(t *testing.T, r decode.Record, evs []decode.Event, st decode.Stats) {
	t.Helper()
	if st.Events != len(evs) || st.Records != 1 || st.Bytes != int64(len(r.Data)) {
		t.Fatalf("stats %+v for %d events of %d bytes", st, len(evs), len(r.Data))
	}
	problems := 0
	lastSub := -1
	for i, e := range evs {
		o := e.Origin
		if o.ShardID != r.ShardID || o.SequenceNumber != r.SequenceNumber || !o.ArrivalTime.Equal(r.ArrivalTime) {
			t.Fatalf("event %d origin %+v does not match the record", i, o)
		}
		// A KPL sub-record has its index; an aggregate shown undecoded has -1
		// and says why.
		kpl := e.Layers&decode.LayerKPL != 0
		if (o.SubIndex >= 0) != (kpl && (o.SubIndex >= 0 || e.Problem == "")) || o.SubIndex < lastSub {
			t.Fatalf("event %d: layers %v with sub-index %d after %d", i, e.Layers, o.SubIndex, lastSub)
		}
		lastSub = o.SubIndex
		if e.Layers&decode.LayerKPL == 0 && o.PartitionKey != r.PartitionKey {
			t.Fatalf("event %d partition key %q, record's %q", i, o.PartitionKey, r.PartitionKey)
		}
		if e.Layers&decode.LayerCWL == 0 && (o.LogGroup != "" || o.LogEventID != "" || o.EventIndex != 0) {
			t.Fatalf("event %d has CloudWatch provenance without the layer: %+v", i, o)
		}
		switch e.Kind {
		case decode.KindJSON:
			if !json.Valid(e.Fields) || bytes.ContainsAny(e.Fields, "\n\r") || e.Fields[0] != '{' {
				t.Fatalf("event %d fields %q", i, e.Fields)
			}
		case decode.KindText, decode.KindBinary:
			if len(e.Fields) != 0 {
				t.Fatalf("event %d of kind %s has fields", i, e.Kind)
			}
		default:
			t.Fatalf("event %d kind %q", i, e.Kind)
		}
		if e.Problem != "" {
			problems++
		}
		line := e.AppendJSON(nil)
		if !json.Valid(line) || bytes.ContainsAny(line, "\x1b\x07\n\r\x00") || !utf8.Valid(line) {
			t.Fatalf("event %d exports as %q", i, line)
		}
		if s := decode.Sanitize(e.Message); strings.ContainsAny(s, "\x1b\x07\n\r\u009b\u202e") {
			t.Fatalf("event %d message sanitises to %q", i, s)
		}
	}
	if problems != st.Problems {
		t.Fatalf("%d problem events, stats say %d", problems, st.Problems)
	}
}

func FuzzDecode(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		r := record(data)
		evs, st := decode.NewDecoder(decode.Options{MaxDecompressed: 1 << 20}).Decode(r, nil)
		checkEvents(t, r, evs, st)
	})
}

// FuzzKPL feeds the protobuf parser arbitrary bodies with a valid MD5 (so
// the check does not stop them at the door) and round-trips aggregates built
// by encode.KPLAggregate.
func FuzzKPL(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte, pk string, n uint8) {
		sum := md5.Sum(body)
		raw := append(append(append([]byte(nil), encode.KPLMagic...), body...), sum[:]...)
		r := record(raw)
		evs, st := decode.Decode(r, nil)
		checkEvents(t, r, evs, st)

		count := int(n%6) + 1
		recs := make([]encode.KPLRecord, count)
		for i := range recs {
			// Plain text data so each sub-record is exactly one event.
			recs[i] = encode.KPLRecord{PartitionKey: pk + strings.Repeat("x", i%2), Data: []byte("line " + strings.Repeat("y", i))}
		}
		r = record(encode.KPLAggregate(recs))
		evs, st = decode.Decode(r, nil)
		checkEvents(t, r, evs, st)
		if len(evs) != count || st.KPLSubRecords != count || st.Problems != 0 {
			t.Fatalf("round trip of %d records gave %d events, %+v", count, len(evs), st)
		}
		for i, e := range evs {
			if e.Origin.SubIndex != i || e.Origin.PartitionKey != recs[i].PartitionKey || !bytes.Equal(e.Raw, recs[i].Data) {
				t.Fatalf("sub-record %d came back as %+v", i, e)
			}
		}
	})
}

// FuzzGzip checks decompression round-trips and that any bytes behind a gzip
// header are reported, not trusted.
func FuzzGzip(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		r := record(append([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}, data...))
		evs, st := decode.Decode(r, nil)
		checkEvents(t, r, evs, st)

		r = record(encode.Gzip(data))
		evs, st = decode.Decode(r, nil)
		checkEvents(t, r, evs, st)
		if bytes.HasPrefix(data, []byte{0x1f, 0x8b}) || bytes.Contains(data, []byte(`"messageType"`)) {
			return // nested formats decode further; FuzzDecode covers them
		}
		if len(evs) != 1 || st.Problems != 0 || !bytes.Equal(evs[0].Raw, data) || evs[0].Layers != decode.LayerGzip {
			t.Fatalf("gzip round trip of %q gave %+v", data, evs)
		}
	})
}

// FuzzCWL round-trips envelopes built by encode.CWLEnvelope.
func FuzzCWL(f *testing.F) {
	f.Fuzz(func(t *testing.T, group, stream, msg1, msg2 string) {
		env := encode.Envelope{Owner: "123456789012", LogGroup: group, LogStream: stream, LogEvents: []encode.LogEvent{
			{Timestamp: arrival.Add(1), Message: msg1},
			{ID: "id-2", Timestamp: arrival, Message: msg2},
		}}
		r := record(encode.CWLEnvelope(env))
		evs, st := decode.Decode(r, nil)
		checkEvents(t, r, evs, st)
		if len(evs) != 2 {
			t.Fatalf("%d events from a 2-event envelope", len(evs))
		}
		valid := func(s string) string { // encoding/json's rule: each invalid byte becomes U+FFFD
			var b strings.Builder
			for _, r := range s {
				b.WriteRune(r)
			}
			return b.String()
		}
		for i, msg := range []string{msg1, msg2} {
			e := evs[i]
			if string(e.Raw) != valid(msg) || e.Origin.LogGroup != valid(group) || e.Origin.LogStream != valid(stream) ||
				e.Origin.EventIndex != i || e.Layers != decode.LayerGzip|decode.LayerCWL {
				t.Fatalf("event %d = %+v, from message %q", i, e, msg)
			}
			if e.Kind == decode.KindBinary {
				t.Fatalf("a log event message decoded as binary: %+v", e)
			}
		}
		if evs[1].Origin.LogEventID != "id-2" {
			t.Fatalf("log event id %q", evs[1].Origin.LogEventID)
		}
	})
}

// FuzzJSON compares the scanner with encoding/json and checks that the JSON
// decoder takes exactly the valid objects.
func FuzzJSON(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		// Depth beyond jsonscan.MaxDepth is refused on purpose; it needs
		// more than 2*MaxDepth bytes.
		if len(data) < 2*jsonscan.MaxDepth {
			if got, want := jsonscan.Valid(data), json.Valid(data); got != want {
				t.Fatalf("jsonscan.Valid(%q) = %v, encoding/json says %v", data, got, want)
			}
		}
		r := record(data)
		evs, st := decode.Decode(r, nil)
		checkEvents(t, r, evs, st)
		trimmed := bytes.Trim(data, " \t\r\n") // JSON's whitespace only
		isObject := len(trimmed) > 0 && trimmed[0] == '{' && json.Valid(trimmed) && len(data) < 2*jsonscan.MaxDepth
		if isObject && !bytes.Contains(data, []byte(`"messageType"`)) {
			if len(evs) != 1 || evs[0].Kind != decode.KindJSON {
				t.Fatalf("valid object %q decoded as %+v", data, evs)
			}
			var back, orig any
			if json.Unmarshal(evs[0].Fields, &back) != nil || json.Unmarshal(trimmed, &orig) != nil || !jsonEqual(back, orig) {
				t.Fatalf("fields %s differ from %s", evs[0].Fields, trimmed)
			}
		}
		if len(evs) == 1 && evs[0].Kind == decode.KindJSON && !isObject && len(data) < 2*jsonscan.MaxDepth {
			t.Fatalf("%q is not a JSON object but decoded as one", data)
		}
	})
}

func FuzzTemplate(f *testing.F) {
	f.Fuzz(func(t *testing.T, msg string) {
		tpl := decode.Template(msg)
		if again := decode.Template(tpl); again != tpl {
			t.Fatalf("Template is not idempotent: %q -> %q -> %q", msg, tpl, again)
		}
		top := decode.NewTopMessages(2)
		for range 3 {
			top.Add(&decode.Event{Message: msg, Level: "error"})
		}
		if rows := top.Top(0, ""); len(rows) != 1 || rows[0].Count != 3 {
			t.Fatalf("same message thrice gave %+v", rows)
		}
	})
}
