package runbook

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Probe is one named check over the backends. It observes and reports
// outputs and evidence; the verdict comes from thresholds on its outputs
// (the probe's defaults, overridden per output by the runbook), so every
// verdict is explained by a comparison the operator can read.
type Probe struct {
	Name string
	// Backend is what it needs: kinesis, iam, elasticsearch, kubernetes.
	Backend string
	Help    string
	Params  []ProbeParam
	Outputs []Output
	// Thresholds are the defaults, by output name.
	Thresholds map[string]Threshold
	Run        func(ctx context.Context, env *Env, args Args) (Observation, error)
}

// ProbeParam is an argument a probe takes.
type ProbeParam struct {
	Name     string
	Required bool
	// Default applies when the runbook does not pass the argument.
	Default string
	Help    string
}

// Output is a named value a probe reports.
type Output struct {
	Name string
	Kind Kind
	Help string
}

// Observation is what a probe saw: outputs for thresholds and templates,
// evidence lines for the operator (raw text from the systems; whoever
// prints them sanitises), and a one-line summary.
type Observation struct {
	Summary  string
	Evidence []string
	Outputs  map[string]Value
}

// Args are a probe's resolved arguments.
type Args map[string]string

// Str returns an argument ("" when absent).
func (a Args) Str(name string) string { return a[name] }

// Duration parses a duration argument.
func (a Args) Duration(name string) (time.Duration, error) {
	d, err := time.ParseDuration(a[name])
	if err != nil {
		return 0, fmt.Errorf("argument %s=%q is not a duration such as 15m", name, a[name])
	}
	return d, nil
}

// Int parses a whole-number argument.
func (a Args) Int(name string) (int, error) {
	n, err := strconv.Atoi(a[name])
	if err != nil {
		return 0, fmt.Errorf("argument %s=%q is not a whole number", name, a[name])
	}
	return n, nil
}

// List splits a comma-separated argument.
func (a Args) List(name string) []string {
	var out []string
	for _, p := range strings.Split(a[name], ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Registry holds the probes a runbook may name.
type Registry struct {
	probes map[string]*Probe
}

// NewRegistry builds a registry; duplicate names or bad defaults panic
// (they are programming errors).
func NewRegistry(probes ...*Probe) *Registry {
	r := &Registry{probes: map[string]*Probe{}}
	for _, p := range probes {
		if _, dup := r.probes[p.Name]; dup {
			panic("runbook: probe " + p.Name + " registered twice")
		}
		for name, t := range p.Thresholds {
			o, ok := p.output(name)
			if !ok {
				panic("runbook: probe " + p.Name + " has a default threshold on unknown output " + name)
			}
			if err := t.checkFor(o.Kind); err != nil {
				panic("runbook: probe " + p.Name + " output " + name + ": " + err.Error())
			}
		}
		r.probes[p.Name] = p
	}
	return r
}

// Get returns a probe by name.
func (r *Registry) Get(name string) (*Probe, bool) {
	p, ok := r.probes[name]
	return p, ok
}

// Names lists the probes, sorted.
func (r *Registry) Names() []string {
	out := make([]string, 0, len(r.probes))
	for n := range r.probes {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func (p *Probe) output(name string) (Output, bool) {
	for _, o := range p.Outputs {
		if o.Name == name {
			return o, true
		}
	}
	return Output{}, false
}

func (p *Probe) param(name string) (ProbeParam, bool) {
	for _, pp := range p.Params {
		if pp.Name == name {
			return pp, true
		}
	}
	return ProbeParam{}, false
}

func (p *Probe) outputNames() string {
	names := make([]string, len(p.Outputs))
	for i, o := range p.Outputs {
		names[i] = o.Name
	}
	return strings.Join(names, ", ")
}

func (p *Probe) paramNames() string {
	names := make([]string, len(p.Params))
	for i, pp := range p.Params {
		names[i] = pp.Name
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// judge computes the verdict of an observation: the worst over every
// output's threshold (the check's override, else the probe's default).
func judge(p *Probe, c *Check, obs Observation) (Status, []string) {
	verdict := Pass
	var reasons []string
	for _, o := range p.Outputs {
		t, ok := c.Thresholds[o.Name]
		if !ok {
			t, ok = p.Thresholds[o.Name]
		}
		if !ok {
			continue
		}
		s, why := t.judge(o.Name, obs.Outputs[o.Name])
		if s != Pass {
			reasons = append(reasons, fmt.Sprintf("%s (%s)", why, s))
		}
		verdict = Worst(verdict, s)
	}
	return verdict, reasons
}
