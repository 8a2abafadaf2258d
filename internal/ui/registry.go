package ui

import (
	"github.com/opsconsole/opsconsole/internal/ui/auditui"
	"github.com/opsconsole/opsconsole/internal/ui/corednsui"
	"github.com/opsconsole/opsconsole/internal/ui/esui"
	"github.com/opsconsole/opsconsole/internal/ui/kinesisui"
	"github.com/opsconsole/opsconsole/internal/ui/pane"
	"github.com/opsconsole/opsconsole/internal/ui/recordsui"
)

// DefaultPanes is the pane registry, in tab order.
func DefaultPanes() []pane.Spec {
	specs := kinesisui.Specs()
	specs = append(specs, recordsui.Spec(recordsui.FleetSource))
	specs = append(specs, esui.Specs()...)
	specs = append(specs, []pane.Spec{
		corednsui.Spec(),
		pendingSpec("runbooks", "Runbooks", ""),
		auditui.Spec(),
		{ID: "ctx", Title: "Targets", New: newCtxPane},
	}...)
	return specs
}

// DomainCommands are the command-mode verbs of the pane packages.
func DomainCommands() []pane.Command {
	cmds := append(kinesisui.Commands(), recordsui.Commands()...)
	cmds = append(cmds, esui.Commands()...)
	return append(cmds, corednsui.Commands()...)
}
