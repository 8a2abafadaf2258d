package ui

import (
	"github.com/opsconsole/opsconsole/internal/fleet"
	"github.com/opsconsole/opsconsole/internal/ui/auditui"
	"github.com/opsconsole/opsconsole/internal/ui/kinesisui"
	"github.com/opsconsole/opsconsole/internal/ui/pane"
)

// DefaultPanes is the pane registry, in tab order.
func DefaultPanes() []pane.Spec {
	specs := kinesisui.Specs()
	specs = append(specs, []pane.Spec{
		pendingSpec("records", "Records", fleet.Kinesis),
		pendingSpec("nodes", "Nodes", fleet.Elasticsearch),
		pendingSpec("indices", "Indices", fleet.Elasticsearch),
		pendingSpec("es-shards", "ES-Shards", fleet.Elasticsearch),
		pendingSpec("ilm", "ILM", fleet.Elasticsearch),
		pendingSpec("coredns", "CoreDNS", fleet.Kubernetes),
		pendingSpec("runbooks", "Runbooks", ""),
		auditui.Spec(),
		{ID: "ctx", Title: "Targets", New: newCtxPane},
	}...)
	return specs
}

// DomainCommands are the command-mode verbs of the pane packages.
func DomainCommands() []pane.Command {
	return kinesisui.Commands()
}
