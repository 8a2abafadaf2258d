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

// cwlSpan is one log event found by the scan: its message, already
// unescaped in place, as offsets into the envelope.
type cwlSpan struct {
	id               string
	ts               int64
	hasTS            bool
	msgStart, msgEnd int
}

type cwlHeader struct {
	control                    bool
	owner, logGroup, logStream string
}

// decodeCWL decodes data as a CloudWatch Logs envelope. ok is false when
// data is not one (no known messageType, no logEvents array, or not valid
// JSON), and the caller decodes it as something else. The scan unescapes
// messages in place, in the same pass that validates them, so data must be
// the decoder's own; dirty reports that data was rewritten before the scan
// gave up, and the caller must start again from the original bytes.
func (d *Decoder) decodeCWL(data []byte, base *Event, dst []Event, st *Stats) (out []Event, ok, dirty bool) {
	hdr, spans, ok, dirty := d.scanCWL(data)
	d.spans = spans[:0]
	if !ok {
		return dst, false, dirty
	}
	if hdr.control {
		st.ControlMessages++
		return dst, true, dirty
	}
	dst = growEvents(dst, len(spans))
	for i := range spans {
		sp := &spans[i]
		ev := *base
		ev.Layers |= LayerCWL
		ev.Origin.Owner = hdr.owner
		ev.Origin.LogGroup = hdr.logGroup
		ev.Origin.LogStream = hdr.logStream
		ev.Origin.EventIndex = i
		ev.Origin.LogEventID = sp.id
		if hdr.logGroup != "" {
			ev.Source = hdr.logGroup
		}
		if sp.hasTS {
			ev.Time = time.UnixMilli(sp.ts).UTC()
		}
		m := data[sp.msgStart:sp.msgEnd:sp.msgEnd] // appends by a caller must not run into the next message
		ev.Raw = m
		d.decodeMessage(m, &ev, true)
		dst = append(dst, ev)
	}
	return dst, true, dirty
}

// scanCWL reads the envelope, unescaping each log event's message in place
// (see decodeCWL).
func (d *Decoder) scanCWL(b []byte) (hdr cwlHeader, spans []cwlSpan, ok, dirty bool) {
	spans = d.spans[:0]
	i, empty, err := jsonscan.ObjectStart(b, 0)
	if err != nil || empty {
		return hdr, spans, false, false
	}
	var msgType string
	var haveEvents bool
	for {
		key, esc, vi, err := jsonscan.Key(b, i)
		if err != nil {
			return hdr, spans, false, dirty
		}
		if esc {
			key = jsonscan.Unescape(nil, key)
		}
		switch string(key) {
		case "messageType", "owner", "logGroup", "logStream":
			raw, resc, next, err := jsonscan.String(b, vi)
			if err != nil {
				return hdr, spans, false, dirty
			}
			i = next
			s := d.str(raw, resc)
			switch string(key) {
			case "messageType":
				msgType = s
			case "owner":
				hdr.owner = s
			case "logGroup":
				hdr.logGroup = s
			default:
				hdr.logStream = s
			}
		case "logEvents":
			dirty = true
			if spans, i, err = scanLogEvents(b, vi, spans); err != nil {
				return hdr, spans, false, dirty
			}
			haveEvents = true
		default:
			if i, err = jsonscan.Skip(b, vi); err != nil {
				return hdr, spans, false, dirty
			}
		}
		var done bool
		if i, done, err = jsonscan.ObjectNext(b, i); err != nil {
			return hdr, spans, false, dirty
		} else if done {
			break
		}
	}
	if jsonscan.SkipSpace(b, i) != len(b) || !haveEvents {
		return hdr, spans, false, dirty
	}
	switch msgType {
	case "DATA_MESSAGE":
	case "CONTROL_MESSAGE":
		hdr.control = true
	default:
		return hdr, spans, false, dirty
	}
	return hdr, spans, true, dirty
}

// scanLogEvents reads the logEvents array at b[i]. Messages are unescaped
// in place, packed one after the other from where the first one starts; the
// write position never passes the read position, and ids and timestamps are
// taken as they are met, before anything can overwrite them.
func scanLogEvents(b []byte, i int, spans []cwlSpan) ([]cwlSpan, int, error) {
	i, empty, err := jsonscan.ArrayStart(b, i)
	if err != nil || empty {
		return spans, i, err
	}
	w := -1 // write position, set at the first message
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
					if resc {
						raw = jsonscan.Unescape(nil, raw)
					}
					sp.id, i = string(raw), next // unique per event: not worth interning
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
				if w < 0 {
					w = vi + 1
				}
				end, next, err := jsonscan.UnquoteInPlace(b, vi, w)
				if err != nil {
					return spans, next, err
				}
				sp.msgStart, sp.msgEnd, i = w, end, next
				w = end
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

// growEvents makes room for n more events in one allocation. It at least
// doubles the capacity, as append does, so a caller that accumulates many
// records' events in one slice copies them a constant number of times
// (growing by exactly n made that quadratic).
func growEvents(dst []Event, n int) []Event {
	if cap(dst)-len(dst) >= n {
		return dst
	}
	grown := make([]Event, len(dst), max(len(dst)+n, 2*cap(dst)))
	copy(grown, dst)
	return grown
}
