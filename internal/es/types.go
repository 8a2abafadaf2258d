package es

import "context"

// Capability interfaces, one per pane, in the style of k9s's dao types: the
// UI depends on the narrow one it needs, *Client implements them all, and a
// UI test can fake one without the others.

// ClusterReader feeds the header.
type ClusterReader interface {
	Cluster(ctx context.Context) (ClusterSummary, error)
}

// NodeLister feeds :nodes.
type NodeLister interface {
	Nodes(ctx context.Context) (NodesView, error)
}

// IndexSnapshotter feeds :indices.
type IndexSnapshotter interface {
	Snapshot(ctx context.Context) (*Snapshot, error)
}

// ShardLister feeds :es-shards and its allocation explanation.
type ShardLister interface {
	Shards(ctx context.Context) ([]ShardCopy, error)
	ExplainAllocation(ctx context.Context, ref ShardRef) (AllocationExplanation, error)
}

// ILMReader feeds :ilm.
type ILMReader interface {
	ILM(ctx context.Context) (ILMOverview, error)
}

// Reader is every read the Elasticsearch panes make.
type Reader interface {
	ClusterReader
	NodeLister
	IndexSnapshotter
	ShardLister
	ILMReader
}

var _ Reader = (*Client)(nil)
