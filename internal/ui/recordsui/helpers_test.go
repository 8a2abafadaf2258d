package recordsui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/opsconsole/opsconsole/internal/aws"
	"github.com/opsconsole/opsconsole/internal/aws/tail"
	"github.com/opsconsole/opsconsole/internal/config"
	"github.com/opsconsole/opsconsole/internal/decode"
	"github.com/opsconsole/opsconsole/internal/decode/encode"
	"github.com/opsconsole/opsconsole/internal/ops"
	"github.com/opsconsole/opsconsole/internal/ui/keys"
	"github.com/opsconsole/opsconsole/internal/ui/pane"
	"github.com/opsconsole/opsconsole/internal/ui/style"
)

var t0 = time.Date(2025, 5, 6, 7, 0, 0, 0, time.UTC)

// testContext is a pane context without backends; colour picks a 256-colour
// profile instead of NO_COLOR.
func testContext(t testing.TB, colour bool, buffer int) *pane.Context {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	if colour {
		r.SetColorProfile(termenv.ANSI256)
	}
	opts := config.Defaults()
	opts.RecordBuffer = buffer
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return &pane.Context{
		Ctx: ctx, Options: &opts, Styles: style.New(r), Keys: keys.Default(),
		Runner: &ops.Runner{}, Now: func() time.Time { return t0 }, Names: &pane.Names{},
	}
}

var errNoBackend = errors.New("Kinesis is not configured for this target")

func noBackend(*pane.Context) (*aws.Backend, error) { return nil, errNoBackend }

// newTestPane is a records pane "tailing" app-logs whose batches the test
// feeds itself (its tail never started: no backend).
func newTestPane(t testing.TB, colour bool, buffer int) *Pane {
	p := New(testContext(t, colour, buffer), noBackend)
	if err := p.SetArgs([]string{"app-logs"}, map[string]string{}); err != nil {
		t.Fatal(err)
	}
	p.running, p.tailArgs = true, p.args() // as if the tail were running
	return p
}

// feed delivers events as the tail would.
func feed(p *Pane, evs ...decode.Event) tea.Cmd {
	return p.apply(batchMsg{gen: p.gen, b: tail.Batch{Events: evs}, ok: true})
}

func key(p *Pane, k string) tea.Cmd {
	var msg tea.KeyMsg
	switch k {
	case "enter":
		msg = tea.KeyMsg{Type: tea.KeyEnter}
	case "up":
		msg = tea.KeyMsg{Type: tea.KeyUp}
	case "down":
		msg = tea.KeyMsg{Type: tea.KeyDown}
	case "pgup":
		msg = tea.KeyMsg{Type: tea.KeyPgUp}
	default:
		msg = tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
	}
	return p.Update(msg)
}

// ev makes an event the way the decoder would for an ECS log line.
func ev(i int, level, msg string) decode.Event {
	return decode.Event{
		Time: t0.Add(time.Duration(i) * time.Millisecond), Level: level, Source: "/ecs/checkout-api",
		Message: msg, Kind: decode.KindText,
		Origin: decode.Origin{ShardID: "shardId-000000000001", SequenceNumber: fmt.Sprintf("4959%052d", i), SubIndex: -1,
			PartitionKey: "task/1", ArrivalTime: t0, LogGroup: "/ecs/checkout-api", LogStream: "task/1"},
	}
}

// decoded returns the events a real record decodes into.
func decoded(t testing.TB, data []byte) []decode.Event {
	evs, _ := decode.Decode(decode.Record{Data: data, PartitionKey: "task/1", SequenceNumber: "49590338271490256608559692538361571095921575989136588898",
		ShardID: "shardId-000000000003", ArrivalTime: t0}, nil)
	if len(evs) == 0 {
		t.Fatal("no events decoded")
	}
	return evs
}

func ecsEnvelope(lines ...encode.ECSLog) []byte {
	var les []encode.LogEvent
	for _, l := range lines {
		les = append(les, encode.LogEvent{Timestamp: l.Timestamp, Message: l.JSON()})
	}
	return encode.CWLEnvelope(encode.Envelope{Owner: "123456789012", LogGroup: "/ecs/checkout-api", LogStream: "ecs/checkout-api/7f3a", LogEvents: les})
}

// checkFrame checks a rendered pane: exactly height lines, none wider
// than width.
func checkFrame(t *testing.T, out string, width, height int) []string {
	t.Helper()
	lines := strings.Split(out, "\n")
	if len(lines) != height {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), height, out)
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w > width {
			t.Errorf("line %d is %d cells wide, more than %d: %q", i, w, width, l)
		}
	}
	return lines
}
