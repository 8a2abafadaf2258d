// Package table is the list component every pane uses. It is built so that
// the number of rows never matters to the frame rate: rows are sanitised and
// measured once when set, sorting and filtering work on an index slice, and
// View renders only the visible window by string concatenation with escape
// sequences computed once per style (no lipgloss Render per cell).
package table

import (
	"bytes"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mattn/go-runewidth"
	"github.com/opsconsole/opsconsole/internal/decode"
	"github.com/opsconsole/opsconsole/internal/ui/keys"
	"github.com/opsconsole/opsconsole/internal/ui/style"
)

// Align of a column's text.
type Align uint8

const (
	Left Align = iota
	Right
)

// Column describes one column.
type Column struct {
	Title string
	Align Align
	// Min is the narrowest the column may be squeezed to; Max caps its
	// natural width (0: no cap).
	Min, Max int
	// Drop marks an optional column: when the line is too long, columns
	// with the highest Drop are hidden first. 0 never hides.
	Drop int
}

// Cell is one value. Num is the sort key of numeric columns: when any cell
// of a column has Numeric set, the column sorts by Num.
type Cell struct {
	Text    string
	Num     float64
	Numeric bool
	Tone    style.Tone
}

// Text makes a plain cell.
func Text(s string) Cell { return Cell{Text: s} }

// Toned makes a coloured cell.
func Toned(s string, t style.Tone) Cell { return Cell{Text: s, Tone: t} }

// Num makes a numeric cell that sorts by v and shows s.
func Num(s string, v float64) Cell { return Cell{Text: s, Num: v, Numeric: true} }

// Row is one line. Key identifies it across refreshes, so the cursor stays
// on the same stream/index/pod when the data is replaced.
type Row struct {
	Key   string
	Cells []Cell
}

const sep = "  "

// Model is the table state. The zero value is not usable; call New.
type Model struct {
	st      *style.Styles
	cols    []Column
	natural []int // natural width per column, measured at SetRows

	rows []Row
	// hay holds every row's lower-cased searchable text end to end; row i
	// is hay[hayOff[i]:hayOff[i+1]]. Built on the first filter.
	hay    []byte
	hayOff []int32

	view      []int32 // indices into rows, filtered and sorted
	cursor    int     // index into view
	offset    int     // first visible index into view
	filter    []string
	filterRaw string

	sortCol  int // -1: insertion order
	sortDesc bool
	numeric  []bool

	selPrefix, selSuffix string
	hdrPrefix, hdrSuffix string
	empty                string
}

// New makes a table with the given columns.
func New(st *style.Styles, cols []Column) *Model {
	m := &Model{st: st, cols: cols, sortCol: -1}
	m.selPrefix, m.selSuffix = style.Affixes(st.Selected)
	m.hdrPrefix, m.hdrSuffix = style.Affixes(st.TableHeader)
	m.natural = make([]int, len(cols))
	m.numeric = make([]bool, len(cols))
	m.measureTitles()
	return m
}

func (m *Model) measureTitles() {
	for i, c := range m.cols {
		m.natural[i] = runewidth.StringWidth(c.Title) + 1 // room for the sort arrow
		if c.Min > m.natural[i] {
			m.natural[i] = c.Min
		}
	}
}

// SetEmpty sets the text shown when there are no rows.
func (m *Model) SetEmpty(s string) { m.empty = s }

// SetRows replaces the data. Cell text is sanitised here, once, so nothing
// from the outside world reaches the terminal raw. The cursor stays on the
// row with the same Key when it still exists.
func (m *Model) SetRows(rows []Row) {
	selKey := ""
	if r, ok := m.Selected(); ok {
		selKey = r.Key
	}
	m.measureTitles()
	for i := range m.numeric {
		m.numeric[i] = false
	}
	for ri := range rows {
		cells := rows[ri].Cells
		for ci := range cells {
			if ci >= len(m.cols) {
				break
			}
			c := &cells[ci]
			c.Text = decode.Sanitize(c.Text)
			if c.Numeric {
				m.numeric[ci] = true
			}
			w := textWidth(c.Text)
			if max := m.cols[ci].Max; max > 0 && w > max {
				w = max
			}
			if w > m.natural[ci] {
				m.natural[ci] = w
			}
		}
	}
	m.rows = rows
	m.hay, m.hayOff = nil, nil
	m.rebuildView()
	m.cursor = 0
	if selKey != "" {
		for vi, ri := range m.view {
			if m.rows[ri].Key == selKey {
				m.cursor = vi
				break
			}
		}
	}
	m.clampOffset(0)
}

// textWidth is the display width, with an ASCII fast path.
func textWidth(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return runewidth.StringWidth(s)
		}
	}
	return len(s)
}

// SetFilter keeps only rows containing every whitespace-separated term
// (case-insensitive). Typing more characters narrows the current view
// instead of rescanning every row.
func (m *Model) SetFilter(f string) {
	f = strings.TrimSpace(f)
	if f == m.filterRaw {
		return
	}
	narrowing := m.filterRaw != "" && strings.HasPrefix(strings.ToLower(f), strings.ToLower(m.filterRaw)) &&
		!strings.ContainsAny(f[len(m.filterRaw):], " \t")
	m.filterRaw = f
	m.filter = strings.Fields(strings.ToLower(f))
	if narrowing {
		m.view = m.filterIndices(m.view)
	} else {
		m.rebuildView()
	}
	m.cursor = 0
	m.offset = 0
}

// Filter returns the current filter text.
func (m *Model) Filter() string { return m.filterRaw }

// buildHay lays every row's lower-cased text end to end in one buffer
// (cells separated by NUL), so the first `/` after new data costs one
// allocation, not one per row.
func (m *Model) buildHay() {
	if m.hayOff != nil {
		return
	}
	size := 0
	for _, r := range m.rows {
		for _, c := range r.Cells {
			size += len(c.Text) + 1
		}
	}
	hay := make([]byte, 0, size)
	off := make([]int32, len(m.rows)+1)
	for i, r := range m.rows {
		off[i] = int32(len(hay))
		for _, c := range r.Cells {
			hay = appendLower(hay, c.Text)
			hay = append(hay, 0)
		}
	}
	off[len(m.rows)] = int32(len(hay))
	m.hay, m.hayOff = hay, off
}

// appendLower appends s lower-cased, with an ASCII fast path that copies
// once and folds in place.
func appendLower(dst []byte, s string) []byte {
	n := len(dst)
	dst = append(dst, s...)
	for i := n; i < len(dst); i++ {
		c := dst[i]
		if c >= utf8.RuneSelf {
			return append(dst[:n], strings.ToLower(s)...)
		}
		if c-'A' < 26 {
			dst[i] = c + 'a' - 'A'
		}
	}
	return dst
}

func (m *Model) filterIndices(in []int32) []int32 {
	if len(m.filter) == 0 {
		return in
	}
	m.buildHay()
	terms := make([][]byte, len(m.filter))
	for i, t := range m.filter {
		terms[i] = []byte(t)
	}
	out := in[:0:0]
	for _, ri := range in {
		h := m.hay[m.hayOff[ri]:m.hayOff[ri+1]]
		ok := true
		for _, term := range terms {
			if !bytes.Contains(h, term) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, ri)
		}
	}
	return out
}

func (m *Model) rebuildView() {
	all := make([]int32, len(m.rows))
	for i := range all {
		all[i] = int32(i)
	}
	m.view = m.filterIndices(all)
	m.sortView()
}

// SortBy sorts by column col (-1: data order).
func (m *Model) SortBy(col int, desc bool) {
	if col >= len(m.cols) {
		col = -1
	}
	m.sortCol, m.sortDesc = col, desc
	m.sortView()
	m.cursor, m.offset = 0, 0
}

// SortNext moves the sort to the next column (wrapping to data order).
func (m *Model) SortNext() {
	next := m.sortCol + 1
	if next >= len(m.cols) {
		next = -1
	}
	m.SortBy(next, m.sortDesc)
}

// SortInvert flips the sort order.
func (m *Model) SortInvert() { m.SortBy(m.sortCol, !m.sortDesc) }

// Sort returns the sort column (-1 for data order) and direction.
func (m *Model) Sort() (int, bool) { return m.sortCol, m.sortDesc }

func (m *Model) sortView() {
	c := m.sortCol
	if c < 0 {
		// Data order: the view is built ascending, so only a reversal is
		// ever needed.
		if m.sortDesc != (len(m.view) > 1 && m.view[0] > m.view[1]) {
			for i, j := 0, len(m.view)-1; i < j; i, j = i+1, j-1 {
				m.view[i], m.view[j] = m.view[j], m.view[i]
			}
		}
		return
	}
	cellOf := func(ri int32) *Cell {
		cells := m.rows[ri].Cells
		if c < len(cells) {
			return &cells[c]
		}
		return &Cell{}
	}
	numeric := m.numeric[c]
	sort.SliceStable(m.view, func(i, j int) bool {
		a, b := cellOf(m.view[i]), cellOf(m.view[j])
		var less, greater bool
		if numeric {
			less, greater = a.Num < b.Num, a.Num > b.Num
		} else {
			less, greater = a.Text < b.Text, a.Text > b.Text
		}
		if m.sortDesc {
			return greater
		}
		return less
	})
}

// Len is the number of rows shown after filtering; Total before.
func (m *Model) Len() int   { return len(m.view) }
func (m *Model) Total() int { return len(m.rows) }

// Cursor returns the cursor's position in the filtered view.
func (m *Model) Cursor() int { return m.cursor }

// Selected returns the row under the cursor.
func (m *Model) Selected() (Row, bool) {
	if m.cursor < 0 || m.cursor >= len(m.view) {
		return Row{}, false
	}
	return m.rows[m.view[m.cursor]], true
}

// Move moves the cursor by delta rows, clamped.
func (m *Model) Move(delta int, pageHeight int) {
	m.cursor += delta
	if m.cursor >= len(m.view) {
		m.cursor = len(m.view) - 1
	}
	if m.cursor < 0 {
		m.cursor = 0
	}
	m.clampOffset(pageHeight)
}

// Top and Bottom jump to the ends.
func (m *Model) Top()                  { m.cursor, m.offset = 0, 0 }
func (m *Model) Bottom(pageHeight int) { m.Move(len(m.view), pageHeight) }

// clampOffset keeps the cursor inside the visible window of height h (h<=0:
// the last rendered height is unknown; only keep offset valid).
func (m *Model) clampOffset(h int) {
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if h > 0 && m.cursor >= m.offset+h {
		m.offset = m.cursor - h + 1
	}
	if m.offset < 0 {
		m.offset = 0
	}
}

// slot is one shown column: which column and how wide.
type slot struct{ col, width int }

// layout fits the columns into width. Columns keep their natural width
// when they can; when the line is too long, optional columns go first
// (highest Drop first, then rightmost), then the widest columns give way
// down to their Min, and only then are trailing columns cut.
func (m *Model) layout(width int) []slot {
	shown := make([]bool, len(m.cols))
	for i := range shown {
		shown[i] = true
	}
	total := func(w []int) int {
		t, n := 2, 0 // cursor gutter
		for i, x := range w {
			if shown[i] {
				t += x
				n++
			}
		}
		if n > 1 {
			t += len(sep) * (n - 1)
		}
		return t
	}
	w := append([]int(nil), m.natural...)
	for total(w) > width {
		drop := -1
		for i, c := range m.cols {
			if shown[i] && c.Drop > 0 && (drop < 0 || c.Drop >= m.cols[drop].Drop) {
				drop = i
			}
		}
		if drop < 0 {
			break
		}
		shown[drop] = false
	}
	for total(w) > width {
		widest := -1
		for i := range w {
			min := max(m.cols[i].Min, 3)
			if shown[i] && w[i] > min && (widest < 0 || w[i] > w[widest]) {
				widest = i
			}
		}
		if widest < 0 {
			last := -1
			for i := range shown {
				if shown[i] {
					last = i
				}
			}
			if n := countTrue(shown); n <= 1 {
				w[last] = max(1, width-2)
				break
			}
			shown[last] = false
			continue
		}
		w[widest] -= min(max(1, w[widest]/4), total(w)-width)
	}
	out := make([]slot, 0, len(w))
	for i, x := range w {
		if shown[i] {
			out = append(out, slot{col: i, width: x})
		}
	}
	return out
}

func countTrue(b []bool) int {
	n := 0
	for _, v := range b {
		if v {
			n++
		}
	}
	return n
}

// View renders exactly height lines of at most width cells: a header, then
// the visible window of rows.
func (m *Model) View(width, height int) string {
	if height < 1 || width < 4 {
		return ""
	}
	slots := m.layout(width)
	var b strings.Builder
	b.Grow((height + 1) * (width + 16))
	b.WriteString(m.hdrPrefix)
	b.WriteString("  ")
	for si, sl := range slots {
		if si > 0 {
			b.WriteString(sep)
		}
		i, w := sl.col, sl.width
		title := m.cols[i].Title
		if i == m.sortCol {
			if m.sortDesc {
				title += "▼"
			} else {
				title += "▲"
			}
		}
		writeFitted(&b, title, w, m.cols[i].Align)
	}
	b.WriteString(m.hdrSuffix)

	rowsH := height - 1
	m.clampOffset(rowsH)
	if len(m.view) == 0 {
		msg := m.empty
		if m.filterRaw != "" {
			msg = "no rows match the filter \"" + decode.Sanitize(m.filterRaw) + "\" (esc clears it)"
		}
		for i := 0; i < rowsH; i++ {
			b.WriteByte('\n')
			if i == 0 && msg != "" {
				b.WriteString("  ")
				b.WriteString(m.st.Tone(style.Muted, truncate(msg, width-2)))
			}
		}
		return b.String()
	}
	end := m.offset + rowsH
	if end > len(m.view) {
		end = len(m.view)
	}
	for vi := m.offset; vi < m.offset+rowsH; vi++ {
		b.WriteByte('\n')
		if vi >= end {
			continue
		}
		m.writeRow(&b, m.rows[m.view[vi]], slots, vi == m.cursor)
	}
	return b.String()
}

func (m *Model) writeRow(b *strings.Builder, r Row, slots []slot, selected bool) {
	if selected {
		b.WriteString(m.selPrefix)
		b.WriteString("▶ ")
	} else {
		b.WriteString("  ")
	}
	for si, sl := range slots {
		if si > 0 {
			b.WriteString(sep)
		}
		i, w := sl.col, sl.width
		var c Cell
		if i < len(r.Cells) {
			c = r.Cells[i]
		}
		if selected || c.Tone == style.Normal {
			writeFitted(b, c.Text, w, m.cols[i].Align)
			continue
		}
		pre, suf := m.st.ToneAffixes(c.Tone)
		text, pad := fit(c.Text, w)
		if m.cols[i].Align == Right {
			b.WriteString(spaces(pad))
		}
		b.WriteString(pre)
		b.WriteString(text)
		b.WriteString(suf)
		if m.cols[i].Align == Left {
			b.WriteString(spaces(pad))
		}
	}
	if selected {
		b.WriteString(m.selSuffix)
	}
}

func writeFitted(b *strings.Builder, s string, w int, a Align) {
	text, pad := fit(s, w)
	if a == Right {
		b.WriteString(spaces(pad))
		b.WriteString(text)
		return
	}
	b.WriteString(text)
	b.WriteString(spaces(pad))
}

// fit truncates s to width w (with an ellipsis) and returns the padding
// still needed to fill w.
func fit(s string, w int) (string, int) {
	sw := textWidth(s)
	if sw <= w {
		return s, w - sw
	}
	t := truncate(s, w)
	return t, w - textWidth(t)
}

func truncate(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if textWidth(s) <= w {
		return s
	}
	if len(s) == textWidth(s) { // ASCII
		if w == 1 {
			return "…"
		}
		return s[:w-1] + "…"
	}
	return runewidth.Truncate(s, w, "…")
}

var spaceRun = strings.Repeat(" ", 512)

func spaces(n int) string {
	if n <= 0 {
		return ""
	}
	if n <= len(spaceRun) {
		return spaceRun[:n]
	}
	return strings.Repeat(" ", n)
}

// Position describes where the cursor is, for the pane's status line.
func (m *Model) Position() string {
	if len(m.view) == 0 {
		if len(m.rows) == 0 {
			return "0 rows"
		}
		return "0 of " + strconv.Itoa(len(m.rows)) + " rows"
	}
	s := strconv.Itoa(m.cursor+1) + "/" + strconv.Itoa(len(m.view))
	if len(m.view) != len(m.rows) {
		s += " (of " + strconv.Itoa(len(m.rows)) + ")"
	}
	return s
}

// Navigate applies the list-movement keys (up, down, pages, ends, sort) and
// reports whether k was one of them. page is the visible row count.
func (m *Model) Navigate(km *keys.Map, k string, page int) bool {
	switch {
	case km.Matches(k, "up"):
		m.Move(-1, page)
	case km.Matches(k, "down"):
		m.Move(1, page)
	case km.Matches(k, "page-up"):
		m.Move(-page, page)
	case km.Matches(k, "page-down"):
		m.Move(page, page)
	case km.Matches(k, "top"):
		m.Top()
	case km.Matches(k, "bottom"):
		m.Bottom(page)
	case km.Matches(k, "sort"):
		m.SortNext()
	case km.Matches(k, "sort-reverse"):
		m.SortInvert()
	default:
		return false
	}
	return true
}

// Columns returns the column definitions.
func (m *Model) Columns() []Column { return m.cols }
