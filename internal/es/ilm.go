package es

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/elastic/go-elasticsearch/v8/esapi"
)

// ILMState is one index's lifecycle position (_ilm/explain).
type ILMState struct {
	Index   string
	Managed bool
	Policy  string
	Phase   string
	Action  string
	Step    string
	// FailedStep, StepInfo, AutoRetryable and RetryCount describe an index
	// in the ERROR step. StepInfo is also set while a step waits (Message).
	FailedStep    string
	StepInfo      StepInfo
	AutoRetryable bool
	RetryCount    int
	// Age is Elasticsearch's own rendering of the time since the lifecycle
	// date ("50.1d"); LifecycleDate is that date.
	Age           string
	LifecycleDate time.Time
}

// StepInfo is step_info: an error (Type, Reason) or a waiting message.
type StepInfo struct {
	Type    string
	Reason  string
	Message string
}

// InError reports whether ILM stopped on this index.
func (s ILMState) InError() bool { return s.Step == "ERROR" }

// Position is "hot / rollover / check-rollover-ready", or "ERROR after
// hot / rollover / check-rollover-ready".
func (s ILMState) Position() string {
	parts := make([]string, 0, 3)
	for _, p := range []string{s.Phase, s.Action} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if s.InError() {
		if s.FailedStep != "" {
			parts = append(parts, s.FailedStep)
		}
		if len(parts) == 0 {
			return "ERROR"
		}
		return "ERROR at " + strings.Join(parts, " / ")
	}
	if s.Step != "" {
		parts = append(parts, s.Step)
	}
	return strings.Join(parts, " / ")
}

// ErrorText is the reason an index is in ERROR, for the UI.
func (s ILMState) ErrorText() string {
	switch {
	case s.StepInfo.Reason != "" && s.StepInfo.Type != "":
		return s.StepInfo.Type + ": " + s.StepInfo.Reason
	case s.StepInfo.Reason != "":
		return s.StepInfo.Reason
	default:
		return s.StepInfo.Message
	}
}

type explainJSON struct {
	Indices map[string]explainIndexJSON `json:"indices"`
}

type explainIndexJSON struct {
	Index         string          `json:"index"`
	Managed       bool            `json:"managed"`
	Policy        string          `json:"policy"`
	Phase         string          `json:"phase"`
	Action        string          `json:"action"`
	Step          string          `json:"step"`
	FailedStep    string          `json:"failed_step"`
	StepInfo      json.RawMessage `json:"step_info"`
	AutoRetryable bool            `json:"is_auto_retryable_error"`
	RetryCount    int             `json:"failed_step_retry_count"`
	Age           string          `json:"age"`
	LifecycleDate int64           `json:"lifecycle_date_millis"`
}

// ParseILMExplain reads an _ilm/explain response, keyed by index name.
// Every field but the index name may be missing (an index in ERROR because
// its policy does not exist has no phase, action or failed step).
func ParseILMExplain(data []byte) (map[string]ILMState, error) {
	var ex explainJSON
	if err := decodeJSON("_ilm/explain", data, &ex); err != nil {
		return nil, err
	}
	out := make(map[string]ILMState, len(ex.Indices))
	for name, e := range ex.Indices {
		s := ILMState{
			Index: name, Managed: e.Managed, Policy: e.Policy, Phase: e.Phase, Action: e.Action, Step: e.Step,
			FailedStep: e.FailedStep, AutoRetryable: e.AutoRetryable, RetryCount: e.RetryCount, Age: e.Age,
		}
		if e.LifecycleDate > 0 {
			s.LifecycleDate = time.UnixMilli(e.LifecycleDate).UTC()
		}
		s.StepInfo = parseStepInfo(e.StepInfo)
		out[name] = s
	}
	return out, nil
}

func parseStepInfo(raw json.RawMessage) StepInfo {
	if len(raw) == 0 {
		return StepInfo{}
	}
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return StepInfo{Message: strings.Trim(string(raw), `"`)}
	}
	si := StepInfo{}
	si.Type, _ = m["type"].(string)
	si.Reason, _ = m["reason"].(string)
	si.Message, _ = m["message"].(string)
	if cause, ok := m["caused_by"].(map[string]any); ok && si.Reason == "" {
		si.Type, _ = cause["type"].(string)
		si.Reason, _ = cause["reason"].(string)
	}
	return si
}

// explainFields keep a full-cluster explain small: phase_execution holds
// the whole phase definition per index and is not needed here.
var explainFields = []string{
	"indices.*.index", "indices.*.managed", "indices.*.policy", "indices.*.phase", "indices.*.action",
	"indices.*.step", "indices.*.failed_step", "indices.*.step_info", "indices.*.is_auto_retryable_error",
	"indices.*.failed_step_retry_count", "indices.*.age", "indices.*.lifecycle_date_millis",
}

func (c *Client) explain(ctx context.Context, index string, onlyErrors bool) (map[string]ILMState, error) {
	req := esapi.ILMExplainLifecycleRequest{Index: index, FilterPath: explainFields}
	if onlyErrors {
		req.OnlyErrors = esapi.BoolPtr(true)
	}
	body, err := c.readJSON(ctx, "read ILM state of "+index, req)
	if err != nil {
		return nil, err
	}
	if len(strings.TrimSpace(string(body))) <= 2 {
		// filter_path leaves {} when nothing matched: no index at all.
		return map[string]ILMState{}, nil
	}
	return ParseILMExplain(body)
}

// ILMExplain reads one index's lifecycle state.
func (c *Client) ILMExplain(ctx context.Context, index string) (ILMState, error) {
	m, err := c.explain(ctx, index, false)
	if err != nil {
		return ILMState{}, err
	}
	if s, ok := m[index]; ok {
		return s, nil
	}
	for _, s := range m {
		return s, nil // an alias or data stream name resolves to its index
	}
	return ILMState{}, &Error{Op: "read ILM state of " + index, Kind: KindNotFound, Status: 404, Reason: "no such index [" + index + "]"}
}

// Policy is one ILM policy in readable form.
type Policy struct {
	Name     string
	Version  int64
	Modified time.Time
	Phases   []Phase
	// InUseBy comes from the server (8.x): indices, data streams and
	// composable templates that name the policy.
	Indices     []string
	DataStreams []string
	Templates   []string
	// Raw is the policy body ({"phases":...,"_meta":...}) as the server
	// returned it, so an update can keep what the console does not edit.
	Raw json.RawMessage
}

// Phase is one phase of a policy.
type Phase struct {
	Name    string
	MinAge  string
	Actions []PolicyAction
}

// PolicyAction is one action with its options, rendered for people:
// {Name: "rollover", Options: "max_age 30d, max_primary_shard_size 50gb"}.
type PolicyAction struct {
	Name    string
	Options string
	// Params are the raw options, for code that needs a value.
	Params map[string]any
}

// Text is "rollover (max_age 30d, max_primary_shard_size 50gb)".
func (a PolicyAction) Text() string {
	if a.Options == "" {
		return a.Name
	}
	return a.Name + " (" + a.Options + ")"
}

// Phase returns the named phase.
func (p Policy) Phase(name string) (Phase, bool) {
	for _, ph := range p.Phases {
		if ph.Name == name {
			return ph, true
		}
	}
	return Phase{}, false
}

// Action returns the named action of a phase.
func (ph Phase) Action(name string) (PolicyAction, bool) {
	for _, a := range ph.Actions {
		if a.Name == name {
			return a, true
		}
	}
	return PolicyAction{}, false
}

// HasRollover reports whether the policy's hot phase rolls over.
func (p Policy) HasRollover() bool {
	hot, ok := p.Phase("hot")
	if !ok {
		return false
	}
	_, ok = hot.Action("rollover")
	return ok
}

// Summary is one line: "hot: rollover (max_age 30d) -> delete after 90d".
func (p Policy) Summary() string {
	parts := make([]string, 0, len(p.Phases))
	for _, ph := range p.Phases {
		acts := make([]string, 0, len(ph.Actions))
		for _, a := range ph.Actions {
			acts = append(acts, a.Text())
		}
		s := ph.Name
		if ph.MinAge != "" && ph.MinAge != "0ms" && ph.MinAge != "0" {
			s += " after " + ph.MinAge
		}
		if len(acts) > 0 {
			s += ": " + strings.Join(acts, ", ")
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " -> ")
}

var phaseOrder = map[string]int{"new": 0, "hot": 1, "warm": 2, "cold": 3, "frozen": 4, "delete": 5}

type policyJSON struct {
	Version      int64           `json:"version"`
	ModifiedDate json.RawMessage `json:"modified_date"`
	Policy       json.RawMessage `json:"policy"`
	InUseBy      struct {
		Indices     []string `json:"indices"`
		DataStreams []string `json:"data_streams"`
		Templates   []string `json:"composable_templates"`
	} `json:"in_use_by"`
}

type policyBodyJSON struct {
	Phases map[string]struct {
		MinAge  string                    `json:"min_age"`
		Actions map[string]map[string]any `json:"actions"`
	} `json:"phases"`
}

// ParsePolicies reads GET _ilm/policy, sorted by name.
func ParsePolicies(data []byte) ([]Policy, error) {
	var raw map[string]policyJSON
	if err := decodeJSON("_ilm/policy", data, &raw); err != nil {
		return nil, err
	}
	out := make([]Policy, 0, len(raw))
	for name, pj := range raw {
		var body policyBodyJSON
		if len(pj.Policy) > 0 {
			if err := decodeJSON("_ilm/policy "+name, pj.Policy, &body); err != nil {
				return nil, err
			}
		}
		p := Policy{
			Name: name, Version: pj.Version, Raw: pj.Policy, Modified: parseModified(pj.ModifiedDate),
			Indices: pj.InUseBy.Indices, DataStreams: pj.InUseBy.DataStreams, Templates: pj.InUseBy.Templates,
		}
		for phName, ph := range body.Phases {
			phase := Phase{Name: phName, MinAge: ph.MinAge}
			for aName, params := range ph.Actions {
				phase.Actions = append(phase.Actions, PolicyAction{Name: aName, Options: renderOptions(params), Params: params})
			}
			sort.Slice(phase.Actions, func(i, j int) bool { return phase.Actions[i].Name < phase.Actions[j].Name })
			p.Phases = append(p.Phases, phase)
		}
		sort.Slice(p.Phases, func(i, j int) bool {
			oi, iok := phaseOrder[p.Phases[i].Name]
			oj, jok := phaseOrder[p.Phases[j].Name]
			if iok != jok {
				return iok
			}
			if oi != oj {
				return oi < oj
			}
			return p.Phases[i].Name < p.Phases[j].Name
		})
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// parseModified reads modified_date, which is an ISO string in most
// versions and epoch millis in some examples.
func parseModified(raw json.RawMessage) time.Time {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		t, _ := time.Parse(time.RFC3339Nano, s)
		return t
	}
	var ms int64
	if json.Unmarshal(raw, &ms) == nil && ms > 0 {
		return time.UnixMilli(ms).UTC()
	}
	return time.Time{}
}

func renderOptions(params map[string]any) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		switch v := params[k].(type) {
		case map[string]any:
			if len(v) == 0 {
				continue
			}
			b, _ := json.Marshal(v)
			parts = append(parts, k+" "+string(b))
		default:
			parts = append(parts, k+" "+scalarString(v))
		}
	}
	return strings.Join(parts, ", ")
}

// Template is a composable index template, reduced to what ILM cares about.
type Template struct {
	Name          string
	Patterns      []string
	Priority      int64
	ComposedOf    []string
	DataStream    bool
	Policy        string // index.lifecycle.name in the template's own settings
	RolloverAlias string
	// Raw is the index_template object as returned, for updates.
	Raw json.RawMessage
}

type templatesJSON struct {
	IndexTemplates []struct {
		Name          string          `json:"name"`
		IndexTemplate json.RawMessage `json:"index_template"`
	} `json:"index_templates"`
}

type templateBodyJSON struct {
	IndexPatterns json.RawMessage `json:"index_patterns"`
	Priority      int64           `json:"priority"`
	ComposedOf    []string        `json:"composed_of"`
	DataStream    json.RawMessage `json:"data_stream"`
	Template      struct {
		Settings map[string]any `json:"settings"`
	} `json:"template"`
}

// ParseIndexTemplates reads GET _index_template, sorted by name. Settings
// may be nested ({"index":{"lifecycle":{"name":...}}}) or flat
// ("index.lifecycle.name"); index_patterns may be a list or one string.
func ParseIndexTemplates(data []byte) ([]Template, error) {
	var tj templatesJSON
	if err := decodeJSON("_index_template", data, &tj); err != nil {
		return nil, err
	}
	out := make([]Template, 0, len(tj.IndexTemplates))
	for _, it := range tj.IndexTemplates {
		var body templateBodyJSON
		if err := decodeJSON("index template "+it.Name, it.IndexTemplate, &body); err != nil {
			return nil, err
		}
		t := Template{Name: it.Name, Priority: body.Priority, ComposedOf: body.ComposedOf, Raw: it.IndexTemplate,
			DataStream: len(body.DataStream) > 0 && string(body.DataStream) != "null"}
		var one string
		if json.Unmarshal(body.IndexPatterns, &one) == nil {
			t.Patterns = []string{one}
		} else {
			_ = json.Unmarshal(body.IndexPatterns, &t.Patterns)
		}
		flat := map[string]string{}
		flattenSettings("", body.Template.Settings, flat)
		t.Policy = settingValue(flat, "lifecycle.name")
		t.RolloverAlias = settingValue(flat, "lifecycle.rollover_alias")
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// settingValue reads an index setting written either "index.x" or "x".
func settingValue(flat map[string]string, key string) string {
	if v, ok := flat["index."+key]; ok {
		return v
	}
	return flat[key]
}

// Matches reports whether the template's patterns match an index name.
func (t Template) Matches(index string) bool {
	for _, p := range t.Patterns {
		if MatchPattern(p, index) {
			return true
		}
	}
	return false
}

// ILMOverview is the ILM pane: policies, the templates and indices that use
// each, and every index ILM stopped on.
type ILMOverview struct {
	Policies  []PolicyUse
	Templates []Template
	Errors    []ILMState
	Warnings  []string
}

// PolicyUse is a policy with who uses it.
type PolicyUse struct {
	Policy
	// ManagedIndices are the indices ILM manages with this policy (from
	// the server's in_use_by, or explain when that is absent).
	ManagedIndices []string
	// TemplateNames are composable templates that set this policy.
	TemplateNames []string
}

// ILM reads the ILM pane: policies, templates and the indices in ERROR, in
// parallel. Policies are required; templates and errors degrade to warnings.
func (c *Client) ILM(ctx context.Context) (ILMOverview, error) {
	var (
		policies  []Policy
		templates []Template
		errored   map[string]ILMState
		ov        ILMOverview
	)
	errs := parallel(
		func() (err error) { policies, err = c.Policies(ctx); return },
		func() (err error) { templates, err = c.Templates(ctx); return },
		func() (err error) { errored, err = c.explain(ctx, "_all", true); return },
	)
	if errs[0] != nil {
		return ILMOverview{}, errs[0]
	}
	if errs[1] != nil {
		ov.Warnings = append(ov.Warnings, "index templates unavailable: "+errs[1].Error())
	}
	if errs[2] != nil {
		ov.Warnings = append(ov.Warnings, "ILM errors unavailable: "+errs[2].Error())
	}
	ov.Templates = templates
	for _, p := range policies {
		use := PolicyUse{Policy: p, ManagedIndices: append([]string(nil), p.Indices...)}
		seen := map[string]bool{}
		for _, t := range p.Templates {
			seen[t] = true
			use.TemplateNames = append(use.TemplateNames, t)
		}
		for _, t := range templates {
			if t.Policy == p.Name && !seen[t.Name] {
				use.TemplateNames = append(use.TemplateNames, t.Name)
			}
		}
		sort.Strings(use.ManagedIndices)
		sort.Strings(use.TemplateNames)
		ov.Policies = append(ov.Policies, use)
	}
	for _, s := range errored {
		if s.InError() {
			ov.Errors = append(ov.Errors, s)
		}
	}
	sort.Slice(ov.Errors, func(i, j int) bool { return ov.Errors[i].Index < ov.Errors[j].Index })
	return ov, nil
}

// Policies lists every ILM policy.
func (c *Client) Policies(ctx context.Context) ([]Policy, error) {
	body, err := c.readJSON(ctx, "list ILM policies", esapi.ILMGetLifecycleRequest{})
	if err != nil {
		return nil, err
	}
	return ParsePolicies(body)
}

// GetPolicy reads one policy; a missing policy is an *Error of KindNotFound.
func (c *Client) GetPolicy(ctx context.Context, name string) (Policy, error) {
	body, err := c.readJSON(ctx, "read ILM policy "+name, esapi.ILMGetLifecycleRequest{Policy: name})
	if err != nil {
		return Policy{}, err
	}
	ps, err := ParsePolicies(body)
	if err != nil {
		return Policy{}, err
	}
	for _, p := range ps {
		if p.Name == name {
			return p, nil
		}
	}
	return Policy{}, &Error{Op: "read ILM policy " + name, Kind: KindNotFound, Status: 404, Reason: fmt.Sprintf("policy [%s] does not exist", name)}
}

// Templates lists every composable index template.
func (c *Client) Templates(ctx context.Context) ([]Template, error) {
	body, err := c.readJSON(ctx, "list index templates", esapi.IndicesGetIndexTemplateRequest{})
	if err != nil {
		return nil, err
	}
	return ParseIndexTemplates(body)
}
