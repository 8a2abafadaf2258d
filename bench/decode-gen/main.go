// Command decode-gen writes benchmark input for `opsconsole decode`: JSON
// lines of `aws kinesis get-records` responses whose records are gzip'd
// CloudWatch Logs envelopes of ECS JSON logs (~50 log events of ~300 bytes
// per envelope), the shape of a CloudWatch Logs subscription to Kinesis.
// The data is deterministic for a given -seed.
//
//	go run ./bench/decode-gen -size 100 > input.jsonl
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"github.com/opsconsole/opsconsole/internal/decode/encode"
)

func main() {
	sizeMB := flag.Int("size", 100, "approximate output size in MB")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	if err := generate(bufio.NewWriterSize(os.Stdout, 1<<20), int64(*sizeMB)<<20, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "decode-gen:", err)
		os.Exit(1)
	}
}

type service struct {
	name, group string
	streams     []string
}

func generate(w *bufio.Writer, size int64, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	services := make([]service, 0, 5)
	for _, name := range []string{"checkout", "cart", "payments", "search", "auth"} {
		s := service{name: name, group: "/ecs/app-logs/" + name}
		for range 4 {
			s.streams = append(s.streams, fmt.Sprintf("ecs/%s/%032x", name, rng.Uint64()))
		}
		services = append(services, s)
	}
	now := time.Date(2025, 9, 3, 16, 0, 0, 0, time.UTC)
	var written int64
	seq := uint64(4959033827149025660)
	for line := 0; written < size; line++ {
		n := 1 + rng.IntN(20)
		recs := make([]encode.CLIRecord, n)
		for i := range recs {
			now = now.Add(time.Duration(rng.IntN(200)) * time.Millisecond)
			seq += uint64(1 + rng.IntN(1000))
			svc := services[rng.IntN(len(services))]
			data := encode.CWLControl(now)
			if rng.IntN(2000) != 0 { // CloudWatch's health checks are rare
				data = encode.CWLEnvelope(envelope(rng, svc, now))
			}
			recs[i] = encode.CLIRecord{
				Data:           data,
				PartitionKey:   fmt.Sprintf("%016x", rng.Uint64()),
				SequenceNumber: fmt.Sprintf("%d%036d", seq, i),
				ArrivalTime:    now.Add(time.Duration(rng.IntN(900)) * time.Millisecond),
			}
		}
		out := encode.GetRecordsOutput(recs, encode.CLIOptions{
			NumericTimestamps:  line%2 == 0, // AWS CLI v1 style on even lines, v2 on odd
			NextShardIterator:  fmt.Sprintf("AAAAAAAAAAH%064x", rng.Uint64()),
			MillisBehindLatest: int64(rng.IntN(3_600_000)),
		})
		if _, err := w.Write(append(out, '\n')); err != nil {
			return err
		}
		written += int64(len(out) + 1)
	}
	return w.Flush()
}

var paths = []string{"/api/cart", "/api/cart/items", "/api/checkout", "/api/orders", "/api/search", "/api/login", "/healthz"}

// envelope makes one subscription delivery: 30-70 log events (50 on
// average) from one task's log stream, mostly ECS JSON, with a repetitive
// error, some plain-text lines and an occasional hostile escape sequence.
func envelope(rng *rand.Rand, svc service, at time.Time) encode.Envelope {
	env := encode.Envelope{
		Owner:               "210987654321",
		LogGroup:            svc.group,
		LogStream:           svc.streams[rng.IntN(len(svc.streams))],
		SubscriptionFilters: []string{"app-logs-to-kinesis"},
	}
	n := 30 + rng.IntN(41)
	ts := at
	for i := range n {
		ts = ts.Add(time.Duration(rng.IntN(20)) * time.Millisecond)
		env.LogEvents = append(env.LogEvents, encode.LogEvent{
			ID:        encode.EventID(ts, i),
			Timestamp: ts,
			Message:   logLine(rng, svc, ts),
		})
	}
	return env
}

func logLine(rng *rand.Rand, svc service, ts time.Time) string {
	trace := fmt.Sprintf("%016x%016x", rng.Uint64(), rng.Uint64())
	extra := map[string]any{
		"trace.id":                  trace,
		"url.path":                  paths[rng.IntN(len(paths))],
		"http.response.status_code": 200,
	}
	l := encode.ECSLog{Timestamp: ts, Service: svc.name, Function: "main.(*Server).ServeHTTP", File: "server.go", Line: 80 + rng.IntN(120), Extra: extra}
	switch r := rng.IntN(100); {
	case r < 8: // the repetitive error the top-messages view should find
		l.Level = "error"
		l.Message = fmt.Sprintf("payment provider timeout after %dms (order %d, attempt %d)", 3000+rng.IntN(50), 500000+rng.IntN(100000), 1+rng.IntN(3))
		extra["http.response.status_code"] = 504
	case r < 18:
		l.Level = "warn"
		l.Message = fmt.Sprintf("slow query on orders took %dms, rows=%d", 200+rng.IntN(2000), rng.IntN(5000))
	case r < 30:
		l.Level = "debug"
		l.Message = fmt.Sprintf("cache miss for key cart:%d", rng.IntN(1_000_000))
	case r < 34: // plain text, as from a sidecar or an unstructured logger
		return fmt.Sprintf("%s [%s] %s conn=%d\n", ts.Format("2006-01-02T15:04:05.000Z"), []string{"INFO", "WARN", "ERROR"}[rng.IntN(3)], "pool stats", rng.IntN(100))
	case r == 34: // hostile: escape sequences in user-controlled text
		l.Level = "warn"
		l.Message = "invalid username \"\x1b[2J\x1b]0;pwned\x07\" from 10.0.3." + fmt.Sprint(rng.IntN(250)) + "\tcafé"
	default:
		l.Level = "info"
		l.Message = fmt.Sprintf("%s %s 200 in %dms", "GET", paths[rng.IntN(len(paths))], 1+rng.IntN(400))
	}
	return strings.Clone(l.JSON())
}
