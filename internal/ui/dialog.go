package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/opsconsole/opsconsole/internal/ops"
	"github.com/opsconsole/opsconsole/internal/ui/pane"
	"github.com/opsconsole/opsconsole/internal/ui/style"
)

// dialog is the confirm dialog: it shows an action's plan (the change, the
// exact requests, the equivalent CLI, notes), asks y/n or a typed name, runs
// the action through the ops.Runner and shows the outcome. Its default is
// No: Enter on a y/n question cancels.
type dialog struct {
	stage  dialogStage
	action ops.Action
	// runner, ctx and epoch are the target's the action was prepared for:
	// confirming or cancelling always uses them, never a later target's.
	runner   *ops.Runner
	ctx      context.Context
	epoch    uint64
	prepared *ops.Prepared
	typed    []string
	input    textinput.Model
	mismatch bool
	result   ops.Result
	start    time.Time
	scroll   int
}

type dialogStage int

const (
	stagePreparing dialogStage = iota
	stageConfirm
	stageRunning
	stageDone
)

func (d *dialog) runningNow() bool { return d.stage == stagePreparing || d.stage == stageRunning }

type preparedMsg struct {
	p   *ops.Prepared
	err error
}
type executedMsg struct{ res ops.Result }
type cancelledMsg struct {
	action ops.Action
	res    ops.Result
}

// prepareAction opens the dialog and validates/plans the action off the UI
// goroutine.
func (a *App) prepareAction(act ops.Action) tea.Cmd {
	if a.dialog != nil {
		return a.toastCmd("finish the open action first", true)
	}
	if a.switching != "" {
		return a.toastCmd("still connecting to "+a.switching+"; act once the switch is done, on the target you see", true)
	}
	runner, ctx, epoch := a.pctx.Runner, a.pctx.Ctx, a.epoch
	a.dialog = &dialog{stage: stagePreparing, action: act, start: a.sess.Now(), runner: runner, ctx: ctx, epoch: epoch}
	a.mode = modeDialog
	prep := func() tea.Msg {
		p, err := runner.Prepare(ctx, act)
		return preparedMsg{p: p, err: err}
	}
	return tea.Batch(wrapShell(epoch, prep), a.spin())
}

// wrapShell tags a shell command with the epoch so a result from an old
// target is dropped.
func wrapShell(epoch uint64, cmd tea.Cmd) tea.Cmd { return wrap(epoch, "", cmd) }

func (a *App) handleDialogMsg(msg tea.Msg) (tea.Cmd, bool) {
	d := a.dialog
	switch msg := msg.(type) {
	case preparedMsg:
		if d == nil {
			return nil, true
		}
		if msg.err != nil {
			a.closeDialog()
			a.setToast(pane.ToastMsg{Text: d.action.Name() + ": " + msg.err.Error() + " (nothing was sent)", Error: true})
			// Panes following this action (a runbook's fix) learn it was
			// rejected; nothing was sent, so nothing is audited.
			return a.broadcast(pane.ActionDoneMsg{Action: d.action, Result: ops.Result{Outcome: ops.OutcomeRefused, Err: msg.err}}), true
		}
		d.prepared = msg.p
		d.stage = stageConfirm
		if len(msg.p.Confirmations) > 0 && msg.p.Refusal == nil {
			d.input = newInput(a.st, "> ")
			return d.input.Focus(), true
		}
		return nil, true
	case executedMsg:
		if d == nil {
			return nil, true
		}
		d.result = msg.res
		d.stage = stageDone
		a.log.Info("action", "name", d.action.Name(), "resource", d.action.Resource(), "outcome", msg.res.Outcome)
		return a.broadcast(pane.ActionDoneMsg{Action: d.action, Result: msg.res}), true
	case cancelledMsg:
		text := "cancelled; nothing was sent"
		if msg.res.AuditErr != nil {
			a.setToast(pane.ToastMsg{Text: text + ", but the audit entry failed: " + msg.res.AuditErr.Error(), Error: true})
		} else {
			a.setToast(pane.ToastMsg{Text: text})
		}
		return a.broadcast(pane.ActionDoneMsg{Action: msg.action, Result: msg.res}), true
	}
	return nil, false
}

// broadcast sends a message to every pane of the current target.
func (a *App) broadcast(msg tea.Msg) tea.Cmd {
	var cmds []tea.Cmd
	for id, p := range a.panes {
		cmds = append(cmds, wrap(a.epoch, id, p.Update(msg)))
	}
	return tea.Batch(cmds...)
}

func (a *App) closeDialog() {
	a.dialog = nil
	a.mode = modeNormal
}

func (a *App) dialogKey(k tea.KeyMsg) tea.Cmd {
	d := a.dialog
	ks := k.String()
	switch d.stage {
	case stagePreparing, stageRunning:
		return nil // the operator waits; Ctrl+C still quits
	case stageDone:
		a.closeDialog()
		a.setToast(outcomeToast(d.action, d.result))
		switch ks {
		case "enter", "esc", " ", "y", "n", "q":
			return nil
		}
		// Any other key closes the result and does what it does (":"
		// opens the command line), so the next command is not lost.
		return a.handleKey(k)
	}
	switch ks {
	case "up":
		if d.scroll > 0 {
			d.scroll--
		}
		return nil
	case "down":
		d.scroll++
		return nil
	case "esc":
		return a.cancelDialog()
	}
	p := d.prepared
	if len(p.Confirmations) > 0 && p.Refusal == nil {
		if k.Type == tea.KeyEnter {
			want := p.Confirmations[len(d.typed)].Expect
			if d.input.Value() != want {
				d.mismatch = true
				return nil
			}
			d.typed = append(d.typed, d.input.Value())
			d.input.SetValue("")
			d.mismatch = false
			if len(d.typed) == len(p.Confirmations) {
				return a.execute()
			}
			return nil
		}
		var cmd tea.Cmd
		d.input, cmd = d.input.Update(k)
		d.mismatch = false
		return cmd
	}
	switch ks {
	case "y", "Y":
		return a.execute()
	case "n", "N", "enter", "q":
		return a.cancelDialog()
	case "c":
		return a.copy(p.Plan.CLIText())
	}
	return nil
}

func (a *App) execute() tea.Cmd {
	d := a.dialog
	d.stage = stageRunning
	d.start = a.sess.Now()
	runner, ctx, p, typed := d.runner, d.ctx, d.prepared, d.typed
	run := func() tea.Msg { return executedMsg{res: runner.Execute(ctx, p, typed)} }
	return tea.Batch(wrapShell(d.epoch, run), a.spin())
}

func (a *App) cancelDialog() tea.Cmd {
	d := a.dialog
	a.closeDialog()
	if d.prepared == nil {
		return nil
	}
	runner, p := d.runner, d.prepared
	return wrapShell(d.epoch, func() tea.Msg { return cancelledMsg{action: p.Action, res: runner.Cancel(p)} })
}

// outcomeToast is the footer line after the dialog closes.
func outcomeToast(act ops.Action, r ops.Result) pane.ToastMsg {
	name := act.Name() + " " + act.Resource()
	var t pane.ToastMsg
	switch r.Outcome {
	case ops.OutcomeApplied:
		t.Text = "✓ " + name + " applied"
		if r.Verified != "" {
			t.Text += "; " + r.Verified
		}
		if r.VerifyErr != nil {
			t.Text = "! " + name + " applied, but NOT healthy yet: " + r.VerifyErr.Error()
			t.Error = true
		}
	case ops.OutcomeRefused:
		t.Text, t.Error = "✗ "+name+" refused: "+errText(r.Err), true
	default:
		t.Text, t.Error = "✗ "+name+" failed: "+errText(r.Err), true
	}
	if r.AuditErr != nil {
		t.Text += " — AUDIT ENTRY NOT WRITTEN: " + r.AuditErr.Error()
		t.Error = true
	}
	return t
}

func errText(err error) string {
	if err == nil {
		return "unknown error"
	}
	return err.Error()
}

// view renders the dialog box for the pane area. The plan scrolls (↑/↓)
// when it is taller than the screen; the question and the outcome are
// always visible at the bottom.
func (d *dialog) view(a *App, width, height int) string {
	st := a.st
	boxW := min(width-2, 100)
	inner := boxW - 4
	var plan, tail []string
	add := func(dst *[]string, s string) { *dst = append(*dst, pane.Wrap(s, inner)...) }
	labelled := func(label string, items []string) {
		pad := strings.Repeat(" ", len(label))
		for i, it := range items {
			for j, l := range pane.Wrap(sanitizeLine(it), inner-len(label)) {
				prefix := pad
				if i == 0 && j == 0 {
					prefix = label
				}
				plan = append(plan, prefix+l)
			}
		}
	}
	switch d.stage {
	case stagePreparing:
		add(&plan, st.DialogTitle.Render(sanitizeLine(d.action.Name()+" "+d.action.Resource())))
		add(&tail, a.spinner()+" validating and planning… "+elapsed(a.sess.Now().Sub(d.start)))
	default:
		p := d.prepared
		add(&plan, st.DialogTitle.Render(sanitizeLine(p.Plan.Title)))
		for _, c := range p.Plan.Changes {
			add(&plan, sanitizeLine(c))
		}
		labelled("Request: ", requestLines(p.Plan.Requests))
		labelled("CLI:     ", p.Plan.CLI)
		// A note that warns of data loss is pinned above the question, never
		// scrolled away below "more".
		for _, n := range p.Plan.Notes {
			if strings.HasPrefix(n, "DANGER") || strings.HasPrefix(n, "!!") {
				add(&tail, st.Tone(style.Crit, "!! ")+sanitizeLine(n))
				continue
			}
			add(&plan, st.Tone(style.Warn, "! ")+sanitizeLine(n))
		}
		tail = append(tail, "")
		switch d.stage {
		case stageConfirm:
			tail = append(tail, d.prompt(a, inner)...)
		case stageRunning:
			add(&tail, a.spinner()+" applying and verifying… "+elapsed(a.sess.Now().Sub(d.start)))
		case stageDone:
			t := outcomeToast(d.action, d.result)
			tone := style.OK
			if t.Error {
				tone = style.Crit
			}
			add(&tail, st.Tone(tone, sanitizeLine(t.Text)))
			add(&tail, st.Tone(style.Muted, "any key closes"))
		}
	}
	room := max(1, height-2-len(tail))
	if len(plan) > room {
		d.scroll = min(d.scroll, len(plan)-room+1)
		more := st.Tone(style.Muted, "↓ more: ↑/↓ scrolls")
		if d.scroll >= len(plan)-room+1 {
			more = st.Tone(style.Muted, "↑ more above")
		}
		plan = append(plan[d.scroll:d.scroll+room-1], more)
	}
	box := st.Dialog.Width(boxW - 2).Render(strings.Join(append(plan, tail...), "\n"))
	return placeCenter(box, width, height)
}

func (d *dialog) prompt(a *App, inner int) []string {
	st, p := a.st, d.prepared
	var out []string
	if p.Refusal != nil {
		reasons := strings.Join(d.runner.Guard.ReadOnlyReasons, "; ")
		out = append(out, pane.Wrap(st.Tone(style.Crit, "READ-ONLY:")+" this console makes no changes ("+sanitizeLine(reasons)+"). Nothing will be sent.", inner)...)
		out = append(out, "y records the attempt in the audit log as refused   n/esc closes")
		return out
	}
	if len(p.Confirmations) > 0 {
		c := p.Confirmations[len(d.typed)]
		out = append(out, pane.Wrap(st.Tone(style.Crit, "!! ")+sanitizeLine(c.Prompt), inner)...)
		out = append(out, d.input.View())
		if d.mismatch {
			out = append(out, st.Tone(style.Crit, "does not match; nothing sent. Type it exactly, or esc to cancel"))
		} else {
			out = append(out, st.Tone(style.Muted, "enter confirms   esc cancels"))
		}
		return out
	}
	buttons := "[ y apply ]  [ N cancel ]  c copy CLI"
	if pad := inner - len(buttons); pad > 0 {
		buttons = strings.Repeat(" ", pad) + buttons
	}
	return append(out, buttons)
}

func requestLines(rs []ops.Request) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.String()
	}
	return out
}

func elapsed(d time.Duration) string {
	return fmt.Sprintf("%.1fs", d.Seconds())
}
