package essim

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ilmState is where ILM is on one index.
type ilmState struct {
	phase, action, step string
	failedStep          string
	stepInfo            map[string]any
	autoRetryable       bool
	retryCount          int
	phaseTime           time.Time
	actionTime          time.Time
	stepTime            time.Time
	lifecycleDate       time.Time
}

var phaseOrder = []string{"hot", "warm", "cold", "frozen", "delete"}

// ---- policies -------------------------------------------------------------

var rolloverConditionKeys = map[string]bool{"max_age": true, "max_docs": true, "max_size": true, "max_primary_shard_size": true,
	"max_primary_shard_docs": true, "min_age": true, "min_docs": true, "min_size": true, "min_primary_shard_size": true, "min_primary_shard_docs": true}

func (s *Server) putPolicy(req *request, now time.Time) (int, any, *esError) {
	name := req.parts[2]
	if strings.HasPrefix(name, "_") || strings.ContainsAny(name, `\/*?"<>| ,`) {
		return 0, nil, errIllegalArgument("invalid policy name [%s]: must not contain the following characters [\\, /, *, ?, \", <, >, |,  , ,] or start with '_'", name)
	}
	var body struct {
		Policy map[string]any `json:"policy"`
	}
	if err := json.Unmarshal(req.body, &body); err != nil || body.Policy == nil {
		return 0, nil, errBadRequest("x_content_parse_exception", "[1:2] [put_lifecycle_request] policy is required")
	}
	phases, _ := body.Policy["phases"].(map[string]any)
	for phName, ph := range phases {
		if !contains(phaseOrder, phName) {
			return 0, nil, errIllegalArgument("Lifecycle does not support phase [%s]", phName)
		}
		pm, _ := ph.(map[string]any)
		if v, ok := pm["min_age"].(string); ok {
			if _, err := parseDuration(v); err != nil {
				return 0, nil, errIllegalArgument("failed to parse setting [min_age] with value [%s] as a time value: unit is missing or unrecognized", v)
			}
		}
		actions, _ := pm["actions"].(map[string]any)
		if r, ok := actions["rollover"].(map[string]any); ok {
			if phName != "hot" {
				return 0, nil, errIllegalArgument("invalid action [rollover] defined in phase [%s]", phName)
			}
			if len(r) == 0 {
				return 0, nil, errBadRequest("x_content_parse_exception", "[rollover] At least one max_* rollover condition must be set.")
			}
			for k, v := range r {
				if !rolloverConditionKeys[k] {
					return 0, nil, errBadRequest("x_content_parse_exception", "[rollover] unknown field [%s]", k)
				}
				sv := fmt.Sprint(v)
				if strings.HasSuffix(k, "_size") && parseSize(sv) <= 0 {
					return 0, nil, errParse("failed to parse setting [%s] with value [%s] as a size in bytes: unit is missing or unrecognized", k, sv)
				}
				if k == "max_age" || k == "min_age" {
					if _, err := parseDuration(sv); err != nil {
						return 0, nil, errParse("failed to parse setting [%s] with value [%s] as a time value: unit is missing or unrecognized", k, sv)
					}
				}
			}
		}
	}
	p := s.policies[name]
	if p == nil {
		p = &policy{name: name}
		s.policies[name] = p
	}
	p.version++
	p.modified = now
	p.body = map[string]any{"phases": phases}
	if m, ok := body.Policy["_meta"]; ok {
		p.body["_meta"] = m
	}
	return http.StatusOK, map[string]any{"acknowledged": true}, nil
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// phaseJSON is a phase as GET returns it: min_age always present.
func phaseJSON(ph any) map[string]any {
	pm, _ := ph.(map[string]any)
	out := map[string]any{"min_age": "0ms", "actions": map[string]any{}}
	for k, v := range pm {
		out[k] = v
	}
	if actions, ok := out["actions"].(map[string]any); ok {
		if del, ok := actions["delete"].(map[string]any); ok {
			if _, set := del["delete_searchable_snapshot"]; !set {
				cp := map[string]any{"delete_searchable_snapshot": true}
				for k, v := range del {
					cp[k] = v
				}
				actions["delete"] = cp
			}
		}
	}
	return out
}

func (s *Server) getPolicies(req *request, _ time.Time) (int, any, *esError) {
	names := sortedKeys(s.policies)
	if len(req.parts) == 3 {
		if s.policies[req.parts[2]] == nil {
			return 0, nil, errResourceNotFound("Lifecycle policy not found: %s", req.parts[2])
		}
		names = []string{req.parts[2]}
	}
	out := map[string]any{}
	for _, name := range names {
		p := s.policies[name]
		phases := map[string]any{}
		for k, v := range p.phases() {
			phases[k] = phaseJSON(v)
		}
		body := map[string]any{"phases": phases}
		if m, ok := p.body["_meta"]; ok {
			body["_meta"] = m
		}
		var indices, streams, templates []string
		for _, ix := range s.indices {
			if ix.setting("index.lifecycle.name") == name {
				indices = append(indices, ix.name)
			}
		}
		for _, t := range s.templates {
			if t.settings()["index.lifecycle.name"] == name {
				templates = append(templates, t.name)
			}
		}
		for _, ds := range s.streams {
			if t := s.templates[ds.template]; t != nil && t.settings()["index.lifecycle.name"] == name {
				streams = append(streams, ds.name)
			}
		}
		sort.Strings(indices)
		sort.Strings(streams)
		sort.Strings(templates)
		out[name] = map[string]any{
			"version": p.version, "modified_date": isoTime(p.modified), "policy": body,
			"in_use_by": map[string]any{"indices": toAny(indices), "data_streams": toAny(streams), "composable_templates": toAny(templates)},
		}
	}
	return http.StatusOK, out, nil
}

// ---- templates ------------------------------------------------------------

var templateKeys = map[string]bool{"index_patterns": true, "template": true, "composed_of": true, "priority": true, "version": true,
	"_meta": true, "data_stream": true, "allow_auto_create": true, "ignore_missing_component_templates": true, "deprecated": true}

func (s *Server) putTemplate(req *request, now time.Time) (int, any, *esError) {
	name := req.parts[1]
	if strings.ToLower(name) != name || strings.HasPrefix(name, "_") || strings.ContainsAny(name, `\/*?"<>| ,#`) {
		return 0, nil, &esError{status: 400, typ: "invalid_index_template_exception",
			reason: fmt.Sprintf("index_template [%s] invalid, cause [name must be lower cased, must not start with '_' and must not contain [ , \", *, \\, <, |, ,, >, /, ?]]", name)}
	}
	var body map[string]any
	if err := json.Unmarshal(req.body, &body); err != nil || body == nil {
		return 0, nil, errParse("request body is required")
	}
	for k := range body {
		if !templateKeys[k] {
			return 0, nil, errBadRequest("x_content_parse_exception", "[1:2] [index_template] unknown field [%s]", k)
		}
	}
	t := &template{name: name, body: body, created: now, modified: now}
	if len(t.patterns()) == 0 {
		return 0, nil, errBadRequest("action_request_validation_exception", "Validation Failed: 1: index patterns are missing;")
	}
	for _, other := range s.templates {
		if other.name == name || other.priority() != t.priority() {
			continue
		}
		for _, p := range t.patterns() {
			for _, q := range other.patterns() {
				if globsIntersect(p, q) {
					return 0, nil, errIllegalArgument("index template [%s] has index patterns %v matching patterns from existing templates [%s] with patterns (%s => %v) that have the same priority [%d], multiple index templates may not match during index creation, please use a different priority",
						name, t.patterns(), other.name, other.name, other.patterns(), t.priority())
				}
			}
		}
	}
	if old := s.templates[name]; old != nil {
		t.created = old.created
	}
	s.templates[name] = t
	return http.StatusOK, map[string]any{"acknowledged": true}, nil
}

func (s *Server) getTemplates(req *request, _ time.Time) (int, any, *esError) {
	var names []string
	if len(req.parts) == 2 {
		for _, n := range sortedKeys(s.templates) {
			if matchesAny(strings.Split(req.parts[1], ","), n) {
				names = append(names, n)
			}
		}
		if len(names) == 0 {
			return 0, nil, errResourceNotFound("index template matching [%s] not found", req.parts[1])
		}
	} else {
		names = sortedKeys(s.templates)
	}
	list := []any{}
	for _, n := range names {
		t := s.templates[n]
		it := map[string]any{}
		for k, v := range t.body {
			it[k] = v
		}
		it["created_date_millis"] = t.created.UnixMilli()
		it["modified_date_millis"] = t.modified.UnixMilli()
		if req.flag("human") {
			it["created_date"], it["modified_date"] = isoTime(t.created), isoTime(t.modified)
		}
		list = append(list, map[string]any{"name": n, "index_template": it})
	}
	return http.StatusOK, map[string]any{"index_templates": list}, nil
}

// ---- explain and retry ----------------------------------------------------

func (s *Server) ilmExplain(req *request, now time.Time) (int, any, *esError) {
	names, err := s.resolveExpr(req.parts[0], true)
	if err != nil {
		return 0, nil, err
	}
	onlyErrors, onlyManaged := req.flag("only_errors"), req.flag("only_managed")
	out := map[string]any{}
	for _, name := range names {
		ix := s.indices[name]
		if ix.ilm == nil {
			if !onlyErrors && !onlyManaged {
				out[name] = map[string]any{"index": name, "managed": false}
			}
			continue
		}
		if onlyErrors && ix.ilm.step != "ERROR" {
			continue
		}
		out[name] = s.explainIndex(ix, now, req.flag("human"))
	}
	return http.StatusOK, map[string]any{"indices": out}, nil
}

func (s *Server) explainIndex(ix *index, now time.Time, human bool) map[string]any {
	st := ix.ilm
	name := ix.setting("index.lifecycle.name")
	e := map[string]any{
		"index": ix.name, "managed": true, "policy": name,
		"index_creation_date_millis": ix.created.UnixMilli(),
		"time_since_index_creation":  humanAge(now.Sub(ix.created)),
		"lifecycle_date_millis":      st.lifecycleDate.UnixMilli(),
		"age":                        humanAge(now.Sub(st.lifecycleDate)),
		"step":                       st.step,
		"step_time_millis":           st.stepTime.UnixMilli(),
	}
	if st.phase != "" {
		e["phase"], e["phase_time_millis"] = st.phase, st.phaseTime.UnixMilli()
		e["action"], e["action_time_millis"] = st.action, st.actionTime.UnixMilli()
	}
	if st.step == "ERROR" {
		if st.failedStep != "" {
			e["failed_step"] = st.failedStep
			e["is_auto_retryable_error"] = st.autoRetryable
			e["failed_step_retry_count"] = st.retryCount
		}
	}
	if st.stepInfo != nil {
		e["step_info"] = st.stepInfo
	}
	if p := s.policies[name]; p != nil && st.phase != "" && st.phase != "new" {
		if ph, ok := p.phases()[st.phase]; ok {
			pe := map[string]any{"policy": name, "phase_definition": phaseJSON(ph),
				"version": p.version, "modified_date_in_millis": p.modified.UnixMilli()}
			if human {
				pe["modified_date"] = isoTime(p.modified)
			}
			e["phase_execution"] = pe
		}
	}
	if human {
		// ?human adds a date string next to every *_millis field.
		for k, v := range e {
			if base, ok := strings.CutSuffix(k, "_millis"); ok {
				if ms, ok := v.(int64); ok {
					e[base] = isoTime(time.UnixMilli(ms))
				}
			}
		}
	}
	return e
}

func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// humanAge renders a duration like Elasticsearch's TimeValue ("50.1d").
func humanAge(d time.Duration) string {
	units := []struct {
		s string
		d time.Duration
	}{{"d", 24 * time.Hour}, {"h", time.Hour}, {"m", time.Minute}, {"s", time.Second}}
	for _, u := range units {
		if d >= u.d {
			v := math.Round(float64(d)/float64(u.d)*100) / 100
			return strings.TrimSuffix(strings.TrimSuffix(strconv.FormatFloat(v, 'f', 2, 64), "0"), ".0") + u.s
		}
	}
	return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
}

func (s *Server) ilmRetry(req *request, now time.Time) (int, any, *esError) {
	names, err := s.resolveExpr(req.parts[0], true)
	if err != nil {
		return 0, nil, err
	}
	for _, name := range names {
		ix := s.indices[name]
		if ix.ilm == nil || ix.ilm.step != "ERROR" {
			return 0, nil, errIllegalArgument("cannot retry an action for an index [%s] that has not encountered an error when running a Lifecycle Policy", name)
		}
	}
	for _, name := range names {
		st := s.indices[name].ilm
		st.step, st.stepTime = st.failedStep, now
		st.failedStep, st.stepInfo, st.retryCount, st.autoRetryable = "", nil, 0, false
	}
	return http.StatusOK, map[string]any{"acknowledged": true}, nil
}

// ---- the ILM engine -------------------------------------------------------

// startILM puts an index under its policy: new / complete / complete,
// advancing at the next poll.
func (s *Server) startILM(ix *index, now time.Time) {
	ix.ilm = &ilmState{phase: "new", action: "complete", step: "complete",
		phaseTime: now, actionTime: now, stepTime: now, lifecycleDate: ix.created}
	if v := ix.setting("index.lifecycle.origination_date"); v != "" {
		if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
			ix.ilm.lifecycleDate = time.UnixMilli(ms)
		}
	}
}

// runILM advances every managed index whose step is due (one poll interval
// after it was entered or last failed). It runs before every request, so
// the state a client reads is current for the clock. A waiting step (rollover
// conditions not met, next phase not old enough) is checked again on every
// request once due.
func (s *Server) runILM(now time.Time) {
	var managed []string
	for name, ix := range s.indices {
		if ix.ilm != nil && !ix.ilm.stepTime.Add(s.ilmPoll).After(now) {
			managed = append(managed, name)
		}
	}
	sort.Strings(managed)
	for _, name := range managed {
		if ix := s.indices[name]; ix != nil && ix.ilm != nil {
			s.ilmStep(ix, now)
		}
	}
}

func (s *Server) setStep(ix *index, phase, action, step string, at time.Time) {
	st := ix.ilm
	if phase != st.phase {
		st.phaseTime = at
	}
	if action != st.action || phase != st.phase {
		st.actionTime = at
	}
	st.phase, st.action, st.step, st.stepTime = phase, action, step, at
	st.stepInfo = nil
}

func (s *Server) ilmError(ix *index, failedStep, typ, reason string, at time.Time) {
	st := ix.ilm
	st.failedStep, st.step, st.stepTime = failedStep, "ERROR", at
	st.stepInfo = map[string]any{"type": typ, "reason": reason}
	st.autoRetryable = true
}

// ilmStep performs one step at time at; false means nothing changed.
func (s *Server) ilmStep(ix *index, at time.Time) bool {
	st := ix.ilm
	p := s.policies[ix.setting("index.lifecycle.name")]
	if p == nil {
		if st.step == "ERROR" && st.failedStep == "" {
			return false
		}
		st.step, st.stepTime, st.failedStep = "ERROR", at, ""
		if st.phase == "new" {
			// It never entered a phase: explain shows no phase or action.
			st.phase, st.action = "", ""
		}
		st.stepInfo = map[string]any{"type": "illegal_argument_exception", "reason": fmt.Sprintf("policy [%s] does not exist", ix.setting("index.lifecycle.name"))}
		return true
	}
	if st.step == "ERROR" {
		if !st.autoRetryable || st.failedStep == "" {
			return false
		}
		// Elasticsearch retries retryable errors on every poll.
		count := st.retryCount + 1
		info := st.stepInfo
		st.step, st.stepTime = st.failedStep, at
		s.ilmStep(ix, at)
		if st.step == "ERROR" {
			st.retryCount = count
			if st.stepInfo == nil {
				st.stepInfo = info
			}
		}
		return true
	}
	phases := p.phases()
	switch {
	case st.phase == "new" || (st.action == "complete" && st.step == "complete"):
		next := s.nextPhase(phases, st.phase)
		if next == "" {
			return false
		}
		ph, _ := phases[next].(map[string]any)
		minAge := time.Duration(0)
		if v, ok := ph["min_age"].(string); ok {
			minAge, _ = parseDuration(v)
		}
		if at.Sub(st.lifecycleDate) < minAge {
			return false
		}
		s.enterAction(ix, next, firstAction(ph, ""), at)
		return true
	case st.action == "rollover" && st.step == "check-rollover-ready":
		return s.checkRolloverReady(ix, phases, at)
	case st.action == "delete":
		s.deleteIndex(ix.name)
		return true
	}
	// Every other action completes in one step.
	ph, _ := phases[st.phase].(map[string]any)
	s.enterAction(ix, st.phase, firstAction(ph, st.action), at)
	return true
}

func (s *Server) nextPhase(phases map[string]any, current string) string {
	start := 0
	for i, p := range phaseOrder {
		if p == current {
			start = i + 1
		}
	}
	for _, p := range phaseOrder[start:] {
		if _, ok := phases[p]; ok {
			return p
		}
	}
	return ""
}

// firstAction is the action after "after" in a phase's order: rollover
// first, delete last, others alphabetically.
func firstAction(ph map[string]any, after string) string {
	actions, _ := ph["actions"].(map[string]any)
	names := sortedKeys(actions)
	sort.SliceStable(names, func(i, j int) bool {
		rank := func(n string) int {
			switch n {
			case "rollover":
				return 0
			case "delete":
				return 2
			}
			return 1
		}
		return rank(names[i]) < rank(names[j])
	})
	if after == "" {
		if len(names) == 0 {
			return "complete"
		}
		return names[0]
	}
	for i, n := range names {
		if n == after && i+1 < len(names) {
			return names[i+1]
		}
	}
	return "complete"
}

func (s *Server) enterAction(ix *index, phase, action string, at time.Time) {
	switch action {
	case "complete":
		s.setStep(ix, phase, "complete", "complete", at)
	case "rollover":
		s.setStep(ix, phase, "rollover", "check-rollover-ready", at)
	case "delete":
		s.setStep(ix, phase, "delete", "wait-for-shard-history-leases", at)
	default:
		s.setStep(ix, phase, action, action, at)
	}
}

// checkRolloverReady is WaitForRolloverReadyStep, with its errors worded as
// Elasticsearch words them.
func (s *Server) checkRolloverReady(ix *index, phases map[string]any, at time.Time) bool {
	hot, _ := phases["hot"].(map[string]any)
	conds, _ := hot["actions"].(map[string]any)["rollover"].(map[string]any)
	done := func() bool {
		s.enterAction(ix, ix.ilm.phase, firstAction(hot, "rollover"), at)
		ix.ilm.lifecycleDate = at
		return true
	}
	if ix.dataStream != "" {
		ds := s.streams[ix.dataStream]
		if ds.indices[len(ds.indices)-1] != ix.name {
			return done() // already rolled over
		}
		if _, met := s.conditionsMet(ix, conds, at); met {
			if _, err := s.rollover(ds.name, "", at); err == nil {
				return done()
			}
		}
		return false
	}
	alias := ix.setting("index.lifecycle.rollover_alias")
	if alias == "" {
		s.ilmError(ix, "check-rollover-ready", "illegal_argument_exception",
			fmt.Sprintf("setting [index.lifecycle.rollover_alias] for index [%s] is empty or not defined", ix.name), at)
		return true
	}
	if ix.rolledOver[alias] {
		return done()
	}
	props, points := ix.aliases[alias]
	isWrite := points && props.isWrite != nil && *props.isWrite
	if ix.setting("index.lifecycle.indexing_complete") == "true" {
		if points && isWrite {
			s.ilmError(ix, "check-rollover-ready", "illegal_state_exception",
				fmt.Sprintf("index [%s] has [index.lifecycle.indexing_complete] set to [true], but is still the write index for alias [%s]", ix.name, alias), at)
			return true
		}
		return done()
	}
	if !points {
		s.ilmError(ix, "check-rollover-ready", "illegal_argument_exception",
			fmt.Sprintf("index.lifecycle.rollover_alias [%s] does not point to index [%s]", alias, ix.name), at)
		return true
	}
	if props.isWrite != nil && !*props.isWrite {
		s.ilmError(ix, "check-rollover-ready", "illegal_argument_exception",
			fmt.Sprintf("index [%s] is not the write index for alias [%s]", ix.name, alias), at)
		return true
	}
	if _, met := s.conditionsMet(ix, conds, at); !met {
		return false
	}
	if _, err := s.rollover(alias, "", at); err != nil {
		s.setStep(ix, ix.ilm.phase, "rollover", "attempt-rollover", at)
		s.ilmError(ix, "attempt-rollover", err.typ, err.reason, at)
		return true
	}
	return done()
}

func (s *Server) deleteIndex(name string) {
	ix := s.indices[name]
	if ix == nil {
		return
	}
	delete(s.indices, name)
	if ds := s.streams[ix.dataStream]; ds != nil {
		for i, n := range ds.indices {
			if n == name {
				ds.indices = append(ds.indices[:i], ds.indices[i+1:]...)
				break
			}
		}
	}
}
