// Package ui is the console shell: the frame every pane lives in (header,
// tabs, footer), command mode, the `/` filter, help, the confirm dialog that
// drives internal/ops, toasts and progress, and target switching.
//
// Rules (DESIGN.md §2): no I/O in Update; I/O runs in commands that return
// typed messages. Commands issued by a pane are tagged with the pane and the
// target epoch, so an answer from a target the operator has left is dropped
// instead of painting the new target's pane.
package ui

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/opsconsole/opsconsole/internal/config"
	"github.com/opsconsole/opsconsole/internal/fleet"
	"github.com/opsconsole/opsconsole/internal/ops"
	"github.com/opsconsole/opsconsole/internal/ui/keys"
	"github.com/opsconsole/opsconsole/internal/ui/pane"
	"github.com/opsconsole/opsconsole/internal/ui/style"
)

// Session is everything one console needs: one per local run, one per SSH
// session.
type Session struct {
	Options  *config.Options
	Identity ops.Identity
	// RoleReadOnly adds a read-only reason beyond the options' (an SSH key
	// without the operator role).
	RoleReadOnly string
	// Who is shown in the header for SSH sessions ("alice (operator)").
	Who      string
	Audit    *ops.AuditLog
	Renderer *lipgloss.Renderer
	// Output receives OSC 52 clipboard sequences (the terminal or the SSH
	// channel).
	Output io.Writer
	// Connect builds a target's backends; fleet.Connect in production.
	Connect func(ctx context.Context, t config.Target) *fleet.Fleet
	Now     func() time.Time
	// Panes overrides the pane registry (tests); nil means DefaultPanes.
	Panes []pane.Spec
	Log   *slog.Logger
	// StartupWarning is shown as an error toast when the console opens (an
	// audit log that could not be opened, say).
	StartupWarning string
}

type mode int

const (
	modeNormal mode = iota
	modeCommand
	modeFilter
	modeHelp
	modeDialog
	modeMFA
)

// App is the root Bubble Tea model.
type App struct {
	sess   Session
	opts   *config.Options
	st     *style.Styles
	keys   *keys.Map
	specs  []pane.Spec
	cmds   *commandSet
	log    *slog.Logger
	width  int
	height int

	target config.Target
	fleet  *fleet.Fleet
	pctx   *pane.Context
	epoch  uint64

	panes   map[string]pane.Pane
	inited  map[string]bool
	active  string
	history []string

	mode    mode
	cmdline *commandLine
	// mfaRequests carries backends' MFA code requests to the UI; mfa is
	// the open prompt.
	mfaRequests chan mfaRequest
	mfa         *mfaPrompt
	// promptsMFA is set when backends may ask for codes (the default
	// Connect); done ends the MFA listener when the console quits.
	promptsMFA bool
	done       chan struct{}
	filter     textinput.Model
	help       helpView
	dialog     *dialog

	// esHealth is the cluster's status colour for the header.
	esHealth string
	// switching is the target being connected to; a slower connection to
	// an earlier choice is dropped.
	switching string

	toast      pane.ToastMsg
	toastUntil time.Time
	busy       map[string]busyItem
	busySeq    map[string]uint64
	spinFrame  int
	spinning   bool
	ticking    bool
}

type busyItem struct {
	msg   pane.BusyMsg
	start time.Time
}

// New builds the console for a session. It fails only on configuration
// errors (a key map that does not parse), never on an unreachable backend.
func New(sess Session) (*App, error) {
	km, err := keys.New(sess.Options.Keys)
	if err != nil {
		return nil, err
	}
	if sess.Renderer == nil {
		sess.Renderer = lipgloss.DefaultRenderer()
	}
	if sess.Now == nil {
		sess.Now = time.Now
	}
	// app is set below; the default Connect needs it for MFA prompts.
	var app *App
	promptsMFA := sess.Connect == nil
	if sess.Connect == nil {
		opts := sess.Options
		sess.Connect = func(ctx context.Context, t config.Target) *fleet.Fleet {
			return fleet.Connect(ctx, opts, t, fleet.Hooks{MFACode: app.askMFA})
		}
	}
	if sess.Log == nil {
		sess.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	specs := sess.Panes
	if specs == nil {
		specs = DefaultPanes()
	}
	a := &App{
		mfaRequests: make(chan mfaRequest),
		done:        make(chan struct{}),
		sess:        sess,
		opts:        sess.Options,
		st:          style.New(sess.Renderer),
		keys:        km,
		specs:       specs,
		log:         sess.Log,
		busy:        map[string]busyItem{},
	}
	app = a
	a.promptsMFA = promptsMFA
	a.cmds = newCommandSet(a)
	a.cmdline = newCommandLine(a.st)
	a.filter = newInput(a.st, "/")
	a.switchTarget(sess.Connect(context.Background(), sess.Options.StartTarget()), firstTab(specs))
	if sess.StartupWarning != "" {
		a.setToast(pane.ToastMsg{Text: sess.StartupWarning, Error: true})
	}
	return a, nil
}

// newInput makes a text input drawn with this session's renderer (over SSH
// the default renderer belongs to the server's terminal, not the client's).
func newInput(st *style.Styles, prompt string) textinput.Model {
	in := textinput.New()
	in.Prompt = prompt
	in.PromptStyle = st.Prompt
	in.Cursor.Style = st.Renderer.NewStyle().Reverse(true)
	// A steady cursor: nothing on screen moves unless the data moved.
	in.Cursor.SetMode(cursor.CursorStatic)
	in.TextStyle = st.Renderer.NewStyle()
	in.PlaceholderStyle = st.Renderer.NewStyle()
	in.CharLimit = 1024
	return in
}

func firstTab(specs []pane.Spec) string {
	for _, s := range specs {
		if s.Tab {
			return s.ID
		}
	}
	return specs[0].ID
}

// switchTarget drops the current target's backends and panes (closing
// tails and watches) and builds the new ones from fleet f, staying on pane
// keep when the new target has it.
func (a *App) switchTarget(f *fleet.Fleet, keep string) {
	for _, p := range a.panes {
		if c, ok := p.(pane.Closer); ok {
			c.Close()
		}
	}
	if a.fleet != nil {
		a.fleet.Close()
	}
	t := f.Target
	a.epoch++
	a.target = t
	a.esHealth = ""
	a.fleet = f
	guard := ops.Guard{ReadOnlyReasons: a.opts.ReadOnlyReasons(t)}
	if a.sess.RoleReadOnly != "" {
		guard.ReadOnlyReasons = append(guard.ReadOnlyReasons, a.sess.RoleReadOnly)
	}
	a.pctx = &pane.Context{
		Ctx:      a.fleet.Context(),
		Options:  a.opts,
		Target:   t,
		Backends: a.fleet,
		Runner: &ops.Runner{
			Guard:  guard,
			Audit:  a.sess.Audit,
			Who:    a.sess.Identity,
			Target: ops.Target{Name: t.DisplayName(), Environment: t.Environment},
			Now:    a.sess.Now,
		},
		Styles: a.st,
		Keys:   a.keys,
		Now:    a.sess.Now,
		Names:  &pane.Names{},
	}
	a.panes = map[string]pane.Pane{}
	a.inited = map[string]bool{}
	for _, s := range a.specs {
		a.panes[s.ID] = s.New(a.pctx)
	}
	if _, ok := a.panes[keep]; !ok {
		keep = firstTab(a.specs)
	}
	a.active = keep
	a.history = nil
	a.busy = map[string]busyItem{}
	a.busySeq = map[string]uint64{}
	a.log.Info("target", "name", t.DisplayName(), "environment", t.Environment)
}

// connectedMsg carries a target's backends, connected off the UI
// goroutine (a secret helper command can take seconds).
type connectedMsg struct{ fleet *fleet.Fleet }

// beginSwitch connects to target t in a command; the switch happens when
// it is done.
func (a *App) beginSwitch(t config.Target) tea.Cmd {
	connect := a.sess.Connect
	// Set here, not by a message: the connection can finish before a
	// message would arrive, and the indicator must not outlive it.
	a.busy["connect"] = busyItem{msg: pane.BusyMsg{Key: "connect", Label: "connecting to " + t.DisplayName()}, start: a.sess.Now()}
	return tea.Batch(a.spin(), func() tea.Msg { return connectedMsg{fleet: connect(context.Background(), t)} })
}

// Init starts the first pane and the refresh ticker.
func (a *App) Init() tea.Cmd {
	cmds := []tea.Cmd{a.activate(a.active), a.startTick(), a.pollHeader()}
	if a.promptsMFA {
		cmds = append(cmds, a.listenMFA())
	}
	return tea.Batch(cmds...)
}

// esHealthMsg feeds the header's "es:NAME (status)".
type esHealthMsg struct{ name, status string }

// pollHeader reads the cluster health the header shows, when there is a
// cluster; failures leave the last known value (the panes report errors).
func (a *App) pollHeader() tea.Cmd {
	c := a.fleet.ES
	if c == nil {
		return nil
	}
	ctx := a.fleet.Context()
	return wrapShell(a.epoch, func() tea.Msg {
		s, err := c.Cluster(ctx)
		if err != nil {
			return nil
		}
		return esHealthMsg{name: s.Name, status: s.Status}
	})
}

func (a *App) startTick() tea.Cmd {
	if a.ticking {
		return nil
	}
	a.ticking = true
	return tea.Tick(a.opts.Refresh, func(t time.Time) tea.Msg { return refreshTickMsg{t} })
}

type refreshTickMsg struct{ t time.Time }
type spinMsg struct{}

// routedMsg carries a message produced by a pane's command back to that
// pane, tagged with the target epoch it was issued in.
type routedMsg struct {
	epoch uint64
	pane  string
	msg   tea.Msg
}

// wrap tags a pane's command so its result returns to the pane.
func wrap(epoch uint64, paneID string, cmd tea.Cmd) tea.Cmd {
	if cmd == nil {
		return nil
	}
	return func() tea.Msg {
		msg := cmd()
		if batch, ok := msg.(tea.BatchMsg); ok {
			out := make(tea.BatchMsg, len(batch))
			for i, c := range batch {
				out[i] = wrap(epoch, paneID, c)
			}
			return out
		}
		if msg == nil {
			return nil
		}
		return routedMsg{epoch: epoch, pane: paneID, msg: msg}
	}
}

// activate shows a pane, initialising it the first time and refreshing it
// when it comes back (what it showed may be minutes old). A message about
// another pane does not follow the operator.
func (a *App) activate(id string) tea.Cmd {
	if id != a.active && !a.toast.Error {
		a.toast = pane.ToastMsg{}
	}
	a.active = id
	if a.inited[id] {
		return wrap(a.epoch, id, a.panes[id].Update(pane.TickMsg{Time: a.sess.Now()}))
	}
	a.inited[id] = true
	return wrap(a.epoch, id, a.panes[id].Init())
}

// open switches to a pane from a drill-in or command, remembering where the
// operator came from for Esc.
func (a *App) open(id string, args []string, flags map[string]string) tea.Cmd {
	p, ok := a.panes[id]
	if !ok {
		return a.toastCmd("no pane "+id, true)
	}
	if wa, ok := p.(pane.WithArgs); ok && (len(args) > 0 || len(flags) > 0) {
		if err := wa.SetArgs(args, flags); err != nil {
			return a.toastCmd(err.Error(), true)
		}
		a.inited[id] = false
	}
	if id != a.active {
		a.history = append(a.history, a.active)
		if len(a.history) > 50 {
			a.history = a.history[1:]
		}
	}
	return a.activate(id)
}

func (a *App) toastCmd(text string, isErr bool) tea.Cmd {
	a.setToast(pane.ToastMsg{Text: text, Error: isErr})
	return nil
}

func (a *App) setToast(t pane.ToastMsg) {
	a.toast = t
	d := 4 * time.Second
	if t.Error {
		d = 10 * time.Second
	}
	a.toastUntil = a.sess.Now().Add(d)
	if t.Error {
		a.log.Warn("toast", "text", t.Text)
	}
}

// Update is the root message handler.
func (a *App) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		a.width, a.height = msg.Width, msg.Height
		return a, nil
	case tea.KeyMsg:
		// Terminals deliver fast typing (and tmux send-keys) as one message
		// with several runes; each must be its own key press, or ":ctx"
		// would never open the command line.
		if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste {
			var cmds []tea.Cmd
			for _, r := range msg.Runes {
				cmds = append(cmds, a.handleKey(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: msg.Alt}))
			}
			return a, tea.Batch(cmds...)
		}
		return a, a.handleKey(msg)
	case tea.MouseMsg:
		return a, nil
	case routedMsg:
		if msg.epoch != a.epoch {
			return a, nil // from a target the operator has left
		}
		if cmd, handled := a.handleShellMsg(msg.msg); handled {
			return a, cmd
		}
		if p, ok := a.panes[msg.pane]; ok {
			return a, wrap(a.epoch, msg.pane, p.Update(msg.msg))
		}
		return a, nil
	case refreshTickMsg:
		a.ticking = false
		cmd := wrap(a.epoch, a.active, a.panes[a.active].Update(pane.TickMsg{Time: msg.t}))
		return a, tea.Batch(cmd, a.startTick(), a.pollHeader())
	case spinMsg:
		a.spinning = false
		a.spinFrame++
		return a, a.spin()
	}
	if cmd, handled := a.handleShellMsg(msg); handled {
		return a, cmd
	}
	return a, nil
}

// handleShellMsg handles the messages panes and commands send to the shell.
func (a *App) handleShellMsg(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case pane.OpenMsg:
		return a.open(msg.ID, msg.Args, msg.Flags), true
	case pane.ToastMsg:
		a.setToast(msg)
		return nil, true
	case pane.BusyMsg:
		if msg.Seq != 0 {
			if msg.Seq <= a.busySeq[msg.Key] {
				return nil, true // overtaken by a newer message for this operation
			}
			a.busySeq[msg.Key] = msg.Seq
		}
		if msg.Label == "" {
			delete(a.busy, msg.Key)
			return nil, true
		}
		start := a.sess.Now()
		if old, ok := a.busy[msg.Key]; ok {
			start = old.start
		}
		a.busy[msg.Key] = busyItem{msg: msg, start: start}
		return a.spin(), true
	case pane.ActionMsg:
		return a.prepareAction(msg.Action), true
	case pane.PromptMsg:
		a.mode = modeCommand
		cmd := a.cmdline.open()
		a.cmdline.input.SetValue(msg.Line)
		a.cmdline.input.CursorEnd()
		return cmd, true
	case switchTargetMsg:
		t, ok := a.opts.Target(msg.name)
		if !ok {
			a.setToast(pane.ToastMsg{Text: "no target " + msg.name, Error: true})
			return nil, true
		}
		a.mode = modeNormal
		a.switching = t.Name
		return a.beginSwitch(t), true
	case connectedMsg:
		if msg.fleet.Target.Name != a.switching {
			msg.fleet.Close() // the operator asked for another target since
			return nil, true
		}
		delete(a.busy, "connect")
		a.switching = ""
		delete(a.busy, "connect")
		// No action may outlive its target: an open dialog is cancelled
		// (and audited) on the target it was prepared for.
		var cancel tea.Cmd
		if a.dialog != nil {
			cancel = a.cancelDialog()
		}
		a.switchTarget(msg.fleet, a.active)
		t := msg.fleet.Target
		a.setToast(pane.ToastMsg{Text: "switched to " + t.DisplayName() + " (" + t.Environment + ")"})
		return tea.Batch(cancel, a.activate(a.active), a.pollHeader()), true
	case quitMsg:
		return a.quit(), true
	case mfaPromptMsg:
		return a.openMFA(msg.req), true
	case esHealthMsg:
		a.esHealth = msg.status
		a.fleet.SetLabel(fleet.Elasticsearch, msg.name)
		return nil, true
	}
	if cmd, ok := a.handleDialogMsg(msg); ok {
		return cmd, true
	}
	return nil, false
}

type switchTargetMsg struct{ name string }
type quitMsg struct{}

func (a *App) quit() tea.Cmd {
	select {
	case <-a.done:
	default:
		close(a.done)
	}
	for _, p := range a.panes {
		if c, ok := p.(pane.Closer); ok {
			c.Close()
		}
	}
	if a.fleet != nil {
		a.fleet.Close()
	}
	return tea.Quit
}

// spin keeps the spinner turning while something is busy.
func (a *App) spin() tea.Cmd {
	if a.spinning || (len(a.busy) == 0 && (a.dialog == nil || !a.dialog.runningNow())) {
		return nil
	}
	a.spinning = true
	return tea.Tick(120*time.Millisecond, func(time.Time) tea.Msg { return spinMsg{} })
}

// handleKey routes a key press: Ctrl+C always quits; then the open overlay
// (dialog, help, command line, filter) takes it; then global keys; then the
// active pane.
func (a *App) handleKey(k tea.KeyMsg) tea.Cmd {
	ks := k.String()
	if a.keys.Matches(ks, "force-quit") {
		return a.quit()
	}
	switch a.mode {
	case modeDialog:
		return a.dialogKey(k)
	case modeHelp:
		return a.helpKey(k)
	case modeCommand:
		return a.commandKey(k)
	case modeFilter:
		return a.filterKey(k)
	case modeMFA:
		return a.mfaKey(k)
	}
	p := a.panes[a.active]
	if c, ok := p.(pane.Capturer); ok && c.Capturing() {
		return wrap(a.epoch, a.active, p.Update(k))
	}
	switch {
	case a.keys.Matches(ks, "command"):
		a.mode = modeCommand
		return a.cmdline.open()
	case a.keys.Matches(ks, "filter"):
		if f, ok := p.(pane.Filterable); ok {
			a.mode = modeFilter
			a.filter.SetValue(f.Filter())
			a.filter.CursorEnd()
			return a.filter.Focus()
		}
		return a.toastCmd("this pane has no filter", false)
	case a.keys.Matches(ks, "help"):
		a.mode = modeHelp
		a.help = newHelpView()
		return nil
	case a.keys.Matches(ks, "next-pane"):
		return a.cycle(1)
	case a.keys.Matches(ks, "prev-pane"):
		return a.cycle(-1)
	case a.keys.Matches(ks, "back"):
		return a.back()
	case a.keys.Matches(ks, "quit"):
		if b, ok := p.(pane.Backer); ok && b.Back() {
			return nil
		}
		return a.quit()
	case a.keys.Matches(ks, "refresh"):
		return wrap(a.epoch, a.active, p.Init())
	case a.keys.Matches(ks, "copy"):
		if c, ok := p.(pane.Copier); ok {
			if v, ok := c.CopyValue(); ok {
				return a.copy(v)
			}
		}
		return a.toastCmd("nothing to copy here", false)
	}
	return wrap(a.epoch, a.active, p.Update(k))
}

// back closes what is open, innermost first: the pane's own detail view,
// then the filter, then returns to the previous pane.
func (a *App) back() tea.Cmd {
	p := a.panes[a.active]
	if b, ok := p.(pane.Backer); ok && b.Back() {
		return nil
	}
	if f, ok := p.(pane.Filterable); ok && f.Filter() != "" {
		f.SetFilter("")
		return nil
	}
	if n := len(a.history); n > 0 {
		prev := a.history[n-1]
		a.history = a.history[:n-1]
		return a.activate(prev)
	}
	return nil
}

// cycle moves along the tab bar.
func (a *App) cycle(dir int) tea.Cmd {
	var tabs []string
	for _, s := range a.specs {
		if s.Tab {
			tabs = append(tabs, s.ID)
		}
	}
	if len(tabs) == 0 {
		return nil
	}
	i := 0
	for j, id := range tabs {
		if id == a.active {
			i = j
		}
	}
	i = (i + dir + len(tabs)) % len(tabs)
	a.history = nil
	return a.activate(tabs[i])
}

func (a *App) filterKey(k tea.KeyMsg) tea.Cmd {
	f, ok := a.panes[a.active].(pane.Filterable)
	switch k.Type {
	case tea.KeyEsc:
		a.mode = modeNormal
		a.filter.Blur()
		if ok {
			f.SetFilter("")
		}
		return nil
	case tea.KeyEnter:
		a.mode = modeNormal
		a.filter.Blur()
		return nil
	}
	var cmd tea.Cmd
	a.filter, cmd = a.filter.Update(k)
	if ok {
		f.SetFilter(a.filter.Value())
	}
	return cmd
}

// ActivePane is the ID of the pane on screen (tests, serve).
func (a *App) ActivePane() string { return a.active }

// Target is the target in use.
func (a *App) Target() config.Target { return a.target }
