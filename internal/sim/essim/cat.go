package essim

import (
	"bytes"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// catKind is how a _cat column renders and sorts.
type catKind int

const (
	catText  catKind = iota
	catNum           // a number, sorted numerically
	catBytes         // a size: rendered per bytes=, sorted by value
)

// catCol is one _cat column.
type catCol struct {
	name    string
	aliases []string
	kind    catKind
	def     bool // shown when h= is not given
}

// cell is one value; null renders as JSON null (and blank in text).
type cell struct {
	s    string
	n    float64
	null bool
}

func txt(s string) cell          { return cell{s: s} }
func num(v float64) cell         { return cell{n: v, s: strconv.FormatFloat(v, 'f', -1, 64)} }
func numf(v float64, p int) cell { return cell{n: v, s: strconv.FormatFloat(v, 'f', p, 64)} }
func sizeCell(b int64) cell      { return cell{n: float64(b)} }
func nullCell() cell             { return cell{null: true} }
func intCell(v int64) cell       { return num(float64(v)) }
func optText(s string, ok bool) cell {
	if !ok {
		return nullCell()
	}
	return txt(s)
}

// catTable is rows of cells aligned with cols.
type catTable struct {
	cols []catCol
	rows [][]cell
}

// render answers a _cat request: h= picks and orders columns (names or
// aliases; with wildcards), s= sorts (col[:asc|:desc], typed), bytes= sets
// the size unit, format=json gives an array of objects whose values are all
// strings or null, and the default text format aligns columns (v adds the
// header line).
func (t *catTable) render(req *request) (rawBody, *esError) {
	idx := map[string]int{}
	for i, c := range t.cols {
		idx[c.name] = i
		for _, a := range c.aliases {
			idx[a] = i
		}
	}
	// sel lists the chosen columns; names are the keys they are shown
	// under: the name or alias the request used, as Elasticsearch does.
	var sel []int
	var names []string
	if h := req.query.Get("h"); h != "" {
		for _, name := range strings.Split(h, ",") {
			name = strings.TrimSpace(name)
			if strings.Contains(name, "*") {
				for i, c := range t.cols {
					if matchPattern(name, c.name) {
						sel, names = append(sel, i), append(names, c.name)
					}
				}
				continue
			}
			if i, ok := idx[name]; ok {
				sel, names = append(sel, i), append(names, name)
			}
		}
	} else {
		for i, c := range t.cols {
			if c.def {
				sel, names = append(sel, i), append(names, c.name)
			}
		}
	}
	if s := req.query.Get("s"); s != "" {
		type key struct {
			col  int
			desc bool
		}
		var keys []key
		for _, part := range strings.Split(s, ",") {
			name, dir, _ := strings.Cut(strings.TrimSpace(part), ":")
			i, ok := idx[name]
			if !ok {
				return rawBody{}, errIllegalArgument("Unable to sort by unknown sort key `%s`", name)
			}
			keys = append(keys, key{i, dir == "desc"})
		}
		sort.SliceStable(t.rows, func(a, b int) bool {
			for _, k := range keys {
				ca, cb := t.rows[a][k.col], t.rows[b][k.col]
				if c := compareCells(ca, cb, t.cols[k.col].kind); c != 0 {
					if k.desc {
						return c > 0
					}
					return c < 0
				}
			}
			return false
		})
	}
	unit := req.query.Get("bytes")
	if req.query.Get("format") == "json" {
		return rawBody{"application/json", t.json(sel, names, unit)}, nil
	}
	return rawBody{"text/plain; charset=UTF-8", t.text(sel, names, unit, req.flag("v"))}, nil
}

// compareCells orders cells; nulls sort last in both directions' "asc" sense.
func compareCells(a, b cell, kind catKind) int {
	switch {
	case a.null && b.null:
		return 0
	case a.null:
		return -1
	case b.null:
		return 1
	}
	if kind == catText {
		return strings.Compare(a.s, b.s)
	}
	switch {
	case a.n < b.n:
		return -1
	case a.n > b.n:
		return 1
	}
	return 0
}

var byteUnits = map[string]float64{"b": 1, "kb": 1 << 10, "mb": 1 << 20, "gb": 1 << 30, "tb": 1 << 40, "pb": 1 << 50}

// formatSize renders a size as Elasticsearch does: a whole number in the
// unit given by bytes=, else human-readable with one decimal ("31.1mb").
func formatSize(b int64, unit string) string {
	if m, ok := byteUnits[unit]; ok {
		return strconv.FormatInt(int64(float64(b)/m), 10)
	}
	for _, u := range []string{"pb", "tb", "gb", "mb", "kb"} {
		if float64(b) >= byteUnits[u] {
			v := math.Round(float64(b)/byteUnits[u]*10) / 10
			return strings.TrimSuffix(strconv.FormatFloat(v, 'f', 1, 64), ".0") + u
		}
	}
	return strconv.FormatInt(b, 10) + "b"
}

func (t *catTable) cellText(c cell, col catCol, unit string) string {
	if col.kind == catBytes {
		return formatSize(int64(c.n), unit)
	}
	return c.s
}

func (t *catTable) json(sel []int, names []string, unit string) []byte {
	var b bytes.Buffer
	b.Grow(len(t.rows) * len(sel) * 24)
	b.WriteByte('[')
	for r, row := range t.rows {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('{')
		for i, ci := range sel {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONString(&b, names[i])
			b.WriteByte(':')
			if row[ci].null {
				b.WriteString("null")
				continue
			}
			writeJSONString(&b, t.cellText(row[ci], t.cols[ci], unit))
		}
		b.WriteByte('}')
	}
	b.WriteByte(']')
	return b.Bytes()
}

func (t *catTable) text(sel []int, names []string, unit string, header bool) []byte {
	width := make([]int, len(sel))
	texts := make([][]string, len(t.rows))
	if header {
		for i := range sel {
			width[i] = utf8.RuneCountInString(names[i])
		}
	}
	for r, row := range t.rows {
		texts[r] = make([]string, len(sel))
		for i, ci := range sel {
			s := ""
			if !row[ci].null {
				s = t.cellText(row[ci], t.cols[ci], unit)
			}
			texts[r][i] = s
			width[i] = max(width[i], utf8.RuneCountInString(s))
		}
	}
	var b bytes.Buffer
	line := func(vals []string, rightAlign func(i int) bool) {
		for i, v := range vals {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(v))
			if rightAlign(i) {
				b.WriteString(pad + v)
			} else {
				b.WriteString(v + pad)
			}
			if i < len(vals)-1 {
				b.WriteByte(' ')
			}
		}
		b.WriteByte('\n')
	}
	if header {
		line(names, func(int) bool { return false })
	}
	for _, row := range texts {
		line(row, func(i int) bool { return t.cols[sel[i]].kind != catText })
	}
	return b.Bytes()
}

// writeJSONString writes s as a JSON string.
func writeJSONString(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < 0x7f {
			continue
		}
		if c >= 0x80 {
			continue // UTF-8 passes through
		}
		b.WriteString(s[start:i])
		switch c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		default:
			b.WriteString(`\u00`)
			const hex = "0123456789abcdef"
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
		}
		start = i + 1
	}
	b.WriteString(s[start:])
	b.WriteByte('"')
}

// catResponse wraps a table for the router.
func catResponse(t *catTable, req *request) (int, any, *esError) {
	body, err := t.render(req)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, body, nil
}
