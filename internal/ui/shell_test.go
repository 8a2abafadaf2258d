package ui

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opsconsole/opsconsole/internal/sim/simclock"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"
	"github.com/opsconsole/opsconsole/internal/config"
	"github.com/opsconsole/opsconsole/internal/fleet"
	"github.com/opsconsole/opsconsole/internal/ops"
	"github.com/opsconsole/opsconsole/internal/sim"
	"github.com/opsconsole/opsconsole/internal/ui/keys"
	"github.com/opsconsole/opsconsole/internal/ui/pane"
)

// fixedNow pins the clock so toasts and spinners render the same every run.
var fixedNow = time.Date(2026, 11, 21, 3, 4, 5, 0, time.UTC)

type testConsole struct {
	app      *App
	auditLog string
	action   *countingAction
	// demo is this test's own simulated fleet on clock.
	demo  *sim.Demo
	clock *simclock.Clock
}

// countingAction is a remediation whose Apply is counted, so a test can
// prove a refused action sent nothing.
type countingAction struct {
	risk    ops.Risk
	applied atomic.Int32
}

func (c *countingAction) Name() string              { return "scale" }
func (c *countingAction) Backend() string           { return "test" }
func (c *countingAction) Resource() string          { return "widget" }
func (c *countingAction) Params() map[string]string { return map[string]string{"n": "3"} }
func (c *countingAction) Validate(context.Context) error {
	return nil
}
func (c *countingAction) Plan(context.Context) (ops.Plan, error) {
	return ops.Plan{Title: "Scale widget to 3", Changes: []string{"replicas 2 -> 3"},
		Requests: []ops.Request{{API: "PATCH /widgets/widget", Body: `{"replicas":3}`}},
		CLI:      []string{"widgetctl scale widget --replicas 3"}, Risk: c.risk, ConfirmName: "widget"}, nil
}
func (c *countingAction) Apply(context.Context) error            { c.applied.Add(1); return nil }
func (c *countingAction) Verify(context.Context) (string, error) { return "3 ready", nil }

// actionPane emits its action on "x".
type actionPane struct {
	c      *pane.Context
	action ops.Action
	done   int
}

func (p *actionPane) ID() string    { return "widgets" }
func (p *actionPane) Title() string { return "Widgets" }
func (p *actionPane) Init() tea.Cmd { return nil }
func (p *actionPane) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		if msg.String() == "x" {
			return pane.Action(p.action)
		}
	case pane.ActionDoneMsg:
		p.done++
	}
	return nil
}
func (p *actionPane) View(w, h int) string {
	return pane.StatusView(p.c.Styles, w, h, 0, "widgets pane", "x scales the widget")
}
func (p *actionPane) Hints() []*keys.Binding { return nil }

func newTestConsole(t *testing.T, profile termenv.Profile, args ...string) *testConsole {
	t.Helper()
	dir := t.TempDir()
	opts, err := config.Parse(append([]string{"--demo", "--audit-log", filepath.Join(dir, "audit.jsonl"), "--refresh", "1h"}, args...), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	audit, err := ops.OpenAudit(opts.AuditLog)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { audit.Close() })
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(profile)
	clock := simclock.New(fixedNow)
	demo := sim.NewDemo(clock.Now)
	demo.Sleep = func(ctx context.Context, d time.Duration) error { clock.Advance(d); return ctx.Err() }
	tc := &testConsole{auditLog: opts.AuditLog, action: &countingAction{}, demo: demo, clock: clock}
	specs := append([]pane.Spec{{ID: "widgets", Title: "Widgets", Tab: true, New: func(c *pane.Context) pane.Pane {
		return &actionPane{c: c, action: tc.action}
	}}}, DefaultPanes()...)
	app, err := New(Session{Options: &opts, Identity: ops.Identity{User: "tester", Host: "ci"}, Audit: audit,
		Renderer: r, Output: io.Discard, Now: clock.Now, Panes: specs,
		Connect: func(ctx context.Context, t config.Target) *fleet.Fleet { return fleet.ConnectDemo(ctx, t, demo) }})
	if err != nil {
		t.Fatal(err)
	}
	tc.app = app
	return tc
}

// send delivers one message and runs the commands it returns, depth first,
// skipping timers (spinner and refresh ticks) so the test never waits.
func (tc *testConsole) send(msg tea.Msg) {
	_, cmd := tc.app.Update(msg)
	tc.run(cmd, 0)
}

func (tc *testConsole) run(cmd tea.Cmd, depth int) {
	if cmd == nil || depth > 20 {
		return
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-done:
	case <-time.After(200 * time.Millisecond):
		return // a timer; the shell never depends on it for state
	}
	switch msg := msg.(type) {
	case nil, spinMsg, refreshTickMsg:
		return
	case tea.BatchMsg:
		for _, c := range msg {
			tc.run(c, depth+1)
		}
	default:
		_, next := tc.app.Update(msg)
		tc.run(next, depth+1)
	}
}

func (tc *testConsole) typeKeys(s string) {
	for _, r := range s {
		tc.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
}

func (tc *testConsole) key(t tea.KeyType) { tc.send(tea.KeyMsg{Type: t}) }

func (tc *testConsole) resize(w, h int) { tc.send(tea.WindowSizeMsg{Width: w, Height: h}) }

func (tc *testConsole) command(line string) {
	tc.typeKeys(":" + line)
	tc.key(tea.KeyEnter)
}

func (tc *testConsole) audit(t *testing.T) []ops.Entry {
	t.Helper()
	e, _, err := ops.ReadAudit(tc.auditLog, 0)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func checkFrame(t *testing.T, view string, w, h int) {
	t.Helper()
	lines := strings.Split(view, "\n")
	if len(lines) != h {
		t.Fatalf("%dx%d frame has %d lines:\n%s", w, h, len(lines), view)
	}
	for i, l := range lines {
		if lw := ansi.StringWidth(l); lw > w {
			t.Fatalf("%dx%d frame: line %d is %d wide: %q", w, h, i, lw, l)
		}
	}
}

func TestFrameFitsEverySize(t *testing.T) {
	tc := newTestConsole(t, termenv.TrueColor)
	for _, sz := range [][2]int{{80, 24}, {120, 40}, {200, 60}, {60, 15}} {
		tc.resize(sz[0], sz[1])
		for i := 0; i < 12; i++ {
			checkFrame(t, tc.app.View(), sz[0], sz[1])
			tc.key(tea.KeyTab)
		}
		tc.typeKeys("?")
		checkFrame(t, tc.app.View(), sz[0], sz[1])
		tc.key(tea.KeyEsc)
	}
}

func TestGoldenStagingNoColor(t *testing.T) {
	tc := newTestConsole(t, termenv.Ascii)
	tc.resize(80, 24)
	view := tc.app.View()
	if strings.Contains(view, "\x1b[") {
		t.Fatalf("NO_COLOR frame has escape sequences:\n%q", view)
	}
	golden.RequireEqual(t, []byte(view))
}

func TestGoldenProdFrame(t *testing.T) {
	tc := newTestConsole(t, termenv.ANSI256, "--target", "demo-prod")
	tc.resize(80, 24)
	view := tc.app.View()
	if !strings.Contains(view, "PROD demo-prod") || !strings.Contains(view, "┏") {
		t.Fatalf("prod frame missing:\n%s", view)
	}
	golden.RequireEqual(t, []byte(view))
}

func TestGoldenProdFrameNoColor(t *testing.T) {
	tc := newTestConsole(t, termenv.Ascii, "--target", "demo-prod")
	tc.resize(80, 24)
	view := tc.app.View()
	// Without colour the production warning must still be unmissable.
	if !strings.Contains(view, "PROD demo-prod") || !strings.Contains(view, "┏━") {
		t.Fatalf("prod frame without colour:\n%s", view)
	}
	golden.RequireEqual(t, []byte(view))
}

func TestCommandModeSwitchesTargetAndKeepsPane(t *testing.T) {
	tc := newTestConsole(t, termenv.Ascii)
	tc.resize(100, 30)
	tc.command("audit")
	if tc.app.ActivePane() != "audit" {
		t.Fatalf("on %s", tc.app.ActivePane())
	}
	tc.typeKeys(":ctx demo-p")
	tc.key(tea.KeyTab) // completes the target name
	if got := tc.app.cmdline.input.Value(); got != "ctx demo-prod " {
		t.Fatalf("completion gave %q", got)
	}
	tc.key(tea.KeyEnter)
	if tc.app.Target().Name != "demo-prod" || tc.app.ActivePane() != "audit" {
		t.Fatalf("target %s pane %s", tc.app.Target().Name, tc.app.ActivePane())
	}
	if !strings.Contains(tc.app.View(), "PROD demo-prod") {
		t.Fatal("no prod badge after switching")
	}
}

func TestCommandHistoryAndErrors(t *testing.T) {
	tc := newTestConsole(t, termenv.Ascii)
	tc.resize(100, 30)
	tc.command("ctz")
	if !strings.Contains(tc.app.View(), "did you mean :ctx") {
		t.Fatalf("no suggestion:\n%s", tc.app.View())
	}
	tc.command("ctx nowhere")
	if !strings.Contains(tc.app.View(), `no target "nowhere"; targets: demo-staging, demo-prod`) {
		t.Fatalf("no target error:\n%s", tc.app.View())
	}
	tc.command("audit")
	tc.typeKeys(":")
	tc.key(tea.KeyUp)
	if got := tc.app.cmdline.input.Value(); got != "audit" {
		t.Fatalf("history up: %q", got)
	}
	tc.key(tea.KeyUp)
	if got := tc.app.cmdline.input.Value(); got != "ctx nowhere" {
		t.Fatalf("history up twice: %q", got)
	}
	tc.key(tea.KeyEsc)
	if tc.app.mode != modeNormal {
		t.Fatal("esc must close the command line")
	}
}

func TestHelpIsGeneratedFromKeyMap(t *testing.T) {
	opts := []string{}
	tc := newTestConsole(t, termenv.Ascii, opts...)
	tc.resize(120, 200)
	tc.typeKeys("?")
	view := tc.app.View()
	for _, want := range []string{"Keys everywhere", ":ctx [TARGET]", "next pane", "Audit log:"} {
		if !strings.Contains(view, want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

func TestActionApplyAudited(t *testing.T) {
	tc := newTestConsole(t, termenv.Ascii)
	tc.resize(100, 30)
	tc.typeKeys("x")
	view := tc.app.View()
	for _, want := range []string{"Scale widget to 3", `PATCH /widgets/widget {"replicas":3}`, "widgetctl scale widget", "[ y apply ]"} {
		if !strings.Contains(view, want) {
			t.Fatalf("dialog lacks %q:\n%s", want, view)
		}
	}
	tc.typeKeys("y")
	if tc.action.applied.Load() != 1 {
		t.Fatal("y did not apply")
	}
	if !strings.Contains(tc.app.View(), "applied; 3 ready") {
		t.Fatalf("outcome not shown:\n%s", tc.app.View())
	}
	tc.typeKeys(" ")
	e := tc.audit(t)
	if len(e) != 1 || e[0].Outcome != "applied" || e[0].User != "tester" || e[0].Target != "demo-staging" {
		t.Fatalf("audit %+v", e)
	}
	if p := tc.app.panes["widgets"].(*actionPane); p.done != 1 {
		t.Fatalf("panes must hear ActionDoneMsg, got %d", p.done)
	}
}

func TestEnterDefaultsToNo(t *testing.T) {
	tc := newTestConsole(t, termenv.Ascii)
	tc.resize(100, 30)
	tc.typeKeys("x")
	tc.key(tea.KeyEnter)
	if tc.action.applied.Load() != 0 || tc.app.mode != modeNormal {
		t.Fatal("Enter must cancel, not apply")
	}
	if e := tc.audit(t); len(e) != 1 || e[0].Outcome != "cancelled" {
		t.Fatalf("cancel audited: %+v", e)
	}
}

func TestTypedConfirmationOnProd(t *testing.T) {
	tc := newTestConsole(t, termenv.Ascii, "--target", "demo-prod")
	tc.action.risk = ops.RiskTyped
	tc.resize(100, 30)
	tc.typeKeys("x")
	tc.typeKeys("y") // a stray y must not apply a typed-confirmation action
	tc.key(tea.KeyEnter)
	if tc.action.applied.Load() != 0 || !strings.Contains(tc.app.View(), "does not match") {
		t.Fatalf("wrong name accepted:\n%s", tc.app.View())
	}
	for i := 0; i < 2; i++ {
		tc.key(tea.KeyBackspace)
	}
	tc.typeKeys("widget")
	tc.key(tea.KeyEnter)
	if tc.action.applied.Load() != 0 || !strings.Contains(tc.app.View(), `Target demo-prod is PRODUCTION`) {
		t.Fatalf("prod must ask for the target name too:\n%s", tc.app.View())
	}
	tc.typeKeys("demo-prod")
	tc.key(tea.KeyEnter)
	if tc.action.applied.Load() != 1 {
		t.Fatal("both names typed: must apply")
	}
}

func TestReadOnlyRefusesInDialog(t *testing.T) {
	tc := newTestConsole(t, termenv.Ascii, "--read-only")
	tc.resize(100, 30)
	if !strings.Contains(tc.app.View(), "READ-ONLY") {
		t.Fatal("no READ-ONLY badge")
	}
	tc.typeKeys("x")
	if !strings.Contains(tc.app.View(), "READ-ONLY: this console makes no changes (started with --read-only)") {
		t.Fatalf("dialog must say it is read-only:\n%s", tc.app.View())
	}
	tc.typeKeys("y")
	if tc.action.applied.Load() != 0 {
		t.Fatal("read-only applied an action")
	}
	if e := tc.audit(t); len(e) != 1 || e[0].Outcome != "refused" {
		t.Fatalf("refusal audited: %+v", e)
	}
}

func TestStaleResultsFromOldTargetAreDropped(t *testing.T) {
	tc := newTestConsole(t, termenv.Ascii)
	tc.resize(100, 30)
	stale := routedMsg{epoch: tc.app.epoch, pane: "", msg: pane.ToastMsg{Text: "from staging"}}
	tc.command("ctx demo-prod")
	tc.send(stale)
	if strings.Contains(tc.app.View(), "from staging") {
		t.Fatal("a message from the old target reached the new one")
	}
}

// TestTeatestQuit runs the real program loop: the console starts, switches
// panes with Tab and quits on :q, restoring the terminal.
func TestTeatestQuit(t *testing.T) {
	tc := newTestConsole(t, termenv.Ascii)
	tm := teatest.NewTestModel(t, tc.app, teatest.WithInitialTermSize(80, 24))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("Widgets")) },
		teatest.WithDuration(5*time.Second))
	tm.Send(tea.KeyMsg{Type: tea.KeyTab})
	tm.Type(":q")
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	if got := tm.FinalModel(t).(*App).ActivePane(); got != "streams" {
		t.Fatalf("tab from widgets should land on streams, got %s", got)
	}
}

func TestMFAPromptDuringADialogReturnsToIt(t *testing.T) {
	tc := newTestConsole(t, termenv.Ascii)
	tc.resize(100, 30)
	tc.typeKeys("x")
	done := make(chan struct{})
	go func() { tc.app.askMFA("arn:aws:iam::123456789012:mfa/alice"); close(done) }()
	tc.run(tc.app.listenMFA(), 0)
	tc.typeKeys("654321")
	tc.key(tea.KeyEnter)
	<-done
	if tc.app.mode != modeDialog || !strings.Contains(tc.app.View(), "Scale widget to 3") {
		t.Fatalf("the dialog must come back after the code:\n%s", tc.app.View())
	}
	tc.typeKeys("y")
	if tc.action.applied.Load() != 1 {
		t.Fatal("the dialog must still work")
	}
}

// TestBusyStopOvertakingItsStart: commands run concurrently, so a stop can
// reach the shell before its start; the indicator must still go away.
func TestBusyStopOvertakingItsStart(t *testing.T) {
	tc := newTestConsole(t, termenv.Ascii)
	tc.resize(100, 30)
	b := pane.Busy{Key: "check"}
	start, stop := b.Start("checking"), b.Stop()
	tc.send(stop())
	tc.send(start())
	if strings.Contains(tc.app.View(), "checking") {
		t.Fatal("a start that arrives after its stop revived the indicator")
	}
}
