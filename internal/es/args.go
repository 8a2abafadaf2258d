package es

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/opsconsole/opsconsole/internal/ops"
)

// verbSpec describes one command-mode action: its positional arguments,
// its flags, and how to build it.
type verbSpec struct {
	usage      string
	positional []string
	valueFlags []string
	boolFlags  []string
	build      func(c *Client, pos []string, flags parsedFlags) (ops.Action, error)
}

type parsedFlags struct {
	values map[string][]string
	bools  map[string]bool
}

func (f parsedFlags) get(name string) string {
	if v := f.values[name]; len(v) > 0 {
		return v[len(v)-1]
	}
	return ""
}

var verbs = map[string]verbSpec{
	"ilm-policy": {
		usage:      "ilm-policy NAME [--rollover-max-age 30d] [--rollover-max-size 50gb] [--rollover-max-primary-shard-size 50gb] [--delete-min-age 90d]",
		positional: []string{"NAME"},
		valueFlags: []string{"rollover-max-age", "rollover-max-size", "rollover-max-primary-shard-size", "delete-min-age"},
		build: func(c *Client, pos []string, f parsedFlags) (ops.Action, error) {
			return NewILMPolicyAction(c, pos[0], PolicyOptions{
				RolloverMaxAge: f.get("rollover-max-age"), RolloverMaxSize: f.get("rollover-max-size"),
				RolloverMaxPrimaryShardSize: f.get("rollover-max-primary-shard-size"), DeleteMinAge: f.get("delete-min-age"),
			}), nil
		},
	},
	"ilm-attach": {
		usage:      "ilm-attach INDEX POLICY [--rollover-alias ALIAS] [--indexing-complete]",
		positional: []string{"INDEX", "POLICY"},
		valueFlags: []string{"rollover-alias"},
		boolFlags:  []string{"indexing-complete"},
		build: func(c *Client, pos []string, f parsedFlags) (ops.Action, error) {
			return NewILMAttachAction(c, pos[0], pos[1], AttachOptions{
				RolloverAlias: f.get("rollover-alias"), IndexingComplete: f.bools["indexing-complete"],
			}), nil
		},
	},
	"ilm-bootstrap": {
		usage:      "ilm-bootstrap ALIAS [--policy NAME]",
		positional: []string{"ALIAS"},
		valueFlags: []string{"policy"},
		build: func(c *Client, pos []string, f parsedFlags) (ops.Action, error) {
			return NewILMBootstrapAction(c, pos[0], f.get("policy")), nil
		},
	},
	"ilm-template": {
		usage:      "ilm-template NAME --pattern PATTERN --policy NAME [--rollover-alias ALIAS] [--priority N]",
		positional: []string{"NAME"},
		valueFlags: []string{"pattern", "policy", "rollover-alias", "priority"},
		build: func(c *Client, pos []string, f parsedFlags) (ops.Action, error) {
			var patterns []string
			for _, v := range f.values["pattern"] {
				for _, p := range strings.Split(v, ",") {
					if p = strings.TrimSpace(p); p != "" {
						patterns = append(patterns, p)
					}
				}
			}
			opts := TemplateOptions{Patterns: patterns, Policy: f.get("policy"), RolloverAlias: f.get("rollover-alias")}
			if v := f.get("priority"); v != "" {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil || n < 0 {
					return nil, fmt.Errorf("--priority %q is not a whole number of 0 or more", v)
				}
				opts.Priority, opts.PrioritySet = n, true
			}
			return NewILMTemplateAction(c, pos[0], opts), nil
		},
	},
	"ilm-retry": {
		usage:      "ilm-retry INDEX",
		positional: []string{"INDEX"},
		build: func(c *Client, pos []string, _ parsedFlags) (ops.Action, error) {
			return NewILMRetryAction(c, pos[0]), nil
		},
	},
	"rollover": {
		usage:      "rollover ALIAS",
		positional: []string{"ALIAS"},
		build: func(c *Client, pos []string, _ parsedFlags) (ops.Action, error) {
			return NewRolloverAction(c, pos[0]), nil
		},
	},
	"replicas": {
		usage:      "replicas INDEX N",
		positional: []string{"INDEX", "N"},
		build: func(c *Client, pos []string, _ parsedFlags) (ops.Action, error) {
			n, err := strconv.Atoi(pos[1])
			if err != nil || n < 0 {
				return nil, fmt.Errorf("replicas: %q is not a whole number of 0 or more", pos[1])
			}
			return NewReplicasAction(c, pos[0], n), nil
		},
	},
	"clear-read-only": {
		usage:      "clear-read-only INDEX",
		positional: []string{"INDEX"},
		build: func(c *Client, pos []string, _ parsedFlags) (ops.Action, error) {
			return NewClearReadOnlyAction(c, pos[0]), nil
		},
	},
}

// Verbs are the Elasticsearch command-mode actions, for completion and help.
func Verbs() []string {
	return []string{"ilm-policy", "ilm-attach", "ilm-bootstrap", "ilm-template", "ilm-retry", "rollover", "replicas", "clear-read-only"}
}

// Usage is the usage line of a verb ("" for an unknown verb).
func Usage(verb string) string { return verbs[verb].usage }

// Flags lists a verb's flags with their "--" prefix, for completion.
func Flags(verb string) []string {
	spec := verbs[verb]
	out := make([]string, 0, len(spec.valueFlags)+len(spec.boolFlags))
	for _, f := range append(append([]string(nil), spec.valueFlags...), spec.boolFlags...) {
		out = append(out, "--"+f)
	}
	return out
}

// ParseAction builds an action from the command-mode words after the verb
// (":rollover functionbeat-write" -> verb "rollover", args
// ["functionbeat-write"]). Flags take "--flag value" or "--flag=value"; a
// flag may come before, between or after the positional arguments. Only
// the syntax is checked here; Validate checks names, units and live state.
func ParseAction(c *Client, verb string, args []string) (ops.Action, error) {
	spec, ok := verbs[verb]
	if !ok {
		return nil, fmt.Errorf("unknown Elasticsearch action %q; the actions are %s", verb, strings.Join(Verbs(), ", "))
	}
	isValue := map[string]bool{}
	for _, f := range spec.valueFlags {
		isValue[f] = true
	}
	isBool := map[string]bool{}
	for _, f := range spec.boolFlags {
		isBool[f] = true
	}
	flags := parsedFlags{values: map[string][]string{}, bools: map[string]bool{}}
	var pos []string
	for i := 0; i < len(args); i++ {
		arg := args[i]
		name, ok := strings.CutPrefix(arg, "--")
		if !ok || name == "" {
			pos = append(pos, arg)
			continue
		}
		name, inline, hasInline := strings.Cut(name, "=")
		switch {
		case isBool[name]:
			if hasInline {
				b, err := strconv.ParseBool(inline)
				if err != nil {
					return nil, fmt.Errorf("--%s takes no value (or true/false); usage: %s", name, spec.usage)
				}
				flags.bools[name] = b
			} else {
				flags.bools[name] = true
			}
		case isValue[name]:
			v := inline
			if !hasInline {
				if i+1 >= len(args) {
					return nil, fmt.Errorf("--%s needs a value; usage: %s", name, spec.usage)
				}
				i++
				v = args[i]
			}
			if strings.TrimSpace(v) == "" {
				return nil, fmt.Errorf("--%s needs a value; usage: %s", name, spec.usage)
			}
			flags.values[name] = append(flags.values[name], v)
		default:
			return nil, fmt.Errorf("%s has no flag --%s; usage: %s", verb, name, spec.usage)
		}
	}
	if len(pos) != len(spec.positional) {
		return nil, fmt.Errorf("%s takes %s; usage: %s", verb, describeArgs(spec.positional), spec.usage)
	}
	return spec.build(c, pos, flags)
}

func describeArgs(names []string) string {
	if len(names) == 1 {
		return "one argument (" + names[0] + ")"
	}
	return fmt.Sprintf("%d arguments (%s)", len(names), strings.Join(names, " "))
}
