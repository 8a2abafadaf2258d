package decode

import (
	"strconv"
	"strings"
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
	i := 0
	for i < len(s) && s[i] >= 0x20 && s[i] < 0x7f {
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for i < len(s) {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			b.WriteByte(c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			b.WriteString(`\x`)
			b.WriteString(hex2(c))
			i++
			continue
		}
		writeRune(&b, r)
		i += size
	}
	return b.String()
}

func writeRune(b *strings.Builder, r rune) {
	switch r {
	case '\n':
		b.WriteString(`\n`)
	case '\r':
		b.WriteString(`\r`)
	case '\t':
		b.WriteString(`\t`)
	default:
		if unsafeRune(r) {
			if r < 0x80 {
				b.WriteString(`\x`)
				b.WriteString(hex2(byte(r)))
			} else {
				b.WriteString(`\u`)
				h := strconv.FormatInt(int64(r), 16)
				for n := len(h); n < 4; n++ {
					b.WriteByte('0')
				}
				b.WriteString(h)
			}
			return
		}
		b.WriteRune(r)
	}
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

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&0xf]})
}
