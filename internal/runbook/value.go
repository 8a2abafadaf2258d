package runbook

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Status is where a step is: not run yet, running, a verdict, skipped, or a
// manual step (one with no check: the operator reads it and acts).
type Status int

const (
	Pending Status = iota
	Running
	Pass
	Warn
	Fail
	Error
	Skipped
	Manual
)

var statusNames = [...]string{"pending", "running", "pass", "warn", "fail", "error", "skipped", "manual"}

func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "unknown"
}

// MarshalJSON writes the status by name.
func (s Status) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// UnmarshalJSON reads a status by name.
func (s *Status) UnmarshalJSON(b []byte) error {
	var name string
	if err := json.Unmarshal(b, &name); err != nil {
		return err
	}
	for i, n := range statusNames {
		if n == name {
			*s = Status(i)
			return nil
		}
	}
	return fmt.Errorf("unknown status %q", name)
}

// IsVerdict reports whether s is the outcome of a check.
func (s Status) IsVerdict() bool { return s >= Pass && s <= Error }

// severity orders verdicts: pass < warn < fail < error.
func (s Status) severity() int {
	switch s {
	case Warn:
		return 1
	case Fail:
		return 2
	case Error:
		return 3
	}
	return 0
}

// Worst returns the more severe of two verdicts.
func Worst(a, b Status) Status {
	if b.severity() > a.severity() {
		return b
	}
	return a
}

// Kind is the type of a probe output.
type Kind int

const (
	KindNumber Kind = iota
	KindDuration
	KindText
)

func (k Kind) String() string {
	return [...]string{"number", "duration", "text"}[k]
}

// Value is one probe output. An unset Value means the probe had nothing to
// say (no hot shard, no index in error): thresholds ignore it and a fix whose
// arguments need it is not offered.
type Value struct {
	Kind Kind
	Num  float64
	Dur  time.Duration
	Text string
	Set  bool
}

// Number, Duration and Text make set values.
func Number(v float64) Value         { return Value{Kind: KindNumber, Num: v, Set: true} }
func Duration(d time.Duration) Value { return Value{Kind: KindDuration, Dur: d, Set: true} }
func Text(s string) Value            { return Value{Kind: KindText, Text: s, Set: s != ""} }

// Flag is a 0/1 number, for yes/no facts thresholds can test.
func Flag(b bool) Value {
	if b {
		return Number(1)
	}
	return Number(0)
}

// String is how a value appears in templates, evidence and fix arguments:
// whole numbers without decimals (a shard count, retention hours), others
// with two; durations in Go syntax without zero units ("41m", "2h30m"),
// which time.ParseDuration reads back.
func (v Value) String() string {
	if !v.Set {
		return ""
	}
	switch v.Kind {
	case KindNumber:
		return formatNumber(v.Num)
	case KindDuration:
		return formatDuration(v.Dur)
	}
	return v.Text
}

// MarshalJSON writes numbers as numbers, durations and text as strings,
// and unset values as null.
func (v Value) MarshalJSON() ([]byte, error) {
	if !v.Set {
		return []byte("null"), nil
	}
	if v.Kind == KindNumber && !math.IsNaN(v.Num) && !math.IsInf(v.Num, 0) {
		return json.Marshal(v.Num)
	}
	return json.Marshal(v.String())
}

func formatNumber(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	s := strconv.FormatFloat(f, 'f', 2, 64)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

func formatDuration(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	neg := d < 0
	if neg {
		d = -d
	}
	if d >= time.Second {
		d = d.Round(time.Second)
	} else if d >= time.Millisecond {
		d = d.Round(time.Millisecond)
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	if neg {
		s = "-" + s
	}
	return s
}
