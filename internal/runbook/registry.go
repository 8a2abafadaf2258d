package runbook

import "sync"

var defaultProbes = sync.OnceValue(func() *Registry {
	var all []*Probe
	for _, group := range [][]*Probe{kinesisProbes(), iamProbes(), esProbes(), corednsProbes(), logsProbes()} {
		all = append(all, group...)
	}
	return NewRegistry(all...)
})

// Probes is the registry of every built-in probe.
func Probes() *Registry { return defaultProbes() }
