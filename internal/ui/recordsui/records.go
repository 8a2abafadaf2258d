// Package recordsui is the :records pane: the live, decoded events of a
// Kinesis stream, one line each (time, level, source, message), newest at
// the bottom.
//
// Behaviour an operator relies on:
//
//   - Follow mode keeps the newest event in view; scrolling up stops
//     following (the view stays where it was while events keep arriving),
//     f or G follows again.
//   - p pauses the DISPLAY, not the reading: the screen stands still (list,
//     top messages and counters of the buffer), while the tail keeps
//     reading so no iterator expires and no record is skipped. What arrives
//     meanwhile waits in the tail's queue and is counted on screen; beyond
//     the buffer size the oldest waiting events are dropped, and counted.
//     p again shows everything that waited.
//   - / filters by words, level (level:warn), regular expression (re:... or
//     /.../) or message template (tpl:..., set from the top-messages view).
//   - Enter shows one event in full: pretty JSON, the raw bytes as a hex
//     dump, shard, sequence number, KPL sub-index, partition key, arrival
//     time, log group and stream, and any decoding problem.
//   - T groups the buffered (filtered) events by message template, with
//     counts, level, first and last seen, and an example: the noisiest
//     error is the first row.
//   - :export FILE writes the events in view as NDJSON.
//
// Memory is bounded by the ring buffer (Options.RecordBuffer events); what
// falls out of it, and what the tail dropped because the screen could not
// keep up, is counted on screen. Every string from a payload is sanitised
// before it is drawn.
package recordsui

import (
	"context"
	"errors"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/opsconsole/opsconsole/internal/aws"
	"github.com/opsconsole/opsconsole/internal/aws/tail"
	"github.com/opsconsole/opsconsole/internal/fleet"
	"github.com/opsconsole/opsconsole/internal/ui/keys"
	"github.com/opsconsole/opsconsole/internal/ui/pane"
	"github.com/opsconsole/opsconsole/internal/ui/style"
)

// ID is the pane's command-mode name.
const ID = "records"

// Source gives the pane its target's Kinesis backend; the error says, in
// the operator's words, why there is none (not configured, failed).
type Source func(c *pane.Context) (*aws.Backend, error)

// FleetSource is the target's Kinesis backend from the pane context's
// fleet, or why there is none.
func FleetSource(c *pane.Context) (*aws.Backend, error) {
	if c.Backends == nil {
		return nil, errors.New("no backends are connected")
	}
	if b := c.Backends.Kinesis; b != nil {
		return b, nil
	}
	st := c.Backends.Status(fleet.Kinesis)
	if st.Err != nil {
		return nil, st.Err
	}
	if st.Hint != "" {
		return nil, errors.New("Kinesis is not configured for target " + c.Target.DisplayName() + ": " + st.Hint)
	}
	return nil, errors.New("Kinesis is still connecting; r retries")
}

// Spec registers the pane.
func Spec(src Source) pane.Spec {
	return pane.Spec{ID: ID, Title: "Records", Tab: true, New: func(c *pane.Context) pane.Pane { return New(c, src) }}
}

// statsEvery is how often the status line's rates are refreshed.
const statsEvery = time.Second

// Pane is the records pane.
type Pane struct {
	c   *pane.Context
	src Source

	// What to tail, from :records (SetArgs).
	stream string
	from   tail.Position
	shard  string

	// The running tail. gen tags its messages, so those of a stopped tail
	// are dropped.
	tl       *tail.Tailer
	cancel   context.CancelFunc
	ctx      context.Context
	gen      int
	tailArgs string // the arguments the tail runs with
	running  bool
	endErr   error // why the tail ended
	startErr error // why it could not start
	stats    tail.Stats
	errs     []string // the latest problems the tail reported

	buf       *buffer
	filterErr error

	follow  bool
	paused  bool
	held    *batchMsg // arrived while paused
	sel     uint64    // selected event (absolute index) when not following
	topAbs  uint64    // first visible event when not following
	rows    int       // list rows at the last render
	detail  *detail
	top     *topView
	export  *exportReq // staged by :export, run by Init
	changed bool       // the buffer changed since the top view was built
}

// New builds the pane. It shows nothing until :records names a stream.
func New(c *pane.Context, src Source) *Pane {
	n := c.Options.RecordBuffer
	if n <= 0 {
		n = tail.DefaultQueueEvents
	}
	return &Pane{c: c, src: src, buf: newBuffer(n), follow: true, from: tail.Latest}
}

func (p *Pane) ID() string    { return ID }
func (p *Pane) Title() string { return "Records" }

// SetArgs takes :records STREAM [--from ...] [--shard ID], or the export
// request of :export (see Commands).
func (p *Pane) SetArgs(args []string, flags map[string]string) error {
	if path, ok := flags[exportFlag]; ok {
		p.export = &exportReq{path: path, force: flags[forceFlag] == "true"}
		return nil
	}
	if len(args) != 1 {
		return errors.New("usage: :records STREAM [--from latest|trim-horizon|RFC3339|seq:N] [--shard ID]")
	}
	from, err := tail.ParseFrom(flags["from"])
	if err != nil {
		return err
	}
	p.stream, p.from, p.shard = args[0], from, flags["shard"]
	return nil
}

func (p *Pane) args() string {
	return p.stream + "\x00" + p.from.String() + "\x00" + p.shard
}

// Init starts the tail for the current arguments. A tail already running
// with the same arguments goes on (r on a healthy tail changes nothing; on
// a stopped one it restarts); new arguments replace it, with a fresh
// buffer. After :export it only exports: the buffer of a stopped tail is
// exactly what an operator may want to keep.
func (p *Pane) Init() tea.Cmd {
	if p.export != nil {
		req := *p.export
		p.export = nil
		return p.runExport(req)
	}
	if p.stream == "" || (p.running && p.tailArgs == p.args()) {
		return nil
	}
	return p.start()
}

func (p *Pane) start() tea.Cmd {
	p.stop()
	p.gen++
	f := p.buf.f // the filter outlives the buffer
	p.buf = newBuffer(p.buf.capacity())
	p.buf.setFilter(f)
	p.follow, p.paused, p.held, p.detail, p.top = true, false, nil, nil, nil
	p.endErr, p.startErr, p.errs, p.stats = nil, nil, nil, tail.Stats{}
	p.tailArgs = p.args()
	b, err := p.src(p.c)
	if err == nil && b == nil {
		err = errors.New("Kinesis is not configured for this target")
	}
	if err != nil {
		p.startErr = err
		return nil
	}
	p.ctx, p.cancel = context.WithCancel(p.c.Ctx)
	p.tl, err = tail.Start(p.ctx, b, p.stream, tail.Options{
		From: p.from, Shard: p.shard,
		ReadsPerSecond: p.c.Options.TailReadsPerSecond,
		QueueEvents:    p.buf.capacity(),
	})
	if err != nil {
		p.cancel()
		p.tl, p.startErr = nil, err
		return nil
	}
	p.running = true
	p.stats = p.tl.Stats()
	return tea.Batch(p.wait(), p.tick())
}

// stop ends the running tail without waiting for its goroutines (they
// finish their current read and return).
func (p *Pane) stop() {
	if p.cancel != nil {
		p.cancel()
		p.cancel = nil
	}
	p.running = false
}

// Close stops the tail (pane.Closer): on target switch and quit.
func (p *Pane) Close() { p.stop() }

// batchMsg is one hand-over from the tail.
type batchMsg struct {
	gen int
	b   tail.Batch
	ok  bool
}

// statsMsg refreshes the status line.
type statsMsg struct{ gen int }

// wait is the re-arming command that streams the tail's batches.
func (p *Pane) wait() tea.Cmd {
	tl, ctx, gen := p.tl, p.ctx, p.gen
	return func() tea.Msg {
		b, ok := tl.Next(ctx)
		return batchMsg{gen: gen, b: b, ok: ok}
	}
}

func (p *Pane) tick() tea.Cmd {
	gen := p.gen
	return tea.Tick(statsEvery, func(time.Time) tea.Msg { return statsMsg{gen: gen} })
}

func (p *Pane) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case batchMsg:
		if msg.gen != p.gen || !p.running {
			return nil
		}
		if p.paused {
			p.held = &msg
			return nil
		}
		return p.apply(msg)
	case statsMsg:
		if msg.gen != p.gen || !p.running {
			return nil
		}
		p.stats = p.tl.Stats()
		if p.top != nil && p.changed && !p.paused {
			p.refreshTop()
		}
		return p.tick()
	case tea.KeyMsg:
		return p.key(msg.String())
	}
	return nil
}

// apply takes a batch into the buffer and asks for the next.
func (p *Pane) apply(m batchMsg) tea.Cmd {
	b := m.b
	if len(b.Events) > 0 {
		p.buf.add(b.Events)
		p.changed = true
	}
	for _, err := range b.Errors {
		p.errs = append(p.errs, err.Error())
		if len(p.errs) > 3 {
			p.errs = p.errs[1:]
		}
	}
	if p.tl != nil {
		p.stats = p.tl.Stats()
	}
	if !m.ok {
		p.running = false
		if b.Done {
			p.endErr = b.Err
		}
		return nil
	}
	return p.wait()
}

func (p *Pane) key(k string) tea.Cmd {
	km := p.c.Keys
	switch {
	case p.detail != nil:
		p.detail.scroll(km, k, p.rows)
		return nil
	case p.top != nil:
		return p.topKey(k)
	}
	switch {
	case km.Matches(k, "pause"):
		p.paused = !p.paused
		if !p.paused && p.held != nil {
			m := *p.held
			p.held = nil
			return p.apply(m)
		}
	case km.Matches(k, "follow"):
		if p.follow {
			p.follow = false
			p.sel, _ = p.buf.lastAbs()
		} else {
			p.follow = true
		}
	case km.Matches(k, "top-messages"):
		p.top = newTopView(p.c)
		p.refreshTop()
	case km.Matches(k, "enter"):
		if r := p.selected(); r != nil {
			p.detail = newDetail(p.c.Styles, &r.ev)
		}
	case km.Matches(k, "bottom"):
		p.follow = true
	case km.Matches(k, "up"):
		p.move(-1)
	case km.Matches(k, "down"):
		p.move(1)
	case km.Matches(k, "page-up"):
		p.move(-max(1, p.rows-1))
	case km.Matches(k, "page-down"):
		p.move(max(1, p.rows-1))
	case km.Matches(k, "top"):
		if p.buf.viewLen() > 0 {
			p.follow = false
			p.sel = p.buf.view(0)
		}
	}
	return nil
}

// move moves the selection; moving up leaves follow mode.
func (p *Pane) move(delta int) {
	n := p.buf.viewLen()
	if n == 0 {
		return
	}
	pos := n - 1
	if !p.follow {
		pos = min(p.buf.position(p.sel), n-1)
	}
	pos = max(0, min(n-1, pos+delta))
	if p.follow && delta > 0 {
		return // already at the newest
	}
	p.follow = false
	p.sel = p.buf.view(pos)
}

// selected is the event under the cursor.
func (p *Pane) selected() *row {
	n := p.buf.viewLen()
	if n == 0 {
		return nil
	}
	if p.follow {
		return p.buf.viewRow(n - 1)
	}
	return p.buf.viewRow(min(p.buf.position(p.sel), n-1))
}

// SetFilter applies the `/` filter (pane.Filterable). A filter that does
// not parse shows no events and says why.
func (p *Pane) SetFilter(s string) {
	f, err := parseFilter(s)
	p.filterErr = err
	if err != nil {
		f = &filter{raw: s, re: matchNothing}
	}
	p.buf.setFilter(f)
	p.changed = true
	if p.top != nil {
		p.refreshTop()
	}
}

// Filter returns the filter text.
func (p *Pane) Filter() string {
	if p.buf.f == nil {
		return ""
	}
	return p.buf.f.raw
}

// Back closes the detail or top-messages view (pane.Backer).
func (p *Pane) Back() bool {
	switch {
	case p.detail != nil:
		p.detail = nil
		return true
	case p.top != nil:
		p.top = nil
		return true
	}
	return false
}

// CopyValue is the selected event's message, or the top-messages row's
// example (pane.Copier). The clipboard gets the raw text: OSC 52 carries
// it base64-encoded, so nothing in it reaches the terminal.
func (p *Pane) CopyValue() (string, bool) {
	if p.top != nil && p.detail == nil {
		if r, ok := p.top.selected(); ok {
			return r.Example, true
		}
		return "", false
	}
	if r := p.selected(); r != nil {
		return r.ev.Message, true
	}
	return "", false
}

// Hints are the pane's keys for the footer.
func (p *Pane) Hints() []*keys.Binding {
	switch {
	case p.detail != nil:
		return p.c.Keys.Named("copy")
	case p.top != nil:
		return p.c.Keys.Named("enter", "top-messages", "copy", "sort")
	}
	return p.c.Keys.Named("enter", "pause", "follow", "top-messages", "copy")
}

// View renders the list (or the detail or top-messages view) and the
// status lines.
func (p *Pane) View(width, height int) string {
	st := p.c.Styles
	if p.stream == "" {
		return pane.StatusView(st, width, height, style.Muted, "no stream tailed yet",
			"open one with :records STREAM [--from latest|trim-horizon|RFC3339|seq:N] [--shard ID]", "or press l on a stream in :streams")
	}
	if p.startErr != nil && p.buf.size() == 0 {
		return pane.StatusView(st, width, height, style.Crit, "!! cannot tail "+pane.OneLine(p.stream), pane.OneLine(p.startErr.Error()), "r retries")
	}
	status := p.statusLines(width, height)
	bodyH := height - len(status)
	var body string
	switch {
	case p.detail != nil:
		p.rows = bodyH
		body = p.detail.view(width, bodyH)
	case p.top != nil:
		p.rows = bodyH - 1
		body = p.top.view(width, bodyH)
	default:
		body = p.listView(width, bodyH)
	}
	return body + "\n" + strings.Join(status, "\n")
}

// listView renders the column header and the visible window of events.
func (p *Pane) listView(width, h int) string {
	st := p.c.Styles
	var b strings.Builder
	b.Grow((h + 1) * (width + 16))
	b.WriteString(header(st, width))
	rows := h - 1
	p.rows = rows
	n := p.buf.viewLen()
	if n == 0 {
		msg := "waiting for records on " + pane.OneLine(p.stream) + " (" + p.from.String() + ")…"
		switch {
		case p.filterErr != nil:
			msg = "!! " + pane.OneLine(p.filterErr.Error())
		case p.buf.f != nil && p.buf.size() > 0:
			msg = "no buffered event matches the filter \"" + pane.OneLine(p.buf.f.raw) + "\" (esc clears it)"
		case !p.running && p.endErr != nil:
			msg = "the tail stopped: " + pane.OneLine(p.endErr.Error())
		}
		b.WriteString("\n  " + st.Tone(style.Muted, fit(msg, width-2)))
		b.WriteString(strings.Repeat("\n", max(0, rows-1)))
		return b.String()
	}
	var selPos, topPos int
	if p.follow {
		selPos = n - 1
		topPos = max(0, n-rows)
	} else {
		selPos = min(p.buf.position(p.sel), n-1)
		topPos = min(p.buf.position(p.topAbs), n-1)
		if selPos < topPos {
			topPos = selPos
		}
		if selPos >= topPos+rows {
			topPos = selPos - rows + 1
		}
		p.sel = p.buf.view(selPos)
		p.topAbs = p.buf.view(topPos)
	}
	selPre, selSuf := style.Affixes(st.Selected)
	for i := 0; i < rows; i++ {
		b.WriteByte('\n')
		pos := topPos + i
		if pos >= n {
			continue
		}
		r := p.buf.viewRow(pos)
		if r.line == nil {
			r.line = makeLine(&r.ev)
		}
		r.line.render(&b, st, width, pos == selPos, selPre, selSuf)
	}
	return b.String()
}
