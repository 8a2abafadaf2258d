package runbookui

import (
	"fmt"
	"sort"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/opsconsole/opsconsole/internal/ops"
	"github.com/opsconsole/opsconsole/internal/runbook"
	"github.com/opsconsole/opsconsole/internal/ui/keys"
	"github.com/opsconsole/opsconsole/internal/ui/pane"
	"github.com/opsconsole/opsconsole/internal/ui/style"
)

// walkPane is :runbook ID [NAME=VALUE]...: the walkthrough of one run.
type walkPane struct {
	c    *pane.Context
	md   *markdown
	busy pane.Busy

	id    string
	given map[string]string
	// err says why there is no run (unknown id, missing or bad parameter).
	err     string
	loading bool
	run     *runbook.Run

	sel    int
	scroll int
	// running is the step whose check is in flight ("" when idle); only
	// one runs at a time, so results arrive in the order asked.
	running string
	// runAll keeps going along the branches after each result.
	runAll bool
	// pending is the fix handed to the shell, waiting for its outcome.
	pending *pendingFix
}

type pendingFix struct {
	prop   *runbook.Proposal
	action ops.Action
}

func newWalk(c *pane.Context) pane.Pane {
	return &walkPane{c: c, md: newMarkdown(c.Styles), busy: pane.Busy{Key: "runbook"}}
}

func (p *walkPane) ID() string { return WalkID }

func (p *walkPane) Title() string {
	if p.id == "" {
		return "Runbook"
	}
	return "Runbook " + p.id
}

// SetArgs takes the runbook id and its parameters. Opening the same
// runbook with the same parameters keeps the run in progress.
func (p *walkPane) SetArgs(args []string, _ map[string]string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: :runbook ID [NAME=VALUE]...")
	}
	given, err := parseParams(args[1:])
	if err != nil {
		return err
	}
	if p.run != nil && args[0] == p.id && sameParams(given, p.given) {
		return nil
	}
	*p = walkPane{c: p.c, md: p.md, id: args[0], given: given}
	return nil
}

func sameParams(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func (p *walkPane) Init() tea.Cmd {
	if p.id == "" || p.run != nil || p.loading {
		return nil
	}
	p.loading = true
	return loadCatalog(p.c)
}

type checkDoneMsg struct {
	run *runbook.Run
	res runbook.Result
}

type exportedMsg struct {
	path string
	err  error
}

func (p *walkPane) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case catalogMsg:
		p.loading = false
		publish(p.c, msg.cat)
		return p.start(msg.cat)
	case checkDoneMsg:
		stop := p.busy.Stop()
		if msg.run != p.run {
			return stop // from a run the operator has replaced
		}
		p.running = ""
		p.run.Record(msg.res)
		if msg.res.Recheck && msg.res.Status == runbook.Pass {
			return tea.Batch(stop, pane.Toast("✓ "+msg.res.Step+" passes after the fix", false))
		}
		if p.runAll {
			return tea.Batch(stop, p.advance(msg.res.Step))
		}
		return stop
	case pane.ActionDoneMsg:
		if p.pending == nil || msg.Action != p.pending.action || p.run == nil {
			return nil
		}
		prop := p.pending.prop
		p.pending = nil
		p.run.RecordFix(prop, msg.Result)
		if msg.Result.Outcome == ops.OutcomeApplied {
			return p.check(prop.Step, true)
		}
	case exportedMsg:
		if msg.err != nil {
			return pane.Toast(msg.err.Error(), true)
		}
		return pane.Toast("timeline exported to "+msg.path, false)
	case tea.KeyMsg:
		return p.key(msg.String())
	}
	return nil
}

// start binds the parameters and starts the run, or says what is missing:
// a required parameter opens the command line with the runbook line so far
// and the parameter to fill in.
func (p *walkPane) start(cat *runbook.Catalog) tea.Cmd {
	rb, err := cat.Get(p.id)
	if err != nil {
		p.err = err.Error()
		return pane.Toast(err.Error(), true)
	}
	if missing := runbook.MissingParams(rb, p.given); len(missing) > 0 {
		m := missing[0]
		p.err = fmt.Sprintf("runbook %s needs parameter %s (%s): %s", rb.ID, m.Name, m.Type, m.Help)
		line := "runbook " + rb.ID
		for _, k := range sortedKeys(p.given) {
			line += " " + k + "=" + p.given[k]
		}
		return tea.Batch(pane.Prompt(line+" "+m.Name+"="), pane.Toast(p.err, false))
	}
	who := p.c.Runner.Who.AuditUser()
	env := runbook.EnvFromFleet(p.c.Backends)
	env.Now = p.c.Now
	run, err := runbook.NewRun(rb, runbook.Probes(), env, p.given, runbook.RunInfo{Who: who,
		Target: p.c.Target.DisplayName(), Environment: p.c.Target.Environment, Now: p.c.Now})
	if err != nil {
		p.err = err.Error()
		return pane.Toast(err.Error(), true)
	}
	p.run, p.err = run, ""
	return nil
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (p *walkPane) steps() []runbook.Step { return p.run.Runbook().Steps }

func (p *walkPane) selected() runbook.Step { return p.steps()[p.sel] }

func (p *walkPane) key(ks string) tea.Cmd {
	km := p.c.Keys
	if p.run == nil {
		return nil
	}
	switch {
	case km.Matches(ks, "down"):
		if p.sel < len(p.steps())-1 {
			p.sel, p.scroll = p.sel+1, 0
		}
	case km.Matches(ks, "up"):
		if p.sel > 0 {
			p.sel, p.scroll = p.sel-1, 0
		}
	case km.Matches(ks, "page-down"):
		p.scroll += 10
	case km.Matches(ks, "page-up"):
		p.scroll = max(0, p.scroll-10)
	case km.Matches(ks, "top"):
		p.sel, p.scroll = 0, 0
	case km.Matches(ks, "run-step"), km.Matches(ks, "enter"):
		p.runAll = false
		return p.runSelected()
	case km.Matches(ks, "run-all"):
		p.runAll = true
		return p.runSelected()
	case km.Matches(ks, "fix"):
		return p.fix()
	case km.Matches(ks, "skip"):
		st := p.selected()
		p.run.Skip(st.ID)
		p.selectStep(p.run.Next(st.ID))
	case km.Matches(ks, "export-timeline"):
		return p.export()
	}
	return nil
}

func (p *walkPane) selectStep(id string) {
	for i, st := range p.steps() {
		if st.ID == id {
			p.sel, p.scroll = i, 0
		}
	}
}

// runSelected runs the selected step's check (a manual step is marked
// read, and run-all moves past it).
func (p *walkPane) runSelected() tea.Cmd {
	st := p.selected()
	if st.Check == nil {
		p.run.Visit(st.ID)
		if p.runAll {
			return p.advance(st.ID)
		}
		return pane.Toast("manual step: read it and act; nothing to check", false)
	}
	return p.check(st.ID, false)
}

// advance moves along the branches after a step and runs the next check,
// marking manual steps read on the way.
func (p *walkPane) advance(from string) tea.Cmd {
	for id := p.run.Next(from); id != runbook.Done; id = p.run.Next(id) {
		p.selectStep(id)
		if st := p.selected(); st.Check != nil {
			return p.check(id, false)
		}
		p.run.Visit(id)
	}
	p.runAll = false
	p.selectWorst()
	return pane.Toast("runbook finished: "+p.tally(), false)
}

// selectWorst moves to the first failed step (else the first warning),
// where the operator's attention goes after a run.
func (p *walkPane) selectWorst() {
	for _, want := range []runbook.Status{runbook.Error, runbook.Fail, runbook.Warn} {
		for i, st := range p.steps() {
			if s := p.run.State(st.ID).Status; s == want || (want == runbook.Fail && s == runbook.Error) {
				p.sel, p.scroll = i, 0
				return
			}
		}
	}
}

// check starts a step's check or re-check off the UI goroutine.
func (p *walkPane) check(stepID string, recheck bool) tea.Cmd {
	if p.running != "" {
		return pane.Toast("step "+p.running+" is still being checked", false)
	}
	job, err := p.run.Job(stepID, recheck)
	if err != nil {
		return pane.Toast(err.Error(), true)
	}
	p.running = stepID
	p.run.MarkRunning(stepID)
	run, ctx := p.run, p.c.Ctx
	what := "checking " + stepID
	if recheck {
		what = "re-checking " + stepID + " after the fix"
	}
	return tea.Batch(p.busy.Start(what), func() tea.Msg { return checkDoneMsg{run: run, res: job.Run(ctx)} })
}

// fix hands the selected step's proposal to the shell: the confirm dialog
// shows the plan, the guard and audit apply, and the outcome comes back as
// pane.ActionDoneMsg.
func (p *walkPane) fix() tea.Cmd {
	st := p.selected()
	prop, err := p.run.Proposal(st.ID)
	if err != nil {
		return pane.Toast(err.Error(), p.run.State(st.ID).Status != runbook.Pass)
	}
	a, err := p.run.Action(prop)
	if err != nil {
		p.run.RecordNote(st.ID, "fix "+prop.Command()+" could not be built: "+err.Error())
		return pane.Toast(err.Error(), true)
	}
	p.pending = &pendingFix{prop: prop, action: a}
	return pane.Action(a)
}

// export renders the timeline here (the run belongs to this goroutine)
// and writes it next to the audit log in a command.
func (p *walkPane) export() tea.Cmd {
	tl := p.run.Timeline()
	tl.Finish(p.c.Now())
	name, body := tl.FileName(), []byte(tl.Markdown())
	dir := runbook.TimelineDir(p.c.Options.AuditLog)
	return func() tea.Msg {
		path, err := runbook.WriteFile(dir, name, body)
		return exportedMsg{path: path, err: err}
	}
}

func (p *walkPane) Hints() []*keys.Binding {
	return p.c.Keys.Named("run-step", "run-all", "fix", "skip", "export-timeline")
}

// tally counts the steps by status: "2 fail, 1 warn, 3 pass, 1 pending".
func (p *walkPane) tally() string {
	counts := map[runbook.Status]int{}
	for _, st := range p.steps() {
		counts[p.run.State(st.ID).Status]++
	}
	var parts []string
	for _, s := range []runbook.Status{runbook.Fail, runbook.Error, runbook.Warn, runbook.Pass, runbook.Running, runbook.Skipped, runbook.Pending, runbook.Manual} {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	return strings.Join(parts, ", ")
}

func tone(s runbook.Status) style.Tone {
	switch s {
	case runbook.Pass:
		return style.OK
	case runbook.Warn:
		return style.Warn
	case runbook.Fail, runbook.Error:
		return style.Crit
	case runbook.Running, runbook.Manual:
		return style.Accent
	}
	return style.Muted
}

// label is a status as a fixed-width word, so the state reads without
// colour: "[FAIL   ]".
func label(s runbook.Status) string {
	return fmt.Sprintf("[%-7s]", strings.ToUpper(s.String()))
}

func (p *walkPane) View(width, height int) string {
	st := p.c.Styles
	switch {
	case p.id == "":
		return pane.StatusView(st, width, height, style.Muted, "no runbook open", "pick one in :runbooks, or type :runbook ID")
	case p.run == nil && p.err != "":
		return pane.StatusView(st, width, height, style.Warn, append([]string{"! " + pane.OneLine(firstLine(p.err))},
			"type :runbook "+pane.OneLine(p.id)+" NAME=VALUE... to start")...)
	case p.run == nil:
		return pane.StatusView(st, width, height, style.Muted, "loading runbook "+pane.OneLine(p.id)+"…")
	}
	rb := p.run.Runbook()
	var top []string
	top = append(top, st.Header.Render(pane.OneLine(ansi.Truncate(rb.Title, width-len(rb.ID)-4, "…")))+st.Tone(style.Muted, "  "+pane.OneLine(rb.ID)))
	// Parameters the operator gave (defaults are in :runbooks' runbook).
	var ps []string
	for _, prm := range rb.Params {
		if v := p.run.Params()[prm.Name]; !prm.HasDefault || v != prm.Default {
			ps = append(ps, prm.Name+"="+v)
		}
	}
	meta := "target " + p.c.Target.DisplayName()
	if len(ps) > 0 {
		meta += "  " + strings.Join(ps, " ")
	}
	top = append(top, st.Tone(style.Muted, pane.OneLine(meta))+"  "+p.tally())

	steps := p.steps()
	rows := min(len(steps), max(3, height/3))
	first := min(max(0, p.sel-rows/2), len(steps)-rows)
	for i := first; i < first+rows; i++ {
		s := steps[i]
		state := p.run.State(s.ID)
		cursor := "  "
		if i == p.sel {
			cursor = "▶ "
		}
		line := cursor + st.Tone(tone(state.Status), label(state.Status)) + fmt.Sprintf(" %d. ", i+1) + pane.OneLine(s.ID+": "+s.Title)
		if _, err := p.run.Proposal(s.ID); err == nil {
			line += "  " + st.Tone(style.Accent, "F fix")
		}
		top = append(top, line)
	}
	top = append(top, st.Tone(style.Muted, strings.Repeat("─", max(0, width))))

	detail := p.detail(width)
	room := max(1, height-len(top))
	p.scroll = min(p.scroll, max(0, len(detail)-room))
	detail = detail[p.scroll:]
	if len(detail) > room {
		detail = append(detail[:room-1], st.Tone(style.Muted, "↓ more: pgdn scrolls"))
	}
	out := append(top, detail...)
	for len(out) < height {
		out = append(out, "")
	}
	for i, l := range out[:height] {
		out[i] = ansi.Truncate(l, width, "")
	}
	return strings.Join(out[:height], "\n")
}

func firstLine(s string) string { return strings.SplitN(s, "\n", 2)[0] }

// detail is the selected step: verdict, thresholds, fix, evidence, then
// its explanation.
func (p *walkPane) detail(width int) []string {
	st, s := p.c.Styles, p.selected()
	state := p.run.State(s.ID)
	var out []string
	wrap := func(prefix string, text string, t style.Tone) {
		for i, l := range pane.Wrap(pane.OneLine(text), max(10, width-len(prefix))) {
			if i > 0 {
				prefix = strings.Repeat(" ", len(prefix))
			}
			out = append(out, prefix+st.Tone(t, l))
		}
	}
	out = append(out, st.Header.Render(pane.OneLine(fmt.Sprintf("Step %d of %d: %s", p.sel+1, len(p.steps()), s.Title))))
	if s.Check == nil {
		wrap("", "Manual step: read it and act. x marks it read.", style.Accent)
	}
	if res := state.Check; res != nil {
		wrap(label(res.Status)+" ", res.Summary, tone(res.Status))
	} else if s.Check != nil {
		wrap("", "Not checked yet: x runs the check ("+s.Check.Probe+"), X runs from here along the branches.", style.Muted)
	}
	if state.Status == runbook.Running {
		wrap("", "checking…", style.Accent)
	}
	if f := state.Fix; f != nil {
		wrap("fix ", f.Command+" at "+f.At.UTC().Format("15:04:05")+" UTC: "+strings.TrimSpace(f.Outcome+" "+f.Verified+" "+f.Err), style.Accent)
	}
	if res := state.Recheck; res != nil {
		wrap("re-check "+label(res.Status)+" ", res.Summary, tone(res.Status))
	}
	if res := state.Latest(); res != nil {
		for _, r := range res.Reasons {
			wrap("  threshold: ", r, style.Normal)
		}
	}
	if s.Fix != nil {
		if prop, err := p.run.Proposal(s.ID); err == nil {
			line := "F applies " + prop.Command()
			if prop.Explain != "" {
				line += " (" + prop.Explain + ")"
			}
			wrap("", line+"; the dialog previews it first", style.Accent)
		} else if state.Latest() != nil {
			wrap("fix: ", err.Error(), style.Muted)
		}
	}
	if res := state.Latest(); res != nil && len(res.Evidence) > 0 {
		out = append(out, "", st.Header.Render("Evidence"))
		for _, e := range res.Evidence {
			wrap("  ", e, style.Normal)
		}
	}
	out = append(out, "")
	out = append(out, p.md.lines(s.Explain, width)...)
	return out
}
