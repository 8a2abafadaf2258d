// Package runbookui is the runbook panes: :runbooks lists the built-in and
// user runbooks, and :runbook ID [k=v]... walks through one: each step's
// explanation (rendered Markdown), its check run on demand with the
// evidence and verdict, the fix on one key (through the shell's confirm
// dialog, guard and audit log), the re-check after it, and the timeline
// exported next to the audit log for the postmortem.
package runbookui

import (
	"strings"
	"sync"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/opsconsole/opsconsole/internal/runbook"
	"github.com/opsconsole/opsconsole/internal/ui/pane"
)

// Pane IDs.
const (
	ListID = "runbooks"
	WalkID = "runbook"
)

// Specs registers the runbook panes: the list in the tab bar, the
// walkthrough opened from it or with :runbook ID.
func Specs() []pane.Spec {
	return []pane.Spec{
		{ID: ListID, Title: "Runbooks", Tab: true, New: newList},
		{ID: WalkID, Title: "Runbook", Tab: false, New: newWalk},
	}
}

// Commands are the runbook command-mode verbs (:runbooks comes from the
// list pane's spec).
func Commands() []pane.Command {
	return []pane.Command{{
		Name: WalkID, Usage: "ID [NAME=VALUE]...", Help: "walk through a runbook: checks, evidence, one-key fixes, timeline",
		MinArgs: 1, MaxArgs: -1, Complete: complete,
		Run: func(_ *pane.Context, inv pane.Invocation) (tea.Cmd, error) {
			if _, err := parseParams(inv.Args[1:]); err != nil {
				return nil, err
			}
			args := inv.Args
			return func() tea.Msg { return pane.OpenMsg{ID: WalkID, Args: args} }, nil
		},
	}}
}

// builtins are the embedded runbooks, parsed once, for completion before
// any pane has loaded the catalog.
var builtins = sync.OnceValue(func() *runbook.Catalog { return runbook.Load(runbook.Probes()) })

// Names kinds the panes publish for completion.
const (
	namesRunbooks = "runbooks"
	namesParams   = "runbook-params:" // + id: "name=value" candidates
)

// complete offers runbook ids, then NAME=VALUE for the runbook's
// parameters (values from the completion source the parameter names, or
// its default).
func complete(c *pane.Context, n int, args []string) []string {
	if n == 0 {
		if ids := c.Names.Get(namesRunbooks); len(ids) > 0 {
			return ids
		}
		return builtins().IDs()
	}
	if len(args) == 0 {
		return nil
	}
	if cands := c.Names.Get(namesParams + args[0]); len(cands) > 0 {
		return expandSources(c, cands)
	}
	rb, err := builtins().Get(args[0])
	if err != nil {
		return nil
	}
	return expandSources(c, paramCandidates(rb))
}

// paramCandidates are "name=" plus a marker for the completion source:
// "stream=@streams", "window=15m".
func paramCandidates(rb *runbook.Runbook) []string {
	var out []string
	for _, p := range rb.Params {
		switch {
		case p.Complete != "":
			out = append(out, p.Name+"=@"+p.Complete)
		case p.HasDefault:
			out = append(out, p.Name+"="+p.Default)
		case p.Type == runbook.TypeEnum:
			for _, v := range p.Values {
				out = append(out, p.Name+"="+v)
			}
		default:
			out = append(out, p.Name+"=")
		}
	}
	return out
}

func expandSources(c *pane.Context, cands []string) []string {
	var out []string
	for _, cand := range cands {
		name, src, ok := strings.Cut(cand, "=@")
		if !ok {
			out = append(out, cand)
			continue
		}
		vals := c.Names.Get(src)
		if len(vals) == 0 {
			out = append(out, name+"=")
		}
		for _, v := range vals {
			out = append(out, name+"="+v)
		}
	}
	return out
}

// parseParams reads NAME=VALUE arguments.
func parseParams(args []string) (map[string]string, error) {
	return runbook.ParseParams(args)
}
