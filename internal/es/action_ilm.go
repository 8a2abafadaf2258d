package es

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/opsconsole/opsconsole/internal/ops"
)

// ---- ilm-attach -----------------------------------------------------------

// AttachOptions are ilm-attach's flags.
type AttachOptions struct {
	// RolloverAlias sets index.lifecycle.rollover_alias (--rollover-alias).
	RolloverAlias string
	// IndexingComplete sets index.lifecycle.indexing_complete (an extension
	// of the contract, --indexing-complete): ILM then skips the rollover of
	// an index nothing writes to any more, as it does after a rollover.
	IndexingComplete bool
}

type attachAction struct {
	base
	policyName string
	opts       AttachOptions

	changes []string
	notes   []string
	risk    ops.Risk
}

// NewILMAttachAction builds `ilm-attach INDEX POLICY [--rollover-alias
// ALIAS] [--indexing-complete]`: put an existing index under a policy (the
// fix for an index created before its template).
func NewILMAttachAction(c *Client, index, policy string, opts AttachOptions) ops.Action {
	params := map[string]string{"index": index, "policy": policy}
	if opts.RolloverAlias != "" {
		params["rollover_alias"] = opts.RolloverAlias
	}
	if opts.IndexingComplete {
		params["indexing_complete"] = "true"
	}
	return &attachAction{base: base{c: c, name: "ilm-attach", resource: index, params: params}, policyName: policy, opts: opts}
}

func (a *attachAction) call() wireCall {
	body := map[string]any{"index.lifecycle.name": a.policyName}
	if a.opts.RolloverAlias != "" {
		body["index.lifecycle.rollover_alias"] = a.opts.RolloverAlias
	}
	if a.opts.IndexingComplete {
		body["index.lifecycle.indexing_complete"] = true
	}
	return newCall("PUT", body, a.resource, "_settings")
}

func (a *attachAction) Validate(ctx context.Context) error {
	res, err := a.c.requireIndex(ctx, a.resource)
	if err != nil {
		return err
	}
	if err := ValidatePolicyName(a.policyName); err != nil {
		return err
	}
	if a.opts.RolloverAlias != "" {
		if err := ValidateIndexName("alias", a.opts.RolloverAlias); err != nil {
			return err
		}
	}
	policy, err := a.c.GetPolicy(ctx, a.policyName)
	if IsKind(err, KindNotFound) {
		return fmt.Errorf("ILM policy %s does not exist; create it first, for example :ilm-policy %s --rollover-max-primary-shard-size 50gb --delete-min-age 90d", a.policyName, a.policyName)
	}
	if err != nil {
		return err
	}
	st, err := a.c.indexSettings(ctx, a.resource)
	if err != nil {
		return err
	}
	curPolicy := st["index.lifecycle.name"]
	curAlias := st["index.lifecycle.rollover_alias"]
	curComplete := st["index.lifecycle.indexing_complete"] == "true"
	if curPolicy == a.policyName && (a.opts.RolloverAlias == "" || a.opts.RolloverAlias == curAlias) && (!a.opts.IndexingComplete || curComplete) {
		return fmt.Errorf("index %s is already managed by policy %s with these settings; nothing to change", a.resource, a.policyName)
	}
	a.changes = []string{settingChange("index.lifecycle.name", curPolicy, a.policyName)}
	if a.opts.RolloverAlias != "" && a.opts.RolloverAlias != curAlias {
		a.changes = append(a.changes, settingChange("index.lifecycle.rollover_alias", curAlias, a.opts.RolloverAlias))
	}
	if a.opts.IndexingComplete && !curComplete {
		a.changes = append(a.changes, settingChange("index.lifecycle.indexing_complete", "", "true"))
	}
	a.notes = nil
	a.risk = ops.RiskConfirm
	if curPolicy != "" && curPolicy != a.policyName {
		a.notes = append(a.notes, "the index moves from policy "+curPolicy+" to "+a.policyName+"; ILM finishes the current step safely before switching")
	}

	alias := a.opts.RolloverAlias
	if alias == "" {
		alias = curAlias
	}
	complete := a.opts.IndexingComplete || curComplete
	dataStream := ""
	for _, ix := range res.Indices {
		if ix.Name == a.resource {
			dataStream = ix.DataStream
		}
	}
	if policy.HasRollover() && dataStream == "" && !isBackingIndex(a.resource) {
		warn, err := a.rolloverWarning(ctx, alias, complete)
		if err != nil {
			return err
		}
		if warn != "" {
			a.notes = append(a.notes, "WARNING: "+warn)
		}
	}
	a.ageNotes(policy, st)
	a.notes = append(a.notes, "only this index changes; indices created later get a policy from an index template (ilm-template)")
	return nil
}

// rolloverWarning predicts the ERROR that ILM's check-rollover-ready step
// would raise, with Elasticsearch's own rules (WaitForRolloverReadyStep).
func (a *attachAction) rolloverWarning(ctx context.Context, alias string, complete bool) (string, error) {
	if alias == "" {
		return fmt.Sprintf("policy %s rolls over, but index %s has no index.lifecycle.rollover_alias: ILM will stop in ERROR at check-rollover-ready. "+
			"If the index is still written through an alias, pass --rollover-alias ALIAS; if nothing writes to it any more, pass --rollover-alias ALIAS --indexing-complete so ILM skips the rollover",
			a.policyName, a.resource), nil
	}
	al, found, err := a.c.aliasInfo(ctx, alias)
	if err != nil {
		return "", err
	}
	points := false
	for _, ix := range al.Indices {
		points = points || ix == a.resource
	}
	isWrite := found && al.WriteIndex == a.resource
	switch {
	case complete && points && isWrite:
		return fmt.Sprintf("indexing_complete is set but %s is still the write index of alias %s: ILM will stop in ERROR; roll the alias over first (:rollover %s)", a.resource, alias, alias), nil
	case complete:
		return "", nil
	case !points:
		return fmt.Sprintf("alias %s does not point to index %s: ILM will stop in ERROR at check-rollover-ready. If nothing writes to %s any more, add --indexing-complete", alias, a.resource, a.resource), nil
	case !isWrite:
		return fmt.Sprintf("%s is not the write index of alias %s: ILM will stop in ERROR at check-rollover-ready. If nothing writes to it any more, add --indexing-complete", a.resource, alias), nil
	}
	return "", nil
}

// ageNotes warns when the index is already past a phase's min_age: ILM
// counts an index that never rolled over from its creation date, so an old
// index attached to a policy with a delete phase is deleted at once.
func (a *attachAction) ageNotes(policy Policy, st map[string]string) {
	origin := st["index.lifecycle.origination_date"]
	if origin == "" {
		origin = st["index.creation_date"]
	}
	ms, err := strconv.ParseInt(origin, 10, 64)
	if err != nil || ms <= 0 {
		return
	}
	age := a.c.now().Sub(time.UnixMilli(ms))
	for _, ph := range policy.Phases {
		if ph.MinAge == "" || ph.Name == "hot" {
			continue
		}
		minAge, err := ParseTimeValue(ph.MinAge)
		if err != nil || age < minAge {
			continue
		}
		if ph.Name == "delete" {
			a.notes = append(a.notes, fmt.Sprintf("DANGER: %s is %s old, past the delete phase's min_age %s: once it leaves the hot phase, ILM will DELETE it and all its data", a.resource, formatAge(age), ph.MinAge))
			a.risk = ops.RiskTyped
			return
		}
		a.notes = append(a.notes, fmt.Sprintf("%s is %s old, past the %s phase's min_age %s: it will move to the %s phase right after the hot phase", a.resource, formatAge(age), ph.Name, ph.MinAge, ph.Name))
	}
}

func settingChange(key, from, to string) string {
	if from == "" {
		from = "(none)"
	}
	return key + ": " + from + " -> " + to
}

func (a *attachAction) Plan(context.Context) (ops.Plan, error) {
	return a.c.plan(ops.Plan{
		Title:       "Attach ILM policy " + a.policyName + " to " + a.resource,
		Changes:     a.changes,
		Notes:       a.notes,
		Risk:        a.risk,
		ConfirmName: a.resource,
	}, a.call()), nil
}

func (a *attachAction) Apply(ctx context.Context) error {
	_, err := a.c.send(ctx, "attach ILM policy to "+a.resource, a.call())
	return err
}

func (a *attachAction) Verify(ctx context.Context) (string, error) {
	return poll(ctx, func(ctx context.Context) (bool, string, error) {
		s, err := a.c.ILMExplain(ctx, a.resource)
		if err != nil {
			return false, "", err
		}
		if !s.Managed || s.Policy != a.policyName {
			return false, "not yet managed by " + a.policyName, nil
		}
		state := "managed by " + a.policyName + " at " + s.Position()
		if s.InError() {
			state += ": " + s.ErrorText()
		}
		return true, state, nil
	})
}

func (a *attachAction) CheckPermission(ctx context.Context) error {
	return a.c.checkPrivileges(ctx, privileges{Index: []indexPrivilege{{Names: []string{a.resource}, Privileges: []string{"manage"}}}})
}

// ---- ilm-bootstrap --------------------------------------------------------

type bootstrapAction struct {
	base
	policyName string
	notes      []string
}

// FirstIndexName is the index ilm-bootstrap creates for an alias.
func FirstIndexName(alias string) string { return alias + "-000001" }

// NewILMBootstrapAction builds `ilm-bootstrap ALIAS [--policy NAME]`: create
// ALIAS-000001 as the write index of ALIAS, under the policy when named.
func NewILMBootstrapAction(c *Client, alias, policy string) ops.Action {
	params := map[string]string{"alias": alias}
	if policy != "" {
		params["policy"] = policy
	}
	return &bootstrapAction{base: base{c: c, name: "ilm-bootstrap", resource: alias, params: params}, policyName: policy}
}

func (a *bootstrapAction) first() string { return FirstIndexName(a.resource) }

func (a *bootstrapAction) call() wireCall {
	body := map[string]any{"aliases": map[string]any{a.resource: map[string]any{"is_write_index": true}}}
	if a.policyName != "" {
		body["settings"] = map[string]any{
			"index.lifecycle.name":           a.policyName,
			"index.lifecycle.rollover_alias": a.resource,
		}
	}
	return newCall("PUT", body, a.first())
}

func (a *bootstrapAction) Validate(ctx context.Context) error {
	if err := ValidateIndexName("alias", a.resource); err != nil {
		return err
	}
	if err := ValidateIndexName("index", a.first()); err != nil {
		return err
	}
	res, err := a.c.resolve(ctx, a.resource)
	if err != nil {
		return err
	}
	switch res.kindOf(a.resource) {
	case nameIndex:
		return fmt.Errorf("an index named %s exists; an alias cannot have the name of an index: choose another alias name", a.resource)
	case nameDataStream:
		return fmt.Errorf("%s is a data stream, which rolls over by itself; nothing to bootstrap", a.resource)
	case nameAlias:
		al, _, err := a.c.aliasInfo(ctx, a.resource)
		if err != nil {
			return err
		}
		if al.WriteIndex != "" {
			return fmt.Errorf("alias %s already has write index %s; roll it over with :rollover %s instead", a.resource, al.WriteIndex, a.resource)
		}
	}
	firstRes, err := a.c.resolve(ctx, a.first())
	if err != nil {
		return err
	}
	if firstRes.kindOf(a.first()) != nameMissing {
		return fmt.Errorf("%s already exists; bootstrap creates it, so there is nothing to bootstrap", a.first())
	}
	a.notes = nil
	if a.policyName != "" {
		if err := ValidatePolicyName(a.policyName); err != nil {
			return err
		}
		p, err := a.c.GetPolicy(ctx, a.policyName)
		if IsKind(err, KindNotFound) {
			return fmt.Errorf("ILM policy %s does not exist; create it first with :ilm-policy %s ...", a.policyName, a.policyName)
		}
		if err != nil {
			return err
		}
		if !p.HasRollover() {
			a.notes = append(a.notes, "policy "+a.policyName+" has no rollover action: the alias will never roll over by itself")
		}
	}
	templates, err := a.c.Templates(ctx)
	if err != nil {
		return err
	}
	if t, ok := winningTemplate(templates, a.first()); ok {
		note := fmt.Sprintf("index template %s (priority %d) also applies to %s", t.Name, t.Priority, a.first())
		switch {
		case a.policyName != "" && t.Policy != "" && t.Policy != a.policyName:
			note += "; its policy " + t.Policy + " is overridden by " + a.policyName
		case a.policyName == "" && t.Policy != "":
			note += " and attaches policy " + t.Policy
		}
		a.notes = append(a.notes, note)
		if a.policyName == "" && t.Policy == "" {
			a.notes = append(a.notes, "WARNING: "+a.first()+" gets no ILM policy, so nothing will roll it over: pass --policy NAME")
		}
	} else if a.policyName == "" {
		a.notes = append(a.notes, "WARNING: no policy given and no index template matches "+a.first()+", so nothing will roll it over: pass --policy NAME")
	}
	a.notes = append(a.notes, "point writers at the alias "+a.resource+", never at "+a.first()+": rollover moves the alias to the next index")
	return nil
}

// winningTemplate is the highest-priority composable template matching name,
// the one Elasticsearch applies when it creates the index.
func winningTemplate(ts []Template, name string) (Template, bool) {
	var best Template
	found := false
	for _, t := range ts {
		if t.Matches(name) && (!found || t.Priority > best.Priority) {
			best, found = t, true
		}
	}
	return best, found
}

func (a *bootstrapAction) Plan(context.Context) (ops.Plan, error) {
	changes := []string{"create index " + a.first() + " as the write index of alias " + a.resource}
	if a.policyName != "" {
		changes = append(changes, "manage it with ILM policy "+a.policyName+", rolling over through alias "+a.resource)
	}
	return a.c.plan(ops.Plan{
		Title: "Bootstrap alias " + a.resource, Changes: changes, Notes: a.notes, Risk: ops.RiskConfirm,
	}, a.call()), nil
}

func (a *bootstrapAction) Apply(ctx context.Context) error {
	_, err := a.c.send(ctx, "create index "+a.first(), a.call())
	return err
}

func (a *bootstrapAction) Verify(ctx context.Context) (string, error) {
	return poll(ctx, func(ctx context.Context) (bool, string, error) {
		al, found, err := a.c.aliasInfo(ctx, a.resource)
		if err != nil {
			return false, "", err
		}
		if !found {
			return false, "alias " + a.resource + " not visible yet", nil
		}
		return al.WriteIndex == a.first(), "alias " + a.resource + " writes to " + al.WriteIndex, nil
	})
}

func (a *bootstrapAction) CheckPermission(ctx context.Context) error {
	return a.c.checkPrivileges(ctx, privileges{Index: []indexPrivilege{
		{Names: []string{a.first()}, Privileges: []string{"create_index"}},
		{Names: []string{a.resource}, Privileges: []string{"manage"}},
	}})
}

// ---- ilm-template ---------------------------------------------------------

// TemplateOptions are ilm-template's flags.
type TemplateOptions struct {
	// Patterns are the index patterns (--pattern, repeatable or
	// comma-separated).
	Patterns      []string
	Policy        string // --policy
	RolloverAlias string // --rollover-alias
	// Priority (--priority, an extension of the contract): when zero and
	// not set, an updated template keeps its priority and a new one gets
	// DefaultTemplatePriority.
	Priority    int64
	PrioritySet bool
}

// DefaultTemplatePriority is above Elasticsearch's built-in templates
// (logs, metrics: 100), so a new template is not shadowed by them.
const DefaultTemplatePriority = 200

type templateAction struct {
	base
	opts TemplateOptions

	body    map[string]any
	exists  bool
	changes []string
	notes   []string
}

// NewILMTemplateAction builds `ilm-template NAME --pattern P --policy NAME
// [--rollover-alias A] [--priority N]`.
func NewILMTemplateAction(c *Client, name string, opts TemplateOptions) ops.Action {
	params := map[string]string{"template": name, "pattern": strings.Join(opts.Patterns, ","), "policy": opts.Policy}
	if opts.RolloverAlias != "" {
		params["rollover_alias"] = opts.RolloverAlias
	}
	if opts.PrioritySet {
		params["priority"] = strconv.FormatInt(opts.Priority, 10)
	}
	return &templateAction{base: base{c: c, name: "ilm-template", resource: name, params: params}, opts: opts}
}

func (a *templateAction) call() wireCall {
	return newCall("PUT", a.body, "_index_template", a.resource)
}

// serverOwnedTemplateKeys are returned by GET but refused by PUT.
var serverOwnedTemplateKeys = []string{"created_date", "created_date_millis", "modified_date", "modified_date_millis"}

func (a *templateAction) Validate(ctx context.Context) error {
	if err := ValidateTemplateName(a.resource); err != nil {
		return err
	}
	if len(a.opts.Patterns) == 0 {
		return errors.New("give the index pattern the template applies to: --pattern 'functionbeat-*'")
	}
	for _, p := range a.opts.Patterns {
		if err := ValidateIndexPattern(p); err != nil {
			return err
		}
	}
	if a.opts.Policy == "" {
		return errors.New("give the policy new indices get: --policy NAME")
	}
	if err := ValidatePolicyName(a.opts.Policy); err != nil {
		return err
	}
	if a.opts.RolloverAlias != "" {
		if err := ValidateIndexName("alias", a.opts.RolloverAlias); err != nil {
			return err
		}
	}
	if _, err := a.c.GetPolicy(ctx, a.opts.Policy); IsKind(err, KindNotFound) {
		return fmt.Errorf("ILM policy %s does not exist; create it first with :ilm-policy %s ...", a.opts.Policy, a.opts.Policy)
	} else if err != nil {
		return err
	}
	templates, err := a.c.Templates(ctx)
	if err != nil {
		return err
	}
	var current *Template
	for i := range templates {
		if templates[i].Name == a.resource {
			current = &templates[i]
		}
	}
	a.exists = current != nil
	priority := int64(DefaultTemplatePriority)
	switch {
	case a.opts.PrioritySet:
		priority = a.opts.Priority
	case current != nil:
		priority = current.Priority
	}
	if err := a.buildBody(current, priority); err != nil {
		return err
	}
	a.notes = nil
	for _, t := range templates {
		if t.Name == a.resource || !patternsOverlap(t.Patterns, a.opts.Patterns) {
			continue
		}
		switch {
		case t.Priority == priority:
			return fmt.Errorf("index template %s (patterns %s) matches some of the same index names with the same priority %d; Elasticsearch refuses that: pass --priority with another value", t.Name, strings.Join(t.Patterns, ","), priority)
		case t.Priority > priority:
			a.notes = append(a.notes, fmt.Sprintf("template %s (priority %d, patterns %s) matches some of the same names and wins there: this template will not apply to them", t.Name, t.Priority, strings.Join(t.Patterns, ",")))
		case t.DataStream:
			a.notes = append(a.notes, fmt.Sprintf("WARNING: this template outranks data stream template %s (%s) where both match: new names there become plain indices, not data streams", t.Name, strings.Join(t.Patterns, ",")))
		}
	}
	return a.existingIndicesNote(ctx)
}

// buildBody makes the PUT body: the current template with its lifecycle
// settings, patterns and priority replaced, or a new minimal template.
// Settings are written flat so they cannot clash with nested ones.
func (a *templateAction) buildBody(current *Template, priority int64) error {
	body := map[string]any{}
	if current != nil {
		if err := json.Unmarshal(current.Raw, &body); err != nil {
			return fmt.Errorf("the current template %s cannot be read: %w", a.resource, err)
		}
		for _, k := range serverOwnedTemplateKeys {
			delete(body, k)
		}
	}
	tmpl := subMap(body, "template")
	flat := map[string]string{}
	if s, ok := tmpl["settings"].(map[string]any); ok {
		flattenSettings("", s, flat)
	}
	before := map[string]string{}
	if current != nil {
		before["index_patterns"] = strings.Join(current.Patterns, ",")
		before["priority"] = strconv.FormatInt(current.Priority, 10)
		before["index.lifecycle.name"] = current.Policy
		before["index.lifecycle.rollover_alias"] = current.RolloverAlias
	}
	for _, k := range []string{"lifecycle.name", "lifecycle.rollover_alias"} {
		delete(flat, k) // an unprefixed spelling would duplicate ours
	}
	flat["index.lifecycle.name"] = a.opts.Policy
	if a.opts.RolloverAlias != "" {
		flat["index.lifecycle.rollover_alias"] = a.opts.RolloverAlias
	}
	settings := make(map[string]any, len(flat))
	for k, v := range flat {
		settings[k] = v
	}
	tmpl["settings"] = settings
	body["index_patterns"] = a.opts.Patterns
	body["priority"] = priority
	a.body = body

	after := map[string]string{
		"index_patterns":       strings.Join(a.opts.Patterns, ","),
		"priority":             strconv.FormatInt(priority, 10),
		"index.lifecycle.name": a.opts.Policy,
	}
	if a.opts.RolloverAlias != "" {
		after["index.lifecycle.rollover_alias"] = a.opts.RolloverAlias
	}
	if current == nil {
		a.changes = []string{fmt.Sprintf("create index template %s for %s (priority %d): new indices get policy %s",
			a.resource, strings.Join(a.opts.Patterns, ","), priority, a.opts.Policy)}
		if a.opts.RolloverAlias != "" {
			a.changes = append(a.changes, "and index.lifecycle.rollover_alias "+a.opts.RolloverAlias)
		}
		return nil
	}
	for k, v := range before {
		if v == "" {
			delete(before, k)
		}
	}
	a.changes = diffLines(before, after)
	if len(a.changes) == 0 {
		return fmt.Errorf("template %s already sets these values; nothing to change", a.resource)
	}
	return nil
}

// existingIndicesNote lists existing indices the template will not touch
// and that still need ilm-attach.
func (a *templateAction) existingIndicesNote(ctx context.Context) error {
	a.notes = append(a.notes, "a template applies only to indices created after it: existing indices are not touched")
	var need []string
	for _, p := range a.opts.Patterns {
		states, err := a.c.explain(ctx, p, false)
		if err != nil && !IsKind(err, KindNotFound) {
			return err
		}
		for name, s := range states {
			if isBackingIndex(name) || (s.Managed && s.Policy == a.opts.Policy) {
				continue
			}
			need = append(need, name)
		}
	}
	sort.Strings(need)
	need = slices.Compact(need)
	if len(need) == 0 {
		return nil
	}
	const show = 10
	list := need
	more := ""
	if len(list) > show {
		list, more = list[:show], fmt.Sprintf(" and %d more", len(need)-show)
	}
	a.notes = append(a.notes, fmt.Sprintf("%d existing indices match and are not under policy %s: %s%s", len(need), a.opts.Policy, strings.Join(list, ", "), more))
	for _, name := range list {
		a.notes = append(a.notes, "  then run :ilm-attach "+name+" "+a.opts.Policy)
	}
	return nil
}

// patternsOverlap reports whether some index name matches a pattern of
// each list.
func patternsOverlap(a, b []string) bool {
	for _, p := range a {
		for _, q := range b {
			if globsIntersect(p, q) {
				return true
			}
		}
	}
	return false
}

// globsIntersect reports whether some string matches both '*'-wildcard
// patterns (exact, by dynamic programming over both patterns).
func globsIntersect(p, q string) bool {
	memo := map[[2]int]bool{}
	seen := map[[2]int]bool{}
	var walk func(i, j int) bool
	walk = func(i, j int) bool {
		k := [2]int{i, j}
		if seen[k] {
			return memo[k]
		}
		seen[k] = true
		var r bool
		switch {
		case i == len(p) && j == len(q):
			r = true
		case i < len(p) && p[i] == '*':
			r = walk(i+1, j) || (j < len(q) && walk(i, j+1))
		case j < len(q) && q[j] == '*':
			r = walk(i, j+1) || (i < len(p) && walk(i+1, j))
		case i < len(p) && j < len(q):
			r = p[i] == q[j] && walk(i+1, j+1)
		}
		memo[k] = r
		return r
	}
	return walk(0, 0)
}

func (a *templateAction) Plan(context.Context) (ops.Plan, error) {
	verb := "Create"
	if a.exists {
		verb = "Update"
	}
	return a.c.plan(ops.Plan{
		Title: verb + " index template " + a.resource, Changes: a.changes, Notes: a.notes, Risk: ops.RiskConfirm,
	}, a.call()), nil
}

func (a *templateAction) Apply(ctx context.Context) error {
	_, err := a.c.send(ctx, "put index template "+a.resource, a.call())
	return err
}

func (a *templateAction) Verify(ctx context.Context) (string, error) {
	return poll(ctx, func(ctx context.Context) (bool, string, error) {
		ts, err := a.c.Templates(ctx)
		if err != nil {
			return false, "", err
		}
		for _, t := range ts {
			if t.Name == a.resource {
				state := fmt.Sprintf("template %s for %s sets policy %s", t.Name, strings.Join(t.Patterns, ","), t.Policy)
				return t.Policy == a.opts.Policy && strings.Join(t.Patterns, ",") == strings.Join(a.opts.Patterns, ","), state, nil
			}
		}
		return false, "template " + a.resource + " not visible yet", nil
	})
}

func (a *templateAction) CheckPermission(ctx context.Context) error {
	return a.c.checkPrivileges(ctx, privileges{Cluster: []string{"manage_index_templates"}})
}

// ---- ilm-retry ------------------------------------------------------------

type retryAction struct {
	base
	state ILMState
}

// NewILMRetryAction builds `ilm-retry INDEX`: restart the failed ILM step of
// an index in ERROR.
func NewILMRetryAction(c *Client, index string) ops.Action {
	return &retryAction{base: base{c: c, name: "ilm-retry", resource: index, params: map[string]string{"index": index}}}
}

func (a *retryAction) call() wireCall { return newCall("POST", nil, a.resource, "_ilm", "retry") }

func (a *retryAction) Validate(ctx context.Context) error {
	if _, err := a.c.requireIndex(ctx, a.resource); err != nil {
		return err
	}
	s, err := a.c.ILMExplain(ctx, a.resource)
	if err != nil {
		return err
	}
	switch {
	case !s.Managed:
		return fmt.Errorf("index %s is not managed by ILM; attach a policy with :ilm-attach %s POLICY", a.resource, a.resource)
	case !s.InError():
		return fmt.Errorf("index %s is not in ILM ERROR (it is at %s); ilm-retry only restarts a failed step", a.resource, s.Position())
	}
	a.state = s
	return nil
}

func (a *retryAction) Plan(context.Context) (ops.Plan, error) {
	notes := []string{
		"failed: " + a.state.ErrorText(),
		"the step runs again as it is: unless its cause was fixed, ILM returns to ERROR",
	}
	if strings.Contains(a.state.StepInfo.Reason, "rollover_alias") || strings.Contains(a.state.StepInfo.Reason, "write index for alias") {
		notes = append(notes, "this is a rollover-alias problem: fix it first with :ilm-attach "+a.resource+" "+a.state.Policy+" --rollover-alias ALIAS [--indexing-complete]")
	}
	return a.c.plan(ops.Plan{
		Title:   "Retry ILM step " + a.state.FailedStep + " of " + a.resource,
		Changes: []string{fmt.Sprintf("%s: %s -> %s/%s/%s", a.resource, a.state.Position(), a.state.Phase, a.state.Action, a.state.FailedStep)},
		Notes:   notes,
		Risk:    ops.RiskConfirm,
	}, a.call()), nil
}

func (a *retryAction) Apply(ctx context.Context) error {
	_, err := a.c.send(ctx, "retry ILM step of "+a.resource, a.call())
	return err
}

func (a *retryAction) Verify(ctx context.Context) (string, error) {
	s, err := a.c.ILMExplain(ctx, a.resource)
	if err != nil {
		return "", err
	}
	if s.InError() {
		return s.Position(), fmt.Errorf("ILM is in ERROR again: %s", s.ErrorText())
	}
	return "retrying: now at " + s.Position() + " (if the cause persists ILM will return to ERROR)", nil
}

func (a *retryAction) CheckPermission(ctx context.Context) error {
	return a.c.checkPrivileges(ctx, privileges{Index: []indexPrivilege{{Names: []string{a.resource}, Privileges: []string{"manage_ilm"}}}})
}
