package es

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// plainDecimal is "50" or "1.5": no sign, no exponent, no spaces.
var plainDecimal = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)

// Elasticsearch byte units are binary (1kb = 1024 bytes) and case-insensitive.
var byteUnits = []struct {
	suffix string
	mult   float64
}{
	// Longest suffixes first so "kb" is not read as "b".
	{"pb", 1 << 50}, {"tb", 1 << 40}, {"gb", 1 << 30}, {"mb", 1 << 20}, {"kb", 1 << 10},
	{"p", 1 << 50}, {"t", 1 << 40}, {"g", 1 << 30}, {"m", 1 << 20}, {"k", 1 << 10},
	{"b", 1},
}

// ParseByteSize parses an Elasticsearch byte-size value as an operator types
// it ("50gb", "1.5tb", "512MB"). A unit is required, as Elasticsearch
// requires one for ILM conditions.
func ParseByteSize(s string) (int64, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	for _, u := range byteUnits {
		if len(u.suffix) == 1 && u.suffix != "b" {
			continue // single-letter forms are accepted on read only
		}
		num, ok := strings.CutSuffix(v, u.suffix)
		if !ok {
			continue
		}
		if !plainDecimal.MatchString(num) {
			break
		}
		f, err := strconv.ParseFloat(num, 64)
		if err != nil || math.IsInf(f, 0) {
			break
		}
		if f <= 0 {
			return 0, fmt.Errorf("size %q must be greater than zero", s)
		}
		return int64(f * u.mult), nil
	}
	return 0, fmt.Errorf("%q is not a size: write a number and one of the units b, kb, mb, gb, tb, pb (for example 50gb)", s)
}

// parseLooseBytes reads a size from a _cat cell: a plain number of bytes
// (what bytes=b returns) or a human value ("31.1mb") as older samples and
// servers without bytes=b return.
func parseLooseBytes(s string) (int64, bool) {
	v := strings.ToLower(strings.TrimSpace(s))
	if v == "" || v == "-" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n, true
	}
	for _, u := range byteUnits {
		num, ok := strings.CutSuffix(v, u.suffix)
		if !ok {
			continue
		}
		f, err := strconv.ParseFloat(num, 64)
		if err != nil {
			return 0, false
		}
		return int64(math.Round(f * u.mult)), true
	}
	return 0, false
}

// FormatBytes renders a byte count the way Elasticsearch does in its human
// output: one decimal at most, binary units ("63.2gb", "512b").
func FormatBytes(n int64) string {
	if n < 0 {
		return "-" + FormatBytes(-n)
	}
	for i := 0; i < 5; i++ {
		u := byteUnits[i]
		if float64(n) >= u.mult {
			return trimDecimal(float64(n)/u.mult) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10) + "b"
}

func trimDecimal(f float64) string {
	s := strconv.FormatFloat(f, 'f', 1, 64)
	return strings.TrimSuffix(s, ".0")
}

var timeUnits = []struct {
	suffix string
	d      time.Duration
}{
	// Longest suffixes first: "ms" before "s", "micros" before "s".
	{"micros", time.Microsecond}, {"nanos", time.Nanosecond}, {"ms", time.Millisecond},
	{"d", 24 * time.Hour}, {"h", time.Hour}, {"m", time.Minute}, {"s", time.Second},
}

// ParseTimeValue parses an Elasticsearch time value ("30d", "12h", "0ms").
// Elasticsearch wants a whole number and a unit (d, h, m, s, ms, micros,
// nanos); "1.5d" and "30" are refused as it would refuse them.
func ParseTimeValue(s string) (time.Duration, error) {
	v := strings.TrimSpace(s)
	for _, u := range timeUnits {
		num, ok := strings.CutSuffix(v, u.suffix)
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil || num == "" || num[0] == '+' || num[0] == '-' {
			break
		}
		if n > math.MaxInt64/int64(u.d) {
			return 0, fmt.Errorf("time %q is too large", s)
		}
		return time.Duration(n) * u.d, nil
	}
	return 0, fmt.Errorf("%q is not a time value: write a whole number and one of the units d, h, m, s, ms (for example 30d)", s)
}

// formatAge renders a duration compactly for notes ("93d", "5h", "12m").
func formatAge(d time.Duration) string {
	switch {
	case d >= 24*time.Hour:
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	case d >= time.Hour:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	case d >= time.Minute:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	default:
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	}
}
