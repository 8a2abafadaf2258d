package analysis

import (
	"cmp"
	"slices"
)

// Segment is one open shard on the keyspace map.
type Segment struct {
	ShardID string
	Range   HashRange
	Share   float64
	Heat    HeatLevel
}

// KeyspaceMap is the one-line bar of the streams and shards panes: the open
// shards in hash-key order with their share of the keyspace and heat.
type KeyspaceMap struct {
	Segments []Segment
	// Complete is true when the open shards cover every key exactly once,
	// which holds for an ACTIVE stream. While a reshard is half-applied the
	// listing can show gaps or overlaps; the pane should say so.
	Complete bool
	Gaps     int
	Overlaps int
}

// BuildKeyspaceMap checks coverage with exact 128-bit arithmetic (shares are
// floats only for display). heat may be nil.
func BuildKeyspaceMap(shards []Shard, heat map[string]Heat) KeyspaceMap {
	open := OpenShards(shards)
	m := KeyspaceMap{Segments: make([]Segment, len(open))}
	next := HashKey{} // the first key not yet covered
	covered := false  // whether MaxHashKey has been covered
	for i, s := range open {
		m.Segments[i] = Segment{ShardID: s.ID, Range: s.Range, Share: s.Range.Share(), Heat: heat[s.ID].Level}
		if covered {
			m.Overlaps++
			continue
		}
		switch c := s.Range.Start.Cmp(next); {
		case c > 0:
			m.Gaps++
		case c < 0:
			m.Overlaps++
		}
		if s.Range.End.Cmp(next) >= 0 {
			n, wrapped := s.Range.End.Inc()
			if wrapped {
				covered = true
			} else {
				next = n
			}
		}
	}
	if !covered {
		m.Gaps++
	}
	m.Complete = m.Gaps == 0 && m.Overlaps == 0
	return m
}

// Widths divides a bar of width cells among the segments in proportion to
// their shares (largest remainder), giving every segment at least one cell
// when width allows, so a tiny shard never disappears from the map.
func (m KeyspaceMap) Widths(width int) []int {
	n := len(m.Segments)
	out := make([]int, n)
	if n == 0 || width <= 0 {
		return out
	}
	var total float64
	for _, s := range m.Segments {
		total += s.Share
	}
	if total <= 0 {
		return out
	}
	minimum := 0
	if width >= n {
		minimum = 1
	}
	free := width - minimum*n
	rem := make([]float64, n)
	used := 0
	for i, s := range m.Segments {
		exact := float64(free) * s.Share / total
		whole := int(exact)
		out[i] = minimum + whole
		rem[i] = exact - float64(whole)
		used += out[i]
	}
	// Hand out what is left to the largest remainders, leftmost first on ties.
	if used < width {
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(rem[b], rem[a]) })
		for _, i := range idx[:min(width-used, n)] {
			out[i]++
		}
	}
	return out
}
