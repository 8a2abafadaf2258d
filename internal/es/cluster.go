package es

import (
	"context"

	"github.com/elastic/go-elasticsearch/v8/esapi"
)

// ClusterSummary is the console header's view of a cluster (_cluster/health).
type ClusterSummary struct {
	Name   string
	Status string // green, yellow, red
	// TimedOut is set when the health call itself timed out on the master.
	TimedOut            bool
	Nodes               int
	DataNodes           int
	ActivePrimaryShards int
	ActiveShards        int
	RelocatingShards    int
	InitializingShards  int
	UnassignedShards    int
	// DelayedUnassigned are unassigned shards waiting for their node to come
	// back (index.unassigned.node_left.delayed_timeout).
	DelayedUnassigned int
	PendingTasks      int
	// ActiveShardsPercent is 0..100.
	ActiveShardsPercent float64
}

type healthJSON struct {
	ClusterName         string  `json:"cluster_name"`
	Status              string  `json:"status"`
	TimedOut            bool    `json:"timed_out"`
	Nodes               int     `json:"number_of_nodes"`
	DataNodes           int     `json:"number_of_data_nodes"`
	ActivePrimaryShards int     `json:"active_primary_shards"`
	ActiveShards        int     `json:"active_shards"`
	RelocatingShards    int     `json:"relocating_shards"`
	InitializingShards  int     `json:"initializing_shards"`
	UnassignedShards    int     `json:"unassigned_shards"`
	DelayedUnassigned   int     `json:"delayed_unassigned_shards"`
	PendingTasks        int     `json:"number_of_pending_tasks"`
	ActivePercent       float64 `json:"active_shards_percent_as_number"`
}

// ParseClusterHealth reads a _cluster/health response.
func ParseClusterHealth(data []byte) (ClusterSummary, error) {
	var h healthJSON
	if err := decodeJSON("cluster health", data, &h); err != nil {
		return ClusterSummary{}, err
	}
	return ClusterSummary{
		Name: h.ClusterName, Status: h.Status, TimedOut: h.TimedOut,
		Nodes: h.Nodes, DataNodes: h.DataNodes,
		ActivePrimaryShards: h.ActivePrimaryShards, ActiveShards: h.ActiveShards,
		RelocatingShards: h.RelocatingShards, InitializingShards: h.InitializingShards,
		UnassignedShards: h.UnassignedShards, DelayedUnassigned: h.DelayedUnassigned,
		PendingTasks: h.PendingTasks, ActiveShardsPercent: h.ActivePercent,
	}, nil
}

// Cluster reads the header summary. A yellow or red cluster is not an
// error; a health call that timed out on the master is reported in TimedOut.
func (c *Client) Cluster(ctx context.Context) (ClusterSummary, error) {
	body, err := c.readJSON(ctx, "read cluster health", esapi.ClusterHealthRequest{})
	if err != nil {
		return ClusterSummary{}, err
	}
	return ParseClusterHealth(body)
}
