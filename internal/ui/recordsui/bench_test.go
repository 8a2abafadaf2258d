package recordsui

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/opsconsole/opsconsole/internal/decode"
	"github.com/opsconsole/opsconsole/internal/decode/encode"
)

// benchEvents decodes n events from CloudWatch Logs envelopes of ECS lines
// like the demo's: mostly requests, a repetitive error, some warnings.
func benchEvents(b *testing.B, n int) []decode.Event {
	rnd := rand.New(rand.NewPCG(3, 4))
	var out []decode.Event
	for len(out) < n {
		var lines []encode.ECSLog
		for i := range 50 {
			ts := t0.Add(time.Duration(len(out)+i) * time.Millisecond)
			l := encode.ECSLog{Timestamp: ts, Level: "info", Service: "checkout-api", Function: "main.(*Server).handle", File: "server.go", Line: 212,
				Message: fmt.Sprintf("GET /api/cart/%d 200 in %dms", rnd.IntN(100000), rnd.IntN(400))}
			switch rnd.IntN(10) {
			case 0, 1, 2:
				l.Level, l.Message = "error", fmt.Sprintf("payment-gateway request failed: context deadline exceeded after 3000ms (order %d)", 40000+rnd.IntN(60000))
			case 3:
				l.Level, l.Message = "warn", fmt.Sprintf("slow query on orders table: %dms", rnd.IntN(900))
			}
			lines = append(lines, l)
		}
		out = append(out, decoded(b, ecsEnvelope(lines...))...)
	}
	return out[:n]
}

// BenchmarkRenderFullBuffer: one frame of the pane at 200x50 with a full
// 10,000-event buffer while 100 new events arrive per frame (each new line
// is built and sanitised once, when first shown).
func BenchmarkRenderFullBuffer(b *testing.B) {
	evs := benchEvents(b, 20_000)
	p := newTestPane(b, true, 10_000)
	feed(p, evs[:10_000]...)
	p.View(200, 50)
	next := 10_000
	b.ReportAllocs()
	for b.Loop() {
		if next+100 > len(evs) {
			next = 0
		}
		feed(p, evs[next:next+100]...)
		next += 100
		p.View(200, 50)
	}
}

// BenchmarkRenderFullBufferScrolled: the same frame, scrolled up and
// filtered (level:error), with nothing new to build.
func BenchmarkRenderFullBufferScrolled(b *testing.B) {
	p := newTestPane(b, true, 10_000)
	feed(p, benchEvents(b, 10_000)...)
	p.SetFilter("level:error")
	p.View(200, 50)
	key(p, "pgup")
	p.View(200, 50)
	b.ReportAllocs()
	for b.Loop() {
		p.View(200, 50)
	}
}

// BenchmarkTopMessages aggregates a full buffer by message template and
// fills the top-messages table (done at most once a second while shown).
func BenchmarkTopMessages(b *testing.B) {
	p := newTestPane(b, true, 10_000)
	feed(p, benchEvents(b, 10_000)...)
	key(p, "T")
	b.ReportAllocs()
	for b.Loop() {
		p.refreshTop()
	}
	b.ReportMetric(float64(p.buf.size())*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkFilter re-filters a full buffer, as every keystroke in `/` does.
func BenchmarkFilter(b *testing.B) {
	p := newTestPane(b, true, 10_000)
	feed(p, benchEvents(b, 10_000)...)
	for _, f := range []string{"gateway order", "level:warn", "re:order 4\\d{4}\\)$"} {
		b.Run(f, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p.SetFilter(f)
			}
		})
	}
}
