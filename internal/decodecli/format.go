package decodecli

import (
	"time"

	"github.com/opsconsole/opsconsole/internal/decode"
)

// levelColumn is the level as printed: upper case, padded to five columns
// so messages line up.
var levelColumn = map[string]string{
	decode.LevelTrace: "TRACE",
	decode.LevelDebug: "DEBUG",
	decode.LevelInfo:  "INFO ",
	decode.LevelWarn:  "WARN ",
	decode.LevelError: "ERROR",
	decode.LevelFatal: "FATAL",
	"":                "-    ",
}

// appendText writes one event as
//
//	2025-09-03T16:47:00.250Z WARN  /aws/lambda/my-lambda Dropping lambda data ...
//
// (time in UTC with milliseconds, level, source, message; "-" for what is
// unknown; a decoding problem in brackets before the message). Everything
// from the payload is sanitised: this goes to a terminal.
func appendText(dst []byte, e *decode.Event) []byte {
	if e.Time.IsZero() {
		dst = append(dst, '-')
	} else {
		dst = appendTimeMillis(dst, e.Time)
	}
	dst = append(dst, ' ')
	dst = append(dst, levelColumn[e.Level]...)
	dst = append(dst, ' ')
	if e.Source == "" {
		dst = append(dst, '-')
	} else {
		dst = decode.AppendSanitized(dst, e.Source)
	}
	dst = append(dst, ' ')
	if e.Problem != "" {
		dst = append(dst, '[')
		dst = decode.AppendSanitized(dst, e.Problem)
		dst = append(dst, "] "...)
	}
	dst = decode.AppendSanitized(dst, e.Message)
	return append(dst, '\n')
}

// appendJSONLine writes one event as a line of NDJSON (terminal-safe too;
// see decode.Event.AppendJSON).
func appendJSONLine(dst []byte, e *decode.Event) []byte {
	return append(e.AppendJSON(dst), '\n')
}

// appendTimeMillis appends t in UTC as 2006-01-02T15:04:05.000Z. It is
// time.AppendFormat for this one layout, without parsing the layout for
// every event (which showed in profiles).
func appendTimeMillis(dst []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	hour, minute, sec := t.Clock()
	if year < 0 || year > 9999 {
		return t.AppendFormat(dst, "2006-01-02T15:04:05.000Z07:00")
	}
	ms := t.Nanosecond() / 1e6
	return append(dst,
		byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), '-',
		byte('0'+int(month)/10), byte('0'+int(month)%10), '-',
		byte('0'+day/10), byte('0'+day%10), 'T',
		byte('0'+hour/10), byte('0'+hour%10), ':',
		byte('0'+minute/10), byte('0'+minute%10), ':',
		byte('0'+sec/10), byte('0'+sec%10), '.',
		byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10), 'Z')
}
