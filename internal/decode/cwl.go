package decode

import (
	"strconv"
	"time"

	"github.com/opsconsole/opsconsole/internal/decode/jsonscan"
)

// A CloudWatch Logs subscription delivers gzip'd JSON envelopes:
//
//	{"messageType":"DATA_MESSAGE","owner":"123456789012","logGroup":"/ecs/app",
//	 "logStream":"ecs/app/4f1c...","subscriptionFilters":["..."],
//	 "logEvents":[{"id":"3918...","timestamp":1756918020250,"message":"..."}]}
//
// CONTROL_MESSAGE envelopes are the service checking that the destination is
// reachable; they carry no log data.

// cwlSpan is one log event found by the first pass, as offsets into the
// envelope, so the second pass can unescape messages in place.
type cwlSpan struct {
	idStart, idEnd   int
	idEsc            bool
	ts               int64
	hasTS            bool
	msgStart, msgEnd int
	msgEsc           bool
}

type cwlHeader struct {
	control                    bool
	owner, logGroup, logStream string
}

// decodeCWL decodes data as a CloudWatch Logs envelope. ok is false when
// data is not one (no known messageType, no logEvents array, or not valid
// JSON), and the caller decodes it as something else. The first pass only
// reads, so data is untouched when ok is false.
func (d *Decoder) decodeCWL(data []byte, owned bool, base *Event, dst []Event, st *Stats) ([]Event, bool) {
	hdr, spans, ok := d.scanCWL(data)
	d.spans = spans[:0]
	if !ok {
		return dst, false
	}
	if hdr.control {
		st.ControlMessages++
		return dst, true
	}
	if !owned {
		// Messages are unescaped in place; do not write into the caller's data.
		data = append([]byte(nil), data...)
	}
	if len(spans) > 0 {
		dst = growEvents(dst, len(spans))
	}
	w := 0
	if len(spans) > 0 {
		w = spans[0].msgStart
	}
	for i := range spans {
		sp := &spans[i]
		ev := *base
		ev.Layers |= LayerCWL
		ev.Origin.Owner = hdr.owner
		ev.Origin.LogGroup = hdr.logGroup
		ev.Origin.LogStream = hdr.logStream
		ev.Origin.EventIndex = i
		if hdr.logGroup != "" {
			ev.Source = hdr.logGroup
		}
		// The id must be read before this event's message is written: the
		// write cursor may reach back over it.
		if raw := data[sp.idStart:sp.idEnd]; sp.idEsc {
			ev.Origin.LogEventID = string(jsonscan.Unescape(nil, raw))
		} else {
			ev.Origin.LogEventID = string(raw) // unique per event: not worth interning
		}
		if sp.hasTS {
			ev.Time = time.UnixMilli(sp.ts).UTC()
		}
		raw := data[sp.msgStart:sp.msgEnd]
		var m []byte
		if sp.msgEsc {
			m = jsonscan.Unescape(data[w:w], raw)
		} else {
			m = data[w : w+len(raw)]
			copy(m, raw)
		}
		m = m[:len(m):len(m)] // appends by a caller must not run into the next message
		w += len(m)
		ev.Raw = m
		d.decodeMessage(m, &ev, true)
		dst = append(dst, ev)
	}
	return dst, true
}

// scanCWL is the read-only first pass over an envelope.
func (d *Decoder) scanCWL(b []byte) (hdr cwlHeader, spans []cwlSpan, ok bool) {
	spans = d.spans[:0]
	i, empty, err := jsonscan.ObjectStart(b, 0)
	if err != nil || empty {
		return hdr, spans, false
	}
	var msgType []byte
	var haveEvents bool
	for {
		key, esc, vi, err := jsonscan.Key(b, i)
		if err != nil {
			return hdr, spans, false
		}
		if esc {
			key = jsonscan.Unescape(nil, key)
		}
		switch string(key) {
		case "messageType":
			var raw []byte
			if raw, _, i, err = jsonscan.String(b, vi); err != nil {
				return hdr, spans, false
			}
			msgType = raw
		case "owner", "logGroup", "logStream":
			raw, resc, next, err := jsonscan.String(b, vi)
			if err != nil {
				return hdr, spans, false
			}
			i = next
			s := d.str(raw, resc)
			switch string(key) {
			case "owner":
				hdr.owner = s
			case "logGroup":
				hdr.logGroup = s
			default:
				hdr.logStream = s
			}
		case "logEvents":
			if spans, i, err = scanLogEvents(b, vi, spans); err != nil {
				return hdr, spans, false
			}
			haveEvents = true
		default:
			if i, err = jsonscan.Skip(b, vi); err != nil {
				return hdr, spans, false
			}
		}
		var done bool
		if i, done, err = jsonscan.ObjectNext(b, i); err != nil {
			return hdr, spans, false
		} else if done {
			break
		}
	}
	if jsonscan.SkipSpace(b, i) != len(b) || !haveEvents {
		return hdr, spans, false
	}
	switch string(msgType) {
	case "DATA_MESSAGE":
	case "CONTROL_MESSAGE":
		hdr.control = true
	default:
		return hdr, spans, false
	}
	return hdr, spans, true
}

func scanLogEvents(b []byte, i int, spans []cwlSpan) ([]cwlSpan, int, error) {
	i, empty, err := jsonscan.ArrayStart(b, i)
	if err != nil || empty {
		return spans, i, err
	}
	for {
		var sp cwlSpan
		var hasMsg bool
		i, empty, err = jsonscan.ObjectStart(b, i)
		if err != nil {
			return spans, i, err
		}
		for !empty {
			key, esc, vi, err := jsonscan.Key(b, i)
			if err != nil {
				return spans, vi, err
			}
			if esc {
				key = jsonscan.Unescape(nil, key)
			}
			switch string(key) {
			case "id":
				if vi < len(b) && b[vi] == '"' {
					raw, resc, next, err := jsonscan.String(b, vi)
					if err != nil {
						return spans, next, err
					}
					sp.idStart, sp.idEnd, sp.idEsc, i = vi+1, vi+1+len(raw), resc, next
				} else if i, err = jsonscan.Skip(b, vi); err != nil {
					return spans, i, err
				}
			case "timestamp":
				next, err := jsonscan.Skip(b, vi)
				if err != nil {
					return spans, next, err
				}
				if ts, perr := strconv.ParseInt(string(b[vi:next]), 10, 64); perr == nil {
					sp.ts, sp.hasTS = ts, true
				}
				i = next
			case "message":
				raw, resc, next, err := jsonscan.String(b, vi)
				if err != nil {
					return spans, next, err
				}
				sp.msgStart, sp.msgEnd, sp.msgEsc, i = vi+1, vi+1+len(raw), resc, next
				hasMsg = true
			default:
				if i, err = jsonscan.Skip(b, vi); err != nil {
					return spans, i, err
				}
			}
			if i, empty, err = jsonscan.ObjectNext(b, i); err != nil {
				return spans, i, err
			}
		}
		if !hasMsg {
			return spans, i, &jsonscan.SyntaxError{Offset: i, Msg: "log event without a message"}
		}
		spans = append(spans, sp)
		var done bool
		if i, done, err = jsonscan.ArrayNext(b, i); err != nil || done {
			return spans, i, err
		}
	}
}

// str converts a JSON string's raw content to a Go string, unescaping when
// needed, and interns it: these strings repeat across many events.
func (d *Decoder) str(raw []byte, esc bool) string {
	if esc {
		d.scratch = jsonscan.Unescape(d.scratch[:0], raw)
		raw = d.scratch
	}
	return d.intern.get(raw)
}

// growEvents makes room for n more events in one allocation.
func growEvents(dst []Event, n int) []Event {
	if cap(dst)-len(dst) >= n {
		return dst
	}
	grown := make([]Event, len(dst), len(dst)+n)
	copy(grown, dst)
	return grown
}
