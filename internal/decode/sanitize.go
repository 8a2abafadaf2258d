package decode

import (
	"strconv"
	"unicode"
	"unicode/utf8"
)

// Sanitize makes text from the outside world (record payloads, log lines,
// index names, pod messages) safe to put on a terminal: control bytes, escape
// sequences, C1 controls, bidirectional overrides and invalid UTF-8 are shown
// escaped (\x1b, \u202e, \xff), never interpreted. Newlines and tabs are
// escaped too, because every caller renders one line per value.
//
// Printable ASCII is returned as is without allocating: it is the common case
// on the render path.
func Sanitize(s string) string {
	i := printablePrefix(s)
	if i == len(s) {
		return s
	}
	return string(appendSanitized(make([]byte, 0, len(s)+16), s, i))
}

// AppendSanitized appends Sanitize(s) to dst without building an
// intermediate string, for writers that format many lines into one buffer.
func AppendSanitized(dst []byte, s string) []byte {
	return appendSanitized(dst, s, 0)
}

func printablePrefix(s string) int {
	i := 0
	for i < len(s) && s[i] >= 0x20 && s[i] < 0x7f {
		i++
	}
	return i
}

// appendSanitized escapes s[from:] into dst after copying s[:from], which
// the caller has checked is printable ASCII.
func appendSanitized(b []byte, s string, from int) []byte {
	i := from + printablePrefix(s[from:])
	b = append(b, s[:i]...)
	for i < len(s) {
		if n := printablePrefix(s[i:]); n > 0 {
			b = append(b, s[i:i+n]...)
			i += n
			continue
		}
		c := s[i]
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			b = append(b, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
			i++
			continue
		}
		b = appendSafeRune(b, r)
		i += size
	}
	return b
}

func appendSafeRune(b []byte, r rune) []byte {
	switch r {
	case '\n':
		return append(b, '\\', 'n')
	case '\r':
		return append(b, '\\', 'r')
	case '\t':
		return append(b, '\\', 't')
	}
	if !unsafeRune(r) {
		return utf8.AppendRune(b, r)
	}
	if r < 0x80 {
		return append(b, '\\', 'x', hexDigits[r>>4], hexDigits[r&0xf])
	}
	b = append(b, '\\', 'u')
	if r <= 0xffff {
		return append(b, hexDigits[r>>12], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
	}
	return strconv.AppendInt(b, int64(r), 16)
}

// unsafeRune reports runes a terminal could act on or that could disguise
// what is shown: C0/C1 controls, DEL, bidi embeddings/overrides/isolates,
// and other format characters and unassigned code points.
func unsafeRune(r rune) bool {
	if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
		return true
	}
	if (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c {
		return true
	}
	if unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Co, r) || !unicode.IsPrint(r) && r != ' ' {
		return true
	}
	return false
}

const hexDigits = "0123456789abcdef"
