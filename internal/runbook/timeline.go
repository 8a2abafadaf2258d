package runbook

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/opsconsole/opsconsole/internal/decode"
)

// Kinds of timeline entries.
const (
	KindCheck   = "check"
	KindRecheck = "re-check"
	KindFix     = "fix"
	KindSkip    = "skipped"
	KindManual  = "manual"
	KindNote    = "note"
)

// Entry is one line of the timeline.
type Entry struct {
	Time     time.Time `json:"time"`
	Step     string    `json:"step"`
	Kind     string    `json:"kind"`
	Status   Status    `json:"status"`
	Summary  string    `json:"summary,omitempty"`
	Reasons  []string  `json:"reasons,omitempty"`
	Evidence []string  `json:"evidence,omitempty"`
	Action   string    `json:"action,omitempty"`
	Outcome  string    `json:"outcome,omitempty"`
	Who      string    `json:"who"`
}

// ParamValue is one bound parameter, for the timeline's header.
type ParamValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Timeline is everything that happened in a run, in order: the record
// for the postmortem.
type Timeline struct {
	RunbookID    string       `json:"runbook"`
	RunbookTitle string       `json:"title"`
	Target       string       `json:"target"`
	Environment  string       `json:"environment"`
	Who          string       `json:"who"`
	Params       []ParamValue `json:"params"`
	Started      time.Time    `json:"started"`
	Finished     time.Time    `json:"finished,omitempty"`
	Entries      []Entry      `json:"entries"`

	titles map[string]string
}

func newTimeline(rb *Runbook, info RunInfo, params map[string]string) *Timeline {
	t := &Timeline{RunbookID: rb.ID, RunbookTitle: rb.Title, Target: info.Target, Environment: info.Environment,
		Who: info.Who, Started: info.Now(), titles: map[string]string{}}
	for _, p := range rb.Params {
		t.Params = append(t.Params, ParamValue{Name: p.Name, Value: params[p.Name]})
	}
	for _, st := range rb.Steps {
		t.titles[st.ID] = st.Title
	}
	return t
}

func (t *Timeline) add(e Entry) { t.Entries = append(t.Entries, e) }

// Finish stamps when the run (or the export of it) ended.
func (t *Timeline) Finish(at time.Time) { t.Finished = at }

// safe makes outside text one clean line for a Markdown file that will be
// pasted and viewed in terminals and browsers.
func safe(s string) string { return decode.Sanitize(s) }

// cell is safe text for a Markdown table cell.
func cell(s string) string {
	return strings.ReplaceAll(safe(s), "|", `\|`)
}

// Markdown renders the timeline for a postmortem: a header, one table row
// per event, then each check's evidence in full.
func (t *Timeline) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Runbook timeline: %s (%s)\n\n", safe(t.RunbookTitle), safe(t.RunbookID))
	env := t.Environment
	if env == "" {
		env = "no environment label"
	}
	fmt.Fprintf(&b, "- **Target:** %s (%s)\n", safe(t.Target), safe(env))
	if len(t.Params) > 0 {
		ps := make([]string, len(t.Params))
		for i, p := range t.Params {
			ps[i] = "`" + safe(p.Name) + "=" + strings.ReplaceAll(safe(p.Value), "`", "'") + "`"
		}
		fmt.Fprintf(&b, "- **Parameters:** %s\n", strings.Join(ps, ", "))
	}
	fmt.Fprintf(&b, "- **Operator:** %s\n", safe(t.Who))
	fmt.Fprintf(&b, "- **Started:** %s\n", t.Started.UTC().Format("2006-01-02 15:04:05 UTC"))
	if !t.Finished.IsZero() {
		fmt.Fprintf(&b, "- **Finished:** %s (%s)\n", t.Finished.UTC().Format("2006-01-02 15:04:05 UTC"), formatDuration(t.Finished.Sub(t.Started)))
	}
	fmt.Fprintf(&b, "- **Outcome:** %s\n\n", t.outcome())

	b.WriteString("| Time (UTC) | Step | Event | Verdict | Evidence | Action | Outcome | Who |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|\n")
	for _, e := range t.Entries {
		verdict := ""
		if e.Status.IsVerdict() || e.Status == Skipped {
			verdict = strings.ToUpper(e.Status.String())
		}
		action := ""
		if e.Action != "" {
			action = "`" + strings.ReplaceAll(cell(e.Action), "`", "'") + "`"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", e.Time.UTC().Format("15:04:05"), cell(t.stepLabel(e.Step)), e.Kind,
			verdict, cell(e.Summary), action, cell(e.Outcome), cell(e.Who))
	}
	b.WriteString("\n## Evidence\n")
	for _, e := range t.Entries {
		if e.Kind != KindCheck && e.Kind != KindRecheck {
			continue
		}
		fmt.Fprintf(&b, "\n### %s %s, %s: %s\n\n", e.Time.UTC().Format("15:04:05"), e.Kind, safe(t.stepLabel(e.Step)), strings.ToUpper(e.Status.String()))
		for _, r := range e.Reasons {
			fmt.Fprintf(&b, "- threshold: %s\n", safe(r))
		}
		if len(e.Reasons) > 0 {
			b.WriteString("\n")
		}
		b.WriteString("```text\n")
		lines := e.Evidence
		if len(lines) == 0 {
			lines = []string{e.Summary}
		}
		for _, l := range lines {
			b.WriteString(strings.ReplaceAll(safe(l), "```", "'''"))
			b.WriteString("\n")
		}
		b.WriteString("```\n")
	}
	return b.String()
}

func (t *Timeline) stepLabel(id string) string {
	if title := t.titles[id]; title != "" {
		return id + ": " + title
	}
	return id
}

// outcome summarises the run: the last verdict of every checked step.
func (t *Timeline) outcome() string {
	last := map[string]Status{}
	fixed := map[string]bool{}
	for _, e := range t.Entries {
		switch e.Kind {
		case KindCheck, KindRecheck, KindSkip:
			last[e.Step] = e.Status
		case KindFix:
			if strings.HasPrefix(e.Outcome, "applied") {
				fixed[e.Step] = true
			}
		}
	}
	if len(last) == 0 {
		return "no step was checked"
	}
	counts := map[Status]int{}
	for _, s := range last {
		counts[s]++
	}
	var parts []string
	for _, s := range []Status{Fail, Error, Warn, Pass, Skipped} {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	out := strings.Join(parts, ", ")
	if len(fixed) > 0 {
		ids := sortedKeys(fixed)
		out += fmt.Sprintf("; fixes applied in %s", strings.Join(ids, ", "))
	}
	return out
}

// TimelineDir is where timelines are kept: next to the audit log.
func TimelineDir(auditLog string) string {
	return filepath.Join(filepath.Dir(auditLog), "timelines")
}

// FileName is the timeline's export name: <UTC start>-<runbook id>.md.
func (t *Timeline) FileName() string {
	return t.Started.UTC().Format("20060102T150405Z") + "-" + t.RunbookID + ".md"
}

// Write saves the timeline as Markdown in dir; see WriteFile.
func (t *Timeline) Write(dir string) (string, error) {
	return WriteFile(dir, t.FileName(), []byte(t.Markdown()))
}

// WriteFile saves an exported timeline in dir (created 0700) with mode
// 0600, never overwriting an earlier export (name-2.md, name-3.md...),
// and returns the path. Callers that must not share the timeline with
// another goroutine render it first and write here.
func WriteFile(dir, name string, body []byte) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("timeline: cannot create %s: %w", dir, err)
	}
	base := strings.TrimSuffix(name, ".md")
	for n := 1; n < 1000; n++ {
		name := base + ".md"
		if n > 1 {
			name = fmt.Sprintf("%s-%d.md", base, n)
		}
		path := filepath.Join(dir, name)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("timeline: cannot write %s: %w", path, err)
		}
		if _, err := f.Write(body); err != nil {
			f.Close()
			return "", fmt.Errorf("timeline: write to %s failed: %w", path, err)
		}
		if err := f.Close(); err != nil {
			return "", fmt.Errorf("timeline: write to %s failed: %w", path, err)
		}
		return path, nil
	}
	return "", fmt.Errorf("timeline: too many exports of %s in %s", base, dir)
}
