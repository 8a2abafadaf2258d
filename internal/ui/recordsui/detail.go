package recordsui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mattn/go-runewidth"

	"github.com/opsconsole/opsconsole/internal/decode"
	"github.com/opsconsole/opsconsole/internal/ui/keys"
	"github.com/opsconsole/opsconsole/internal/ui/pane"
	"github.com/opsconsole/opsconsole/internal/ui/style"
)

// Bounds of the detail view: a 1 MiB record must not become a million
// lines.
const (
	maxDetailMessage = 64 << 10 // bytes of the message shown
	maxDetailJSON    = 2000     // lines of pretty JSON
	maxHexBytes      = 4 << 10  // bytes of the raw hex dump
)

// detail is one event in full. Its lines are built per width (they wrap)
// and every piece of payload text in them is sanitised.
type detail struct {
	st    *style.Styles
	ev    decode.Event
	width int
	lines []string
	off   int
}

func newDetail(st *style.Styles, e *decode.Event) *detail {
	return &detail{st: st, ev: *e}
}

func (d *detail) scroll(km *keys.Map, k string, page int) {
	switch {
	case km.Matches(k, "down"):
		d.off++
	case km.Matches(k, "up"):
		d.off--
	case km.Matches(k, "page-down"):
		d.off += max(1, page-1)
	case km.Matches(k, "page-up"):
		d.off -= max(1, page-1)
	case km.Matches(k, "top"):
		d.off = 0
	case km.Matches(k, "bottom"):
		d.off = len(d.lines)
	}
}

func (d *detail) view(width, height int) string {
	if d.lines == nil || d.width != width {
		d.width = width
		d.lines = d.build(width)
	}
	rows := height - 1
	d.off = max(0, min(d.off, len(d.lines)-rows))
	end := min(len(d.lines), d.off+rows)
	out := make([]string, 0, height)
	out = append(out, d.lines[d.off:end]...)
	for len(out) < rows {
		out = append(out, "")
	}
	pos := fmt.Sprintf(" esc back  ↑/↓ pgup/pgdn scroll  c copies the message   line %d-%d of %d", d.off+1, end, len(d.lines))
	out = append(out, d.st.Tone(style.Muted, fit(pos, width)))
	return strings.Join(out, "\n")
}

func (d *detail) build(width int) []string {
	e := &d.ev
	st := d.st
	var lines []string
	field := func(label, value string) {
		if value == "" {
			return
		}
		prefix := " " + st.Tone(style.Muted, fmt.Sprintf("%-12s", label)) + " "
		for i, l := range wrap(pane.OneLine(value), max(10, width-14)) {
			if i > 0 {
				prefix = strings.Repeat(" ", 14)
			}
			lines = append(lines, prefix+l)
		}
	}
	section := func(title string) {
		lines = append(lines, "", " "+st.Tone(style.Accent, "── "+title+" "+strings.Repeat("─", max(0, min(width, 80)-len(title)-6))))
	}
	o := &e.Origin
	field("time", clock(e.Time))
	field("arrival", clock(o.ArrivalTime))
	lv := levels[e.Level]
	field("level", strings.TrimSpace(lv.label))
	field("source", e.Source)
	kind := string(e.Kind)
	if e.Layers != 0 {
		kind += " in " + e.Layers.String()
	}
	field("kind", kind)
	if e.Problem != "" {
		lines = append(lines, " "+st.Tone(style.Crit, fmt.Sprintf("%-12s", "!! problem"))+" "+pane.OneLine(e.Problem))
	}
	field("shard", o.ShardID)
	field("sequence", o.SequenceNumber)
	if o.SubIndex >= 0 {
		field("KPL sub", strconv.Itoa(o.SubIndex)+" (user record in the aggregate)")
	} else {
		field("KPL sub", "- (not aggregated)")
	}
	field("partition", o.PartitionKey)
	field("hash key", o.ExplicitHashKey)
	field("log group", o.LogGroup)
	field("log stream", o.LogStream)
	if o.LogEventID != "" {
		field("log event", o.LogEventID+" (#"+strconv.Itoa(o.EventIndex)+" in the envelope)")
	}
	field("owner", o.Owner)

	section("message")
	msg, more := e.Message, 0
	if len(msg) > maxDetailMessage {
		more = len(msg) - maxDetailMessage
		msg = cut(msg, maxDetailMessage)
	}
	for _, l := range wrap(pane.OneLine(msg), max(10, width-2)) {
		lines = append(lines, " "+l)
	}
	if more > 0 {
		lines = append(lines, " "+st.Tone(style.Muted, fmt.Sprintf("… %d more bytes (:export keeps them all)", more)))
	}

	if len(e.Fields) > 0 {
		section("fields (JSON)")
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, e.Fields, "", "  "); err != nil {
			pretty.Reset()
			pretty.Write(e.Fields)
		}
		jl := strings.Split(pretty.String(), "\n")
		if len(jl) > maxDetailJSON {
			jl = append(jl[:maxDetailJSON], fmt.Sprintf("… %d more lines", len(jl)-maxDetailJSON))
		}
		for _, l := range jl {
			for _, w := range wrap(pane.OneLine(l), max(10, width-2)) {
				lines = append(lines, " "+w)
			}
		}
	}

	if len(e.Raw) > 0 {
		section(fmt.Sprintf("raw (%d bytes)", len(e.Raw)))
		lines = append(lines, hexDump(e.Raw, maxHexBytes)...)
	}
	return lines
}

// hexDump renders up to limit bytes as `hexdump -C` does: offset, 16 bytes
// in hex, and the printable ASCII (anything else as '.').
func hexDump(b []byte, limit int) []string {
	n := min(len(b), limit)
	out := make([]string, 0, n/16+2)
	var l []byte
	for off := 0; off < n; off += 16 {
		chunk := b[off:min(off+16, n)]
		l = fmt.Appendf(l[:0], " %08x  ", off)
		for i := 0; i < 16; i++ {
			if i < len(chunk) {
				l = fmt.Appendf(l, "%02x ", chunk[i])
			} else {
				l = append(l, "   "...)
			}
			if i == 7 {
				l = append(l, ' ')
			}
		}
		l = append(l, " |"...)
		for _, c := range chunk {
			if c < 0x20 || c >= 0x7f {
				c = '.'
			}
			l = append(l, c)
		}
		l = append(l, '|')
		out = append(out, string(l))
	}
	if n < len(b) {
		out = append(out, fmt.Sprintf(" … %d more bytes (:export keeps them all)", len(b)-n))
	}
	return out
}

// wrap cuts sanitised text into lines of at most w cells.
func wrap(s string, w int) []string {
	if s == "" {
		return []string{""}
	}
	var out []string
	for len(s) > 0 {
		if len(s) <= w && isASCII(s) {
			out = append(out, s)
			break
		}
		cells, i := 0, 0
		for i < len(s) {
			r, size := utf8.DecodeRuneInString(s[i:])
			rw := runewidth.RuneWidth(r)
			if cells+rw > w {
				break
			}
			cells += rw
			i += size
		}
		if i == 0 { // one rune wider than the line
			_, i = utf8.DecodeRuneInString(s)
		}
		out = append(out, s[:i])
		s = s[i:]
	}
	return out
}
