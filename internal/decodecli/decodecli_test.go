package decodecli

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/opsconsole/opsconsole/internal/decode"
	"github.com/opsconsole/opsconsole/internal/decode/encode"
)

var t0 = time.Date(2025, 9, 3, 16, 47, 0, 250e6, time.UTC)

func ecsEnvelope(n int, group string) []byte {
	env := encode.Envelope{Owner: "123456789012", LogGroup: group, LogStream: "ecs/checkout/4f1c"}
	for i := range n {
		ts := t0.Add(time.Duration(i) * time.Millisecond)
		env.LogEvents = append(env.LogEvents, encode.LogEvent{Timestamp: ts, Message: encode.ECSLog{
			Timestamp: ts, Level: []string{"info", "warn", "error"}[i%3], Message: fmt.Sprintf("event %d", i), Service: "checkout",
		}.JSON()})
	}
	return encode.CWLEnvelope(env)
}

func cliRecords(datas ...[]byte) []encode.CLIRecord {
	recs := make([]encode.CLIRecord, len(datas))
	for i, d := range datas {
		recs[i] = encode.CLIRecord{Data: d, PartitionKey: fmt.Sprintf("pk-%d", i), SequenceNumber: fmt.Sprintf("4959%04d", i), ArrivalTime: t0.Add(time.Second)}
	}
	return recs
}

func run(t *testing.T, in io.Reader, opts Options) (string, string, Summary, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	sum, err := Run(context.Background(), in, &out, &errOut, opts)
	return out.String(), errOut.String(), sum, err
}

func TestTextFromPrettyPrintedGetRecords(t *testing.T) {
	// AWS CLI v2 default output: indented, ISO timestamps in local time.
	recs := cliRecords(ecsEnvelope(3, "/ecs/app-logs/checkout"), encode.CWLControl(t0), []byte("plain \x1b[31mline\n"))
	recs[0].ArrivalTime = recs[0].ArrivalTime.In(time.FixedZone("CEST", 2*3600))
	in := encode.GetRecordsOutput(recs, encode.CLIOptions{Indent: true, NextShardIterator: "AAAAAAAAAAG", MillisBehindLatest: 1200})
	out, errOut, sum, err := run(t, bytes.NewReader(in), Options{})
	if err != nil || errOut != "" {
		t.Fatalf("err %v, stderr %q", err, errOut)
	}
	want := "2025-09-03T16:47:00.250Z INFO  /ecs/app-logs/checkout event 0\n" +
		"2025-09-03T16:47:00.251Z WARN  /ecs/app-logs/checkout event 1\n" +
		"2025-09-03T16:47:00.252Z ERROR /ecs/app-logs/checkout event 2\n" +
		"2025-09-03T16:47:01.250Z -     - plain \\x1b[31mline\n"
	if out != want {
		t.Errorf("output:\n%s\nwant:\n%s", out, want)
	}
	if sum.Records != 3 || sum.Events != 4 || sum.ControlMessages != 1 || sum.BadRecords != 0 {
		t.Errorf("summary %+v", sum)
	}
}

func TestJSONLinesOfResponsesAndRecords(t *testing.T) {
	var in bytes.Buffer
	// CLI v1: numeric timestamps, one response per line.
	in.Write(encode.GetRecordsOutput(cliRecords([]byte(`{"level":"error","msg":"boom"}`)), encode.CLIOptions{NumericTimestamps: true}))
	in.WriteString("\n\n")
	// A bare record per line, and an array of records.
	in.WriteString(`{"Data":"` + base64.StdEncoding.EncodeToString([]byte("bare")) + `","PartitionKey":"k","SequenceNumber":"7","ApproximateArrivalTimestamp":1756918021.123456}` + "\n")
	in.WriteString(`[{"data":"` + base64.StdEncoding.EncodeToString([]byte("lower")) + `"}, {"Data":""}]` + "\n")
	out, errOut, sum, err := run(t, &in, Options{Format: FormatJSON})
	if err != nil || errOut != "" {
		t.Fatalf("err %v, stderr %q", err, errOut)
	}
	var evs []decode.Event
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var e decode.Event
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		evs = append(evs, e)
	}
	if len(evs) != 4 || sum.Events != 4 {
		t.Fatalf("%d events: %s", len(evs), out)
	}
	if e := evs[0]; e.Level != "error" || e.Message != "boom" || e.Origin.PartitionKey != "pk-0" || e.Origin.SequenceNumber != "49590000" ||
		!e.Origin.ArrivalTime.Equal(t0.Add(time.Second)) {
		t.Errorf("first event %+v", e)
	}
	if e := evs[1]; e.Message != "bare" || !e.Origin.ArrivalTime.Equal(time.Date(2025, 9, 3, 16, 47, 1, 123456000, time.UTC)) {
		t.Errorf("bare record event %+v (arrival %v)", e, e.Origin.ArrivalTime)
	}
	if evs[2].Message != "lower" || evs[3].Message != "" {
		t.Errorf("array events %+v", evs[2:])
	}
}

func TestLambdaKinesisEvent(t *testing.T) {
	in := `{"Records":[{"kinesis":{"kinesisSchemaVersion":"1.0","partitionKey":"1","sequenceNumber":"4959","data":"` +
		base64.StdEncoding.EncodeToString([]byte("hello lambda")) + `","approximateArrivalTimestamp":1545084650.987},` +
		`"eventSource":"aws:kinesis","eventID":"shardId-000000000006:4959","eventName":"aws:kinesis:record"}]}`
	out, _, _, err := run(t, strings.NewReader(in), Options{Format: FormatJSON})
	if err != nil {
		t.Fatal(err)
	}
	var e decode.Event
	if err := json.Unmarshal([]byte(out), &e); err != nil {
		t.Fatal(err)
	}
	if e.Message != "hello lambda" || e.Origin.ShardID != "shardId-000000000006" || e.Source != "shardId-000000000006" ||
		e.Origin.PartitionKey != "1" || !e.Origin.ArrivalTime.Equal(time.UnixMilli(1545084650987)) {
		t.Errorf("event %+v", e)
	}
}

func TestBadInputIsReportedAndSkipped(t *testing.T) {
	good := string(encode.GetRecordsOutput(cliRecords([]byte("first")), encode.CLIOptions{}))
	in := good + "\n" +
		"{this is not json}\n" +
		`{"Records":[{"Data":"!!!notbase64","PartitionKey":"a"},{"PartitionKey":"b"},{"Data":"` + base64.StdEncoding.EncodeToString([]byte("second")) + `","ApproximateArrivalTimestamp":"yesterday"}]}` + "\n" +
		`{"NextShardIterator":"AAA"}` + "\n" +
		`{"Records":[{"Data":"` + base64.StdEncoding.EncodeToString([]byte("third")) + `"}]}` + "\n" +
		`{"Records":[{"Data":"dHJ1bmNhdGVk`
	out, errOut, sum, err := run(t, strings.NewReader(in), Options{})
	if !errors.Is(err, ErrBadInput) {
		t.Fatalf("err = %v, want ErrBadInput", err)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 3 || !strings.HasSuffix(lines[0], " first") || !strings.HasSuffix(lines[1], " second") || !strings.HasSuffix(lines[2], " third") {
		t.Errorf("output %q", out)
	}
	for _, want := range []string{
		"line 2 (byte ",
		"not valid JSON: expected an object key; skipping to the next line",
		"line 3 (byte ",
		"Data is not valid base64 (bad byte at position 0 of 12); record skipped",
		"the record has no Data field; record skipped",
		`ApproximateArrivalTimestamp "yesterday" is not an ISO 8601 time`,
		"line 4 (byte ",
		"a JSON object with neither Records nor Data; skipped",
		"line 6 (byte ",
		"not valid JSON: unterminated string",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if sum.BadRecords != 2 || sum.SyntaxErrors != 3 || sum.Warnings != 1 || sum.Records != 3 {
		t.Errorf("summary %+v", sum)
	}
}

func TestErrorsBeyondMaxAreCounted(t *testing.T) {
	in := strings.Repeat("garbage\n", 30)
	_, errOut, sum, err := run(t, strings.NewReader(in), Options{MaxErrors: 5})
	if !errors.Is(err, ErrBadInput) || sum.SyntaxErrors != 30 {
		t.Fatalf("err %v, summary %+v", err, sum)
	}
	if n := strings.Count(errOut, "not valid JSON"); n != 5 || !strings.Contains(errOut, "25 more input problems not shown") {
		t.Errorf("stderr (%d detailed):\n%s", n, errOut)
	}
}

// manyRecords is input spanning several batches and read buffers, with one
// record larger than a read chunk.
func manyRecords() []byte {
	var in bytes.Buffer
	big := make([]byte, 3*readChunk)
	for i := range big {
		big[i] = byte('a' + i%26)
	}
	for line := range 300 {
		datas := [][]byte{ecsEnvelope(5, fmt.Sprintf("/ecs/g%d", line)), []byte(fmt.Sprintf("text %d", line))}
		if line == 150 {
			datas = append(datas, big)
		}
		in.Write(encode.GetRecordsOutput(cliRecords(datas...), encode.CLIOptions{Indent: line%3 == 0, NumericTimestamps: line%2 == 0}))
		in.WriteByte('\n')
	}
	return in.Bytes()
}

func TestStreamingIsIndependentOfReadSizesAndWorkers(t *testing.T) {
	in := manyRecords()
	want, _, sum, err := run(t, bytes.NewReader(in), Options{Workers: 1})
	if err != nil || sum.Events != 300*6+1 {
		t.Fatalf("err %v, %d events", err, sum.Events)
	}
	for name, r := range map[string]io.Reader{
		"half reads":  iotest.HalfReader(bytes.NewReader(in)),
		"4 workers":   bytes.NewReader(in),
		"small reads": iotest.OneByteReader(io.LimitReader(bytes.NewReader(in), int64(len(in)))),
	} {
		if name == "small reads" && testing.Short() {
			continue
		}
		got, errOut, _, err := run(t, r, Options{Workers: 4})
		if err != nil || got != want {
			t.Errorf("%s: err %v, stderr %q, output differs: %d vs %d bytes", name, err, errOut, len(got), len(want))
		}
	}
}

func TestReadErrorStopsTheRun(t *testing.T) {
	in := io.MultiReader(bytes.NewReader(encode.GetRecordsOutput(cliRecords([]byte("ok")), encode.CLIOptions{})), iotest.ErrReader(errors.New("disk on fire")))
	_, _, _, err := run(t, in, Options{})
	if err == nil || !strings.Contains(err.Error(), "reading input: disk on fire") {
		t.Fatalf("err = %v", err)
	}
}

type failingWriter struct{ writes int }

func (w *failingWriter) Write(p []byte) (int, error) {
	w.writes++
	return 0, errors.New("broken pipe")
}

func TestWriteErrorStopsTheRun(t *testing.T) {
	w := &failingWriter{}
	_, err := Run(context.Background(), bytes.NewReader(manyRecords()), w, io.Discard, Options{Workers: 2})
	if err == nil || !strings.Contains(err.Error(), "writing output: broken pipe") || w.writes != 1 {
		t.Fatalf("err = %v after %d writes", err, w.writes)
	}
}

func TestCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	pr, pw := io.Pipe() // never written: only cancellation can end the run
	defer pw.Close()
	done := make(chan error, 1)
	go func() {
		_, err := Run(ctx, io.MultiReader(bytes.NewReader(manyRecords()), pr), io.Discard, io.Discard, Options{})
		done <- err
	}()
	pw.CloseWithError(context.Canceled) // unblock a reader already waiting in Read
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

func TestMain_(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "in.json")
	if err := os.WriteFile(file, encode.GetRecordsOutput(cliRecords(ecsEnvelope(2, "/g")), encode.CLIOptions{Indent: true}), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args       []string
		stdin      string
		code       int
		out, errIn string
	}{
		{[]string{file}, "", 0, "INFO  /g event 0\n", "decode: decoded 1 records"},
		{[]string{"--format", "json", "-"}, `{"Data":"aGk="}`, 0, `"message":"hi"`, "into 1 events"},
		{[]string{"--format", "yaml"}, "", 2, "", `unknown --format "yaml"`},
		{[]string{filepath.Join(dir, "missing.json")}, "", 2, "", "cannot read the input"},
		{[]string{"a", "b"}, "", 2, "", "one input file at most"},
		{[]string{"-"}, `{"Data":"%%"}`, 1, "", "some input could not be read"},
		{[]string{"--help"}, "", 0, "", "usage: opsconsole decode"},
	}
	for _, c := range cases {
		var out, errOut bytes.Buffer
		code := Main(context.Background(), c.args, strings.NewReader(c.stdin), &out, &errOut)
		if code != c.code || !strings.Contains(out.String(), c.out) || !strings.Contains(errOut.String(), c.errIn) {
			t.Errorf("Main(%q) = %d\nstdout %q\nstderr %q", c.args, code, out.String(), errOut.String())
		}
	}
}
