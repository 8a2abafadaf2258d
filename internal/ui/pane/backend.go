package pane

import (
	"fmt"

	"github.com/opsconsole/opsconsole/internal/fleet"
	"github.com/opsconsole/opsconsole/internal/ui/style"
)

// backendNames are the names panes use for each backend in messages.
var backendNames = map[string]string{
	fleet.Kinesis:       "Kinesis",
	fleet.Elasticsearch: "Elasticsearch",
	fleet.Kubernetes:    "Kubernetes",
}

// Unavailable says why a backend has no client: not configured (and how
// to configure it) or failed (and why). Commands return it as their error.
func Unavailable(c *Context, backend string) error {
	s := c.Backends.Status(backend)
	if s.State == fleet.Failed {
		return fmt.Errorf("%s is unavailable: %s", backendNames[backend], s.Summary())
	}
	return fmt.Errorf("%s is not configured for target %s: %s", backendNames[backend], c.Target.DisplayName(), s.Hint)
}

// UnavailableView is a backend pane's whole view when it has no client.
func UnavailableView(c *Context, backend string, width, height int) string {
	s := c.Backends.Status(backend)
	name := backendNames[backend]
	if s.State == fleet.Failed {
		return StatusView(c.Styles, width, height, style.Crit, "!! "+name+": "+OneLine(s.Summary()),
			"fix the settings or credentials and press r, or pick another target with :ctx")
	}
	return StatusView(c.Styles, width, height, style.Warn,
		"! "+name+" is not configured for target "+OneLine(c.Target.DisplayName()), s.Hint)
}
