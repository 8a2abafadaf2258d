package runbook

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// LoadError is one problem with a runbook file, with where it is.
type LoadError struct {
	File string
	Line int
	Msg  string
}

func (e *LoadError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return e.File + ": " + e.Msg
}

// LoadErrors are every problem found in one file, in line order.
type LoadErrors []*LoadError

func (l LoadErrors) Error() string {
	parts := make([]string, len(l))
	for i, e := range l {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

// MaxTimeout is the longest a check may run.
const MaxTimeout = 10 * time.Minute

// Parse reads and validates one runbook file against the probes of reg.
// Every problem is reported (not just the first), each with its line; a
// file with any problem is rejected as a whole.
func Parse(file string, data []byte, reg *Registry) (*Runbook, error) {
	p := &parser{file: file, reg: reg}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, LoadErrors{yamlError(file, err)}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, LoadErrors{{File: file, Msg: "the file is empty"}}
	}
	rb := p.runbook(doc.Content[0])
	if len(p.errs) > 0 {
		sort.SliceStable(p.errs, func(i, j int) bool { return p.errs[i].Line < p.errs[j].Line })
		return nil, p.errs
	}
	rb.File = file
	return rb, nil
}

// yamlError turns a yaml.v3 syntax error ("yaml: line 7: ...") into a
// LoadError with the line split out.
func yamlError(file string, err error) *LoadError {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if i := strings.IndexByte(rest, ':'); i > 0 {
			if _, err := fmt.Sscanf(rest[:i], "%d", &line); err == nil {
				msg = strings.TrimSpace(rest[i+1:])
			}
		}
	}
	return &LoadError{File: file, Line: line, Msg: "not valid YAML: " + msg}
}

type parser struct {
	file string
	reg  *Registry
	errs LoadErrors
}

func (p *parser) errf(n *yaml.Node, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	p.errs = append(p.errs, &LoadError{File: p.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// fields reads a mapping, rejecting unknown and duplicate keys and
// reporting missing required ones. The result maps key -> value node.
func (p *parser) fields(n *yaml.Node, what string, required, optional []string) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	if n.Kind != yaml.MappingNode {
		p.errf(n, "%s must be a mapping (key: value lines)", what)
		return out
	}
	known := map[string]bool{}
	for _, k := range append(append([]string(nil), required...), optional...) {
		known[k] = true
	}
	keys := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if _, dup := keys[k.Value]; dup {
			p.errf(k, "%s: %q is given twice", what, k.Value)
			continue
		}
		keys[k.Value] = k
		if !known[k.Value] {
			p.errf(k, "%s: unknown key %q%s (known: %s)", what, k.Value, suggest(k.Value, known), strings.Join(append(append([]string(nil), required...), optional...), ", "))
			continue
		}
		out[k.Value] = v
	}
	for _, r := range required {
		if _, ok := out[r]; !ok {
			if _, typo := keys[r]; !typo {
				p.errf(n, "%s: %q is required", what, r)
			}
		}
	}
	return out
}

// suggest names the closest known key to a typo.
func suggest(key string, known map[string]bool) string {
	best, bestD := "", 3
	for k := range known {
		if d := editDistance(key, k); d < bestD || d == bestD && k < best {
			best, bestD = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func (p *parser) str(n *yaml.Node, what string) string {
	if n == nil {
		return ""
	}
	if n.Kind != yaml.ScalarNode {
		p.errf(n, "%s must be a single value, not a list or mapping", what)
		return ""
	}
	return n.Value
}

func (p *parser) nonEmpty(n *yaml.Node, what string) string {
	s := p.str(n, what)
	if n != nil && n.Kind == yaml.ScalarNode && strings.TrimSpace(s) == "" {
		p.errf(n, "%s is empty", what)
	}
	return s
}

func (p *parser) strList(n *yaml.Node, what string) []string {
	if n == nil {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.errf(n, "%s must be a list", what)
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for _, c := range n.Content {
		out = append(out, p.str(c, what+" entry"))
	}
	return out
}

func (p *parser) name(n *yaml.Node, what string) string {
	s := p.nonEmpty(n, what)
	if s != "" && !validName(s) {
		p.errf(n, "%s %q must be lower-case letters, digits, '-' and '_', starting with a letter", what, s)
	}
	return s
}

func (p *parser) runbook(n *yaml.Node) *Runbook {
	f := p.fields(n, "runbook", []string{"id", "title", "symptoms", "steps"}, []string{"description", "params"})
	rb := &Runbook{
		ID:          p.name(f["id"], "id"),
		Title:       p.nonEmpty(f["title"], "title"),
		Symptoms:    p.strList(f["symptoms"], "symptoms"),
		Description: p.str(f["description"], "description"),
	}
	if f["symptoms"] != nil && len(rb.Symptoms) == 0 {
		p.errf(f["symptoms"], "symptoms: list at least one symptom, so an operator can find this runbook")
	}
	if pn := f["params"]; pn != nil {
		if pn.Kind != yaml.SequenceNode {
			p.errf(pn, "params must be a list")
		} else {
			for _, c := range pn.Content {
				param := p.param(c)
				if _, dup := rb.Param(param.Name); dup && param.Name != "" {
					p.errf(c, "parameter %q is defined twice", param.Name)
				}
				rb.Params = append(rb.Params, param)
			}
		}
	}
	sn := f["steps"]
	if sn == nil {
		return rb
	}
	if sn.Kind != yaml.SequenceNode || len(sn.Content) == 0 {
		p.errf(sn, "steps must be a non-empty list")
		return rb
	}
	nodes := map[string]map[string]*yaml.Node{}
	for _, c := range sn.Content {
		st, fields := p.step(c)
		if _, dup := rb.Step(st.ID); dup && st.ID != "" {
			p.errf(c, "step id %q is used twice", st.ID)
		}
		rb.Steps = append(rb.Steps, st)
		nodes[st.ID] = fields
	}
	for i := range rb.Steps {
		p.checkStep(rb, i, nodes[rb.Steps[i].ID])
	}
	return rb
}

func (p *parser) param(n *yaml.Node) Param {
	f := p.fields(n, "parameter", []string{"name", "type"}, []string{"help", "default", "pattern", "min", "max", "values", "complete"})
	pr := Param{Name: p.name(f["name"], "parameter name"), Type: p.str(f["type"], "parameter type"), Help: p.str(f["help"], "help"),
		Min: p.str(f["min"], "min"), Max: p.str(f["max"], "max"), Values: p.strList(f["values"], "values"),
		Complete: p.str(f["complete"], "complete"), Line: n.Line}
	what := "parameter " + pr.Name
	switch pr.Type {
	case TypeString, TypeInt, TypeDuration, TypeEnum:
	case "":
	default:
		p.errf(f["type"], "%s: type %q is not one of string, int, duration, enum", what, pr.Type)
	}
	if pn := f["pattern"]; pn != nil {
		if pr.Type != TypeString {
			p.errf(pn, "%s: pattern applies to string parameters only", what)
		} else if re, err := regexp.Compile("^(?:" + p.str(pn, "pattern") + ")$"); err != nil {
			p.errf(pn, "%s: pattern does not compile: %v", what, err)
		} else {
			pr.Pattern = re
		}
	}
	for _, key := range []string{"min", "max"} {
		vn := f[key]
		if vn == nil {
			continue
		}
		v := p.str(vn, key)
		switch pr.Type {
		case TypeInt:
			if _, err := parseInt(v); err != nil {
				p.errf(vn, "%s: %s %q is not a whole number", what, key, v)
			}
		case TypeDuration:
			if _, err := time.ParseDuration(v); err != nil {
				p.errf(vn, "%s: %s %q is not a duration such as 15m", what, key, v)
			}
		default:
			p.errf(vn, "%s: %s applies to int and duration parameters only", what, key)
		}
	}
	if vn := f["values"]; vn != nil && pr.Type != TypeEnum {
		p.errf(vn, "%s: values apply to enum parameters only", what)
	}
	if pr.Type == TypeEnum && len(pr.Values) == 0 {
		p.errf(n, "%s: an enum needs values", what)
	}
	if cn := f["complete"]; cn != nil && !containsString(CompletionSources, pr.Complete) {
		p.errf(cn, "%s: complete %q is not one of %s", what, pr.Complete, strings.Join(CompletionSources, ", "))
	}
	if dn := f["default"]; dn != nil {
		pr.HasDefault = true
		def := p.str(dn, "default")
		if pr.Type != "" {
			norm, err := pr.Normalize(def)
			if err != nil {
				p.errf(dn, "default: %v", err)
			}
			pr.Default = norm
		}
	}
	return pr
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (p *parser) step(n *yaml.Node) (Step, map[string]*yaml.Node) {
	f := p.fields(n, "step", []string{"id", "title", "explain"}, []string{"check", "evidence", "fix", "recheck", "next"})
	st := Step{ID: p.name(f["id"], "step id"), Title: p.nonEmpty(f["title"], "step title"),
		Explain: p.nonEmpty(f["explain"], "step explain"), Evidence: p.strList(f["evidence"], "evidence"), Line: n.Line}
	if cn := f["check"]; cn != nil {
		st.Check = p.check(cn, "step "+st.ID+" check")
	}
	if rn := f["recheck"]; rn != nil {
		st.Recheck = p.check(rn, "step "+st.ID+" recheck")
	}
	if fn := f["fix"]; fn != nil {
		st.Fix = p.fix(fn, "step "+st.ID+" fix")
	}
	if nn := f["next"]; nn != nil {
		nf := p.fields(nn, "step "+st.ID+" next", nil, []string{"pass", "warn", "fail"})
		st.Next = map[string]string{}
		for k, v := range nf {
			st.Next[k] = p.nonEmpty(v, "next "+k)
		}
	}
	return st, f
}

func (p *parser) check(n *yaml.Node, what string) *Check {
	f := p.fields(n, what, []string{"probe"}, []string{"with", "timeout", "thresholds"})
	c := &Check{Probe: p.nonEmpty(f["probe"], what+" probe"), With: map[string]string{}, Timeout: DefaultTimeout,
		Thresholds: map[string]Threshold{}, Line: n.Line}
	if wn := f["with"]; wn != nil {
		if wn.Kind != yaml.MappingNode {
			p.errf(wn, "%s with must be a mapping of probe arguments", what)
		} else {
			for i := 0; i+1 < len(wn.Content); i += 2 {
				k := wn.Content[i].Value
				if _, dup := c.With[k]; dup {
					p.errf(wn.Content[i], "%s with: %q is given twice", what, k)
				}
				c.With[k] = p.str(wn.Content[i+1], what+" argument "+k)
			}
		}
	}
	if tn := f["timeout"]; tn != nil {
		d, err := time.ParseDuration(p.str(tn, "timeout"))
		switch {
		case err != nil:
			p.errf(tn, "%s timeout %q is not a duration such as 30s", what, tn.Value)
		case d <= 0 || d > MaxTimeout:
			p.errf(tn, "%s timeout %s must be more than 0 and at most %s", what, tn.Value, MaxTimeout)
		default:
			c.Timeout = d
		}
	}
	if tn := f["thresholds"]; tn != nil {
		if tn.Kind != yaml.MappingNode {
			p.errf(tn, "%s thresholds must map output names to {warn, fail} or off", what)
		} else {
			for i := 0; i+1 < len(tn.Content); i += 2 {
				k, v := tn.Content[i], tn.Content[i+1]
				c.Thresholds[k.Value] = p.threshold(v, what+" threshold "+k.Value)
			}
		}
	}
	return c
}

func (p *parser) threshold(n *yaml.Node, what string) Threshold {
	if n.Kind == yaml.ScalarNode {
		if n.Value == "off" {
			return Threshold{Off: true}
		}
		p.errf(n, "%s must be {warn: ..., fail: ...} or off, not %q", what, n.Value)
		return Threshold{Off: true}
	}
	f := p.fields(n, what, nil, []string{"warn", "fail"})
	var t Threshold
	for key, dst := range map[string]**Cond{"warn": &t.Warn, "fail": &t.Fail} {
		vn := f[key]
		if vn == nil {
			continue
		}
		c, err := ParseCond(p.str(vn, key))
		if err != nil {
			p.errf(vn, "%s %s: %v", what, key, err)
			continue
		}
		*dst = &c
	}
	if t.Warn == nil && t.Fail == nil && n.Kind == yaml.MappingNode {
		p.errf(n, "%s gives neither warn nor fail (write off to disable the probe's default)", what)
		t.Off = true
	}
	return t
}

func (p *parser) fix(n *yaml.Node, what string) *Fix {
	f := p.fields(n, what, []string{"action"}, []string{"args", "when", "explain"})
	fx := &Fix{Action: p.nonEmpty(f["action"], what+" action"), Args: p.strList(f["args"], what+" args"),
		Explain: p.str(f["explain"], what+" explain"), When: Fail, Line: n.Line}
	if fx.Action != "" {
		if _, ok := fixVerbs[fx.Action]; !ok {
			p.errf(f["action"], "%s: unknown action %q (actions: %s)", what, fx.Action, strings.Join(FixVerbs(), ", "))
		}
	}
	if wn := f["when"]; wn != nil {
		switch p.str(wn, "when") {
		case "warn":
			fx.When = Warn
		case "fail":
			fx.When = Fail
		default:
			p.errf(wn, "%s when must be warn or fail, not %q", what, wn.Value)
		}
	}
	return fx
}

// child returns the value node of key in mapping n (nil when absent).
func child(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// keyNode returns the key node of key in mapping n (nil when absent).
func keyNode(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i]
		}
	}
	return nil
}

// item returns entry i of a sequence, or the sequence itself.
func item(n *yaml.Node, i int) *yaml.Node {
	if n != nil && n.Kind == yaml.SequenceNode && i < len(n.Content) {
		return n.Content[i]
	}
	return n
}

// checkStep validates what needs the whole runbook: probes, arguments,
// thresholds, template references and next-step targets.
func (p *parser) checkStep(rb *Runbook, idx int, f map[string]*yaml.Node) {
	st := &rb.Steps[idx]
	what := "step " + st.ID
	probe := p.checkCheck(rb, idx, st.Check, f["check"], what+" check")
	if st.Recheck != nil {
		p.checkCheck(rb, idx, st.Recheck, f["recheck"], what+" recheck")
		if st.Fix == nil {
			p.errf(f["recheck"], "%s has a recheck but no fix to re-check after", what)
		}
	}
	for i, e := range st.Evidence {
		p.checkRefs(rb, idx, probe, e, item(f["evidence"], i), what+" evidence")
	}
	if st.Fix != nil {
		if st.Check == nil {
			p.errf(f["fix"], "%s has a fix but no check to decide when it is needed", what)
		}
		for i, a := range st.Fix.Args {
			p.checkRefs(rb, idx, probe, a, item(child(f["fix"], "args"), i), what+" fix args")
		}
	}
	for _, verdict := range sortedKeys(st.Next) {
		target := st.Next[verdict]
		at := child(f["next"], verdict)
		if st.Check == nil && verdict != "pass" {
			p.errf(at, "%s has no check, so only next pass applies, not %s", what, verdict)
		}
		if target == Done || target == "" {
			continue
		}
		j := -1
		for k := range rb.Steps {
			if rb.Steps[k].ID == target {
				j = k
			}
		}
		switch {
		case j < 0:
			p.errf(at, "%s next %s: no step %q (steps: %s, or done)", what, verdict, target, stepIDs(rb))
		case j <= idx:
			p.errf(at, "%s next %s: %q is not after this step; runbooks only branch forward, so every run ends", what, verdict, target)
		}
	}
}

func stepIDs(rb *Runbook) string {
	ids := make([]string, len(rb.Steps))
	for i, s := range rb.Steps {
		ids[i] = s.ID
	}
	return strings.Join(ids, ", ")
}

// checkCheck validates a check's probe, arguments and thresholds, and
// returns the probe (nil when unknown or absent). n is the check's node.
func (p *parser) checkCheck(rb *Runbook, idx int, c *Check, n *yaml.Node, what string) *Probe {
	if c == nil || c.Probe == "" {
		return nil
	}
	probe, ok := p.reg.Get(c.Probe)
	if !ok {
		p.errf(child(n, "probe"), "%s: unknown probe %q%s", what, c.Probe, suggestList(c.Probe, p.reg.Names()))
		return nil
	}
	with := child(n, "with")
	for _, k := range sortedKeys(c.With) {
		if _, ok := probe.param(k); !ok {
			p.errf(keyNode(with, k), "%s: probe %s takes no argument %q (arguments: %s)", what, probe.Name, k, probe.paramNames())
			continue
		}
		// The probe's own outputs do not exist yet when it starts.
		p.checkRefs(rb, idx, nil, c.With[k], child(with, k), what+" argument "+k)
	}
	for _, pp := range probe.Params {
		if _, given := c.With[pp.Name]; pp.Required && !given {
			p.errf(n, "%s: probe %s needs the argument %q (%s)", what, probe.Name, pp.Name, pp.Help)
		}
	}
	th := child(n, "thresholds")
	for _, name := range sortedKeys(c.Thresholds) {
		o, ok := probe.output(name)
		if !ok {
			p.errf(keyNode(th, name), "%s: threshold on %q, which probe %s does not report (outputs: %s)", what, name, probe.Name, probe.outputNames())
			continue
		}
		if err := c.Thresholds[name].checkFor(o.Kind); err != nil {
			p.errf(keyNode(th, name), "%s: threshold on %s: output %s %v", what, name, name, err)
		}
	}
	return probe
}

func suggestList(s string, names []string) string {
	known := map[string]bool{}
	for _, n := range names {
		known[n] = true
	}
	if hint := suggest(s, known); hint != "" {
		return hint
	}
	return " (probes: " + strings.Join(names, ", ") + ")"
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// checkRefs validates the ${...} references of a template: parameters,
// outputs of the step's own probe (own, nil where they cannot be used) and
// outputs of earlier steps.
func (p *parser) checkRefs(rb *Runbook, idx int, own *Probe, tmpl string, at *yaml.Node, what string) {
	refs, err := templateRefs(tmpl)
	if err != nil {
		p.errf(at, "%s: %v", what, err)
		return
	}
	for _, ref := range refs {
		stepID, out, qualified := strings.Cut(ref, ".")
		if !qualified {
			_, isParam := rb.Param(ref)
			isOwn := false
			if own != nil {
				_, isOwn = own.output(ref)
			}
			switch {
			case isParam && isOwn:
				p.errf(at, "%s: ${%s} is both a parameter and an output of probe %s; rename the parameter", what, ref, own.Name)
			case !isParam && !isOwn:
				hint := "parameters: " + paramNames(rb)
				if own != nil {
					hint += "; outputs of " + own.Name + ": " + own.outputNames()
				}
				p.errf(at, "%s: unknown ${%s} (%s)", what, ref, hint)
			}
			continue
		}
		j := -1
		for k := 0; k < idx; k++ {
			if rb.Steps[k].ID == stepID {
				j = k
			}
		}
		if j < 0 {
			p.errf(at, "%s: ${%s} names step %q, which is not an earlier step", what, ref, stepID)
			continue
		}
		earlier := rb.Steps[j]
		found, probes := false, []string{}
		for _, c := range []*Check{earlier.Check, earlier.Recheck} {
			if c == nil {
				continue
			}
			if pr, ok := p.reg.Get(c.Probe); ok {
				probes = append(probes, pr.outputNames())
				if _, ok := pr.output(out); ok {
					found = true
				}
			}
		}
		if !found && len(probes) > 0 {
			p.errf(at, "%s: ${%s}: step %s reports no output %q (outputs: %s)", what, ref, stepID, out, strings.Join(probes, "; "))
		} else if !found && earlier.Check == nil {
			p.errf(at, "%s: ${%s}: step %s has no check, so no outputs", what, ref, stepID)
		}
	}
}

func paramNames(rb *Runbook) string {
	if len(rb.Params) == 0 {
		return "none"
	}
	names := make([]string, len(rb.Params))
	for i, pr := range rb.Params {
		names[i] = pr.Name
	}
	return strings.Join(names, ", ")
}
