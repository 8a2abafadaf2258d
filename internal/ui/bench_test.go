package ui

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/opsconsole/opsconsole/internal/config"
	"github.com/opsconsole/opsconsole/internal/fleet"
	"github.com/opsconsole/opsconsole/internal/sim"
)

// BenchmarkDemoFirstFrame is issue 9's start-up target (300 ms): build the
// demo fleet and the console, size it to 120x40, run the first pane's
// loads, and render the first frame that shows data. It runs the shell's
// own Update loop on the commands (no terminal).
func BenchmarkDemoFirstFrame(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		opts, err := config.Parse([]string{"--demo", "--audit-log", b.TempDir() + "/a.jsonl"}, func(string) string { return "" })
		if err != nil {
			b.Fatal(err)
		}
		demo := sim.NewDemo(time.Now)
		r := lipgloss.NewRenderer(io.Discard)
		r.SetColorProfile(termenv.TrueColor)
		app, err := New(Session{Options: &opts, Renderer: r, Output: io.Discard,
			Connect: func(ctx context.Context, t config.Target) *fleet.Fleet { return fleet.ConnectDemo(ctx, t, demo) }})
		if err != nil {
			b.Fatal(err)
		}
		app.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
		drainUntil(app, app.activate(app.active), func() bool { return strings.Contains(app.View(), "ACTIVE") })
		if !strings.Contains(app.View(), "app-logs") {
			b.Fatal("first frame has no data")
		}
	}
}

// drainUntil runs cmd and what it leads to until done reports true,
// skipping commands that do not return quickly (timers).
func drainUntil(app *App, cmd tea.Cmd, done func() bool) {
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 && !done() {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		ch := make(chan tea.Msg, 1)
		go func() { ch <- c() }()
		var msg tea.Msg
		select {
		case msg = <-ch:
		case <-time.After(500 * time.Millisecond):
			continue
		}
		switch m := msg.(type) {
		case nil, spinMsg, refreshTickMsg:
		case tea.BatchMsg:
			queue = append(queue, m...)
		default:
			_, next := app.Update(m)
			queue = append(queue, next)
		}
	}
}
