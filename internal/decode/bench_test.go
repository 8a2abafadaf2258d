package decode_test

import (
	"testing"
	"time"

	"github.com/opsconsole/opsconsole/internal/decode"
	"github.com/opsconsole/opsconsole/internal/decode/encode"
)

// benchDecode decodes the same record b.N times, reporting payload MB/s
// (bytes of Kinesis record data) and events/s. It returns the seconds per
// record.
func benchDecode(b *testing.B, data []byte) float64 {
	d := decode.NewDecoder(decode.Options{})
	r := record(data)
	evs, _ := d.Decode(r, nil)
	perRecord := len(evs)
	if perRecord == 0 || evs[0].Problem != "" {
		b.Fatalf("benchmark input decodes to %d events: %+v", perRecord, evs)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		evs, _ = d.Decode(r, evs[:0])
	}
	perOp := time.Since(start).Seconds() / float64(b.N)
	b.ReportMetric(float64(perRecord)/perOp, "events/s")
	return perOp
}

// BenchmarkDecodeCWLGzipECS is the common production case: a CloudWatch
// Logs subscription record of 50 ECS JSON log events (~300 bytes each).
func BenchmarkDecodeCWLGzipECS(b *testing.B) {
	env := appLogEnvelope(50)
	perOp := benchDecode(b, encode.CWLEnvelope(env))
	// The envelope compresses about 12:1; MB/s of decompressed JSON says
	// what a less compressible stream would get.
	b.ReportMetric(float64(len(env.JSON()))/50, "json-bytes/event")
	b.ReportMetric(float64(len(env.JSON()))/perOp/1e6, "json-MB/s")
}

// BenchmarkDecodeKPL is a KPL aggregate of 50 ECS JSON lines.
func BenchmarkDecodeKPL(b *testing.B) {
	var recs []encode.KPLRecord
	for i, ev := range appLogEnvelope(50).LogEvents {
		recs = append(recs, encode.KPLRecord{PartitionKey: "checkout-" + string(rune('a'+i%4)), Data: []byte(ev.Message)})
	}
	benchDecode(b, encode.KPLAggregate(recs))
}

// BenchmarkDecodePlainJSON is one ECS JSON line per record.
func BenchmarkDecodePlainJSON(b *testing.B) {
	benchDecode(b, []byte(appLogEnvelope(1).LogEvents[0].Message))
}

func BenchmarkEventAppendJSON(b *testing.B) {
	evs, _ := decode.Decode(record(encode.CWLEnvelope(appLogEnvelope(50))), nil)
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = buf[:0]
		for i := range evs {
			buf = evs[i].AppendJSON(buf)
		}
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkTemplate(b *testing.B) {
	msg := "payment provider timeout after 3000ms (order 50003, attempt 2) from 10.0.3.7:5432 req 6f1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9"
	var buf []byte
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		buf = decode.AppendTemplate(buf[:0], msg)
	}
}

func BenchmarkTopMessagesAdd(b *testing.B) {
	evs, _ := decode.Decode(record(encode.CWLEnvelope(appLogEnvelope(50))), nil)
	top := decode.NewTopMessages(1000)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		top.Add(&evs[i%len(evs)])
	}
}
