package analysis

import (
	"cmp"
	"slices"
)

// Shard is one Kinesis shard as the console models it: the plain domain
// struct the shards pane, the actions and the tailer share.
type Shard struct {
	ID string
	// ParentID and AdjacentParentID are empty for a shard created with the
	// stream; a split child has a parent, a merge child has both.
	ParentID         string
	AdjacentParentID string
	Range            HashRange
	// StartingSequence is the first sequence number the shard can hold.
	// EndingSequence is empty while the shard is open and set once it closed
	// (after a split, merge or reshard).
	StartingSequence string
	EndingSequence   string
}

// Open reports whether the shard still accepts writes.
func (s Shard) Open() bool { return s.EndingSequence == "" }

// Parents lists the shard's parents, ParentID first.
func (s Shard) Parents() []string {
	switch {
	case s.ParentID != "" && s.AdjacentParentID != "":
		return []string{s.ParentID, s.AdjacentParentID}
	case s.ParentID != "":
		return []string{s.ParentID}
	case s.AdjacentParentID != "":
		return []string{s.AdjacentParentID}
	}
	return nil
}

// OpenShards returns the open shards ordered by starting hash key: the order
// of the keyspace map and of UNIFORM_SCALING's result.
func OpenShards(shards []Shard) []Shard {
	open := make([]Shard, 0, len(shards))
	for _, s := range shards {
		if s.Open() {
			open = append(open, s)
		}
	}
	slices.SortFunc(open, func(a, b Shard) int {
		if c := a.Range.Start.Cmp(b.Range.Start); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return open
}

// FindShard returns the shard with the given ID.
func FindShard(shards []Shard, id string) (Shard, bool) {
	for _, s := range shards {
		if s.ID == id {
			return s, true
		}
	}
	return Shard{}, false
}
