package decode

import (
	"bytes"
	"encoding/json"

	"github.com/opsconsole/opsconsole/internal/decode/jsonscan"
)

// A JSON log line is read for the few fields a one-line view needs. ECS
// (Elastic Common Schema) names come first; the keys of other common JSON
// loggers (logrus, zap, pino, bunyan, Python's json loggers, GCP) are
// fallbacks. Keys may be dotted ("log.level") or nested ({"log":{"level"}}),
// as ECS allows both.

// span is a value found in the object: its bytes (string content without
// quotes) and what kind of JSON value it was.
type span struct {
	b    []byte
	esc  bool
	kind byte // 's' string, 'n' number, 'o' anything else; 0 when absent
	rank int  // lower wins when several keys can supply the field
}

func (s *span) offer(b []byte, esc bool, kind byte, rank int) {
	if s.kind == 0 || rank < s.rank {
		*s = span{b: b, esc: esc, kind: kind, rank: rank}
	}
}

type ecsFields struct {
	level, time, message, service span
	file, line, function          span
}

// decodeJSON reads m as one JSON object. It returns false, leaving ev alone,
// when m is not exactly one valid JSON object.
func (d *Decoder) decodeJSON(m []byte, ev *Event) bool {
	start, end := skipSpace(m, 0), len(m)
	for end > start && isSpace(m[end-1]) {
		end--
	}
	obj := m[start:end]
	var f ecsFields
	if !scanObject(obj, &f, 0) {
		return false
	}
	ev.Kind = KindJSON
	ev.Fields = obj
	if bytes.IndexByte(obj, '\n') >= 0 || bytes.IndexByte(obj, '\r') >= 0 {
		// Pretty-printed: compact it so Fields stays one NDJSON line.
		var c bytes.Buffer
		if json.Compact(&c, obj) == nil {
			ev.Fields = c.Bytes()
		}
	}
	switch f.level.kind {
	case 's':
		ev.Level = normalizeLevel(d.unescaped(f.level))
	case 'n':
		ev.Level = numericLevel(f.level.b)
	}
	switch f.time.kind {
	case 's':
		if t, ok := parseTimestamp(d.unescaped(f.time)); ok {
			ev.Time = t
		}
	case 'n':
		if t, ok := epochTime(f.time.b); ok {
			ev.Time = t
		}
	}
	switch f.message.kind {
	case 's':
		ev.Message = string(trimNewlines(d.unescaped(f.message)))
	case 0:
		ev.Message = string(ev.Fields)
	default:
		ev.Message = string(f.message.b)
	}
	if ev.Origin.LogGroup == "" {
		switch {
		case f.service.kind == 's':
			ev.Source = d.intern.get(d.unescaped(f.service))
		case f.file.kind == 's':
			src := append(d.scratch[:0:0], d.unescaped(f.file)...)
			if f.line.kind == 'n' || f.line.kind == 's' {
				src = append(append(src, ':'), f.line.b...)
			}
			ev.Source = d.intern.get(src)
		case f.function.kind == 's':
			ev.Source = d.intern.get(d.unescaped(f.function))
		}
	}
	return true
}

// unescaped returns a string span's content, unescaped into scratch when
// needed. The result is valid until the next call.
func (d *Decoder) unescaped(s span) []byte {
	if !s.esc {
		return s.b
	}
	d.scratch = jsonscan.Unescape(d.scratch[:0], s.b)
	return d.scratch
}

// Which object a key is read in: the top level, "log", "service",
// "log.origin"/"log":{"origin"}, or "log.origin":{"file"}.
const (
	inTop = iota
	inLog
	inService
	inOrigin
	inFile
)

// scanObject validates the object in b (which must span exactly one object)
// and records the interesting members.
func scanObject(b []byte, f *ecsFields, where int) bool {
	i, ok := scanMembers(b, 0, f, where)
	return ok && i == len(b)
}

func scanMembers(b []byte, i int, f *ecsFields, where int) (int, bool) {
	i, empty, err := jsonscan.ObjectStart(b, i)
	if err != nil {
		return i, false
	}
	for !empty {
		key, esc, vi, err := jsonscan.Key(b, i)
		if err != nil {
			return vi, false
		}
		if esc {
			key = jsonscan.Unescape(nil, key)
		}
		// Nested objects we look into.
		if vi < len(b) && b[vi] == '{' {
			if sub := nestedIn(where, key); sub >= 0 {
				var ok bool
				if i, ok = scanMembers(b, vi, f, sub); !ok {
					return i, false
				}
				if i, empty, err = jsonscan.ObjectNext(b, i); err != nil {
					return i, false
				}
				continue
			}
		}
		var v span
		next := vi
		switch {
		case vi < len(b) && b[vi] == '"':
			v.b, v.esc, next, err = jsonscan.String(b, vi)
			v.kind = 's'
		case vi < len(b) && (b[vi] == '-' || '0' <= b[vi] && b[vi] <= '9'):
			next, err = jsonscan.Number(b, vi)
			v.b, v.kind = b[vi:next], 'n'
		default:
			next, err = jsonscan.Skip(b, vi)
			v.b, v.kind = b[vi:next], 'o'
		}
		if err != nil {
			return next, false
		}
		offerMember(f, where, key, v)
		if i, empty, err = jsonscan.ObjectNext(b, next); err != nil {
			return i, false
		}
	}
	return i, true
}

func nestedIn(where int, key []byte) int {
	switch where {
	case inTop:
		switch string(key) {
		case "log":
			return inLog
		case "service":
			return inService
		case "log.origin":
			return inOrigin
		}
	case inLog:
		if string(key) == "origin" {
			return inOrigin
		}
	case inOrigin:
		if string(key) == "file" {
			return inFile
		}
	}
	return -1
}

func offerMember(f *ecsFields, where int, key []byte, v span) {
	switch where {
	case inTop:
		switch string(key) {
		case "@timestamp":
			f.time.offer(v.b, v.esc, v.kind, 1)
		case "timestamp":
			f.time.offer(v.b, v.esc, v.kind, 2)
		case "time":
			f.time.offer(v.b, v.esc, v.kind, 3)
		case "ts":
			f.time.offer(v.b, v.esc, v.kind, 4)
		case "log.level":
			f.level.offer(v.b, v.esc, v.kind, 1)
		case "level":
			f.level.offer(v.b, v.esc, v.kind, 2)
		case "severity":
			f.level.offer(v.b, v.esc, v.kind, 3)
		case "lvl", "levelname", "loglevel", "log_level":
			f.level.offer(v.b, v.esc, v.kind, 4)
		case "message":
			f.message.offer(v.b, v.esc, v.kind, 1)
		case "msg":
			f.message.offer(v.b, v.esc, v.kind, 2)
		case "log":
			if v.kind == 's' { // docker's json-file driver: {"log":"...","stream":"stdout"}
				f.message.offer(v.b, v.esc, v.kind, 3)
			}
		case "service.name":
			f.service.offer(v.b, v.esc, v.kind, 1)
		case "log.origin.file.name":
			f.file.offer(v.b, v.esc, v.kind, 1)
		case "log.origin.file.line":
			f.line.offer(v.b, v.esc, v.kind, 1)
		case "log.origin.function":
			f.function.offer(v.b, v.esc, v.kind, 1)
		}
	case inLog:
		if string(key) == "level" {
			f.level.offer(v.b, v.esc, v.kind, 1)
		}
	case inService:
		if string(key) == "name" {
			f.service.offer(v.b, v.esc, v.kind, 1)
		}
	case inOrigin:
		switch string(key) {
		case "function":
			f.function.offer(v.b, v.esc, v.kind, 1)
		case "file.name":
			f.file.offer(v.b, v.esc, v.kind, 1)
		case "file.line":
			f.line.offer(v.b, v.esc, v.kind, 1)
		}
	case inFile:
		switch string(key) {
		case "name":
			f.file.offer(v.b, v.esc, v.kind, 1)
		case "line":
			f.line.offer(v.b, v.esc, v.kind, 1)
		}
	}
}
