package runbook

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/opsconsole/opsconsole/internal/decode"
)

// Report is a finished non-interactive run: what `opsconsole runbook run`
// prints, as Markdown or JSON.
type Report struct {
	Runbook     string            `json:"runbook"`
	Title       string            `json:"title"`
	Target      string            `json:"target"`
	Environment string            `json:"environment"`
	Params      map[string]string `json:"params"`
	Verdict     Status            `json:"verdict"`
	Started     time.Time         `json:"started"`
	Finished    time.Time         `json:"finished"`
	Steps       []StepReport      `json:"steps"`
}

// StepReport is one visited step.
type StepReport struct {
	ID       string           `json:"id"`
	Title    string           `json:"title"`
	Status   Status           `json:"status"`
	Summary  string           `json:"summary,omitempty"`
	Reasons  []string         `json:"reasons,omitempty"`
	Evidence []string         `json:"evidence,omitempty"`
	Outputs  map[string]Value `json:"outputs,omitempty"`
	Error    string           `json:"error,omitempty"`
	// Fix is the remediation the console would propose (never applied by
	// a report); FixNote says why a failing step offers none.
	Fix     *FixPreview `json:"proposed_fix,omitempty"`
	FixNote string      `json:"fix_note,omitempty"`
}

// FixPreview is a proposed fix with its plan, built by Validate and Plan
// (reads only; nothing is sent).
type FixPreview struct {
	Command  string   `json:"command"`
	Explain  string   `json:"explain,omitempty"`
	Title    string   `json:"title,omitempty"`
	Changes  []string `json:"changes,omitempty"`
	Requests []string `json:"requests,omitempty"`
	CLI      []string `json:"cli,omitempty"`
	Notes    []string `json:"notes,omitempty"`
	// Refused is set when the action's validation refuses it now (the
	// preview explains why; nothing would be sent).
	Refused string `json:"refused,omitempty"`
}

// Report describes the run. With preview, each proposed fix is validated
// and planned (read-only calls) so the report shows the exact requests and
// CLI; nothing is ever applied.
func (r *Run) Report(ctx context.Context, preview bool) Report {
	rep := Report{Runbook: r.rb.ID, Title: r.rb.Title, Target: r.info.Target, Environment: r.info.Environment,
		Params: r.params, Verdict: r.Verdict(), Started: r.timeline.Started, Finished: r.timeline.Finished}
	for _, st := range r.rb.Steps {
		s := r.states[st.ID]
		if !s.Visited {
			continue
		}
		sr := StepReport{ID: st.ID, Title: st.Title, Status: s.Status}
		if res := s.Latest(); res != nil {
			sr.Summary, sr.Reasons, sr.Evidence, sr.Outputs, sr.Error = res.Summary, res.Reasons, res.Evidence, res.Outputs, res.Err
		}
		if st.Fix != nil && (s.Status == Warn || s.Status == Fail) {
			p, err := r.Proposal(st.ID)
			switch {
			case err != nil && s.Status.severity() >= st.Fix.When.severity():
				sr.FixNote = err.Error()
			case err == nil:
				sr.Fix = r.preview(ctx, p, preview)
			}
		}
		rep.Steps = append(rep.Steps, sr)
	}
	return rep
}

func (r *Run) preview(ctx context.Context, p *Proposal, plan bool) *FixPreview {
	fp := &FixPreview{Command: p.Command(), Explain: p.Explain}
	if !plan {
		return fp
	}
	a, err := r.Action(p)
	if err != nil {
		fp.Refused = err.Error()
		return fp
	}
	if err := a.Validate(ctx); err != nil {
		fp.Refused = err.Error()
		return fp
	}
	pl, err := a.Plan(ctx)
	if err != nil {
		fp.Refused = err.Error()
		return fp
	}
	fp.Title, fp.Changes, fp.CLI, fp.Notes = pl.Title, pl.Changes, pl.CLI, pl.Notes
	for _, rq := range pl.Requests {
		fp.Requests = append(fp.Requests, rq.String())
	}
	return fp
}

// Counts tallies the visited steps by status.
func (rep Report) Counts() map[Status]int {
	out := map[Status]int{}
	for _, s := range rep.Steps {
		out[s.Status]++
	}
	return out
}

// Markdown renders the report for a terminal or a chat message. Every
// line of outside text is sanitised.
func (rep Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s: %s\n\n", safe(rep.Runbook), safe(rep.Title))
	var ps []string
	for _, k := range sortedKeys(rep.Params) {
		ps = append(ps, safe(k)+"="+safe(rep.Params[k]))
	}
	env := ""
	if rep.Environment != "" {
		env = " (" + safe(rep.Environment) + ")"
	}
	fmt.Fprintf(&b, "Target %s%s", safe(rep.Target), env)
	if len(ps) > 0 {
		fmt.Fprintf(&b, ", %s", strings.Join(ps, ", "))
	}
	fmt.Fprintf(&b, ", %s, %s\n\n", rep.Started.UTC().Format("2006-01-02 15:04:05 UTC"), formatDuration(rep.Finished.Sub(rep.Started)))
	c := rep.Counts()
	var tally []string
	for _, s := range []Status{Fail, Error, Warn, Pass, Manual, Skipped} {
		if c[s] > 0 {
			tally = append(tally, fmt.Sprintf("%d %s", c[s], s))
		}
	}
	fmt.Fprintf(&b, "**Result: %s** (%s)\n", strings.ToUpper(rep.Verdict.String()), strings.Join(tally, ", "))
	for _, s := range rep.Steps {
		fmt.Fprintf(&b, "\n## [%s] %s: %s\n\n", strings.ToUpper(s.Status.String()), safe(s.ID), safe(s.Title))
		if s.Status == Manual {
			b.WriteString("Manual step: read it with `opsconsole runbook show " + safe(rep.Runbook) + "`.\n")
			continue
		}
		if s.Summary != "" {
			b.WriteString(safe(s.Summary) + "\n")
		}
		for _, r := range s.Reasons {
			b.WriteString("- threshold: " + safe(r) + "\n")
		}
		if len(s.Evidence) > 0 {
			b.WriteString("\n```text\n")
			for _, e := range s.Evidence {
				b.WriteString(strings.ReplaceAll(safe(e), "```", "'''") + "\n")
			}
			b.WriteString("```\n")
		}
		if s.FixNote != "" {
			b.WriteString("\nNo fix can be proposed: " + safe(s.FixNote) + "\n")
		}
		if f := s.Fix; f != nil {
			fmt.Fprintf(&b, "\n**Proposed fix (not applied):** `%s`", strings.ReplaceAll(safe(f.Command), "`", "'"))
			if f.Explain != "" {
				b.WriteString(" - " + safe(f.Explain))
			}
			b.WriteString("\n")
			if f.Refused != "" {
				b.WriteString("- it would be refused now: " + safe(f.Refused) + "\n")
			}
			if f.Title != "" {
				b.WriteString("- " + safe(f.Title) + "\n")
			}
			for _, ch := range f.Changes {
				b.WriteString("- change: " + safe(ch) + "\n")
			}
			for _, rq := range f.Requests {
				b.WriteString("- request: `" + strings.ReplaceAll(safe(rq), "`", "'") + "`\n")
			}
			for _, cl := range f.CLI {
				b.WriteString("- CLI: `" + strings.ReplaceAll(safe(cl), "`", "'") + "`\n")
			}
			for _, n := range f.Notes {
				b.WriteString("- note: " + safe(n) + "\n")
			}
			b.WriteString("- apply it in the console: `opsconsole` then `:runbook " + safe(rep.Runbook) + "`, select the step, press F\n")
		}
	}
	return b.String()
}

// WriteJSON writes the report as indented JSON that is also safe on a
// terminal: the characters decode.Sanitize would escape (C1 controls,
// bidirectional overrides) are written as \u escapes, which JSON readers
// decode back to the same text.
func (rep Report) WriteJSON(w io.Writer) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		return err
	}
	_, err := w.Write(terminalSafeJSON(buf.Bytes()))
	return err
}

func terminalSafeJSON(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r >= 0x80 && decode.Sanitize(string(b[:size])) != string(b[:size]) {
			if r > 0xffff {
				r1, r2 := utf16Pair(r)
				out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
			} else {
				out = fmt.Appendf(out, `\u%04x`, r)
			}
		} else {
			out = append(out, b[:size]...)
		}
		b = b[size:]
	}
	return out
}

func utf16Pair(r rune) (rune, rune) {
	r -= 0x10000
	return 0xd800 + (r>>10)&0x3ff, 0xdc00 + r&0x3ff
}
