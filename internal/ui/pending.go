package ui

import (
	tea "github.com/charmbracelet/bubbletea"
	"github.com/opsconsole/opsconsole/internal/fleet"
	"github.com/opsconsole/opsconsole/internal/ui/keys"
	"github.com/opsconsole/opsconsole/internal/ui/pane"
	"github.com/opsconsole/opsconsole/internal/ui/style"
)

// pendingPane stands in for a pane whose backend package has not landed:
// it shows the backend's configuration state.
type pendingPane struct {
	c              *pane.Context
	id, title, bnd string
}

func pendingSpec(id, title, backend string) pane.Spec {
	return pane.Spec{ID: id, Title: title, Tab: true, New: func(c *pane.Context) pane.Pane {
		return &pendingPane{c: c, id: id, title: title, bnd: backend}
	}}
}

func (p *pendingPane) ID() string             { return p.id }
func (p *pendingPane) Title() string          { return p.title }
func (p *pendingPane) Init() tea.Cmd          { return nil }
func (p *pendingPane) Update(tea.Msg) tea.Cmd { return nil }
func (p *pendingPane) Hints() []*keys.Binding { return nil }
func (p *pendingPane) View(width, height int) string {
	if p.bnd == "" {
		return pane.StatusView(p.c.Styles, width, height, style.Muted, p.title)
	}
	s := p.c.Backends.Status(p.bnd)
	if s.State == fleet.NotConfigured {
		return pane.StatusView(p.c.Styles, width, height, style.Warn,
			"! "+p.bnd+" is not configured for target "+p.c.Target.DisplayName(), s.Hint)
	}
	return pane.StatusView(p.c.Styles, width, height, style.Muted, p.title)
}
