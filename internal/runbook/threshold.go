package runbook

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Cond is one comparison against a probe output: "> 80", ">= 1", "< 10m".
type Cond struct {
	Op  string // >, >=, <, <=, ==, !=
	Num float64
	Dur time.Duration
	// IsDur is set when the bound has a time unit; it may only be compared
	// with a duration output.
	IsDur bool
	Raw   string
}

var condOps = []string{">=", "<=", "==", "!=", ">", "<"}

// ParseCond reads a comparison. The bound is a number or a Go duration.
func ParseCond(s string) (Cond, error) {
	raw := strings.TrimSpace(s)
	c := Cond{Raw: raw}
	for _, op := range condOps {
		if rest, ok := strings.CutPrefix(raw, op); ok {
			c.Op = op
			raw = strings.TrimSpace(rest)
			break
		}
	}
	if c.Op == "" {
		return c, fmt.Errorf("%q does not start with a comparison (>, >=, <, <=, ==, !=)", s)
	}
	if raw == "" {
		return c, fmt.Errorf("%q has no value to compare with", s)
	}
	if n, err := strconv.ParseFloat(raw, 64); err == nil {
		c.Num = n
		return c, nil
	}
	d, err := time.ParseDuration(raw)
	if err != nil {
		return c, fmt.Errorf("%q: %q is neither a number nor a duration such as 10m", s, raw)
	}
	c.Dur, c.IsDur = d, true
	return c, nil
}

// bound is the comparison value in the output's unit: durations compare in
// seconds.
func (c Cond) bound() float64 {
	if c.IsDur {
		return c.Dur.Seconds()
	}
	return c.Num
}

// Holds reports whether v satisfies the comparison. Unset values never do.
func (c Cond) Holds(v Value) bool {
	if !v.Set {
		return false
	}
	x := v.Num
	if v.Kind == KindDuration {
		x = v.Dur.Seconds()
	}
	b := c.bound()
	switch c.Op {
	case ">":
		return x > b
	case ">=":
		return x >= b
	case "<":
		return x < b
	case "<=":
		return x <= b
	case "==":
		return x == b
	case "!=":
		return x != b
	}
	return false
}

func (c Cond) String() string { return c.Raw }

// Threshold turns one output into a verdict: fail when Fail holds, else
// warn when Warn holds, else pass. Off disables a probe's default.
type Threshold struct {
	Warn, Fail *Cond
	Off        bool
}

// judge returns the verdict for v and, when not pass, why.
func (t Threshold) judge(name string, v Value) (Status, string) {
	if t.Off {
		return Pass, ""
	}
	if t.Fail != nil && t.Fail.Holds(v) {
		return Fail, fmt.Sprintf("%s %s %s", name, v, t.Fail)
	}
	if t.Warn != nil && t.Warn.Holds(v) {
		return Warn, fmt.Sprintf("%s %s %s", name, v, t.Warn)
	}
	return Pass, ""
}

// checkFor validates a threshold against the output it judges: the units
// must match and the fail bound must be at least as strict as the warn
// bound, or fail could never fire without warn being skipped.
func (t Threshold) checkFor(kind Kind) error {
	for _, c := range []*Cond{t.Warn, t.Fail} {
		if c == nil {
			continue
		}
		switch {
		case kind == KindText:
			return fmt.Errorf("is text; thresholds compare numbers and durations")
		case kind == KindNumber && c.IsDur:
			return fmt.Errorf("is a number, but %q compares it with a duration", c.Raw)
		case kind == KindDuration && !c.IsDur && c.Num != 0:
			return fmt.Errorf("is a duration: give the bound a unit (%q -> \"%s %gs\")", c.Raw, c.Op, c.Num)
		}
	}
	if t.Warn == nil || t.Fail == nil {
		return nil
	}
	w, f := *t.Warn, *t.Fail
	up := func(op string) bool { return op == ">" || op == ">=" }
	down := func(op string) bool { return op == "<" || op == "<=" }
	switch {
	case up(w.Op) && up(f.Op) && f.bound() < w.bound():
		return fmt.Errorf("fail %q is looser than warn %q: a value between them would fail without ever warning; swap them", f.Raw, w.Raw)
	case down(w.Op) && down(f.Op) && f.bound() > w.bound():
		return fmt.Errorf("fail %q is looser than warn %q: a value between them would fail without ever warning; swap them", f.Raw, w.Raw)
	case (up(w.Op) && down(f.Op)) || (down(w.Op) && up(f.Op)):
		return fmt.Errorf("warn %q and fail %q point in opposite directions", w.Raw, f.Raw)
	}
	return nil
}

// mustThreshold builds a probe's default threshold; bad defaults are a
// programming error caught by the registry tests.
func mustThreshold(warn, fail string) Threshold {
	var t Threshold
	if warn != "" {
		c, err := ParseCond(warn)
		if err != nil {
			panic(err)
		}
		t.Warn = &c
	}
	if fail != "" {
		c, err := ParseCond(fail)
		if err != nil {
			panic(err)
		}
		t.Fail = &c
	}
	return t
}
