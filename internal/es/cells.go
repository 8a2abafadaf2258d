package es

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
)

// cell is one _cat value. Elasticsearch sends every _cat value as a JSON
// string, null when it has none (an unassigned shard's node, a load average
// the OS does not report), and upstream examples even show numbers; cell
// takes all of them and keeps the text. Null and "" both read as absent.
type cell string

// UnmarshalJSON accepts a string, null, a number or a boolean.
func (c *cell) UnmarshalJSON(b []byte) error {
	switch {
	case len(b) == 0 || bytes.Equal(b, []byte("null")):
		*c = ""
	case b[0] == '"':
		// Fast path: no escapes, which is every cell Elasticsearch writes
		// for numbers, states and most names.
		if bytes.IndexByte(b[1:len(b)-1], '\\') < 0 {
			*c = cell(strings.TrimSpace(string(b[1 : len(b)-1])))
			return nil
		}
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*c = cell(strings.TrimSpace(s))
	default:
		*c = cell(strings.TrimSpace(string(b)))
	}
	return nil
}

// String is the raw text ("" when absent).
func (c cell) String() string { return string(c) }

// Int parses a whole number; ok is false when absent or not a number.
func (c cell) Int() (int64, bool) {
	if c == "" || c == "-" {
		return 0, false
	}
	n, err := strconv.ParseInt(string(c), 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(string(c), 64)
		if ferr != nil {
			return 0, false
		}
		return int64(f), true
	}
	return n, true
}

// Float parses a decimal ("1.69", "100.0%").
func (c cell) Float() (float64, bool) {
	s := strings.TrimSuffix(string(c), "%")
	if s == "" || s == "-" {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

// Bytes parses a size: exact bytes (bytes=b) or a human value ("31.1mb").
func (c cell) Bytes() (int64, bool) { return parseLooseBytes(string(c)) }

// Opt is a number that may be absent: the UI shows "-" rather than a
// misleading 0 when a node does not report a value.
type Opt[T int64 | float64] struct {
	V  T
	OK bool
}

func optInt(c cell) Opt[int64] {
	v, ok := c.Int()
	return Opt[int64]{v, ok}
}

func optFloat(c cell) Opt[float64] {
	v, ok := c.Float()
	return Opt[float64]{v, ok}
}

func optBytes(c cell) Opt[int64] {
	v, ok := c.Bytes()
	return Opt[int64]{v, ok}
}

// decodeJSON unmarshals with a short error that names what was being read.
func decodeJSON(what string, data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		return &Error{Op: "parse " + what, Reason: "the response is not the JSON expected: " + err.Error()}
	}
	return nil
}

// parallel runs fns concurrently and returns their errors in order.
func parallel(fns ...func() error) []error {
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Go(func() { errs[i] = fn() })
	}
	wg.Wait()
	return errs
}

// flattenSettings turns nested settings ({"index":{"blocks":{...}}}) into
// dotted keys, as flat_settings=true would, so nested and flat answers read
// the same. Elasticsearch renders a key that is both a value and a prefix
// ("watermark.low" and "watermark.low.max_headroom") as a dotted key inside
// the nested object; joining the path handles that too.
func flattenSettings(prefix string, v any, out map[string]string) {
	switch t := v.(type) {
	case map[string]any:
		for k, sub := range t {
			key := k
			if prefix != "" {
				key = prefix + "." + k
			}
			flattenSettings(key, sub, out)
		}
	case []any:
		parts := make([]string, 0, len(t))
		for _, e := range t {
			parts = append(parts, scalarString(e))
		}
		out[prefix] = strings.Join(parts, ",")
	default:
		out[prefix] = scalarString(t)
	}
}

func scalarString(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case bool:
		return strconv.FormatBool(t)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case json.Number:
		return t.String()
	default:
		b, _ := json.Marshal(t)
		return string(b)
	}
}
