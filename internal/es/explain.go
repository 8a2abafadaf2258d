package es

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/elastic/go-elasticsearch/v8/esapi"
)

// ShardRef names one shard copy for _cluster/allocation/explain. The zero
// value asks Elasticsearch to explain the first unassigned shard it finds.
type ShardRef struct {
	Index   string
	Shard   int
	Primary bool
}

// AllocationExplanation is _cluster/allocation/explain in plain words.
type AllocationExplanation struct {
	Index   string
	Shard   int
	Primary bool
	// State is "unassigned" or "started"; Node is the current node if any.
	State string
	Node  string
	// UnassignedReason is the raw reason (NODE_LEFT); Why says it in words.
	UnassignedReason string
	UnassignedAt     time.Time
	FailedAttempts   int
	// Decision is Elasticsearch's verdict (can_allocate or, for an assigned
	// shard, can_remain_on_current_node / can_rebalance_to_other_node).
	Decision string
	// Summary is one sentence for the dialog's first line.
	Summary string
	// Why explains the unassigned reason; empty for assigned shards.
	Why string
	// Details group the deciders' explanations by node: one line per
	// distinct reason, with the nodes it applies to.
	Details []string
	// Advice lists what the operator can do, most specific first.
	Advice []string
	// CandidateNodes would accept the shard (node_decision yes).
	CandidateNodes []string
}

type explainResponseJSON struct {
	Index          string `json:"index"`
	Shard          int    `json:"shard"`
	Primary        bool   `json:"primary"`
	CurrentState   string `json:"current_state"`
	UnassignedInfo *struct {
		Reason         string `json:"reason"`
		At             string `json:"at"`
		Details        string `json:"details"`
		FailedAttempts int    `json:"failed_allocation_attempts"`
		LastStatus     string `json:"last_allocation_status"`
	} `json:"unassigned_info"`
	CurrentNode *struct {
		Name string `json:"name"`
	} `json:"current_node"`
	CanAllocate         string         `json:"can_allocate"`
	AllocateExplanation string         `json:"allocate_explanation"`
	ConfiguredDelay     string         `json:"configured_delay"`
	RemainingDelay      string         `json:"remaining_delay"`
	CanRemain           string         `json:"can_remain_on_current_node"`
	CanRemainDecisions  []deciderJSON  `json:"can_remain_decisions"`
	CanMove             string         `json:"can_move_to_other_node"`
	MoveExplanation     string         `json:"move_explanation"`
	CanRebalance        string         `json:"can_rebalance_to_other_node"`
	RebalanceExpl       string         `json:"rebalance_explanation"`
	NodeDecisions       []nodeDecision `json:"node_allocation_decisions"`
}

type nodeDecision struct {
	NodeName string        `json:"node_name"`
	Decision string        `json:"node_decision"`
	Deciders []deciderJSON `json:"deciders"`
}

type deciderJSON struct {
	Decider     string `json:"decider"`
	Decision    string `json:"decision"`
	Explanation string `json:"explanation"`
}

var unassignedReasons = map[string]string{
	"INDEX_CREATED":           "the index was just created and this copy has not been placed yet",
	"CLUSTER_RECOVERED":       "the whole cluster restarted and this copy has not been recovered yet",
	"INDEX_REOPENED":          "the index was closed and reopened",
	"DANGLING_INDEX_IMPORTED": "a dangling index was imported",
	"NEW_INDEX_RESTORED":      "the index is being restored from a snapshot into a new index",
	"EXISTING_INDEX_RESTORED": "the index is being restored from a snapshot over a closed index",
	"REPLICA_ADDED":           "a replica was added (number_of_replicas was raised) and could not be placed",
	"ALLOCATION_FAILED":       "allocating this copy failed on a node",
	"NODE_LEFT":               "the node holding this copy left the cluster",
	"NODE_RESTARTING":         "the node holding this copy is restarting",
	"REROUTE_CANCELLED":       "an explicit reroute command cancelled it",
	"REINITIALIZED":           "the shard went back from started to initializing",
	"REALLOCATED_REPLICA":     "a better replica location was found and this copy was cancelled",
	"PRIMARY_FAILED":          "the primary failed while this replica was initializing",
	"FORCED_EMPTY_PRIMARY":    "an empty primary was forced, losing its data",
	"MANUAL_ALLOCATION":       "it was placed by hand and failed",
	"INDEX_CLOSED":            "the index was closed",
}

var deciderAdvice = map[string]string{
	"same_shard":                   "a node may hold only one copy of a shard: add data nodes, or lower number_of_replicas (:replicas INDEX N)",
	"disk_threshold":               "nodes are over a disk watermark: free disk space (delete old indices, attach an ILM delete phase) or add capacity",
	"filter":                       "an allocation filter (index.routing.allocation.* or cluster.routing.allocation.*) excludes these nodes: fix or remove the filter",
	"awareness":                    "shard allocation awareness needs copies spread across zones that lack capacity: add nodes in the missing zone or lower replicas",
	"max_retry":                    "allocation failed too often and Elasticsearch stopped trying: fix the cause shown, then POST /_cluster/reroute?retry_failed=true",
	"throttling":                   "recoveries are throttled by cluster.routing.allocation.node_concurrent_recoveries: wait, it will proceed",
	"enable":                       "allocation is switched off by cluster.routing.allocation.enable (or the index setting): set it back to all",
	"data_tier":                    "no node in the data tier the index asks for (index.routing.allocation.include._tier_preference): add such a node or change the preference",
	"shards_limit":                 "total_shards_per_node is reached on these nodes: raise the limit or add nodes",
	"replica_after_primary_active": "replicas wait for their primary to start: fix the primary first",
	"node_version":                 "the only candidate nodes run an older Elasticsearch version than the primary: finish the rolling upgrade",
	"restore_in_progress":          "a snapshot restore for this shard failed: restore it again",
	"node_shutdown":                "the node is being shut down: wait for the shutdown or cancel it",
	"node_replacement":             "the node is being replaced: wait for the replacement to finish",
}

// ParseAllocationExplain reads a _cluster/allocation/explain response and
// says it in plain words.
func ParseAllocationExplain(data []byte) (AllocationExplanation, error) {
	var r explainResponseJSON
	if err := decodeJSON("_cluster/allocation/explain", data, &r); err != nil {
		return AllocationExplanation{}, err
	}
	ex := AllocationExplanation{Index: r.Index, Shard: r.Shard, Primary: r.Primary, State: r.CurrentState}
	if r.CurrentNode != nil {
		ex.Node = r.CurrentNode.Name
	}
	copyName := "replica"
	if r.Primary {
		copyName = "primary"
	}
	what := fmt.Sprintf("The %s of %s shard %d", copyName, r.Index, r.Shard)
	if ui := r.UnassignedInfo; ui != nil {
		ex.UnassignedReason = ui.Reason
		ex.UnassignedAt, _ = time.Parse(time.RFC3339Nano, ui.At)
		ex.FailedAttempts = ui.FailedAttempts
		ex.Why = unassignedReasons[ui.Reason]
		if ex.Why == "" && ui.Reason != "" {
			ex.Why = "unassigned reason " + ui.Reason
		}
		if ui.Details != "" {
			ex.Why += " (" + ui.Details + ")"
		}
		if ui.FailedAttempts > 0 {
			ex.Why += fmt.Sprintf("; %d failed allocation attempts", ui.FailedAttempts)
		}
	}
	decisions := r.NodeDecisions
	switch {
	case r.CanAllocate != "":
		ex.Decision = r.CanAllocate
		ex.Summary = what + " is unassigned: " + canAllocateText(r)
	case r.CanRemain == "no":
		ex.Decision = "can_remain_on_current_node: no"
		ex.Summary = fmt.Sprintf("%s on %s must move off that node", what, ex.Node)
		switch r.CanMove {
		case "no":
			ex.Summary += ", but no other node accepts it"
		case "yes":
			ex.Summary += "; Elasticsearch is moving it to a node that accepts it"
		}
		decisions = append([]nodeDecision{{NodeName: ex.Node + " (current)", Decision: "no", Deciders: r.CanRemainDecisions}}, decisions...)
	case r.CanRebalance != "":
		ex.Decision = "can_rebalance_to_other_node: " + r.CanRebalance
		ex.Summary = fmt.Sprintf("%s is on %s and may stay there", what, ex.Node)
		if r.CanRebalance == "no" {
			ex.Summary += "; moving it elsewhere would not improve the balance"
		}
	default:
		ex.Summary = fmt.Sprintf("%s is %s", what, r.CurrentState)
	}
	ex.Details, ex.Advice, ex.CandidateNodes = summariseDeciders(decisions)
	switch r.CanAllocate {
	case "no_valid_shard_copy":
		ex.Advice = append([]string{"bring back the node that held the data; if it is gone for good, restore the index from a snapshot (allocating an empty primary loses the data)"}, ex.Advice...)
	case "allocation_delayed":
		ex.Advice = append([]string{"wait: Elasticsearch keeps the copy unassigned while the node may return (index.unassigned.node_left.delayed_timeout)"}, ex.Advice...)
	case "throttled":
		ex.Advice = append([]string{"wait: it will be allocated when the running recoveries finish"}, ex.Advice...)
	case "awaiting_info":
		ex.Advice = append([]string{"wait: Elasticsearch is still asking the nodes which copies they hold"}, ex.Advice...)
	}
	return ex, nil
}

func canAllocateText(r explainResponseJSON) string {
	switch r.CanAllocate {
	case "yes":
		return "a node accepts it and it will be allocated"
	case "no":
		return "no node accepts it"
	case "throttled":
		return "Elasticsearch is busy with other recoveries and will allocate it when they finish"
	case "awaiting_info":
		return "Elasticsearch is collecting shard information from the nodes"
	case "allocation_delayed":
		s := "the node that held it left recently; Elasticsearch waits for it to return"
		if r.ConfiguredDelay != "" {
			s += " for up to " + r.ConfiguredDelay
		}
		if r.RemainingDelay != "" {
			s += " (" + r.RemainingDelay + " left)"
		}
		return s + " before placing the copy elsewhere"
	case "no_valid_shard_copy":
		return "no node holds a valid copy of its data"
	case "worse_balance":
		return "it could go elsewhere, but that would worsen the balance"
	case "no_attempt":
		return "no allocation has been attempted yet"
	default:
		exp := r.AllocateExplanation
		if r.ConfiguredDelay != "" {
			// Upstream has shipped this text with an unformatted "[%s]".
			exp = strings.ReplaceAll(exp, "[%s]", "["+r.ConfiguredDelay+"]")
		}
		return r.CanAllocate + ": " + exp
	}
}

// summariseDeciders groups identical decider explanations across nodes
// ("same_shard on data-0, data-1: a copy of this shard is already ...").
// same_shard and max_retry embed node ids and timestamps after the first
// '[' that say nothing new, so they group on the text before it; every
// other decider (disk_threshold's numbers matter per node) groups on the
// full text.
func summariseDeciders(decisions []nodeDecision) (details, advice, candidates []string) {
	type group struct {
		decider, text string
		nodes         []string
	}
	var groups []*group
	index := map[string]*group{}
	seenAdvice := map[string]bool{}
	for _, nd := range decisions {
		if nd.Decision == "yes" || nd.Decision == "worse_balance" {
			candidates = append(candidates, nd.NodeName)
		}
		for _, d := range nd.Deciders {
			if d.Decision == "YES" {
				continue
			}
			text := d.Explanation
			key := d.Decider + "\x00" + groupingText(d.Decider, text)
			g := index[key]
			if g == nil {
				g = &group{decider: d.Decider, text: text}
				index[key] = g
				groups = append(groups, g)
			}
			g.nodes = append(g.nodes, nd.NodeName)
			if a, ok := deciderAdvice[d.Decider]; ok && !seenAdvice[d.Decider] {
				seenAdvice[d.Decider] = true
				advice = append(advice, a)
			}
		}
	}
	sort.SliceStable(groups, func(i, j int) bool { return len(groups[i].nodes) > len(groups[j].nodes) })
	for _, g := range groups {
		details = append(details, fmt.Sprintf("%s on %s: %s", g.decider, strings.Join(g.nodes, ", "), g.text))
	}
	return details, advice, candidates
}

func groupingText(decider, text string) string {
	switch decider {
	case "same_shard", "max_retry":
		if i := strings.IndexByte(text, '['); i > 0 {
			return text[:i]
		}
	}
	return text
}

// ExplainAllocation asks Elasticsearch why a shard copy is where it is, or
// why it is unassigned, and returns it in plain words.
func (c *Client) ExplainAllocation(ctx context.Context, ref ShardRef) (AllocationExplanation, error) {
	req := esapi.ClusterAllocationExplainRequest{}
	if ref.Index != "" {
		b, _ := json.Marshal(map[string]any{"index": ref.Index, "shard": ref.Shard, "primary": ref.Primary})
		req.Body = strings.NewReader(string(b))
	}
	body, err := c.readJSON(ctx, "explain shard allocation", req)
	if err != nil {
		return AllocationExplanation{}, err
	}
	return ParseAllocationExplain(body)
}
