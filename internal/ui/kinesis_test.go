package ui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/muesli/termenv"
	"github.com/opsconsole/opsconsole/internal/sim/kinesissim"
)

// streamsConsole opens :streams on a fresh demo fleet and loads it.
func streamsConsole(t *testing.T, args ...string) *testConsole {
	t.Helper()
	tc := newTestConsole(t, termenv.Ascii, args...)
	tc.resize(120, 40)
	tc.command("streams")
	return tc
}

func TestStreamsPaneShowsTheDemoProblem(t *testing.T) {
	tc := streamsConsole(t)
	view := tc.app.View()
	for _, want := range []string{
		"app-logs", "clickstream", "audit-trail", // every stream listed
		"ACTIVE", "on-demand", "KMS",
		"!! 4",           // app-logs' consumers are ~40 min behind: marked critical without colour
		"! ",             // write throttles on app-logs
		"shard 1: takes", // the keyspace line names the hot shard
		"keyspace [",
		"oldest unread record",
	} {
		if !strings.Contains(view, want) {
			t.Errorf("streams pane lacks %q:\n%s", want, view)
		}
	}
	if strings.Contains(view, "\x1b") {
		t.Fatal("escape sequences with NO_COLOR")
	}
}

func TestStreamsKeysOpenPromptsAndActions(t *testing.T) {
	tc := streamsConsole(t)
	tc.typeKeys("R")
	if got := tc.app.cmdline.input.Value(); !strings.HasPrefix(got, "reshard app-logs ") || got == "reshard app-logs 0" {
		t.Fatalf("R must prefill a suggested reshard, got %q", got)
	}
	tc.key(tea.KeyEsc)
	tc.typeKeys("S")
	view := tc.app.View()
	if !strings.Contains(view, "Split "+kinesissim.DemoHotShard+" of app-logs") || !strings.Contains(view, "Kinesis.SplitShard") ||
		!strings.Contains(view, "aws kinesis split-shard") {
		t.Fatalf("S must preview splitting the hot shard:\n%s", view)
	}
	tc.key(tea.KeyEsc)
	tc.key(tea.KeyEnter)
	if tc.app.ActivePane() != "shards" || !strings.Contains(tc.app.View(), kinesissim.DemoHotShard) {
		t.Fatalf("enter must drill into the shards:\n%s", tc.app.View())
	}
	tc.key(tea.KeyEsc)
	if tc.app.ActivePane() != "streams" {
		t.Fatalf("esc returns to streams, on %s", tc.app.ActivePane())
	}
}

func TestSplitHotShardEndToEnd(t *testing.T) {
	tc := streamsConsole(t)
	tc.command("shards app-logs")
	if !strings.Contains(tc.app.View(), "!! hot") {
		t.Fatalf("the hot shard must be flagged:\n%s", tc.app.View())
	}
	tc.command("split app-logs " + kinesissim.DemoHotShard)
	tc.typeKeys("y")
	view := tc.app.View()
	if !strings.Contains(view, "applied") || !strings.Contains(view, "ACTIVE with 5 open shards") {
		t.Fatalf("split must apply and verify:\n%s", view)
	}
	tc.typeKeys(" ")
	view = tc.app.View()
	if !strings.Contains(view, "└ shardId-000000000004") || !strings.Contains(view, "closed") {
		t.Fatalf("children must be listed under the closed parent:\n%s", view)
	}
	if e := tc.audit(t); len(e) != 1 || e[0].Action != "split" || e[0].Outcome != "applied" || !strings.Contains(e[0].CLI, "aws kinesis split-shard") {
		t.Fatalf("audit %+v", e)
	}
}

func TestKinesisValidationErrorsSendNothing(t *testing.T) {
	tc := streamsConsole(t)
	cases := map[string]string{
		"reshard app-logs 99":   "up to 8",
		"reshard app-logs x":    "whole number",
		"reshard clickstream 8": "on-demand",
		"retention app-logs 2":  "24",
		"merge app-logs shardId-000000000000 shardId-000000000002": "adjacent",
		"shard-metrics app-logs maybe":                             "on or off",
		"reshard nosuch 2":                                         "nosuch",
	}
	for line, want := range cases {
		tc.command(line)
		if view := tc.app.View(); !strings.Contains(view, want) {
			t.Errorf(":%s: want an error containing %q:\n%s", line, want, view)
		}
		if tc.app.mode == modeDialog {
			t.Fatalf(":%s opened a dialog", line)
		}
	}
	for _, api := range []string{"UpdateShardCount", "SplitShard", "MergeShards", "DecreaseStreamRetentionPeriod", "IncreaseStreamRetentionPeriod"} {
		if n := tc.demo.Kinesis.Calls(api); n != 0 {
			t.Errorf("%s was called %d times by rejected commands", api, n)
		}
	}
}

func TestKinesisReadOnlyRefusal(t *testing.T) {
	tc := streamsConsole(t, "--read-only")
	tc.command("reshard app-logs 8")
	if !strings.Contains(tc.app.View(), "READ-ONLY") {
		t.Fatalf("dialog must say read-only:\n%s", tc.app.View())
	}
	tc.typeKeys("y")
	if n := tc.demo.Kinesis.Calls("UpdateShardCount"); n != 0 {
		t.Fatalf("read-only sent UpdateShardCount %d times", n)
	}
	if e := tc.audit(t); len(e) != 1 || e[0].Outcome != "refused" {
		t.Fatalf("audit %+v", e)
	}
}

func TestRetentionDecreaseNeedsTypedName(t *testing.T) {
	tc := streamsConsole(t)
	tc.command("retention audit-trail 24")
	view := tc.app.View()
	if !strings.Contains(view, "DecreaseStreamRetentionPeriod") || !strings.Contains(view, `Type the name "audit-trail"`) {
		t.Fatalf("lowering retention is high-risk:\n%s", view)
	}
	tc.typeKeys("y")
	tc.key(tea.KeyEnter)
	if n := tc.demo.Kinesis.Calls("DecreaseStreamRetentionPeriod"); n != 0 {
		t.Fatal("y must not confirm a typed action")
	}
}

func TestStreamsPaneAt80x24(t *testing.T) {
	tc := streamsConsole(t)
	tc.resize(80, 24)
	view := tc.app.View()
	checkFrame(t, view, 80, 24)
	for _, want := range []string{"app-logs", "ITER AGE", "THROTTLE"} {
		if !strings.Contains(view, want) {
			t.Errorf("80x24 lacks %q:\n%s", want, view)
		}
	}
}

// TestShardMetricsReadOncePerMinute: shard-level metrics are billed per
// shard, so refresh ticks re-read them once a minute, not every tick.
func TestShardMetricsReadOncePerMinute(t *testing.T) {
	tc := streamsConsole(t)
	tc.command("shards app-logs")
	before := tc.demo.Kinesis.Calls("GetMetricData")
	for i := 0; i < 5; i++ {
		tc.clock.Advance(5 * time.Second)
		tc.send(refreshTickMsg{t: tc.clock.Now()})
	}
	if n := tc.demo.Kinesis.Calls("GetMetricData") - before; n != 0 {
		t.Fatalf("%d GetMetricData calls within a minute of ticks", n)
	}
	tc.clock.Advance(time.Minute)
	tc.send(refreshTickMsg{t: tc.clock.Now()})
	if n := tc.demo.Kinesis.Calls("GetMetricData") - before; n == 0 {
		t.Fatal("a minute later the metrics must be read again")
	}
}
