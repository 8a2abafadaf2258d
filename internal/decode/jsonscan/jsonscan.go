// Package jsonscan is a small, allocation-free JSON scanner over byte slices.
//
// The decoders read a handful of known keys out of large JSON documents
// (CloudWatch Logs envelopes, ECS log lines, `aws kinesis get-records`
// output) and skip everything else. encoding/json would build every value it
// meets; this package only finds spans, validates them strictly (so a span it
// accepts can be copied into NDJSON as is) and unescapes the strings that are
// actually wanted.
//
// Every function takes the input and a start index and returns the index
// after what it consumed. Errors carry the byte offset where the input went
// wrong.
package jsonscan

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxDepth bounds nesting so hostile input cannot exhaust the stack.
const MaxDepth = 512

// SyntaxError says what was expected and at which byte offset of the input.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return e.Msg + " at byte " + strconv.Itoa(e.Offset)
}

func errAt(off int, msg string) error { return &SyntaxError{Offset: off, Msg: msg} }

// SkipSpace returns the index of the first non-whitespace byte at or after i.
func SkipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\n', '\t', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// strStop marks the bytes that end the fast path inside a string: the closing
// quote, an escape, and raw control bytes (which JSON forbids in strings).
var strStop = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['"'] = true
	t['\\'] = true
	return t
}()

// String scans the string that starts at b[i] (which must be '"'). It returns
// the raw content between the quotes, whether that content holds escapes
// (and so needs Unescape), and the index after the closing quote.
func String(b []byte, i int) (raw []byte, escaped bool, next int, err error) {
	if i >= len(b) || b[i] != '"' {
		return nil, false, i, errAt(i, "expected a string")
	}
	start := i + 1
	j := start
	for {
		j += plainRun(b[j:])
		for j < len(b) && !strStop[b[j]] {
			j++
		}
		if j >= len(b) {
			return nil, false, j, errAt(j, "unterminated string")
		}
		switch c := b[j]; {
		case c == '"':
			return b[start:j], escaped, j + 1, nil
		case c == '\\':
			escaped = true
			if j+1 >= len(b) {
				return nil, false, j, errAt(j, "unterminated escape")
			}
			switch b[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j += 2
			case 'u':
				if j+6 > len(b) || !isHex4(b[j+2:j+6]) {
					return nil, false, j, errAt(j, `bad \u escape`)
				}
				j += 6
			default:
				return nil, false, j, errAt(j, "bad escape")
			}
		default:
			return nil, false, j, errAt(j, "control byte in string")
		}
	}
}

// SWAR constants: one bit or byte value in every byte of a word.
const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// plainRun returns how many leading bytes of b are plain string content,
// eight at a time, stopping at (or a little before) the first quote,
// backslash or control byte. Long strings (base64 record data, log messages)
// are the bulk of the input, so this loop is the decoder's hottest.
func plainRun(b []byte) int {
	n := 0
	for len(b)-n >= 8 {
		x := binary.LittleEndian.Uint64(b[n:])
		q := x ^ (lsb * '"')
		e := x ^ (lsb * '\\')
		// A byte is flagged when it is zero (after the xor) or below 0x20;
		// the lowest flagged byte is exact, which is all that is used.
		m := ((q - lsb) &^ q) | ((e - lsb) &^ e) | ((x - lsb*0x20) &^ x)
		if m &= msb; m != 0 {
			return n + bits.TrailingZeros64(m)>>3
		}
		n += 8
	}
	return n
}

func isHex4(h []byte) bool {
	for _, c := range h {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func hex4(h []byte) rune {
	var r rune
	for _, c := range h {
		switch {
		case c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a':
			r = r<<4 | rune(c-'a'+10)
		default:
			r = r<<4 | rune(c-'A'+10)
		}
	}
	return r
}

// Unescape appends the decoded form of raw (string content already checked
// by String) to dst. Lone surrogates become U+FFFD, as encoding/json does.
// Because the output is never longer than raw, dst may alias raw's start
// (in-place unescaping): every byte is written at or before the position
// it was read from.
func Unescape(dst, raw []byte) []byte {
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			// Copy the run up to the next escape in one go.
			j := bytes.IndexByte(raw[i:], '\\')
			if j < 0 {
				return append(dst, raw[i:]...)
			}
			dst = append(dst, raw[i:i+j]...)
			i += j
			continue
		}
		if i+1 >= len(raw) {
			return dst // String never lets this through; stop rather than panic.
		}
		switch raw[i+1] {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			if i+6 > len(raw) {
				return dst
			}
			r := hex4(raw[i+2 : i+6])
			i += 6
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' && isHex4(raw[i+2:i+6]) {
					if d := utf16.DecodeRune(r, hex4(raw[i+2:i+6])); d != utf8.RuneError {
						r2 = d
						i += 6
					}
				}
				r = r2
			}
			dst = utf8.AppendRune(dst, r)
			continue
		default: // '"', '\\', '/'
			dst = append(dst, raw[i+1])
		}
		i += 2
	}
	return dst
}

// UnquoteInPlace scans the string that starts at b[i], like String, and
// writes its unescaped content to b[w:], which must not be after the
// string's first content byte (w <= i+1). It returns the end of what it
// wrote and the index after the closing quote. It is String and Unescape in
// one pass, for decoders that own b and read it only once: every byte is
// written at or before the position it is read from, so nothing unread is
// overwritten. On error, b[w:] up to the error may have been rewritten.
func UnquoteInPlace(b []byte, i, w int) (end, next int, err error) {
	if i >= len(b) || b[i] != '"' {
		return w, i, errAt(i, "expected a string")
	}
	j := i + 1
	for {
		run := j
		j += plainRun(b[j:])
		for j < len(b) && !strStop[b[j]] {
			j++
		}
		if w != run {
			copy(b[w:], b[run:j])
		}
		w += j - run
		if j >= len(b) {
			return w, j, errAt(j, "unterminated string")
		}
		switch c := b[j]; {
		case c == '"':
			return w, j + 1, nil
		case c == '\\':
			if j+1 >= len(b) {
				return w, j, errAt(j, "unterminated escape")
			}
			switch e := b[j+1]; e {
			case '"', '\\', '/':
				b[w] = e
			case 'b':
				b[w] = '\b'
			case 'f':
				b[w] = '\f'
			case 'n':
				b[w] = '\n'
			case 'r':
				b[w] = '\r'
			case 't':
				b[w] = '\t'
			case 'u':
				if j+6 > len(b) || !isHex4(b[j+2:j+6]) {
					return w, j, errAt(j, `bad \u escape`)
				}
				r := hex4(b[j+2 : j+6])
				j += 6
				if utf16.IsSurrogate(r) {
					r2 := utf8.RuneError
					if j+6 <= len(b) && b[j] == '\\' && b[j+1] == 'u' && isHex4(b[j+2:j+6]) {
						if d := utf16.DecodeRune(r, hex4(b[j+2:j+6])); d != utf8.RuneError {
							r2 = d
							j += 6
						}
					}
					r = r2
				}
				w += utf8.EncodeRune(b[w:], r)
				continue
			default:
				return w, j, errAt(j, "bad escape")
			}
			w++
			j += 2
		default:
			return w, j, errAt(j, "control byte in string")
		}
	}
}

// Skip validates and skips the value that starts at b[i] (after optional
// whitespace) and returns the index after it.
func Skip(b []byte, i int) (int, error) {
	return skip(b, SkipSpace(b, i), 0)
}

func skip(b []byte, i, depth int) (int, error) {
	if i >= len(b) {
		return i, errAt(i, "unexpected end of input, expected a value")
	}
	switch c := b[i]; c {
	case '"':
		_, _, next, err := String(b, i)
		return next, err
	case '{':
		if depth >= MaxDepth {
			return i, errAt(i, "nested too deeply")
		}
		i = SkipSpace(b, i+1)
		if i < len(b) && b[i] == '}' {
			return i + 1, nil
		}
		for {
			_, _, next, err := String(b, i)
			if err != nil {
				return next, err
			}
			i = SkipSpace(b, next)
			if i >= len(b) || b[i] != ':' {
				return i, errAt(i, "expected ':' after object key")
			}
			if i, err = skip(b, SkipSpace(b, i+1), depth+1); err != nil {
				return i, err
			}
			var done bool
			if i, done, err = ObjectNext(b, i); err != nil || done {
				return i, err
			}
		}
	case '[':
		if depth >= MaxDepth {
			return i, errAt(i, "nested too deeply")
		}
		i = SkipSpace(b, i+1)
		if i < len(b) && b[i] == ']' {
			return i + 1, nil
		}
		for {
			var err error
			if i, err = skip(b, i, depth+1); err != nil {
				return i, err
			}
			var done bool
			if i, done, err = ArrayNext(b, i); err != nil || done {
				return i, err
			}
		}
	case 't':
		return literal(b, i, "true")
	case 'f':
		return literal(b, i, "false")
	case 'n':
		return literal(b, i, "null")
	default:
		if c == '-' || '0' <= c && c <= '9' {
			return Number(b, i)
		}
		return i, errAt(i, "unexpected byte "+strconv.QuoteRune(rune(c)))
	}
}

func literal(b []byte, i int, lit string) (int, error) {
	if len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit {
		return i + len(lit), nil
	}
	return i, errAt(i, "bad literal, expected "+lit)
}

// Number checks the number that starts at b[i] against the JSON grammar and
// returns the index after it.
func Number(b []byte, i int) (int, error) {
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
	default:
		return i, errAt(i, "bad number")
	}
	if i < len(b) && b[i] == '.' {
		i++
		d := i
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
		if i == d {
			return i, errAt(i, "bad number")
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d := i
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
		if i == d {
			return i, errAt(i, "bad number")
		}
	}
	return i, nil
}

// ObjectStart consumes '{' (after whitespace). empty reports "{}", in which
// case the returned index is after the '}'.
func ObjectStart(b []byte, i int) (next int, empty bool, err error) {
	i = SkipSpace(b, i)
	if i >= len(b) || b[i] != '{' {
		return i, false, errAt(i, "expected an object")
	}
	i = SkipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, true, nil
	}
	return i, false, nil
}

// Key reads an object key and the ':' after it and returns the raw key and
// the index of the value (whitespace skipped). Keys with escapes are rare;
// escaped reports them so a caller comparing names can unescape first.
func Key(b []byte, i int) (key []byte, escaped bool, next int, err error) {
	key, escaped, i, err = String(b, SkipSpace(b, i))
	if err != nil {
		return nil, false, i, err
	}
	i = SkipSpace(b, i)
	if i >= len(b) || b[i] != ':' {
		return nil, false, i, errAt(i, "expected ':' after object key")
	}
	return key, escaped, SkipSpace(b, i+1), nil
}

// ObjectNext consumes the ',' or '}' after a member. done reports '}'.
func ObjectNext(b []byte, i int) (next int, done bool, err error) {
	i = SkipSpace(b, i)
	if i < len(b) {
		switch b[i] {
		case ',':
			return SkipSpace(b, i+1), false, nil
		case '}':
			return i + 1, true, nil
		}
	}
	return i, false, errAt(i, "expected ',' or '}' in object")
}

// ArrayStart consumes '[' (after whitespace). empty reports "[]".
func ArrayStart(b []byte, i int) (next int, empty bool, err error) {
	i = SkipSpace(b, i)
	if i >= len(b) || b[i] != '[' {
		return i, false, errAt(i, "expected an array")
	}
	i = SkipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return i + 1, true, nil
	}
	return i, false, nil
}

// ArrayNext consumes the ',' or ']' after an element. done reports ']'.
func ArrayNext(b []byte, i int) (next int, done bool, err error) {
	i = SkipSpace(b, i)
	if i < len(b) {
		switch b[i] {
		case ',':
			return SkipSpace(b, i+1), false, nil
		case ']':
			return i + 1, true, nil
		}
	}
	return i, false, errAt(i, "expected ',' or ']' in array")
}

// Valid reports whether b is exactly one JSON value (whitespace around it
// allowed).
func Valid(b []byte) bool {
	i, err := Skip(b, 0)
	return err == nil && SkipSpace(b, i) == len(b)
}
