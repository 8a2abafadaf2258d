package analysis

import (
	"cmp"
	"slices"
)

// LineageRow is one line of the shards pane's lineage view: shards are listed
// depth-first, every child directly under its parent.
type LineageRow struct {
	Shard Shard
	// Depth is 0 for a root (a shard whose parents are not in the listing,
	// either because it was created with the stream or because its parents
	// expired) and parent depth + 1 for a child.
	Depth int
	// AlsoChildOf is set for a merge child: it is listed under ParentID and
	// this names its other parent, so the operator still sees both.
	AlsoChildOf string
}

// Lineage orders shards so that children follow their parent. Roots and
// siblings are ordered by starting hash key, then by ID. A merge child is
// listed once, under the first of its parents that is in the listing. The
// result has exactly one row per input shard, whatever the input (cycles or
// dangling parents from a broken listing do not lose or repeat shards).
func Lineage(shards []Shard) []LineageRow {
	byID := make(map[string]int, len(shards))
	for i, s := range shards {
		byID[s.ID] = i
	}
	// primary parent: the first listed parent present in the input.
	children := make(map[string][]int, len(shards))
	placedUnder := make([]string, len(shards))
	var roots []int
	for i, s := range shards {
		for _, p := range s.Parents() {
			if _, ok := byID[p]; ok && p != s.ID {
				children[p] = append(children[p], i)
				placedUnder[i] = p
				break
			}
		}
		if placedUnder[i] == "" {
			roots = append(roots, i)
		}
	}
	order := func(a, b int) int {
		if c := shards[a].Range.Start.Cmp(shards[b].Range.Start); c != 0 {
			return c
		}
		return cmp.Compare(shards[a].ID, shards[b].ID)
	}
	slices.SortFunc(roots, order)
	for _, c := range children {
		slices.SortFunc(c, order)
	}

	rows := make([]LineageRow, 0, len(shards))
	seen := make([]bool, len(shards))
	type frame struct{ idx, depth int }
	// Explicit stack: long reshard histories must not recurse deeply.
	var stack []frame
	walk := func(root int) {
		stack = append(stack[:0], frame{root, 0})
		for len(stack) > 0 {
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if seen[f.idx] {
				continue
			}
			seen[f.idx] = true
			s := shards[f.idx]
			row := LineageRow{Shard: s, Depth: f.depth}
			if ps := s.Parents(); len(ps) == 2 && placedUnder[f.idx] != "" && f.depth > 0 {
				// Listed under the parent that placed it; name the other.
				row.AlsoChildOf = ps[0]
				if placedUnder[f.idx] == ps[0] {
					row.AlsoChildOf = ps[1]
				}
			}
			rows = append(rows, row)
			kids := children[s.ID]
			for i := len(kids) - 1; i >= 0; i-- {
				stack = append(stack, frame{kids[i], f.depth + 1})
			}
		}
	}
	for _, r := range roots {
		walk(r)
	}
	// Shards only reachable through a cycle (a corrupt listing) still appear.
	for i := range shards {
		if !seen[i] {
			walk(i)
		}
	}
	return rows
}
