package es

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/opsconsole/opsconsole/internal/ops"
)

// PolicyOptions are the fields ilm-policy sets. Empty means "not given":
// on create it is left out, on update the policy's current value is kept.
type PolicyOptions struct {
	RolloverMaxAge              string // --rollover-max-age 30d
	RolloverMaxSize             string // --rollover-max-size 50gb
	RolloverMaxPrimaryShardSize string // --rollover-max-primary-shard-size 50gb
	DeleteMinAge                string // --delete-min-age 90d
}

// policyAction is `ilm-policy NAME ...`: create or update an ILM policy with
// a hot-phase rollover and an optional delete phase. An update edits only
// those fields and keeps every other phase and action of the policy, since
// PUT _ilm/policy replaces the whole policy.
type policyAction struct {
	base
	opts PolicyOptions

	existing *Policy       // nil when the policy is new
	body     policyBodyMap // the policy as it will be PUT
	changes  []string
	notes    []string
}

// policyBodyMap is {"phases": {...}, "_meta": ...} as generic JSON.
type policyBodyMap map[string]any

// NewILMPolicyAction builds `ilm-policy NAME [--rollover-max-age A]
// [--rollover-max-size S] [--rollover-max-primary-shard-size S]
// [--delete-min-age A]`.
func NewILMPolicyAction(c *Client, name string, opts PolicyOptions) ops.Action {
	params := map[string]string{"policy": name}
	for k, v := range map[string]string{
		"rollover_max_age": opts.RolloverMaxAge, "rollover_max_size": opts.RolloverMaxSize,
		"rollover_max_primary_shard_size": opts.RolloverMaxPrimaryShardSize, "delete_min_age": opts.DeleteMinAge,
	} {
		if v != "" {
			params[k] = v
		}
	}
	return &policyAction{base: base{c: c, name: "ilm-policy", resource: name, params: params}, opts: opts}
}

func (a *policyAction) call() wireCall {
	return newCall("PUT", map[string]any{"policy": map[string]any(a.body)}, "_ilm", "policy", a.resource)
}

func (a *policyAction) Validate(ctx context.Context) error {
	if err := ValidatePolicyName(a.resource); err != nil {
		return err
	}
	o := &a.opts
	for _, f := range []struct {
		flag string
		val  *string
		size bool
	}{
		{"--rollover-max-age", &o.RolloverMaxAge, false}, {"--rollover-max-size", &o.RolloverMaxSize, true},
		{"--rollover-max-primary-shard-size", &o.RolloverMaxPrimaryShardSize, true}, {"--delete-min-age", &o.DeleteMinAge, false},
	} {
		if *f.val == "" {
			continue
		}
		var err error
		if f.size {
			_, err = ParseByteSize(*f.val)
			*f.val = strings.ToLower(strings.TrimSpace(*f.val))
		} else {
			_, err = ParseTimeValue(*f.val)
			*f.val = strings.TrimSpace(*f.val)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", f.flag, err)
		}
	}
	if *o == (PolicyOptions{}) {
		return errors.New("nothing to set: give at least one of --rollover-max-age, --rollover-max-size, --rollover-max-primary-shard-size, --delete-min-age")
	}
	current, err := a.c.GetPolicy(ctx, a.resource)
	switch {
	case IsKind(err, KindNotFound):
		a.existing = nil
	case err != nil:
		return err
	default:
		a.existing = &current
	}
	return a.build()
}

// build merges the options into the existing policy (or a new one) and
// checks the result.
func (a *policyAction) build() error {
	a.body = policyBodyMap{"phases": map[string]any{}}
	if a.existing != nil && len(a.existing.Raw) > 0 {
		var raw map[string]any
		if err := json.Unmarshal(a.existing.Raw, &raw); err != nil {
			return fmt.Errorf("the current policy %s cannot be read: %w", a.resource, err)
		}
		// Only phases and _meta may be sent back; the rest is server-owned.
		for _, k := range []string{"phases", "_meta"} {
			if v, ok := raw[k]; ok {
				a.body[k] = v
			}
		}
	}
	phases, _ := a.body["phases"].(map[string]any)
	if phases == nil {
		phases = map[string]any{}
		a.body["phases"] = phases
	}
	before := flattenPolicy(phases)

	o := a.opts
	if o.RolloverMaxAge != "" || o.RolloverMaxSize != "" || o.RolloverMaxPrimaryShardSize != "" {
		rollover := subMap(subMap(subMap(phases, "hot"), "actions"), "rollover")
		for k, v := range map[string]string{"max_age": o.RolloverMaxAge, "max_size": o.RolloverMaxSize, "max_primary_shard_size": o.RolloverMaxPrimaryShardSize} {
			if v != "" {
				rollover[k] = v
			}
		}
	}
	if o.DeleteMinAge != "" {
		del := subMap(phases, "delete")
		del["min_age"] = o.DeleteMinAge
		actions := subMap(del, "actions")
		if _, ok := actions["delete"]; !ok {
			actions["delete"] = map[string]any{}
		}
	}
	after := flattenPolicy(phases)

	rollover := rolloverConditions(phases)
	if len(rollover) == 0 {
		return errors.New("the policy would have no rollover condition, so indices would never roll over: give --rollover-max-age, --rollover-max-size or --rollover-max-primary-shard-size")
	}
	if maxAge, ok := rollover["max_age"].(string); ok {
		if del, ok := phases["delete"].(map[string]any); ok {
			if minAge, ok := del["min_age"].(string); ok {
				ma, err1 := ParseTimeValue(maxAge)
				da, err2 := ParseTimeValue(minAge)
				if err1 == nil && err2 == nil && da <= ma {
					return fmt.Errorf("delete min_age %s must be longer than rollover max_age %s, or indices could be deleted as soon as they roll over", minAge, maxAge)
				}
			}
		}
	}

	a.changes, a.notes = nil, nil
	if a.existing == nil {
		a.changes = append(a.changes, "create ILM policy "+a.resource+": "+renderPhases(phases))
	} else {
		a.changes = diffLines(before, after)
		if len(a.changes) == 0 {
			return fmt.Errorf("policy %s already has these settings; nothing to change", a.resource)
		}
		kept := keptPhases(phases, a.opts)
		if len(kept) > 0 {
			a.notes = append(a.notes, "kept as they are: "+strings.Join(kept, ", "))
		}
		a.notes = append(a.notes, "managed indices pick up the change when they enter their next phase; an index already in a phase finishes it under the definition it started with")
		if n := len(a.existing.Indices); n > 0 {
			a.notes = append(a.notes, fmt.Sprintf("%d indices use this policy", n))
		}
	}
	if _, ok := rollover["max_size"]; ok {
		if _, ok := rollover["max_primary_shard_size"]; !ok {
			a.notes = append(a.notes, "max_size counts all primaries of an index together; max_primary_shard_size is what keeps each shard under 50GB")
		}
	}
	a.notes = append(a.notes, "rollover needs an alias with a write index (ilm-bootstrap) or a data stream; ilm-attach links existing indices to the policy")
	return nil
}

func subMap(m map[string]any, key string) map[string]any {
	if sub, ok := m[key].(map[string]any); ok {
		return sub
	}
	sub := map[string]any{}
	m[key] = sub
	return sub
}

func rolloverConditions(phases map[string]any) map[string]any {
	hot, _ := phases["hot"].(map[string]any)
	actions, _ := hot["actions"].(map[string]any)
	r, _ := actions["rollover"].(map[string]any)
	return r
}

// flattenPolicy renders phases as "hot.rollover.max_age" -> "30d" lines,
// with "hot.rollover" -> "on" for the action itself, so an action the server
// fills with defaults (delete_searchable_snapshot) still compares equal.
func flattenPolicy(phases map[string]any) map[string]string {
	out := map[string]string{}
	for phName, ph := range phases {
		pm, _ := ph.(map[string]any)
		if v, ok := pm["min_age"]; ok {
			out[phName+".min_age"] = scalarString(v)
		}
		actions, _ := pm["actions"].(map[string]any)
		for aName, av := range actions {
			params, _ := av.(map[string]any)
			out[phName+"."+aName] = "on"
			for k, v := range params {
				out[phName+"."+aName+"."+k] = scalarString(v)
			}
		}
	}
	return out
}

func diffLines(before, after map[string]string) []string {
	keys := make([]string, 0, len(after))
	for k := range after {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		old, had := before[k]
		switch {
		case !had:
			out = append(out, fmt.Sprintf("%s: (none) -> %s", k, after[k]))
		case old != after[k]:
			out = append(out, fmt.Sprintf("%s: %s -> %s", k, old, after[k]))
		}
	}
	return out
}

// keptPhases names the phases and actions the update leaves alone.
func keptPhases(phases map[string]any, o PolicyOptions) []string {
	var kept []string
	for phName, ph := range phases {
		pm, _ := ph.(map[string]any)
		actions, _ := pm["actions"].(map[string]any)
		for aName := range actions {
			touched := (phName == "hot" && aName == "rollover" && (o.RolloverMaxAge != "" || o.RolloverMaxSize != "" || o.RolloverMaxPrimaryShardSize != "")) ||
				(phName == "delete" && o.DeleteMinAge != "")
			if !touched {
				kept = append(kept, phName+"."+aName)
			}
		}
	}
	sort.Strings(kept)
	return kept
}

// renderPhases is the policy in one line, via the same renderer as Policy.
func renderPhases(phases map[string]any) string {
	raw, _ := json.Marshal(map[string]any{"p": map[string]any{"policy": map[string]any{"phases": phases}}})
	ps, err := ParsePolicies(raw)
	if err != nil || len(ps) == 0 {
		return rawJSON(phases)
	}
	return ps[0].Summary()
}

func (a *policyAction) Plan(context.Context) (ops.Plan, error) {
	verb := "Create"
	if a.existing != nil {
		verb = "Update"
	}
	return a.c.plan(ops.Plan{
		Title:   verb + " ILM policy " + a.resource,
		Changes: a.changes,
		Notes:   a.notes,
		Risk:    ops.RiskConfirm,
	}, a.call()), nil
}

func (a *policyAction) Apply(ctx context.Context) error {
	_, err := a.c.send(ctx, "put ILM policy "+a.resource, a.call())
	return err
}

func (a *policyAction) Verify(ctx context.Context) (string, error) {
	want := flattenPolicy(a.body["phases"].(map[string]any))
	return poll(ctx, func(ctx context.Context) (bool, string, error) {
		p, err := a.c.GetPolicy(ctx, a.resource)
		if err != nil {
			return false, "", err
		}
		var raw struct {
			Phases map[string]any `json:"phases"`
		}
		_ = json.Unmarshal(p.Raw, &raw)
		got := flattenPolicy(raw.Phases)
		state := fmt.Sprintf("policy %s version %d: %s", p.Name, p.Version, p.Summary())
		return len(diffLines(got, want)) == 0, state, nil
	})
}

func (a *policyAction) CheckPermission(ctx context.Context) error {
	return a.c.checkPrivileges(ctx, privileges{Cluster: []string{"manage_ilm"}})
}
