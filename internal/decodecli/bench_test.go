package decodecli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/opsconsole/opsconsole/internal/decode/encode"
)

// benchInput is ~4 MB of get-records JSON lines of gzip'd CloudWatch Logs
// envelopes, 50 ECS JSON events each.
func benchInput(b *testing.B) ([]byte, int) {
	var in bytes.Buffer
	events := 0
	t0 := time.Date(2025, 9, 3, 16, 0, 0, 0, time.UTC)
	for line := 0; in.Len() < 4<<20; line++ {
		var recs []encode.CLIRecord
		for r := range 10 {
			env := encode.Envelope{Owner: "210987654321", LogGroup: "/ecs/app-logs/checkout", LogStream: fmt.Sprintf("ecs/checkout/%032x", line)}
			for i := range 50 {
				ts := t0.Add(time.Duration(line*500+r*50+i) * time.Millisecond)
				env.LogEvents = append(env.LogEvents, encode.LogEvent{Timestamp: ts, Message: encode.ECSLog{
					Timestamp: ts, Level: "info", Service: "checkout", Function: "main.(*Server).ServeHTTP", File: "server.go", Line: 80 + i,
					Message: fmt.Sprintf("GET /api/cart/%d 200 in %dms", line*1000+i, i%40),
					Extra:   map[string]any{"trace.id": fmt.Sprintf("%032x", line*7919+i*104729), "url.path": "/api/cart", "http.response.status_code": 200},
				}.JSON()})
			}
			events += 50
			recs = append(recs, encode.CLIRecord{Data: encode.CWLEnvelope(env), PartitionKey: "k", SequenceNumber: fmt.Sprint(line*10 + r), ArrivalTime: t0})
		}
		in.Write(encode.GetRecordsOutput(recs, encode.CLIOptions{NumericTimestamps: line%2 == 0}))
		in.WriteByte('\n')
	}
	return in.Bytes(), events
}

func benchRun(b *testing.B, format string, workers int) {
	in, events := benchInput(b)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		sum, err := Run(context.Background(), bytes.NewReader(in), io.Discard, io.Discard, Options{Format: format, Workers: workers})
		if err != nil || sum.Events != events {
			b.Fatalf("%d events, %v; want %d", sum.Events, err, events)
		}
	}
	b.ReportMetric(float64(events)*float64(b.N)/time.Since(start).Seconds(), "events/s")
}

// BenchmarkRunText is `opsconsole decode` end to end (input MB/s), on one
// worker so the number does not depend on the core count.
func BenchmarkRunText(b *testing.B) { benchRun(b, FormatText, 1) }

func BenchmarkRunJSON(b *testing.B) { benchRun(b, FormatJSON, 1) }
