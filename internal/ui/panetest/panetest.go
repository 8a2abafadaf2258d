// Package panetest builds a pane.Context around a fleet for pane unit tests
// and benchmarks, and runs a pane's commands synchronously. Shell-level
// behaviour (dialogs, routing) is tested in internal/ui instead.
package panetest

import (
	"context"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/opsconsole/opsconsole/internal/config"
	"github.com/opsconsole/opsconsole/internal/fleet"
	"github.com/opsconsole/opsconsole/internal/ops"
	"github.com/opsconsole/opsconsole/internal/ui/keys"
	"github.com/opsconsole/opsconsole/internal/ui/pane"
	"github.com/opsconsole/opsconsole/internal/ui/style"
)

// Context wraps f for a pane, with a true-colour renderer (the costlier
// one, for benchmarks) and a read-only runner.
func Context(tb testing.TB, f *fleet.Fleet, now func() time.Time) *pane.Context {
	tb.Helper()
	opts := config.Defaults()
	r := lipgloss.NewRenderer(nil)
	r.SetColorProfile(termenv.TrueColor)
	return &pane.Context{
		Ctx: context.Background(), Options: &opts, Target: f.Target, Backends: f,
		Runner: &ops.Runner{Guard: ops.Guard{ReadOnlyReasons: []string{"test"}}},
		Styles: style.New(r), Keys: keys.Default(), Now: now, Names: &pane.Names{},
	}
}

// Drain runs cmd and feeds every message it produces back into p until
// nothing is left, depth first. Commands that block (watches, ticks) must
// not be passed here.
func Drain(p pane.Pane, cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	msg := cmd()
	switch m := msg.(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range m {
			Drain(p, c)
		}
	case pane.BusyMsg, pane.ToastMsg:
	default:
		Drain(p, p.Update(m))
	}
}
