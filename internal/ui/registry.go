package ui

import (
	"github.com/opsconsole/opsconsole/internal/ui/auditui"
	"github.com/opsconsole/opsconsole/internal/ui/corednsui"
	"github.com/opsconsole/opsconsole/internal/ui/esui"
	"github.com/opsconsole/opsconsole/internal/ui/kinesisui"
	"github.com/opsconsole/opsconsole/internal/ui/pane"
	"github.com/opsconsole/opsconsole/internal/ui/recordsui"
	"github.com/opsconsole/opsconsole/internal/ui/runbookui"
)

// DefaultPanes is the pane registry, in tab order.
func DefaultPanes() []pane.Spec {
	specs := kinesisui.Specs()
	specs = append(specs, recordsui.Spec(recordsui.FleetSource))
	specs = append(specs, esui.Specs()...)
	specs = append(specs, corednsui.Spec())
	specs = append(specs, runbookui.Specs()...)
	return append(specs, auditui.Spec(), pane.Spec{ID: "ctx", Title: "Targets", New: newCtxPane})
}

// DomainCommands are the command-mode verbs of the pane packages.
func DomainCommands() []pane.Command {
	cmds := append(kinesisui.Commands(), recordsui.Commands()...)
	cmds = append(cmds, esui.Commands()...)
	cmds = append(cmds, corednsui.Commands()...)
	return append(cmds, runbookui.Commands()...)
}
