package recordsui

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mattn/go-runewidth"

	"github.com/opsconsole/opsconsole/internal/decode"
	"github.com/opsconsole/opsconsole/internal/ui/style"
)

// line is an event as the list shows it, sanitised once.
type line struct {
	time   string
	level  string // levelWidth cells: a marker and the word, so NO_COLOR shows it
	tone   style.Tone
	source string
	msg    string
}

const (
	timeWidth  = 12 // 15:04:05.000
	levelWidth = 8
	// maxLineBytes is how much of a message the list line keeps; the
	// detail view shows all of it.
	maxLineBytes = 2048
)

var levels = map[string]struct {
	label string
	tone  style.Tone
}{
	decode.LevelFatal: {"!! FATAL", style.Crit},
	decode.LevelError: {"!! ERROR", style.Crit},
	decode.LevelWarn:  {"!  WARN ", style.Warn},
	decode.LevelInfo:  {"   INFO ", style.Normal},
	decode.LevelDebug: {"   DEBUG", style.Muted},
	decode.LevelTrace: {"   TRACE", style.Muted},
	"":                {"   -    ", style.Muted},
}

func makeLine(e *decode.Event) *line {
	l := &line{time: "--:--:--.---", source: decode.Sanitize(cut(e.Source, 256))}
	if !e.Time.IsZero() {
		l.time = e.Time.UTC().Format("15:04:05.000")
	}
	lv := levels[e.Level]
	l.level, l.tone = lv.label, lv.tone
	msg := cut(e.Message, maxLineBytes)
	if e.Problem != "" {
		msg = "[" + cut(e.Problem, 120) + "] " + msg
	}
	l.msg = decode.Sanitize(msg)
	return l
}

// cut shortens s to at most n bytes at a rune boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// sourceWidth is the source column's width for a screen width (0: no
// source column on narrow screens).
func sourceWidth(width int) int {
	switch {
	case width >= 160:
		return 32
	case width >= 100:
		return 24
	case width >= 60:
		return 16
	}
	return 0
}

// render writes the line in width cells (the first two are the cursor
// gutter).
func (l *line) render(b *strings.Builder, st *style.Styles, width int, selected bool, selPre, selSuf string) {
	srcW := sourceWidth(width)
	if selected {
		b.WriteString(selPre)
		b.WriteString("▶ ")
	} else {
		b.WriteString("  ")
	}
	b.WriteString(l.time)
	b.WriteByte(' ')
	if selected || l.tone == style.Normal {
		b.WriteString(l.level)
	} else {
		b.WriteString(st.Tone(l.tone, l.level))
	}
	b.WriteByte(' ')
	rest := width - 2 - timeWidth - 1 - levelWidth - 1
	if srcW > 0 {
		writeFit(b, l.source, srcW)
		b.WriteByte(' ')
		rest -= srcW + 1
	}
	if rest > 0 {
		if selected {
			writeFit(b, l.msg, rest) // padded: the highlight spans the line
		} else {
			b.WriteString(fit(l.msg, rest))
		}
	}
	if selected {
		b.WriteString(selSuf)
	}
}

// fit truncates s to w cells, with an ellipsis when cut.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if len(s) <= w && isASCII(s) {
		return s
	}
	if runewidth.StringWidth(s) <= w {
		return s
	}
	if isASCII(s) {
		return s[:w-1] + "…"
	}
	return runewidth.Truncate(s, w, "…")
}

// writeFit writes s fitted and padded to exactly w cells.
func writeFit(b *strings.Builder, s string, w int) {
	t := fit(s, w)
	b.WriteString(t)
	pad := w - len(t)
	if !isASCII(t) {
		pad = w - runewidth.StringWidth(t)
	}
	if pad > 0 {
		b.WriteString(strings.Repeat(" ", pad))
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// header is the column titles line.
func header(st *style.Styles, width int) string {
	var b strings.Builder
	b.WriteString("  ")
	writeFit(&b, "TIME (UTC)", timeWidth)
	b.WriteByte(' ')
	writeFit(&b, "LEVEL", levelWidth)
	b.WriteByte(' ')
	rest := width - 2 - timeWidth - 1 - levelWidth - 1
	if w := sourceWidth(width); w > 0 {
		writeFit(&b, "SOURCE", w)
		b.WriteByte(' ')
		rest -= w + 1
	}
	b.WriteString(fit("MESSAGE", rest))
	pre, suf := style.Affixes(st.TableHeader)
	return pre + b.String() + suf
}

// clock formats a time for the detail view and the top-messages view.
func clock(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05.000Z")
}
