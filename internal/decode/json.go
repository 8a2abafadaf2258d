package decode

import (
	"encoding/base64"
	"strconv"
	"time"
	"unicode/utf8"
)

// MarshalJSON writes the event as one line of JSON (see AppendJSON).
func (e Event) MarshalJSON() ([]byte, error) {
	return e.AppendJSON(nil), nil
}

// AppendJSON appends the event as one line of JSON, without the newline,
// for NDJSON export and `opsconsole decode --format json`. The keys are the
// struct tags of Event and Origin, so encoding/json reads it back into an
// Event. Raw is written (base64) only for binary payloads and problems;
// otherwise Message and Fields carry the same content.
//
// The output is safe on a terminal: besides what JSON requires, it escapes
// C1 controls, bidi overrides and other invisible format characters as \u
// escapes, and replaces invalid UTF-8 with U+FFFD.
func (e *Event) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"time":`...)
	dst = appendJSONTime(dst, e.Time)
	if e.Level != "" {
		dst = append(dst, `,"level":`...)
		dst = AppendJSONString(dst, e.Level)
	}
	if e.Source != "" {
		dst = append(dst, `,"source":`...)
		dst = AppendJSONString(dst, e.Source)
	}
	dst = append(dst, `,"message":`...)
	dst = AppendJSONString(dst, e.Message)
	dst = append(dst, `,"kind":`...)
	dst = AppendJSONString(dst, string(e.Kind))
	if e.Layers != 0 {
		dst = append(dst, `,"layers":`...)
		dst = AppendJSONString(dst, e.Layers.String())
	}
	if len(e.Fields) > 0 {
		dst = append(dst, `,"fields":`...)
		dst = appendSafeJSONText(dst, e.Fields)
	}
	if len(e.Raw) > 0 && (e.Kind == KindBinary || e.Problem != "") {
		dst = append(dst, `,"raw":"`...)
		dst = base64.StdEncoding.AppendEncode(dst, e.Raw)
		dst = append(dst, '"')
	}
	o := &e.Origin
	dst = append(dst, `,"origin":{`...)
	dst = append(dst, `"sub":`...)
	dst = strconv.AppendInt(dst, int64(o.SubIndex), 10)
	dst = append(dst, `,"index":`...)
	dst = strconv.AppendInt(dst, int64(o.EventIndex), 10)
	dst = append(dst, `,"arrival":`...)
	dst = appendJSONTime(dst, o.ArrivalTime)
	for _, f := range [...]struct{ key, val string }{
		{`,"shard":`, o.ShardID},
		{`,"seq":`, o.SequenceNumber},
		{`,"partition_key":`, o.PartitionKey},
		{`,"explicit_hash_key":`, o.ExplicitHashKey},
		{`,"owner":`, o.Owner},
		{`,"log_group":`, o.LogGroup},
		{`,"log_stream":`, o.LogStream},
		{`,"log_event_id":`, o.LogEventID},
	} {
		if f.val != "" {
			dst = append(dst, f.key...)
			dst = AppendJSONString(dst, f.val)
		}
	}
	dst = append(dst, '}')
	if e.Problem != "" {
		dst = append(dst, `,"problem":`...)
		dst = AppendJSONString(dst, e.Problem)
	}
	return append(dst, '}')
}

func appendJSONTime(dst []byte, t time.Time) []byte {
	dst = append(dst, '"')
	dst = t.UTC().AppendFormat(dst, time.RFC3339Nano)
	return append(dst, '"')
}

// AppendJSONString appends s as a quoted JSON string that is also safe to
// print on a terminal (see AppendJSON).
func AppendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f && c != '"' && c != '\\' {
			i++
			continue
		}
		dst = append(dst, s[start:i]...)
		if c < utf8.RuneSelf {
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = appendUEscape(dst, rune(c))
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, `\ufffd`...)
		case unsafeRune(r):
			dst = appendUEscape(dst, r)
		default:
			dst = append(dst, s[i:i+size]...)
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendSafeJSONText copies valid JSON text, rewriting what AppendJSONString
// would escape. Outside strings valid JSON is plain ASCII, so everything
// rewritten is inside a string, where a \u escape means the same thing.
func appendSafeJSONText(dst, js []byte) []byte {
	start := 0
	for i := 0; i < len(js); {
		c := js[i]
		if c < 0x7f {
			i++
			continue
		}
		dst = append(dst, js[start:i]...)
		if c == 0x7f {
			dst = appendUEscape(dst, 0x7f)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRune(js[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, `\ufffd`...)
		case unsafeRune(r):
			dst = appendUEscape(dst, r)
		default:
			dst = append(dst, js[i:i+size]...)
		}
		i += size
		start = i
	}
	return append(dst, js[start:]...)
}

func appendUEscape(dst []byte, r rune) []byte {
	if r > 0xffff {
		r -= 0x10000
		dst = appendUEscape(dst, 0xd800+(r>>10))
		return appendUEscape(dst, 0xdc00+(r&0x3ff))
	}
	return append(dst, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
}
