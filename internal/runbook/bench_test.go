package runbook

import (
	"context"
	"fmt"
	"testing"

	"github.com/opsconsole/opsconsole/internal/sim/kinesissim"
)

// BenchmarkLoadBuiltins parses and validates the ten built-in runbooks
// (what :runbooks and every `runbook` subcommand do first).
func BenchmarkLoadBuiltins(b *testing.B) {
	reg := Probes()
	b.ReportAllocs()
	for b.Loop() {
		if c := Load(reg); len(c.Problems) > 0 {
			b.Fatal(c.Problems)
		}
	}
}

// BenchmarkRunAllESUnassigned runs es-unassigned-shards end to end on the
// demo cluster: _cat/shards, allocation explain, judging, report with the
// fix's plan (Validate and Plan are reads).
func BenchmarkRunAllESUnassigned(b *testing.B) {
	g := newRig(b)
	rb, _ := Load(Probes()).Get("es-unassigned-shards")
	b.ReportAllocs()
	for b.Loop() {
		r, err := NewRun(rb, Probes(), g.env, nil, RunInfo{Now: g.clock.Now})
		if err != nil {
			b.Fatal(err)
		}
		r.RunAll(context.Background(), nil)
		if rep := r.Report(context.Background(), true); rep.Verdict != Fail || rep.Steps[0].Fix == nil {
			b.Fatalf("%+v", rep)
		}
	}
}

// BenchmarkTopErrors reads the demo's last five minutes of app-logs
// (about 1,800 CloudWatch Logs records, 8,000 events), decodes them and
// ranks the error templates.
func BenchmarkTopErrors(b *testing.B) {
	g := newRig(b)
	p, _ := Probes().Get("logs.top_errors")
	args := Args{"stream": kinesissim.DemoAppLogs, "window": "5m", "max_records": "5000", "min_level": "error"}
	events := 0.0
	b.ReportAllocs()
	for b.Loop() {
		obs, err := p.Run(context.Background(), g.env, args)
		if err != nil {
			b.Fatal(err)
		}
		events += obs.Outputs["events"].Num
	}
	b.ReportMetric(events/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkTimelineMarkdown renders a 200-entry timeline.
func BenchmarkTimelineMarkdown(b *testing.B) {
	rb, err := Parse("eng.yaml", []byte(engineBook), fakeProbes())
	if err != nil {
		b.Fatal(err)
	}
	r, _ := NewRun(rb, fakeProbes(), &Env{}, map[string]string{"v": "12"}, RunInfo{Who: "alice"})
	for i := range 200 {
		r.Record(Result{Step: "first", Status: Fail, Summary: fmt.Sprintf("value is %d", i),
			Evidence: []string{"line one | with a pipe", "line two"}, Reasons: []string{"value 12 > 10 (fail)"}})
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = r.Timeline().Markdown()
	}
}
