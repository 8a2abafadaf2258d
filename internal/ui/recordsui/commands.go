package recordsui

import (
	tea "github.com/charmbracelet/bubbletea"

	"github.com/opsconsole/opsconsole/internal/aws/tail"
	"github.com/opsconsole/opsconsole/internal/ui/pane"
)

// Commands are the pane's command-mode verbs:
//
//	:records STREAM [--from latest|trim-horizon|RFC3339|seq:N] [--shard ID]
//	:export FILE [--force]
//
// Both reach the pane through pane.OpenMsg: :records with its arguments,
// :export with an "export" flag the pane's SetArgs stages and its Init
// runs (so the records pane comes to the front showing what was written).
func Commands() []pane.Command {
	return []pane.Command{
		{
			Name:    ID,
			Usage:   "STREAM [--from latest|trim-horizon|RFC3339|seq:N] [--shard ID]",
			Help:    "tail the decoded records of a stream",
			MinArgs: 1, MaxArgs: 1,
			Flags: []string{"from", "shard"},
			Complete: func(c *pane.Context, n int, _ []string) []string {
				if n == 0 {
					return c.Names.Get("streams")
				}
				return nil
			},
			Run: func(_ *pane.Context, inv pane.Invocation) (tea.Cmd, error) {
				if _, err := tail.ParseFrom(inv.Flags["from"]); err != nil {
					return nil, err
				}
				return func() tea.Msg { return pane.OpenMsg{ID: ID, Args: inv.Args, Flags: inv.Flags} }, nil
			},
		},
		{
			Name:    "export",
			Usage:   "FILE [--force]",
			Help:    "write the records pane's events (those the filter shows) to FILE as NDJSON, mode 0600",
			MinArgs: 1, MaxArgs: 1,
			BoolFlags: []string{forceFlag},
			Run: func(_ *pane.Context, inv pane.Invocation) (tea.Cmd, error) {
				flags := map[string]string{exportFlag: inv.Args[0]}
				if inv.Flags[forceFlag] == "true" {
					flags[forceFlag] = "true"
				}
				return func() tea.Msg { return pane.OpenMsg{ID: ID, Flags: flags} }, nil
			},
		},
	}
}
