package decode_test

import (
	"bytes"
	"crypto/md5"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/opsconsole/opsconsole/internal/decode"
	"github.com/opsconsole/opsconsole/internal/decode/encode"
)

var arrival = time.Date(2025, 9, 3, 16, 47, 1, 0, time.UTC)

func record(data []byte) decode.Record {
	return decode.Record{
		Data:           data,
		PartitionKey:   "pk-1",
		SequenceNumber: "49590338271490256608559692538361571095921575989136588898",
		ShardID:        "shardId-000000000001",
		ArrivalTime:    arrival,
	}
}

// lambdaEnvelope is the envelope from the seed notes: a Lambda log group
// delivering ECS JSON lines from the Elastic APM extension.
func lambdaEnvelope() encode.Envelope {
	ts := time.UnixMilli(1756918020250)
	return encode.Envelope{
		Owner:               "123456789999",
		LogGroup:            "/aws/lambda/my-lambda",
		LogStream:           "2025/09/03/[$LATEST]202865ca545544deb61360d571180d45",
		SubscriptionFilters: []string{"my-lambda-MainSubscriptionFilter-r1YlqNvCVDqk"},
		LogEvents: []encode.LogEvent{
			{ID: "39180581104302115620949753249891540826922898325656305664", Timestamp: ts,
				Message: `{"log.level":"info","@timestamp":"2025-09-03T16:47:00.250Z","log.origin":{"function":"github.com/elastic/apm-aws-lambda/app.(*App).Run","file.name":"app/run.go","file.line":98},"message":"Exiting due to shutdown event with reason spindown","ecs.version":"1.6.0"}` + "\n"},
			{ID: "39180581104302115620949753249891540826922898325656305665", Timestamp: ts,
				Message: `{"log.level":"warn","@timestamp":"2025-09-03T16:47:00.251Z","log.origin":{"function":"github.com/elastic/apm-aws-lambda/apmproxy.(*Client).forwardLambdaData","file.name":"apmproxy/apmserver.go","file.line":357},"message":"Dropping lambda data due to error: metadata is not yet available","ecs.version":"1.6.0"}` + "\n"},
			{ID: "39180581104302115620949753249891540826922898325656305666", Timestamp: ts.Add(time.Second),
				Message: "START RequestId: 6f1b Version: $LATEST\n"},
		},
	}
}

func TestDecodeCloudWatchEnvelope(t *testing.T) {
	env := lambdaEnvelope()
	evs, st := decode.Decode(record(encode.CWLEnvelope(env)), nil)
	if len(evs) != 3 || st.Events != 3 || st.Records != 1 || st.Problems != 0 {
		t.Fatalf("got %d events, stats %+v; want 3 events", len(evs), st)
	}
	e := evs[1]
	if e.Kind != decode.KindJSON || e.Level != "warn" || e.Source != "/aws/lambda/my-lambda" ||
		e.Message != "Dropping lambda data due to error: metadata is not yet available" {
		t.Errorf("event 1 = %+v", e)
	}
	if want := time.Date(2025, 9, 3, 16, 47, 0, 251e6, time.UTC); !e.Time.Equal(want) {
		t.Errorf("event 1 time %v, want @timestamp %v", e.Time, want)
	}
	if e.Layers != decode.LayerGzip|decode.LayerCWL || e.Layers.String() != "gzip+cwlogs" {
		t.Errorf("layers %v", e.Layers)
	}
	o := e.Origin
	if o.LogGroup != env.LogGroup || o.LogStream != env.LogStream || o.Owner != "123456789999" ||
		o.LogEventID != env.LogEvents[1].ID || o.EventIndex != 1 || o.SubIndex != -1 ||
		o.ShardID != "shardId-000000000001" || o.PartitionKey != "pk-1" || !o.ArrivalTime.Equal(arrival) {
		t.Errorf("origin %+v", o)
	}
	if string(e.Raw) != env.LogEvents[1].Message {
		t.Errorf("raw %q, want the log event message", e.Raw)
	}
	var fields map[string]any
	if err := json.Unmarshal(e.Fields, &fields); err != nil || fields["ecs.version"] != "1.6.0" {
		t.Errorf("fields %s: %v", e.Fields, err)
	}
	// The text event keeps the CloudWatch timestamp (it has no time of its own).
	txt := evs[2]
	if txt.Kind != decode.KindText || txt.Message != "START RequestId: 6f1b Version: $LATEST" ||
		!txt.Time.Equal(time.UnixMilli(1756918021250)) || txt.Level != "" {
		t.Errorf("text event %+v", txt)
	}
}

func TestDecodeControlMessageIsCountedNotShown(t *testing.T) {
	evs, st := decode.Decode(record(encode.CWLControl(arrival)), nil)
	if len(evs) != 0 || st.ControlMessages != 1 || st.Events != 0 {
		t.Fatalf("events %v, stats %+v; want none and one control message", evs, st)
	}
}

func TestDecodeKPLAggregate(t *testing.T) {
	cwl := encode.CWLEnvelope(lambdaEnvelope())
	agg := encode.KPLAggregate([]encode.KPLRecord{
		{PartitionKey: "a", Data: cwl},
		{PartitionKey: "b", ExplicitHashKey: "170141183460469231731687303715884105728", Data: []byte(`{"level":"error","msg":"boom"}`)},
		{PartitionKey: "a", Data: []byte("plain line\n")},
	})
	evs, st := decode.Decode(record(agg), nil)
	if st.KPLAggregates != 1 || st.KPLSubRecords != 3 || len(evs) != 5 || st.Problems != 0 {
		t.Fatalf("stats %+v, %d events; want 1 aggregate, 3 sub-records, 5 events", st, len(evs))
	}
	wantSub := []int{0, 0, 0, 1, 2}
	wantPK := []string{"a", "a", "a", "b", "a"}
	for i, e := range evs {
		if e.Origin.SubIndex != wantSub[i] || e.Origin.PartitionKey != wantPK[i] || e.Layers&decode.LayerKPL == 0 {
			t.Errorf("event %d: sub %d pk %q layers %v; want sub %d pk %q with kpl", i, e.Origin.SubIndex, e.Origin.PartitionKey, e.Layers, wantSub[i], wantPK[i])
		}
	}
	if e := evs[3]; e.Level != "error" || e.Message != "boom" || e.Origin.ExplicitHashKey != "170141183460469231731687303715884105728" {
		t.Errorf("json sub-record %+v", e)
	}
	if e := evs[4]; e.Kind != decode.KindText || e.Message != "plain line" {
		t.Errorf("text sub-record %+v", e)
	}
}

func TestDecodeKPLBadMD5IsShownUndecoded(t *testing.T) {
	agg := encode.KPLAggregate([]encode.KPLRecord{{PartitionKey: "a", Data: []byte("hello")}})
	agg[len(agg)-1] ^= 0xff
	evs, st := decode.Decode(record(agg), nil)
	if len(evs) != 1 || st.Problems != 1 {
		t.Fatalf("%d events, stats %+v; want one problem event", len(evs), st)
	}
	e := evs[0]
	if e.Problem != "KPL MD5 mismatch: shown undecoded" || e.Kind != decode.KindBinary || !bytes.Equal(e.Raw, agg) ||
		!strings.HasPrefix(e.Message, "hex f3899ac2") {
		t.Errorf("event %+v", e)
	}
}

func TestDecodeKPLMalformedProtobuf(t *testing.T) {
	// Valid MD5 over a protobuf whose records field runs past the end.
	agg := encode.KPLAggregate([]encode.KPLRecord{{PartitionKey: "a", Data: []byte("hello")}})
	body := agg[4 : len(agg)-16]
	broken := append([]byte(nil), body[:len(body)-2]...)
	evs, _ := decode.Decode(record(withMD5(broken)), nil)
	if len(evs) != 1 || !strings.HasPrefix(evs[0].Problem, "KPL protobuf malformed: ") {
		t.Fatalf("events %+v; want one malformed-protobuf problem", evs)
	}
}

func TestDecodeKPLKeyIndexOutOfRange(t *testing.T) {
	// partition_key_table empty; record says index 3.
	sub := []byte{0x08, 0x03, 0x1a, 0x02, 'h', 'i'}
	pb := append([]byte{0x1a, byte(len(sub))}, sub...)
	evs, _ := decode.Decode(record(withMD5(pb)), nil)
	if len(evs) != 1 || evs[0].Message != "hi" || evs[0].Problem != "KPL partition key index 3 is outside the table of 0" {
		t.Fatalf("events %+v", evs)
	}
}

func TestDecodeGzipProblems(t *testing.T) {
	gz := encode.Gzip([]byte("some text that is long enough to compress a little bit"))
	truncated := gz[:len(gz)-6]
	corrupt := append([]byte(nil), gz...)
	corrupt[len(corrupt)-5] ^= 0x55 // CRC32 trailer
	for data, want := range map[*[]byte]string{
		&truncated: "gzip: truncated stream: shown undecoded",
		&corrupt:   "gzip: checksum mismatch (corrupt data): shown undecoded",
	} {
		evs, st := decode.Decode(record(*data), nil)
		if len(evs) != 1 || st.Problems != 1 || evs[0].Problem != want || !bytes.Equal(evs[0].Raw, *data) || evs[0].Kind != decode.KindBinary {
			t.Errorf("events %+v, want problem %q", evs, want)
		}
	}
}

func TestDecodeGzipBombIsRefused(t *testing.T) {
	bomb := encode.Gzip(make([]byte, 8<<20))
	d := decode.NewDecoder(decode.Options{MaxDecompressed: 1 << 20})
	evs, _ := d.Decode(record(bomb), nil)
	if len(evs) != 1 || evs[0].Problem != "gzip: decompresses to more than 1 MiB: shown undecoded" {
		t.Fatalf("events %+v", evs)
	}
}

func TestDecodeJSONVariants(t *testing.T) {
	cases := []struct {
		name, in                     string
		level, message, source, time string
	}{
		{"ecs nested", `{"@timestamp":"2025-01-02T03:04:05.123456Z","log":{"level":"WARNING","origin":{"file":{"name":"main.go","line":42}}},"message":"slow"}`,
			"warn", "slow", "main.go:42", "2025-01-02T03:04:05.123456Z"},
		{"ecs service", `{"log.level":"ERROR","service.name":"checkout","message":"payment failed","@timestamp":"2025-01-02T05:04:05+02:00"}`,
			"error", "payment failed", "checkout", "2025-01-02T03:04:05Z"},
		{"ecs service object", `{"service":{"name":"cart"},"log.level":"debug","message":"x"}`, "debug", "x", "cart", ""},
		{"pino", `{"level":50,"time":1735787045123,"pid":7,"hostname":"h","msg":"boom"}`,
			"error", "boom", "shardId-000000000001", "2025-01-02T03:04:05.123Z"},
		{"zap", `{"level":"fatal","ts":1735787045.5,"caller":"x.go:1","msg":"dead"}`,
			"fatal", "dead", "shardId-000000000001", "2025-01-02T03:04:05.5Z"},
		{"gcp severity", `{"severity":"CRITICAL","message":"disk"}`, "fatal", "disk", "shardId-000000000001", ""},
		{"no message", `{"a":1,"b":[true,null]}`, "", `{"a":1,"b":[true,null]}`, "shardId-000000000001", ""},
		{"unknown level", `{"level":"chatty","message":"m"}`, "", "m", "shardId-000000000001", ""},
		{"escaped message", `{"message":"tab\there \u00e9 \ud83d\ude00 \"q\""}`, "", "tab\there é 😀 \"q\"", "shardId-000000000001", ""},
	}
	for _, c := range cases {
		evs, _ := decode.Decode(record([]byte(c.in)), nil)
		if len(evs) != 1 {
			t.Fatalf("%s: %d events", c.name, len(evs))
		}
		e := evs[0]
		if e.Kind != decode.KindJSON || e.Level != c.level || e.Message != c.message || e.Source != c.source {
			t.Errorf("%s: kind %s level %q message %q source %q; want level %q message %q source %q",
				c.name, e.Kind, e.Level, e.Message, e.Source, c.level, c.message, c.source)
		}
		want := arrival
		if c.time != "" {
			want, _ = time.Parse(time.RFC3339Nano, c.time)
		}
		if !e.Time.Equal(want) {
			t.Errorf("%s: time %v, want %v", c.name, e.Time, want)
		}
	}
}

func TestDecodePrettyJSONIsCompacted(t *testing.T) {
	evs, _ := decode.Decode(record([]byte("{\n  \"message\": \"hi\",\n  \"n\": [1, 2]\n}\n")), nil)
	if len(evs) != 1 || string(evs[0].Fields) != `{"message":"hi","n":[1,2]}` {
		t.Fatalf("fields %s", evs[0].Fields)
	}
}

func TestDecodeTextAndBinary(t *testing.T) {
	cases := []struct {
		in          []byte
		kind        decode.Kind
		level, msg  string
		wantProblem bool
	}{
		{[]byte("2025-09-03T16:47:00.250Z\t6f1b\tERROR\tInvoke Error\n"), decode.KindText, "error", "2025-09-03T16:47:00.250Z\t6f1b\tERROR\tInvoke Error", false},
		{[]byte("[WARN] disk at 91%"), decode.KindText, "warn", "[WARN] disk at 91%", false},
		{[]byte(`time=2025 level=error msg="db down"`), decode.KindText, "error", `time=2025 level=error msg="db down"`, false},
		{[]byte("just some info here"), decode.KindText, "", "just some info here", false},
		{[]byte{0, 1, 2, 0xff, 0xfe}, decode.KindBinary, "", "hex 000102fffe (5 bytes)", false},
		{[]byte(`{"unterminated": `), decode.KindText, "", `{"unterminated": `, false},
	}
	for _, c := range cases {
		evs, st := decode.Decode(record(c.in), nil)
		if len(evs) != 1 || st.Problems != 0 {
			t.Fatalf("%q: %d events, %+v", c.in, len(evs), st)
		}
		e := evs[0]
		if e.Kind != c.kind || e.Level != c.level || e.Message != c.msg || e.Source != "shardId-000000000001" {
			t.Errorf("%q: kind %s level %q message %q", c.in, e.Kind, e.Level, e.Message)
		}
	}
}

func TestDecodeHostilePayloadStaysRawAndExportIsSafe(t *testing.T) {
	hostile := "\x1b[2J\x1b]52;c;cm0gLXJmIC8=\x07 pwned \u009b31m \u202egnp.exe\xff"
	env := lambdaEnvelope()
	env.LogEvents = []encode.LogEvent{{Timestamp: arrival, Message: hostile}, {Timestamp: arrival, Message: `{"message":"` + strings.ReplaceAll(hostile[:len(hostile)-1], "\x1b", `\u001b`) + `"}`}}
	env.LogEvents[1].Message = strings.ReplaceAll(env.LogEvents[1].Message, "\x07", `\u0007`)
	evs, _ := decode.Decode(record(encode.CWLEnvelope(env)), nil)
	if len(evs) != 2 {
		t.Fatalf("%d events", len(evs))
	}
	if evs[0].Kind != decode.KindText || evs[0].Message != strings.ToValidUTF8(hostile, "\ufffd") {
		t.Errorf("text event message %q", evs[0].Message)
	}
	if !strings.Contains(evs[1].Message, "\x1b[2J") {
		t.Errorf("json event message %q should keep the escape raw (the UI sanitises)", evs[1].Message)
	}
	for _, e := range evs {
		line := e.AppendJSON(nil)
		if bytes.ContainsAny(line, "\x1b\x07\n\r") || bytes.Contains(line, []byte("\u009b")) || bytes.Contains(line, []byte("\u202e")) {
			t.Errorf("JSON export carries a raw control: %q", line)
		}
		if !json.Valid(line) {
			t.Errorf("JSON export invalid: %s", line)
		}
		if s := decode.Sanitize(e.Message); strings.ContainsAny(s, "\x1b\x07\u009b\u202e") {
			t.Errorf("sanitised %q", s)
		}
	}
}

func TestEventJSONRoundTrip(t *testing.T) {
	agg := encode.KPLAggregate([]encode.KPLRecord{
		{PartitionKey: "a", Data: encode.CWLEnvelope(lambdaEnvelope())},
		{PartitionKey: "b", Data: []byte{0, 1, 2, 3}},
	})
	bad := append([]byte(nil), agg...)
	bad[5] ^= 1
	var evs []decode.Event
	for _, data := range [][]byte{agg, bad, []byte("text\n")} {
		evs, _ = decode.Decode(record(data), evs)
	}
	for i, e := range evs {
		line, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		var back decode.Event
		if err := json.Unmarshal(line, &back); err != nil {
			t.Fatalf("event %d: %v in %s", i, err, line)
		}
		if e.Kind != decode.KindBinary && e.Problem == "" {
			e.Raw = nil // carried by Message/Fields instead
		}
		assertSameEvent(t, e, back)
	}
}

// assertSameEvent compares events the way JSON can carry them: times by
// instant, Fields by value.
func assertSameEvent(t *testing.T, want, got decode.Event) {
	t.Helper()
	if !want.Time.Equal(got.Time) || !want.Origin.ArrivalTime.Equal(got.Origin.ArrivalTime) {
		t.Errorf("times differ: %v/%v vs %v/%v", want.Time, want.Origin.ArrivalTime, got.Time, got.Origin.ArrivalTime)
	}
	var wf, gf any
	if len(want.Fields) > 0 {
		_ = json.Unmarshal(want.Fields, &wf)
		_ = json.Unmarshal(got.Fields, &gf)
		if !jsonEqual(wf, gf) {
			t.Errorf("fields differ: %s vs %s", want.Fields, got.Fields)
		}
	}
	want.Time, got.Time = time.Time{}, time.Time{}
	want.Origin.ArrivalTime, got.Origin.ArrivalTime = time.Time{}, time.Time{}
	want.Fields, got.Fields = nil, nil
	if len(want.Raw) == 0 {
		want.Raw = nil
	}
	if len(got.Raw) == 0 {
		got.Raw = nil
	}
	w, _ := json.Marshal(want)
	g, _ := json.Marshal(got)
	if !bytes.Equal(w, g) || !bytes.Equal(want.Raw, got.Raw) {
		t.Errorf("round trip differs:\nwant %s\n got %s", w, g)
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func TestDecodeAppendsAndReusesDst(t *testing.T) {
	dst := make([]decode.Event, 0, 16)
	dst, _ = decode.Decode(record([]byte("one")), dst)
	dst, _ = decode.Decode(record(encode.CWLEnvelope(lambdaEnvelope())), dst)
	if len(dst) != 4 || dst[0].Message != "one" {
		t.Fatalf("got %d events, first %q", len(dst), dst[0].Message)
	}
}

func TestLayersJSON(t *testing.T) {
	for _, l := range []decode.Layers{0, decode.LayerKPL, decode.LayerKPL | decode.LayerGzip | decode.LayerCWL} {
		b, _ := json.Marshal(l)
		var back decode.Layers
		if err := json.Unmarshal(b, &back); err != nil || back != l {
			t.Errorf("%v -> %s -> %v (%v)", l, b, back, err)
		}
	}
}

func withMD5(pb []byte) []byte {
	out := append(append([]byte(nil), encode.KPLMagic...), pb...)
	sum := md5.Sum(pb)
	return append(out, sum[:]...)
}

func TestDecodeMalformedEnvelopeKeepsOriginalBytes(t *testing.T) {
	// It says messageType and its log events parse (and are unescaped in
	// place), but the envelope is broken after them.
	bad := []byte(`{"messageType":"DATA_MESSAGE","logGroup":"/g","logEvents":[{"id":"1","timestamp":1,"message":"a\"b\\n\u00e9"}],"x": }`)
	for name, data := range map[string][]byte{"gzip": encode.Gzip(bad), "plain": append([]byte(nil), bad...)} {
		evs, st := decode.Decode(record(data), nil)
		if len(evs) != 1 || st.Problems != 0 || evs[0].Kind != decode.KindText || !bytes.Equal(evs[0].Raw, bad) || evs[0].Message != string(bad) {
			t.Errorf("%s: events %+v", name, evs)
		}
		if name == "plain" && !bytes.Equal(data, bad) {
			t.Errorf("the caller's record data was modified: %q", data)
		}
	}
}
