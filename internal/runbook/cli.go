package runbook

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/opsconsole/opsconsole/internal/config"
	"github.com/opsconsole/opsconsole/internal/fleet"
)

// CLI is `opsconsole runbook list | show ID | run ID [--param k=v]...
// [--format markdown|json]`. run checks without a terminal UI (chat-ops,
// cron) and never applies a fix: it prints what it would propose. Exit
// codes: 0 every check passed (warnings allowed), 1 a check failed, 2 an
// error (unknown id, bad parameter, a backend that could not be reached).
type CLI struct {
	Options *config.Options
	// Who is the operator, for the report.
	Who            string
	Stdout, Stderr io.Writer
	// Connect builds the target's backends; fleet.Connect when nil.
	Connect func(ctx context.Context, t config.Target) *fleet.Fleet
	// Env turns the fleet into the probes' environment; EnvFromFleet
	// when nil (tests put a recording transport or a fake clock in).
	Env func(f *fleet.Fleet) *Env
	// Catalog replaces loading the built-ins and user directories.
	Catalog *Catalog
}

const cliUsage = "usage: opsconsole runbook list | show ID | run ID [--param k=v]... [--format markdown|json]"

// Main runs the subcommand given by the options' positional arguments.
func (c *CLI) Main(ctx context.Context) int {
	args := c.Options.Args
	format := strings.ToLower(c.Options.Format)
	switch format {
	case "", "markdown", "md":
		format = "markdown"
	case "json":
	default:
		return c.fail("--format %q: use markdown or json", c.Options.Format)
	}
	if len(args) == 0 {
		return c.fail("%s", cliUsage)
	}
	if c.Catalog == nil {
		c.Catalog = Load(Probes(), UserDirs(c.Options)...)
	}
	verb, rest := args[0], args[1:]
	if verb != "run" && len(c.Options.Params) > 0 {
		return c.fail("--param applies to runbook run only")
	}
	switch verb {
	case "list":
		if len(rest) != 0 {
			return c.fail("runbook list takes no arguments; %s", cliUsage)
		}
		c.problems()
		return c.list(format)
	case "show", "run":
		if len(rest) != 1 {
			return c.fail("runbook %s takes one runbook id; %s", verb, cliUsage)
		}
		rb, err := c.Catalog.Get(rest[0])
		if err != nil {
			return c.fail("%v", err)
		}
		if verb == "show" {
			return c.show(rb, format)
		}
		return c.run(ctx, rb, format)
	}
	return c.fail("unknown runbook command %q; %s", verb, cliUsage)
}

func (c *CLI) fail(format string, args ...any) int {
	for _, line := range strings.Split(fmt.Sprintf(format, args...), "\n") {
		fmt.Fprintln(c.Stderr, "opsconsole runbook: "+safe(line))
	}
	return 2
}

// problems prints the rejected user runbook files on stderr.
func (c *CLI) problems() {
	for _, p := range c.Catalog.Problems {
		for _, line := range strings.Split(p.Error(), "\n") {
			fmt.Fprintln(c.Stderr, "rejected: "+safe(line))
		}
	}
}

func (c *CLI) list(format string) int {
	if format == "json" {
		return c.writeJSON(c.Catalog.List())
	}
	tw := tabwriter.NewWriter(c.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSOURCE\tTITLE\tSYMPTOMS")
	for _, rb := range c.Catalog.List() {
		sym := ""
		if len(rb.Symptoms) > 0 {
			sym = rb.Symptoms[0]
			if len(rb.Symptoms) > 1 {
				sym += fmt.Sprintf(" (+%d)", len(rb.Symptoms)-1)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", safe(rb.ID), rb.Source, safe(rb.Title), safe(sym))
	}
	tw.Flush()
	return 0
}

func (c *CLI) writeJSON(v any) int {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return c.fail("%v", err)
	}
	if _, err := c.Stdout.Write(append(terminalSafeJSON(b), '\n')); err != nil {
		return 2
	}
	return 0
}

func (c *CLI) show(rb *Runbook, format string) int {
	if format == "json" {
		return c.writeJSON(rb)
	}
	io.WriteString(c.Stdout, Document(rb))
	return 0
}

// Document renders a runbook as Markdown: what `runbook show` prints and
// the walkthrough's overview. Outside text is sanitised line by line.
func Document(rb *Runbook) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s: %s\n\n", safe(rb.ID), safe(rb.Title))
	fmt.Fprintf(&b, "Source: %s (%s)\n\n**Symptoms**\n\n", rb.Source, safe(rb.File))
	for _, s := range rb.Symptoms {
		b.WriteString("- " + safe(s) + "\n")
	}
	if rb.Description != "" {
		b.WriteString("\n" + markdownBlock(rb.Description) + "\n")
	}
	if len(rb.Params) > 0 {
		b.WriteString("\n## Parameters\n\n| name | type | default | help |\n|---|---|---|---|\n")
		for _, p := range rb.Params {
			def := "(required)"
			if p.HasDefault {
				def = "`" + safe(p.Default) + "`"
			}
			typ := p.Type
			if p.Type == TypeEnum {
				typ += " (" + strings.Join(p.Values, ", ") + ")"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", cell(p.Name), cell(typ), def, cell(p.Help))
		}
	}
	b.WriteString("\n## Steps\n")
	for i, st := range rb.Steps {
		fmt.Fprintf(&b, "\n### %d. %s: %s\n\n", i+1, safe(st.ID), safe(st.Title))
		b.WriteString(markdownBlock(st.Explain) + "\n")
		if st.Check == nil {
			b.WriteString("\n*Manual step.*\n")
			continue
		}
		b.WriteString("\n" + checkLine("Check", st.Check) + "\n")
		if st.Recheck != nil {
			b.WriteString(checkLine("Re-check", st.Recheck) + "\n")
		}
		if st.Fix != nil {
			p := &Proposal{Verb: st.Fix.Action, Args: st.Fix.Args}
			fmt.Fprintf(&b, "- **Fix** (on %s): `%s`", st.Fix.When, strings.ReplaceAll(safe(p.Command()), "`", "'"))
			if st.Fix.Explain != "" {
				b.WriteString(" - " + safe(st.Fix.Explain))
			}
			b.WriteString("\n")
		}
		if len(st.Next) > 0 {
			var edges []string
			for _, k := range []string{"pass", "warn", "fail"} {
				if t, ok := st.Next[k]; ok {
					edges = append(edges, k+" -> "+safe(t))
				}
			}
			b.WriteString("- **Next:** " + strings.Join(edges, ", ") + "\n")
		}
	}
	return b.String()
}

func checkLine(label string, c *Check) string {
	var args []string
	for _, k := range sortedKeys(c.With) {
		args = append(args, k+"="+c.With[k])
	}
	s := fmt.Sprintf("- **%s:** probe `%s`", label, c.Probe)
	if len(args) > 0 {
		s += " with `" + strings.ReplaceAll(safe(strings.Join(args, " ")), "`", "'") + "`"
	}
	var th []string
	for _, k := range sortedKeys(c.Thresholds) {
		t := c.Thresholds[k]
		switch {
		case t.Off:
			th = append(th, k+" off")
		default:
			parts := []string{}
			if t.Warn != nil {
				parts = append(parts, "warn "+t.Warn.Raw)
			}
			if t.Fail != nil {
				parts = append(parts, "fail "+t.Fail.Raw)
			}
			th = append(th, k+" "+strings.Join(parts, ", "))
		}
	}
	if len(th) > 0 {
		s += "; thresholds: " + safe(strings.Join(th, "; "))
	}
	return s
}

// markdownBlock sanitises Markdown line by line, keeping the lines.
func markdownBlock(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = safe(l)
	}
	return strings.Join(lines, "\n")
}

// ParseParams reads NAME=VALUE parameters (--param flags, :runbook arguments).
func ParseParams(flags []string) (map[string]string, error) {
	out := map[string]string{}
	for _, f := range flags {
		k, v, ok := strings.Cut(f, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("parameter %q: write it as NAME=VALUE", f)
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("parameter %s is given twice", k)
		}
		out[k] = v
	}
	return out, nil
}

func (c *CLI) run(ctx context.Context, rb *Runbook, format string) int {
	given, err := ParseParams(c.Options.Params)
	if err != nil {
		return c.fail("%v", err)
	}
	if _, err := BindParams(rb, given); err != nil {
		return c.fail("%v", err)
	}
	t := c.Options.StartTarget()
	connect := c.Connect
	if connect == nil {
		opts := c.Options
		connect = func(ctx context.Context, t config.Target) *fleet.Fleet {
			return fleet.Connect(ctx, opts, t, fleet.Hooks{})
		}
	}
	f := connect(ctx, t)
	defer f.Close()
	envOf := c.Env
	if envOf == nil {
		envOf = EnvFromFleet
	}
	env := envOf(f)
	r, err := NewRun(rb, Probes(), env, given, RunInfo{Who: c.Who, Target: t.DisplayName(), Environment: t.Environment, Now: env.Now})
	if err != nil {
		return c.fail("%v", err)
	}
	r.RunAll(ctx, nil)
	rep := r.Report(ctx, true)
	if format == "json" {
		if err := rep.WriteJSON(c.Stdout); err != nil {
			return c.fail("%v", err)
		}
	} else {
		io.WriteString(c.Stdout, rep.Markdown())
	}
	return ExitCode(rep.Verdict)
}

// ExitCode maps a run's verdict to the CLI contract's exit code.
func ExitCode(v Status) int {
	switch v {
	case Error:
		return 2
	case Fail:
		return 1
	}
	return 0
}
