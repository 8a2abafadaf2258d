// Package pane is the contract between the console shell (internal/ui) and
// the panes that live in it: the Pane interface and its optional
// capabilities, the Context a pane is built with, the messages panes send to
// the shell, and command-mode command definitions.
package pane

import (
	"context"
	"strings"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/opsconsole/opsconsole/internal/config"
	"github.com/opsconsole/opsconsole/internal/decode"
	"github.com/opsconsole/opsconsole/internal/fleet"
	"github.com/opsconsole/opsconsole/internal/ops"
	"github.com/opsconsole/opsconsole/internal/ui/keys"
	"github.com/opsconsole/opsconsole/internal/ui/style"
)

// Pane is one screen of the console. Panes mutate themselves in Update
// (pointer receivers) and return commands; they never do I/O in Update.
type Pane interface {
	// ID is the command-mode name (":streams"); Title the tab label.
	ID() string
	Title() string
	// Init starts loading; it is called when the pane is first shown and
	// after a target switch.
	Init() tea.Cmd
	// Update receives the key presses while the pane is active and the
	// messages its own commands produced.
	Update(msg tea.Msg) tea.Cmd
	// View renders exactly height lines of at most width cells.
	View(width, height int) string
	// Hints are the pane's own keys for the footer and the help screen.
	Hints() []*keys.Binding
}

// Filterable panes take the `/` filter.
type Filterable interface {
	SetFilter(string)
	Filter() string
}

// WithArgs panes take arguments from command mode (":shards app-logs").
type WithArgs interface {
	SetArgs(args []string, flags map[string]string) error
}

// Backer panes handle Esc themselves (close a detail view) and report
// whether they did.
type Backer interface {
	Back() bool
}

// Copier panes offer a value for the `c` key (OSC 52 copy).
type Copier interface {
	CopyValue() (string, bool)
}

// Closer panes hold resources (a tail, a watch) to stop on target switch.
type Closer interface {
	Close()
}

// Capturer panes sometimes take every key themselves (a text input inside
// the pane); while Capturing is true the shell passes keys through.
type Capturer interface {
	Capturing() bool
}

// Context is what a pane is built with: the target it looks at, the
// backends, the action runner and the look. A new Context is made on every
// target switch; Ctx is cancelled when the old one is dropped.
type Context struct {
	Ctx      context.Context
	Options  *config.Options
	Target   config.Target
	Backends *fleet.Fleet
	Runner   *ops.Runner
	Styles   *style.Styles
	Keys     *keys.Map
	Now      func() time.Time
	// Names feeds command-line completion.
	Names *Names
}

// ActionMsg asks the shell to take an action through the pipeline
// (validate, plan, confirm, guard, apply, verify, audit).
type ActionMsg struct{ Action ops.Action }

// Action is a command returning ActionMsg.
func Action(a ops.Action) tea.Cmd {
	return func() tea.Msg { return ActionMsg{Action: a} }
}

// ActionDoneMsg is broadcast to every pane after an action finished, so
// panes showing the resource refresh.
type ActionDoneMsg struct {
	Action ops.Action
	Result ops.Result
}

// OpenMsg asks the shell to show a pane, with optional arguments.
type OpenMsg struct {
	ID    string
	Args  []string
	Flags map[string]string
}

// Open is a command returning OpenMsg.
func Open(id string, args ...string) tea.Cmd {
	return func() tea.Msg { return OpenMsg{ID: id, Args: args} }
}

// ToastMsg shows a message in the footer for a few seconds.
type ToastMsg struct {
	Text  string
	Error bool
}

// Toast is a command returning ToastMsg.
func Toast(text string, isErr bool) tea.Cmd {
	return func() tea.Msg { return ToastMsg{Text: text, Error: isErr} }
}

// BusyMsg starts (Label non-empty) or stops a progress indicator for a long
// operation. Key identifies the operation so several can overlap. Use a
// Busy to issue them: commands finish in any order, and Seq lets the shell
// keep the newest.
type BusyMsg struct {
	Key   string
	Label string
	// Done/Total, when Total > 0, show a progress bar instead of a spinner.
	Done, Total int
	Seq         uint64
}

// Busy issues the indicator messages of one long operation, numbered, so a
// stop that overtakes its start (commands run concurrently) still wins.
type Busy struct {
	Key string
	seq uint64
}

func (b *Busy) msg(label string, done, total int) tea.Cmd {
	b.seq++
	m := BusyMsg{Key: b.Key, Label: label, Done: done, Total: total, Seq: b.seq}
	return func() tea.Msg { return m }
}

// Start shows a spinner with label.
func (b *Busy) Start(label string) tea.Cmd { return b.msg(label, 0, 0) }

// Progress shows a progress bar.
func (b *Busy) Progress(label string, done, total int) tea.Cmd { return b.msg(label, done, total) }

// Stop removes the indicator.
func (b *Busy) Stop() tea.Cmd { return b.msg("", 0, 0) }

// TickMsg is broadcast every refresh interval; panes that poll refresh on it.
type TickMsg struct{ Time time.Time }

// Spec registers a pane with the shell.
type Spec struct {
	ID    string
	Title string
	// Tab is true for panes in the Tab/Shift+Tab cycle and the tab bar.
	Tab bool
	New func(c *Context) Pane
}

// StatusView renders a centred, multi-line message filling width x height:
// the "not configured" and "failed" states of a backend pane.
func StatusView(st *style.Styles, width, height int, tone style.Tone, lines ...string) string {
	out := make([]string, height)
	top := (height - len(lines)) / 3
	if top < 0 {
		top = 0
	}
	for i, l := range lines {
		if top+i >= height {
			break
		}
		if w := len([]rune(l)); w < width {
			l = strings.Repeat(" ", (width-w)/2) + l
		}
		if i == 0 {
			l = st.Tone(tone, l)
		}
		out[top+i] = l
	}
	return strings.Join(out, "\n")
}

// Names caches names panes have seen (streams, indices, aliases, policies,
// runbooks...) for command-line completion, so Tab never waits on the
// network.
type Names struct {
	mu    sync.Mutex
	kinds map[string][]string
}

// Set replaces the names of a kind ("streams", "indices", "shards:app-logs").
func (n *Names) Set(kind string, names []string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.kinds == nil {
		n.kinds = map[string][]string{}
	}
	n.kinds[kind] = append([]string(nil), names...)
}

// Get returns the names of a kind.
func (n *Names) Get(kind string) []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.kinds[kind]
}

// OneLine makes outside text safe for one terminal line: escape sequences
// and control bytes shown escaped, never interpreted.
func OneLine(s string) string { return decode.Sanitize(s) }

// PromptMsg opens the command line with Line typed in, for actions that
// need a number from the operator (":reshard app-logs 8"): they see the
// suggestion, edit it, and press Enter.
type PromptMsg struct{ Line string }

// Prompt is a command returning PromptMsg.
func Prompt(line string) tea.Cmd {
	return func() tea.Msg { return PromptMsg{Line: line} }
}
