package corednsui

import (
	"context"
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/opsconsole/opsconsole/internal/k8s"
	"github.com/opsconsole/opsconsole/internal/k8s/dnslog"
	"github.com/opsconsole/opsconsole/internal/ui/keys"
	"github.com/opsconsole/opsconsole/internal/ui/pane"
	"github.com/opsconsole/opsconsole/internal/ui/style"
)

// maxLogLines bounds a log view; older lines are dropped and counted.
const maxLogLines = 5000

// logView follows one pod's logs.
type logView struct {
	client   *k8s.Client
	pod      string
	previous bool
	ctx      context.Context
	cancel   context.CancelFunc
	stream   *k8s.LogStream

	lines   []k8s.LogLine
	dropped int
	ended   bool
	err     error
	// scroll is how many lines up from the newest the view is; 0 follows.
	scroll int
	// worst is the most severe classified line seen, for the header.
	worst k8s.LogLine
}

type logLinesMsg struct {
	stream *k8s.LogStream
	lines  []k8s.LogLine
	ended  bool
	err    error
}

func newLogView(parent context.Context, c *k8s.Client, pod string, previous bool) *logView {
	ctx, cancel := context.WithCancel(parent)
	return &logView{client: c, pod: pod, previous: previous, ctx: ctx, cancel: cancel}
}

func (l *logView) close() { l.cancel() }

// logOpenedMsg is the stream opened by start's command (opening it looks
// the pod up and connects to the kubelet: network I/O, never in Update).
type logOpenedMsg struct {
	view   *logView
	stream *k8s.LogStream
	err    error
}

// start opens the stream in a command (follow for the current container;
// the previous one has ended and is read once).
func (l *logView) start() tea.Cmd {
	opts := k8s.LogOptions{Previous: l.previous, Follow: !l.previous, TailLines: 500}
	c, ctx, pod := l.client, l.ctx, l.pod
	return func() tea.Msg {
		st, err := c.Logs(ctx, pod, opts)
		return logOpenedMsg{view: l, stream: st, err: err}
	}
}

func (l *logView) opened(m logOpenedMsg) tea.Cmd {
	if m.err != nil {
		l.err, l.ended = m.err, true
		return nil
	}
	l.stream = m.stream
	return waitLines(m.stream)
}

// waitLines takes every line waiting (at least one) as one batch.
func waitLines(st *k8s.LogStream) tea.Cmd {
	return func() tea.Msg {
		first, ok := <-st.Lines()
		if !ok {
			return logLinesMsg{stream: st, ended: true, err: st.Err()}
		}
		batch := []k8s.LogLine{first}
		for len(batch) < 1000 {
			select {
			case ln, ok := <-st.Lines():
				if !ok {
					return logLinesMsg{stream: st, lines: batch, ended: true, err: st.Err()}
				}
				batch = append(batch, ln)
			default:
				return logLinesMsg{stream: st, lines: batch}
			}
		}
		return logLinesMsg{stream: st, lines: batch}
	}
}

func (l *logView) add(m logLinesMsg) tea.Cmd {
	for _, ln := range m.lines {
		if ln.Severity > l.worst.Severity {
			l.worst = ln
		}
	}
	l.lines = append(l.lines, m.lines...)
	if over := len(l.lines) - maxLogLines; over > 0 {
		l.lines = append(l.lines[:0], l.lines[over:]...)
		l.dropped += over
	}
	if l.scroll > 0 {
		l.scroll += len(m.lines) // keep the operator's place while reading back
	}
	if m.ended {
		l.ended, l.err = true, m.err
		return nil
	}
	return waitLines(l.stream)
}

func (l *logView) navigate(km *keys.Map, ks string) bool {
	switch {
	case km.Matches(ks, "up"):
		l.scroll++
	case km.Matches(ks, "down"):
		l.scroll = max(0, l.scroll-1)
	case km.Matches(ks, "page-up"):
		l.scroll += 20
	case km.Matches(ks, "page-down"):
		l.scroll = max(0, l.scroll-20)
	case km.Matches(ks, "bottom"):
		l.scroll = 0
	case km.Matches(ks, "top"):
		l.scroll = len(l.lines)
	default:
		return false
	}
	l.scroll = min(l.scroll, max(0, len(l.lines)-1))
	return true
}

func sevTone(s dnslog.Severity) style.Tone {
	switch s {
	case dnslog.SevFatal, dnslog.SevError:
		return style.Crit
	case dnslog.SevWarning:
		return style.Warn
	}
	return style.Normal
}

func sevMark(s dnslog.Severity) string {
	switch s {
	case dnslog.SevFatal:
		return "!! "
	case dnslog.SevError:
		return "!  "
	case dnslog.SevWarning:
		return "~  "
	}
	return "   "
}

func (l *logView) view(st *style.Styles, width, height int) string {
	which := "logs"
	if l.previous {
		which = "previous container's logs"
	}
	state := "following"
	switch {
	case l.err != nil:
		state = st.Tone(style.Crit, "!! "+pane.OneLine(l.err.Error()))
	case l.ended:
		state = "end of log"
	case l.scroll > 0:
		state = fmt.Sprintf("paused %d lines up (G follows)", l.scroll)
	}
	header := fmt.Sprintf(" %s of %s  %s", which, pane.OneLine(l.pod), state)
	if l.dropped > 0 {
		header += st.Tone(style.Muted, fmt.Sprintf("  (%d older lines dropped)", l.dropped))
	}
	out := []string{header}
	// The worst line's meaning stays under the log, in full.
	var hint []string
	if l.worst.Severity > dnslog.SevNone {
		for i, h := range pane.Wrap(sevMark(l.worst.Severity)+l.worst.Class.String()+": "+pane.OneLine(l.worst.Hint), width-2) {
			if i == 3 {
				break
			}
			hint = append(hint, " "+st.Tone(sevTone(l.worst.Severity), h))
		}
	}
	bodyH := height - 1 - len(hint)
	end := len(l.lines) - l.scroll
	start := max(0, end-bodyH)
	for _, ln := range l.lines[start:max(start, end)] {
		text := sevMark(ln.Severity) + pane.OneLine(ln.Text)
		if ln.Truncated {
			text += " …"
		}
		out = append(out, st.Tone(sevTone(ln.Severity), text))
	}
	for len(out) < bodyH+1 {
		out = append(out, "")
	}
	if len(l.lines) == 0 && l.err == nil {
		out[1] = st.Tone(style.Muted, "   (no log lines yet)")
	}
	return strings.Join(append(out, hint...), "\n")
}
