package encode

import (
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"
)

// These tests read the builders' output with the standard library only, the
// way the AWS docs and the seed notes decode by hand (base64 -d | gzip -d |
// jq), so the builders are checked independently of internal/decode.

var ts = time.Date(2025, 9, 3, 16, 47, 0, 250e6, time.UTC)

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCWLEnvelope(t *testing.T) {
	raw := gunzip(t, CWLEnvelope(Envelope{
		Owner: "123456789999", LogGroup: "/aws/lambda/my-lambda", LogStream: "2025/09/03/[$LATEST]2028",
		SubscriptionFilters: []string{"f"},
		LogEvents:           []LogEvent{{Timestamp: ts, Message: "a <b> & c\n"}, {ID: "given", Timestamp: ts, Message: "x"}},
	}))
	if !bytes.HasPrefix(raw, []byte(`{"messageType":"DATA_MESSAGE","owner":"123456789999","logGroup":"/aws/lambda/my-lambda"`)) ||
		!bytes.Contains(raw, []byte(`"message":"a <b> & c\n"`)) {
		t.Errorf("envelope JSON %s", raw)
	}
	var env struct {
		LogEvents []struct {
			ID        string
			Timestamp int64
			Message   string
		}
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		t.Fatal(err)
	}
	if len(env.LogEvents) != 2 || env.LogEvents[0].Timestamp != 1756918020250 || len(env.LogEvents[0].ID) != 56 ||
		env.LogEvents[0].ID != EventID(ts, 0) || env.LogEvents[1].ID != "given" {
		t.Errorf("log events %+v", env.LogEvents)
	}
}

func TestCWLControl(t *testing.T) {
	raw := gunzip(t, CWLControl(ts))
	if !bytes.Contains(raw, []byte(`"messageType":"CONTROL_MESSAGE"`)) || !bytes.Contains(raw, []byte("CWL CONTROL MESSAGE: Checking health of destination Kinesis stream.")) {
		t.Errorf("control message %s", raw)
	}
}

func TestKPLAggregate(t *testing.T) {
	agg := KPLAggregate([]KPLRecord{{PartitionKey: "a", Data: []byte("one")}, {PartitionKey: "b", ExplicitHashKey: "42", Data: []byte("two")}, {PartitionKey: "a", Data: []byte("three")}})
	if !bytes.HasPrefix(agg, KPLMagic) {
		t.Fatalf("no magic: %x", agg[:4])
	}
	body, sum := agg[4:len(agg)-16], agg[len(agg)-16:]
	if want := md5.Sum(body); !bytes.Equal(sum, want[:]) {
		t.Errorf("md5 trailer %x, want %x", sum, want)
	}
	// Hand-decoded protobuf: table "a","b" (deduplicated), table "42", then
	// three records.
	want := []byte{0x0a, 1, 'a', 0x0a, 1, 'b', 0x12, 2, '4', '2',
		0x1a, 7, 0x08, 0, 0x1a, 3, 'o', 'n', 'e',
		0x1a, 9, 0x08, 1, 0x10, 0, 0x1a, 3, 't', 'w', 'o',
		0x1a, 9, 0x08, 0, 0x1a, 5, 't', 'h', 'r', 'e', 'e'}
	if !bytes.Equal(body, want) {
		t.Errorf("protobuf\n got %x\nwant %x", body, want)
	}
}

func TestECSLog(t *testing.T) {
	line := ECSLog{Timestamp: ts.In(time.FixedZone("X", 3600)), Level: "warn", Message: `say "hi"`, Service: "cart",
		Function: "main.f", File: "main.go", Line: 7, Extra: map[string]any{"trace.id": "abc", "http.response.status_code": 504}}.JSON()
	want := `{"log.level":"warn","@timestamp":"2025-09-03T16:47:00.250Z","log.origin":{"function":"main.f","file.name":"main.go","file.line":7},` +
		`"message":"say \"hi\"","service.name":"cart","http.response.status_code":504,"trace.id":"abc","ecs.version":"1.6.0"}` + "\n"
	if line != want {
		t.Errorf("got  %s\nwant %s", line, want)
	}
}

func TestGetRecordsOutput(t *testing.T) {
	recs := []CLIRecord{{Data: []byte("hi"), PartitionKey: "k", SequenceNumber: "1", ArrivalTime: ts.In(time.FixedZone("CEST", 7200)), EncryptionType: "KMS"}}
	v2 := string(GetRecordsOutput(recs, CLIOptions{Indent: true, NextShardIterator: "AAA", MillisBehindLatest: 5}))
	for _, want := range []string{"{\n    \"Records\": [\n", `"ApproximateArrivalTimestamp": "2025-09-03T18:47:00.250000+02:00"`,
		`"Data": "` + base64.StdEncoding.EncodeToString([]byte("hi")) + `"`, `"EncryptionType": "KMS"`, `"NextShardIterator": "AAA"`, `"MillisBehindLatest": 5`} {
		if !strings.Contains(v2, want) {
			t.Errorf("v2 output lacks %q:\n%s", want, v2)
		}
	}
	v1 := string(GetRecordsOutput(recs, CLIOptions{NumericTimestamps: true}))
	if !strings.Contains(v1, `"ApproximateArrivalTimestamp":1756918020.25,`) || strings.Contains(v1, "\n") {
		t.Errorf("v1 output %s", v1)
	}
}
