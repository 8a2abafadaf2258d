package esui

import (
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/opsconsole/opsconsole/internal/es"
	"github.com/opsconsole/opsconsole/internal/ui/pane"
)

// verbHelp is each action's line in :help.
var verbHelp = map[string]string{
	"ilm-policy":      "create or update an ILM policy (hot rollover, delete)",
	"ilm-attach":      "attach a policy to an existing index (created before its template)",
	"ilm-bootstrap":   "create ALIAS-000001 as the write index of a new rollover alias",
	"ilm-template":    "composable index template that applies a policy to new indices",
	"ilm-retry":       "retry the failed ILM step of an index in ERROR",
	"rollover":        "roll an alias or data stream over to a new write index",
	"replicas":        "set an index's replica count (0 asks to type the index)",
	"clear-read-only": "remove read_only_allow_delete once disk is under the high watermark",
}

// completion kind of each verb's first argument.
var firstArg = map[string]string{
	"ilm-policy": "policies", "ilm-attach": "indices", "ilm-bootstrap": "aliases", "ilm-template": "",
	"ilm-retry": "indices", "rollover": "aliases", "replicas": "indices", "clear-read-only": "indices",
}

// Commands are the Elasticsearch command-mode verbs (DESIGN.md §4). The
// arguments are parsed by internal/es, which also serves the runbooks.
func Commands() []pane.Command {
	var out []pane.Command
	for _, verb := range es.Verbs() {
		verb := verb
		var flags []string
		for _, f := range es.Flags(verb) {
			flags = append(flags, strings.TrimPrefix(f, "--"))
		}
		out = append(out, pane.Command{
			Name: verb, Usage: strings.TrimPrefix(es.Usage(verb), verb+" "), Help: verbHelp[verb],
			Raw: true, MaxArgs: -1, Flags: flags,
			Complete: func(c *pane.Context, n int, args []string) []string {
				switch {
				case n == 0:
					return c.Names.Get(firstArg[verb])
				case n == 1 && verb == "ilm-attach":
					return c.Names.Get("policies")
				}
				return nil
			},
			Run: func(c *pane.Context, inv pane.Invocation) (tea.Cmd, error) {
				cl, err := client(c)
				if err != nil {
					return nil, err
				}
				a, err := es.ParseAction(cl, verb, inv.Args)
				if err != nil {
					return nil, err
				}
				return pane.Action(a), nil
			},
		})
	}
	return out
}
