package ui

import (
	"fmt"
	"sort"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/opsconsole/opsconsole/internal/ui/pane"
)

// commandSet is every command-mode verb: the shell's own (help, quit, ctx),
// one view command per pane that does not define its own, and the domain
// commands of the pane packages.
type commandSet struct {
	list  []*pane.Command
	index map[string]*pane.Command
}

func newCommandSet(a *App) *commandSet {
	cs := &commandSet{index: map[string]*pane.Command{}}
	for _, c := range shellCommands(a) {
		cs.add(c)
	}
	for _, c := range DomainCommands() {
		cs.add(c)
	}
	for _, s := range a.specs {
		if _, exists := cs.index[s.ID]; exists {
			continue
		}
		id := s.ID
		cs.add(pane.Command{Name: id, Help: "show the " + s.Title + " pane", MaxArgs: 0,
			Run: func(*pane.Context, pane.Invocation) (tea.Cmd, error) { return pane.Open(id), nil }})
	}
	return cs
}

func (cs *commandSet) add(c pane.Command) {
	if _, dup := cs.index[c.Name]; dup {
		panic("ui: command :" + c.Name + " registered twice")
	}
	cp := c
	cs.list = append(cs.list, &cp)
	cs.index[c.Name] = &cp
	for _, al := range c.Aliases {
		cs.index[al] = &cp
	}
}

func (cs *commandSet) lookup(name string) (*pane.Command, bool) {
	c, ok := cs.index[name]
	return c, ok
}

// names are the primary names, sorted, for completion.
func (cs *commandSet) names() []string {
	out := make([]string, 0, len(cs.list))
	for _, c := range cs.list {
		out = append(out, c.Name)
	}
	sort.Strings(out)
	return out
}

// suggest finds the closest known command to a mistyped one.
func (cs *commandSet) suggest(name string) string {
	best, bestD := "", 3
	for n := range cs.index {
		if d := editDistance(name, n); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// shellCommands are the commands the shell itself answers.
func shellCommands(a *App) []pane.Command {
	return []pane.Command{
		{Name: "help", Aliases: []string{"h"}, Help: "show keys and commands", MaxArgs: 0,
			Run: func(*pane.Context, pane.Invocation) (tea.Cmd, error) {
				a.mode = modeHelp
				a.help = newHelpView()
				return nil, nil
			}},
		{Name: "quit", Aliases: []string{"q", "q!", "quit!"}, Help: "quit the console", MaxArgs: 0,
			Run: func(*pane.Context, pane.Invocation) (tea.Cmd, error) {
				return func() tea.Msg { return quitMsg{} }, nil
			}},
		{Name: "ctx", Usage: "[TARGET]", Help: "list targets, or switch to TARGET", MaxArgs: 1,
			Complete: func(c *pane.Context, n int, _ []string) []string {
				if n > 0 {
					return nil
				}
				var names []string
				for _, t := range c.Options.Targets {
					names = append(names, t.Name)
				}
				return names
			},
			Run: func(c *pane.Context, inv pane.Invocation) (tea.Cmd, error) {
				if len(inv.Args) == 0 {
					return pane.Open("ctx"), nil
				}
				if _, ok := c.Options.Target(inv.Args[0]); !ok {
					return nil, errNoTarget(c, inv.Args[0])
				}
				name := inv.Args[0]
				return func() tea.Msg { return switchTargetMsg{name: name} }, nil
			}},
	}
}

func errNoTarget(c *pane.Context, name string) error {
	var names []string
	for _, t := range c.Options.Targets {
		names = append(names, t.Name)
	}
	if len(names) == 0 {
		return fmt.Errorf("no target %q: the config file defines no targets", name)
	}
	return fmt.Errorf("no target %q; targets: %s", name, strings.Join(names, ", "))
}
