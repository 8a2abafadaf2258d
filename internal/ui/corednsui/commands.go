package corednsui

import (
	tea "github.com/charmbracelet/bubbletea"
	"github.com/opsconsole/opsconsole/internal/fleet"
	"github.com/opsconsole/opsconsole/internal/k8s"
	"github.com/opsconsole/opsconsole/internal/ui/pane"
)

func client(c *pane.Context) (*k8s.Client, error) {
	if c.Backends.K8s == nil {
		return nil, pane.Unavailable(c, fleet.Kubernetes)
	}
	return c.Backends.K8s, nil
}

// Commands are the CoreDNS command-mode verbs (DESIGN.md §4).
func Commands() []pane.Command {
	return []pane.Command{
		{Name: "coredns-restart", Help: "rollout restart of the coredns Deployment (does not fix a forwarding loop)", MaxArgs: 0,
			Run: func(c *pane.Context, _ pane.Invocation) (tea.Cmd, error) {
				kc, err := client(c)
				if err != nil {
					return nil, err
				}
				return pane.Action(kc.RestartAction()), nil
			}},
		{Name: "coredns-scale", Usage: "N", Help: "scale the coredns Deployment (down or below 2 asks to type its name)", MinArgs: 1, MaxArgs: 1,
			Run: func(c *pane.Context, inv pane.Invocation) (tea.Cmd, error) {
				kc, err := client(c)
				if err != nil {
					return nil, err
				}
				n, err := k8s.ParseReplicas(inv.Args[0])
				if err != nil {
					return nil, err
				}
				return pane.Action(kc.ScaleAction(n)), nil
			}},
	}
}
