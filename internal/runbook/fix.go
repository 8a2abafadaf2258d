package runbook

import (
	"fmt"
	"sort"
	"strings"

	"github.com/opsconsole/opsconsole/internal/aws"
	"github.com/opsconsole/opsconsole/internal/es"
	"github.com/opsconsole/opsconsole/internal/k8s"
	"github.com/opsconsole/opsconsole/internal/ops"
)

// fixVerbs maps every command-mode action verb a fix may name to its
// backend: the same verbs, argument syntax and ops.Actions as `:VERB ...`.
var fixVerbs = func() map[string]string {
	m := map[string]string{"coredns-restart": BackendKubernetes, "coredns-scale": BackendKubernetes}
	for v := range aws.Commands {
		m[v] = BackendKinesis
	}
	for _, v := range es.Verbs() {
		m[v] = BackendElasticsearch
	}
	return m
}()

// FixVerbs lists the actions a fix may name, sorted.
func FixVerbs() []string {
	out := make([]string, 0, len(fixVerbs))
	for v := range fixVerbs {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// buildAction turns a verb and its arguments into the backend's
// ops.Action, exactly as command mode would; nothing is read or sent.
func buildAction(env *Env, verb string, args []string) (ops.Action, error) {
	backend, ok := fixVerbs[verb]
	if !ok {
		return nil, fmt.Errorf("unknown action %q", verb)
	}
	if err := env.has(backend); err != nil {
		return nil, err
	}
	switch backend {
	case BackendKinesis:
		return env.Kinesis.Command(verb, args)
	case BackendElasticsearch:
		return es.ParseAction(env.ES, verb, args)
	}
	switch verb {
	case "coredns-restart":
		if len(args) != 0 {
			return nil, fmt.Errorf("coredns-restart takes no arguments, got %s", strings.Join(args, " "))
		}
		return env.K8s.RestartAction(), nil
	default: // coredns-scale
		if len(args) != 1 {
			return nil, fmt.Errorf("coredns-scale takes one argument, the replica count")
		}
		n, err := k8s.ParseReplicas(args[0])
		if err != nil {
			return nil, err
		}
		return env.K8s.ScaleAction(n), nil
	}
}
