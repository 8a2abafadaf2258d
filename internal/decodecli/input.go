package decodecli

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/opsconsole/opsconsole/internal/decode/jsonscan"
)

// inputReader walks a stream of JSON values: get-records responses
// ({"Records":[...], "NextShardIterator":...}), record objects, or arrays of
// either, one after another (JSON lines, or pretty-printed documents back to
// back). Records arrays and top-level arrays are streamed element by
// element, so memory stays bounded by the largest single record, not by the
// size of a document. Each record object's bytes go to emit with where they
// started, for error messages.
//
// Positions kept across reads live in pos and mark, which fill shifts when it
// compacts the buffer; everything else is re-derived from them.
type inputReader struct {
	r     io.Reader
	buf   []byte
	pos   int   // next unread byte
	mark  int   // first byte that must survive a refill, or -1
	base  int64 // input offset of buf[0]
	eof   bool
	rerr  error
	lines lineCounter
	onErr func(pos position, msg string)
	emit  func(rec []byte, pos position) error
	chunk int // bytes to read at least per refill (readChunk; tests use tiny ones)
}

// position is where something starts in the input.
type position struct {
	line   int   // 1-based
	offset int64 // byte offset, 0-based
}

func (p position) String() string { return fmt.Sprintf("line %d (byte %d)", p.line, p.offset) }

// lineCounter turns offsets into line numbers, counting each byte once.
type lineCounter struct {
	at   int64 // input offset counted up to
	line int   // line number at offset at
}

const (
	readChunk = 1 << 20
	// A get-records response holds at most 10 MiB of data per shard read
	// (13.4 MiB of base64); one JSON value far larger than that is not what
	// the input claims to be.
	maxValue = 256 << 20
)

func newInputReader(r io.Reader) *inputReader {
	return &inputReader{r: r, mark: -1, lines: lineCounter{line: 1}, chunk: readChunk}
}

// position returns the line and offset of buf[i]. Offsets only move
// forward between calls (fill counts what it drops), so each byte is counted
// once.
func (in *inputReader) position(i int) position {
	off := in.base + int64(i)
	if off > in.lines.at {
		from := int(in.lines.at - in.base)
		in.lines.line += bytes.Count(in.buf[from:i], []byte{'\n'})
		in.lines.at = off
	}
	return position{line: in.lines.line, offset: off}
}

// fill reads at least want more bytes (or to EOF), first dropping the bytes
// before pos and mark. It returns false when nothing more could be read.
func (in *inputReader) fill(want int) bool {
	if in.eof {
		return false
	}
	keep := in.pos
	if in.mark >= 0 && in.mark < keep {
		keep = in.mark
	}
	if keep > 0 {
		in.position(keep) // count the lines of what is dropped
		n := copy(in.buf, in.buf[keep:])
		in.buf = in.buf[:n]
		in.base += int64(keep)
		in.pos -= keep
		if in.mark >= 0 {
			in.mark -= keep
		}
	}
	if free := cap(in.buf) - len(in.buf); free < want {
		grown := make([]byte, len(in.buf), max(2*cap(in.buf), len(in.buf)+want))
		copy(grown, in.buf)
		in.buf = grown
	}
	added := 0
	for added < want && len(in.buf) < cap(in.buf) {
		n, err := in.r.Read(in.buf[len(in.buf):cap(in.buf)])
		in.buf = in.buf[:len(in.buf)+n]
		added += n
		if err != nil {
			in.eof = true
			if err != io.EOF {
				in.rerr = err
			}
			break
		}
	}
	return added > 0
}

// value finds the complete JSON value at pos, reading more input as needed,
// and returns its bounds (pos is not moved).
func (in *inputReader) value() (start, end int, err error) {
	for {
		end, err := jsonscan.Skip(in.buf, in.pos)
		// A number that ends where the buffer does may go on ("12|3").
		if err == nil && (end < len(in.buf) || in.eof) {
			return in.pos, end, nil
		}
		var se *jsonscan.SyntaxError
		// An error close to the end of what was read may only mean the
		// value goes on past it ("tr|ue", "12|3}", an open string).
		if err != nil && (!errors.As(err, &se) || se.Offset < len(in.buf)-8 || in.eof) {
			return in.pos, end, err
		}
		if len(in.buf)-in.pos > maxValue {
			return in.pos, end, fmt.Errorf("a JSON value larger than %d MiB: this is not get-records output", maxValue>>20)
		}
		// Read at least as much again as is buffered, so rescanning a
		// large value costs O(size) overall.
		if !in.fill(max(in.chunk, len(in.buf)-in.pos)) {
			if in.rerr != nil {
				return in.pos, end, in.rerr
			}
			end, err = jsonscan.Skip(in.buf, in.pos)
			return in.pos, end, err
		}
	}
}

// next skips whitespace and returns the next byte, reading as needed; ok is
// false at the end of the input.
func (in *inputReader) next() (c byte, ok bool) {
	for {
		in.pos = jsonscan.SkipSpace(in.buf, in.pos)
		if in.pos < len(in.buf) {
			return in.buf[in.pos], true
		}
		if !in.fill(in.chunk) {
			return 0, false
		}
	}
}

func syntaxErr(off int, msg string) error { return &jsonscan.SyntaxError{Offset: off, Msg: msg} }

// run reads the whole input, reporting syntax errors and going on after
// them from the next line.
func (in *inputReader) run() error {
	for {
		in.mark = -1
		c, ok := in.next()
		if !ok {
			return in.rerr
		}
		var err error
		switch c {
		case '[':
			err = in.array()
		case '{':
			err = in.object()
		default:
			err = syntaxErr(in.pos, fmt.Sprintf("expected a get-records response or a record object, found %q", c))
		}
		if err == nil {
			continue
		}
		var se *jsonscan.SyntaxError
		if !errors.As(err, &se) {
			return err // writing or reading failed
		}
		in.mark = -1
		in.onErr(in.position(min(se.Offset, len(in.buf))), "not valid JSON: "+se.Msg+"; skipping to the next line")
		if !in.skipLine(se.Offset) {
			return in.rerr
		}
	}
}

// skipLine moves pos past the next newline at or after buf[i].
func (in *inputReader) skipLine(i int) bool {
	in.pos = min(max(i, in.pos), len(in.buf))
	for {
		if nl := bytes.IndexByte(in.buf[in.pos:], '\n'); nl >= 0 {
			in.pos += nl + 1
			return true
		}
		in.pos = len(in.buf)
		if !in.fill(in.chunk) {
			return false
		}
	}
}

// array streams the array at pos; each element is a record or a response.
func (in *inputReader) array() error {
	return in.elements(in.object, "an array")
}

// elements walks the array at pos, calling each for every element (which
// starts at pos and must move pos past itself).
func (in *inputReader) elements(each func() error, what string) error {
	in.pos++ // '['
	c, ok := in.next()
	if ok && c == ']' {
		in.pos++
		return nil
	}
	for {
		if !ok {
			return syntaxErr(in.pos, "unexpected end of input in "+what)
		}
		if c != '{' {
			return syntaxErr(in.pos, "expected a record object in "+what)
		}
		if err := each(); err != nil {
			return err
		}
		if c, ok = in.next(); !ok {
			return syntaxErr(in.pos, "unexpected end of input in "+what)
		}
		switch c {
		case ',':
			in.pos++
			c, ok = in.next()
		case ']':
			in.pos++
			return nil
		default:
			return syntaxErr(in.pos, "expected ',' or ']' in "+what)
		}
	}
}

// object handles the object at pos: a get-records response, whose Records
// array is streamed, or a record, emitted whole. The object's start stays
// marked until it is known which.
func (in *inputReader) object() error {
	in.mark = in.pos
	defer func() { in.mark = -1 }()
	in.pos++ // '{'
	first := true
	for {
		c, ok := in.next()
		if !ok {
			return syntaxErr(in.pos, "unexpected end of input in an object")
		}
		if first && c == '}' {
			in.pos++
			in.onErr(in.position(in.mark), "an empty JSON object; skipped")
			return nil
		}
		first = false
		if c != '"' {
			return syntaxErr(in.pos, "expected an object key")
		}
		ks, ke, err := in.value()
		if err != nil {
			return err
		}
		key := string(in.buf[ks:ke])
		in.pos = ke
		if c, ok = in.next(); !ok || c != ':' {
			return syntaxErr(in.pos, "expected ':' after an object key")
		}
		in.pos++
		if c, ok = in.next(); !ok {
			return syntaxErr(in.pos, "unexpected end of input after ':'")
		}
		switch {
		case key == `"Records"` && c == '[':
			// A response: stream its records, skip the rest
			// (NextShardIterator, MillisBehindLatest, ChildShards).
			in.mark = -1
			if err := in.elements(in.record, "Records"); err != nil {
				return err
			}
			return in.skipMembers()
		case recordKey(key):
			in.pos = in.mark
			in.mark = -1
			return in.record()
		}
		_, ve, err := in.value()
		if err != nil {
			return err
		}
		in.pos = ve
		if c, ok = in.next(); !ok {
			return syntaxErr(in.pos, "unexpected end of input in an object")
		}
		switch c {
		case ',':
			in.pos++
		case '}':
			in.pos++
			in.onErr(in.position(in.mark), "a JSON object with neither Records nor Data; skipped")
			return nil
		default:
			return syntaxErr(in.pos, "expected ',' or '}' in an object")
		}
	}
}

// record emits the record object at pos.
func (in *inputReader) record() error {
	s, e, err := in.value()
	if err != nil {
		return err
	}
	in.pos = e
	return in.emit(in.buf[s:e], in.position(s))
}

// skipMembers skips what follows the Records array up to the object's '}'.
func (in *inputReader) skipMembers() error {
	for {
		c, ok := in.next()
		switch {
		case !ok:
			return syntaxErr(in.pos, "unexpected end of input in a get-records response")
		case c == '}':
			in.pos++
			return nil
		case c == ',' || c == ':':
			in.pos++
		default: // a key or a value
			_, e, err := in.value()
			if err != nil {
				return err
			}
			in.pos = e
		}
	}
}

// recordKey reports the keys that make an object a record: the get-records
// names, and the "kinesis" member of a Lambda event record.
func recordKey(quoted string) bool {
	switch string(bytes.ToLower([]byte(quoted))) {
	case `"data"`, `"sequencenumber"`, `"partitionkey"`, `"kinesis"`:
		return true
	}
	return false
}
