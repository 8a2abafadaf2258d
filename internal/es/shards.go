package es

import (
	"context"
	"strings"

	"github.com/elastic/go-elasticsearch/v8/esapi"
)

// ShardCopy is one row of _cat/shards: a primary or a replica of one shard.
type ShardCopy struct {
	Index   string
	Shard   int
	Primary bool
	// State is STARTED, INITIALIZING, RELOCATING or UNASSIGNED.
	State string
	// UnassignedReason is set for unassigned copies only (INDEX_CREATED,
	// NODE_LEFT, ALLOCATION_FAILED, REPLICA_ADDED, ...).
	UnassignedReason string
	// Node holds the copy; empty when unassigned. For a relocating copy it
	// is the source and RelocatingTo the target.
	Node         string
	RelocatingTo string
	Store        Opt[int64]
	Docs         Opt[int64]
	// Oversized is set for a primary above the configured size limit.
	Oversized bool
}

// Unassigned reports whether the copy has no node.
func (s ShardCopy) Unassigned() bool { return s.State == "UNASSIGNED" }

type catShardRow struct {
	Index            cell `json:"index"`
	Shard            cell `json:"shard"`
	PriRep           cell `json:"prirep"`
	State            cell `json:"state"`
	UnassignedReason cell `json:"unassigned.reason"`
	Node             cell `json:"node"`
	Store            cell `json:"store"`
	Docs             cell `json:"docs"`
}

var catShardsColumns = []string{"index", "shard", "prirep", "state", "unassigned.reason", "node", "store", "docs"}

// ParseCatShards reads _cat/shards?format=json. prirep is "p"/"r" (older
// docs say "primary"/"replica"; both are read). The relocating node cell is
// "source -> target-ip target-id target-name" in various spellings; the last
// word is taken as the target.
func ParseCatShards(data []byte, maxShardSize int64) ([]ShardCopy, error) {
	var rows []catShardRow
	if err := decodeJSON("_cat/shards", data, &rows); err != nil {
		return nil, err
	}
	out := make([]ShardCopy, len(rows))
	for i := range rows {
		r := &rows[i]
		n, _ := r.Shard.Int()
		s := ShardCopy{
			Index:   r.Index.String(),
			Shard:   int(n),
			Primary: r.PriRep == "p" || r.PriRep == "primary",
			State:   r.State.String(),
			Node:    r.Node.String(),
			Store:   optBytes(r.Store),
			Docs:    optInt(r.Docs),
		}
		if s.State == "UNASSIGNED" {
			s.UnassignedReason = r.UnassignedReason.String()
		}
		if src, dst, ok := strings.Cut(s.Node, "->"); ok {
			s.Node = strings.TrimSpace(src)
			if f := strings.Fields(dst); len(f) > 0 {
				s.RelocatingTo = f[len(f)-1]
			}
		}
		s.Oversized = s.Primary && s.Store.OK && maxShardSize > 0 && s.Store.V > maxShardSize
		out[i] = s
	}
	return out, nil
}

// Shards lists every shard copy, largest first (the seed's
// _cat/shards?s=store:desc), with oversized primaries flagged.
func (c *Client) Shards(ctx context.Context) ([]ShardCopy, error) {
	return c.shardsOf(ctx, nil)
}

// shardsOf lists the shard copies of some indices (all when nil).
func (c *Client) shardsOf(ctx context.Context, indices []string) ([]ShardCopy, error) {
	body, err := c.readJSON(ctx, "list shards", esapi.CatShardsRequest{
		Index: indices, Format: "json", Bytes: "b", H: catShardsColumns, S: []string{"store:desc"},
	})
	if err != nil {
		return nil, err
	}
	return ParseCatShards(body, c.maxSize)
}
