package runbook

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Runbook is one parsed, validated runbook (FORMAT.md describes the file).
type Runbook struct {
	ID       string   `json:"id"`
	Title    string   `json:"title"`
	Symptoms []string `json:"symptoms"`
	// Description is optional Markdown shown above the steps.
	Description string  `json:"description,omitempty"`
	Params      []Param `json:"params,omitempty"`
	Steps       []Step  `json:"steps"`

	// Source is "builtin" or "user"; File is where it was read from.
	Source string `json:"source"`
	File   string `json:"file"`
}

// Step returns a step by id.
func (rb *Runbook) Step(id string) (*Step, bool) {
	for i := range rb.Steps {
		if rb.Steps[i].ID == id {
			return &rb.Steps[i], true
		}
	}
	return nil, false
}

// Param returns a parameter by name.
func (rb *Runbook) Param(name string) (*Param, bool) {
	for i := range rb.Params {
		if rb.Params[i].Name == name {
			return &rb.Params[i], true
		}
	}
	return nil, false
}

// Parameter types.
const (
	TypeString   = "string"
	TypeInt      = "int"
	TypeDuration = "duration"
	TypeEnum     = "enum"
)

// Completion sources a parameter may name: the kinds of names the panes
// collect for the command line (pane.Names).
var CompletionSources = []string{"streams", "indices", "aliases", "policies"}

// Param is one typed runbook parameter.
type Param struct {
	Name string `json:"name"`
	Type string `json:"type"`
	Help string `json:"help,omitempty"`
	// Default is used when the operator gives none; a parameter without a
	// default is required (the walkthrough asks for it).
	Default    string `json:"default,omitempty"`
	HasDefault bool   `json:"-"`
	// Pattern constrains strings; Min and Max ints and durations; Values
	// lists an enum's choices.
	Pattern *regexp.Regexp `json:"-"`
	Min     string         `json:"min,omitempty"`
	Max     string         `json:"max,omitempty"`
	Values  []string       `json:"values,omitempty"`
	// Complete names the command-line completion source ("streams").
	Complete string `json:"complete,omitempty"`
	Line     int    `json:"-"`
}

// Required reports whether the operator must give a value.
func (p Param) Required() bool { return !p.HasDefault }

// Normalize checks a value against the parameter's type and constraints and
// returns it in canonical form (ints without leading zeros, durations as Go
// prints them). Errors are in the operator's words.
func (p Param) Normalize(v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", fmt.Errorf("parameter %s needs a value", p.Name)
	}
	switch p.Type {
	case TypeInt:
		n, err := parseInt(v)
		if err != nil {
			return "", fmt.Errorf("parameter %s must be a whole number, not %q", p.Name, v)
		}
		if p.Min != "" {
			if lo, _ := parseInt(p.Min); n < lo {
				return "", fmt.Errorf("parameter %s must be at least %s, not %d", p.Name, p.Min, n)
			}
		}
		if p.Max != "" {
			if hi, _ := parseInt(p.Max); n > hi {
				return "", fmt.Errorf("parameter %s must be at most %s, not %d", p.Name, p.Max, n)
			}
		}
		return fmt.Sprint(n), nil
	case TypeDuration:
		d, err := time.ParseDuration(v)
		if err != nil {
			return "", fmt.Errorf("parameter %s must be a duration such as 15m or 1h, not %q", p.Name, v)
		}
		if p.Min != "" {
			if lo, _ := time.ParseDuration(p.Min); d < lo {
				return "", fmt.Errorf("parameter %s must be at least %s, not %s", p.Name, p.Min, v)
			}
		}
		if p.Max != "" {
			if hi, _ := time.ParseDuration(p.Max); d > hi {
				return "", fmt.Errorf("parameter %s must be at most %s, not %s", p.Name, p.Max, v)
			}
		}
		return formatDuration(d), nil
	case TypeEnum:
		for _, x := range p.Values {
			if x == v {
				return v, nil
			}
		}
		return "", fmt.Errorf("parameter %s must be one of %s, not %q", p.Name, strings.Join(p.Values, ", "), v)
	}
	if p.Pattern != nil && !p.Pattern.MatchString(v) {
		return "", fmt.Errorf("parameter %s: %q does not match %s", p.Name, v, p.Pattern)
	}
	return v, nil
}

func parseInt(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }

// Step is one step of a runbook.
type Step struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// Explain is Markdown: what the step checks, why, and what to do.
	Explain string `json:"explain"`
	// Check is nil for a manual step.
	Check *Check `json:"check,omitempty"`
	// Evidence are template lines shown with the check's result.
	Evidence []string `json:"evidence,omitempty"`
	Fix      *Fix     `json:"fix,omitempty"`
	// Recheck replaces Check after a fix; nil means Check again.
	Recheck *Check `json:"recheck,omitempty"`
	// Next maps a verdict to the next step id or "done"; a missing entry
	// means the following step. Error follows Fail's edge.
	Next map[string]string `json:"next,omitempty"`
	Line int               `json:"-"`
}

// Done ends a run when it is the next step.
const Done = "done"

// Check is a probe with its arguments and thresholds.
type Check struct {
	Probe string `json:"probe"`
	// With are the probe's arguments, templates over parameters and earlier
	// steps' outputs.
	With    map[string]string `json:"with,omitempty"`
	Timeout time.Duration     `json:"timeout"`
	// Thresholds override the probe's defaults per output.
	Thresholds map[string]Threshold `json:"-"`
	Line       int                  `json:"-"`
}

// MarshalJSON writes the timeout as a duration string and the
// thresholds as their comparisons.
func (c *Check) MarshalJSON() ([]byte, error) {
	th := map[string]any{}
	for k, t := range c.Thresholds {
		if t.Off {
			th[k] = "off"
			continue
		}
		m := map[string]string{}
		if t.Warn != nil {
			m["warn"] = t.Warn.Raw
		}
		if t.Fail != nil {
			m["fail"] = t.Fail.Raw
		}
		th[k] = m
	}
	return json.Marshal(struct {
		Probe      string            `json:"probe"`
		With       map[string]string `json:"with,omitempty"`
		Timeout    string            `json:"timeout"`
		Thresholds map[string]any    `json:"thresholds,omitempty"`
	}{c.Probe, c.With, formatDuration(c.Timeout), th})
}

// DefaultTimeout bounds a check unless the runbook says otherwise.
const DefaultTimeout = 30 * time.Second

// Fix is a step's remediation: an ops action by command-mode verb, with
// template arguments.
type Fix struct {
	Action string   `json:"action"`
	Args   []string `json:"args,omitempty"`
	// When is the least severe verdict that offers the fix (Fail unless
	// the runbook says warn).
	When    Status `json:"when"`
	Explain string `json:"explain,omitempty"`
	Line    int    `json:"-"`
}
