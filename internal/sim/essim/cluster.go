package essim

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

func (s *Server) info(_ *request, _ time.Time) (int, any, *esError) {
	name := s.clusterName
	if m := s.masterNode(); m != nil {
		name = m.name
	}
	return http.StatusOK, map[string]any{
		"name":         name,
		"cluster_name": s.clusterName,
		"cluster_uuid": s.clusterUUID,
		"version": map[string]any{
			"number": Version, "build_flavor": "default", "build_type": "docker",
			"lucene_version": "9.12.2", "minimum_wire_compatibility_version": "7.17.0",
			"minimum_index_compatibility_version": "7.0.0",
		},
		"tagline": "You Know, for Search",
	}, nil
}

// shardTotals counts shard states across some indices.
type shardTotals struct {
	activePrimaries, active, unassigned, unassignedPri, delayed int
}

func (s *Server) totals(names []string) shardTotals {
	var t shardTotals
	for _, name := range names {
		for _, sc := range s.indices[name].shards {
			switch {
			case sc.node != "":
				t.active++
				if sc.primary {
					t.activePrimaries++
				}
			default:
				t.unassigned++
				if sc.primary {
					t.unassignedPri++
				}
			}
		}
	}
	return t
}

func (s *Server) clusterHealth(req *request, _ time.Time) (int, any, *esError) {
	names := sortedKeys(s.indices)
	if len(req.parts) > 2 {
		var err *esError
		if names, err = s.resolveExpr(req.parts[2], true); err != nil {
			return 0, nil, err
		}
	}
	t := s.totals(names)
	status := "green"
	for _, n := range names {
		switch s.indices[n].health() {
		case "red":
			status = "red"
		case "yellow":
			if status == "green" {
				status = "yellow"
			}
		}
	}
	pct := 100.0
	if total := t.active + t.unassigned; total > 0 {
		pct = float64(t.active) / float64(total) * 100
	}
	return http.StatusOK, map[string]any{
		"cluster_name":                     s.clusterName,
		"status":                           status,
		"timed_out":                        false,
		"number_of_nodes":                  len(s.nodes),
		"number_of_data_nodes":             len(s.dataNodes()),
		"active_primary_shards":            t.activePrimaries,
		"active_shards":                    t.active,
		"relocating_shards":                0,
		"initializing_shards":              0,
		"unassigned_shards":                t.unassigned,
		"unassigned_primary_shards":        t.unassignedPri,
		"delayed_unassigned_shards":        t.delayed,
		"number_of_pending_tasks":          0,
		"number_of_in_flight_fetch":        0,
		"task_max_waiting_in_queue_millis": 0,
		"active_shards_percent_as_number":  pct,
	}, nil
}

// wobble is a small deterministic oscillation so node metrics look alive.
func wobble(now time.Time, period time.Duration, phase, amplitude float64) float64 {
	return amplitude * math.Sin(2*math.Pi*float64(now.UnixNano()%int64(period))/float64(period)+phase)
}

var nodeColumns = []catCol{
	{name: "id", aliases: []string{"nodeId"}},
	{name: "ip", aliases: []string{"i"}, def: true},
	{name: "port", aliases: []string{"po"}},
	{name: "version", aliases: []string{"v"}},
	{name: "heap.percent", aliases: []string{"hp", "heapPercent"}, kind: catNum, def: true},
	{name: "ram.percent", aliases: []string{"rp", "ramPercent"}, kind: catNum, def: true},
	{name: "cpu", kind: catNum, def: true},
	{name: "load_1m", aliases: []string{"l"}, kind: catNum, def: true},
	{name: "load_5m", kind: catNum, def: true},
	{name: "load_15m", kind: catNum, def: true},
	{name: "node.role", aliases: []string{"r", "role", "nodeRole"}, def: true},
	{name: "master", aliases: []string{"m"}, def: true},
	{name: "name", aliases: []string{"n"}, def: true},
	{name: "disk.total", aliases: []string{"dt", "diskTotal"}, kind: catBytes},
	{name: "disk.used", aliases: []string{"du", "diskUsed"}, kind: catBytes},
	{name: "disk.avail", aliases: []string{"d", "da", "disk", "diskAvail"}, kind: catBytes},
	{name: "disk.used_percent", aliases: []string{"dup", "diskUsedPercent"}, kind: catNum},
}

func (s *Server) catNodes(_ *request, now time.Time) (*catTable, *esError) {
	t := &catTable{cols: nodeColumns}
	for i, n := range s.nodes {
		phase := float64(i)
		heap := math.Round(float64(n.heap) + wobble(now, 97*time.Second, phase, 2))
		cpu := math.Max(0, math.Round(float64(n.cpu)+wobble(now, 61*time.Second, phase, 3)))
		used := s.diskUsed(n, now)
		master := "-"
		if n.name == s.masterNode().name {
			master = "*"
		}
		row := []cell{
			txt(n.id[:4]), txt(n.ip), txt("9300"), txt(Version),
			num(heap), num(float64(n.ram)), num(cpu),
			numf(n.load[0]+wobble(now, 53*time.Second, phase, 0.05), 2), numf(n.load[1], 2), numf(n.load[2], 2),
			txt(n.roles), txt(master), txt(n.name),
			sizeCell(n.diskTotal), sizeCell(used), sizeCell(n.diskTotal - used),
			numf(float64(used)/float64(n.diskTotal)*100, 2),
		}
		for ci, col := range nodeColumns {
			if n.nulls[col.name] {
				row[ci] = nullCell()
			}
		}
		t.rows = append(t.rows, row)
	}
	return t, nil
}

func (s *Server) catAllocation(_ *request, now time.Time) (*catTable, *esError) {
	t := &catTable{cols: []catCol{
		{name: "shards", aliases: []string{"s"}, kind: catNum, def: true},
		{name: "shards.undesired", kind: catNum, def: true},
		{name: "write_load.forecast", aliases: []string{"wlf", "writeLoadForecast"}, kind: catNum, def: true},
		{name: "disk.indices.forecast", aliases: []string{"dif", "diskIndicesForecast"}, kind: catBytes, def: true},
		{name: "disk.indices", aliases: []string{"di", "diskIndices"}, kind: catBytes, def: true},
		{name: "disk.used", aliases: []string{"du", "diskUsed"}, kind: catBytes, def: true},
		{name: "disk.avail", aliases: []string{"da", "diskAvail"}, kind: catBytes, def: true},
		{name: "disk.total", aliases: []string{"dt", "diskTotal"}, kind: catBytes, def: true},
		{name: "disk.percent", aliases: []string{"dp", "diskPercent"}, kind: catNum, def: true},
		{name: "host", aliases: []string{"h"}, def: true},
		{name: "ip", def: true},
		{name: "node", aliases: []string{"n"}, def: true},
		{name: "node.role", aliases: []string{"r", "role", "nodeRole"}, def: true},
	}}
	for _, n := range s.dataNodes() {
		used := s.diskUsed(n, now)
		indices := used - n.diskOther
		t.rows = append(t.rows, []cell{
			intCell(int64(s.shardCount(n.name))), intCell(0), numf(0, 1), sizeCell(indices), sizeCell(indices),
			sizeCell(used), sizeCell(n.diskTotal - used), sizeCell(n.diskTotal),
			num(math.Floor(float64(used) / float64(n.diskTotal) * 100)), txt(n.ip), txt(n.ip), txt(n.name), txt(n.roles),
		})
	}
	if un := s.totals(sortedKeys(s.indices)).unassigned; un > 0 {
		row := make([]cell, len(t.cols))
		for i := range row {
			row[i] = nullCell()
		}
		row[0] = intCell(int64(un))
		row[11] = txt("UNASSIGNED")
		t.rows = append(t.rows, row)
	}
	return t, nil
}

// hasPrivileges answers _has_privileges: everything is granted except the
// privileges a Denial names.
func (s *Server) hasPrivileges(req *request, _ time.Time) (int, any, *esError) {
	var body struct {
		Cluster []string `json:"cluster"`
		Index   []struct {
			Names      []string `json:"names"`
			Privileges []string `json:"privileges"`
		} `json:"index"`
	}
	if err := json.Unmarshal(req.body, &body); err != nil {
		return 0, nil, errParse("failed to parse privileges request: %v", err)
	}
	denied := map[string]bool{}
	for _, d := range s.denials {
		if len(d.Privileges) > 0 {
			denied[d.Kind+":"+d.Privileges[0]] = true
		}
	}
	all := true
	cluster := map[string]any{}
	for _, p := range body.Cluster {
		ok := !denied["cluster:"+p]
		all = all && ok
		cluster[p] = ok
	}
	indexOut := map[string]any{}
	for _, ip := range body.Index {
		for _, name := range ip.Names {
			m := map[string]any{}
			for _, p := range ip.Privileges {
				ok := !denied["index:"+p]
				all = all && ok
				m[p] = ok
			}
			indexOut[name] = m
		}
	}
	return http.StatusOK, map[string]any{
		"username": req.user, "has_all_requested": all, "cluster": cluster, "index": indexOut, "application": map[string]any{},
	}, nil
}

// ---- allocation explain ---------------------------------------------------

func (s *Server) allocationExplain(req *request, now time.Time) (int, any, *esError) {
	var q struct {
		Index   string `json:"index"`
		Shard   *int   `json:"shard"`
		Primary *bool  `json:"primary"`
	}
	if len(strings.TrimSpace(string(req.body))) > 0 {
		if err := json.Unmarshal(req.body, &q); err != nil {
			return 0, nil, errParse("failed to parse allocation explain request: %v", err)
		}
	}
	var ix *index
	var sc *shardCopy
	if q.Index == "" {
		for _, name := range sortedKeys(s.indices) {
			for _, c := range s.indices[name].shards {
				if c.node == "" && sc == nil {
					ix, sc = s.indices[name], c
				}
			}
		}
		if sc == nil {
			return 0, nil, errBadRequest("illegal_argument_exception",
				"No shard was specified in the explain API request, so this request explains a randomly-chosen unassigned shard. There are no unassigned shards in this cluster, so this request cannot explain anything. Specify the shard in the request body.")
		}
	} else {
		if q.Shard == nil || q.Primary == nil {
			return 0, nil, errBadRequest("action_request_validation_exception", "Validation Failed: 1: shard must be specified;2: primary must be specified;")
		}
		ix = s.indices[q.Index]
		if ix == nil {
			return 0, nil, errIndexNotFound(q.Index)
		}
		// Prefer an unassigned copy, as Elasticsearch does for replicas.
		for _, c := range ix.shards {
			if c.num == *q.Shard && c.primary == *q.Primary && (sc == nil || c.node == "") {
				sc = c
			}
		}
		if sc == nil {
			return 0, nil, errIllegalArgument("shard [%d] does not exist for index [%s]", *q.Shard, q.Index)
		}
	}
	return http.StatusOK, s.explainCopy(ix, sc, now), nil
}

func (s *Server) explainCopy(ix *index, sc *shardCopy, now time.Time) map[string]any {
	out := map[string]any{"index": ix.name, "shard": sc.num, "primary": sc.primary}
	decisions := make([]any, 0, len(s.nodes))
	anyYes := false
	for _, n := range s.dataNodes() {
		if n.name == sc.node {
			continue
		}
		deciders := s.deciders(ix, sc, n, now)
		d := map[string]any{
			"node_id": n.id, "node_name": n.name, "transport_address": n.ip + ":9300",
			"roles": roleNames(n.roles), "node_attributes": map[string]any{},
		}
		switch {
		case len(deciders) == 0 && sc.node == "":
			d["node_decision"] = "yes"
			anyYes = true
		case len(deciders) == 0:
			d["node_decision"] = "worse_balance"
		default:
			d["node_decision"] = "no"
			d["deciders"] = deciders
		}
		d["weight_ranking"] = len(decisions) + 1
		decisions = append(decisions, d)
	}
	out["node_allocation_decisions"] = decisions
	if sc.node == "" {
		out["current_state"] = "unassigned"
		status := "no"
		if anyYes {
			status = "yes"
		}
		info := map[string]any{"reason": sc.reason, "at": sc.at.UTC().Format("2006-01-02T15:04:05.000Z"), "last_allocation_status": status}
		if sc.details != "" {
			info["details"] = sc.details
		}
		if sc.failedAttempts > 0 {
			info["failed_allocation_attempts"] = sc.failedAttempts
		}
		out["unassigned_info"] = info
		if anyYes {
			out["can_allocate"] = "yes"
			out["allocate_explanation"] = "Elasticsearch can allocate the shard."
		} else {
			out["can_allocate"] = "no"
			out["allocate_explanation"] = "Elasticsearch isn't allowed to allocate this shard to any of the nodes in the cluster. Choose a node to which you expect this shard to be allocated, find this node in the node-by-node explanation, and address the reasons which prevent Elasticsearch from allocating this shard there."
		}
		return out
	}
	cur := s.nodeByName(sc.node)
	out["current_state"] = "started"
	out["current_node"] = map[string]any{"id": cur.id, "name": cur.name, "transport_address": cur.ip + ":9300",
		"roles": roleNames(cur.roles), "weight_ranking": 1}
	if s.overWatermark(cur, "high", now) {
		// Must move: nodes without a NO decision could take it.
		canMove := false
		for _, d := range decisions {
			dm := d.(map[string]any)
			if dm["node_decision"] == "worse_balance" {
				dm["node_decision"] = "yes"
				canMove = true
			}
		}
		out["can_remain_on_current_node"] = "no"
		out["can_remain_decisions"] = []any{map[string]any{"decider": "disk_threshold", "decision": "NO",
			"explanation": s.diskExplanation(cur, "high", now, true)}}
		if canMove {
			out["can_move_to_other_node"] = "yes"
			out["move_explanation"] = "This shard may not remain on its current node. Elasticsearch will move it to another node."
		} else {
			out["can_move_to_other_node"] = "no"
			out["move_explanation"] = "This shard may not remain on its current node, but Elasticsearch isn't allowed to move it to another node. Choose a node to which you expect this shard to be allocated, find this node in the node-by-node explanation, and address the reasons which prevent Elasticsearch from allocating this shard there."
		}
		return out
	}
	out["can_remain_on_current_node"] = "yes"
	out["can_rebalance_cluster"] = "yes"
	out["can_rebalance_to_other_node"] = "no"
	out["rebalance_explanation"] = "Elasticsearch cannot rebalance this shard to another node since there is no node to which allocation is permitted which would improve the cluster balance. If you expect this shard to be rebalanced to another node, find this node in the node-by-node explanation and address the reasons which prevent Elasticsearch from rebalancing this shard there."
	return out
}

// deciders returns the NO decisions for placing copy sc of ix on node n.
func (s *Server) deciders(ix *index, sc *shardCopy, n *node, now time.Time) []any {
	var out []any
	no := func(decider, explanation string) {
		out = append(out, map[string]any{"decider": decider, "decision": "NO", "explanation": explanation})
	}
	if sc.failedAttempts >= 5 {
		no("max_retry", fmt.Sprintf("shard has exceeded the maximum number of retries [5] on failed allocation attempts - manually call [POST /_cluster/reroute?retry_failed] to retry, [unassigned_info[[reason=%s], at[%s], failed_attempts[%d], delayed=false, details[%s], allocation_status[deciders_no]]]",
			sc.reason, sc.at.UTC().Format("2006-01-02T15:04:05.000Z"), sc.failedAttempts, sc.details))
	}
	for _, other := range ix.shards {
		if other != sc && other.num == sc.num && other.node == n.name {
			p := "R"
			if other.primary {
				p = "P"
			}
			no("same_shard", fmt.Sprintf("a copy of this shard is already allocated to this node [[%s][%d], node[%s], [%s], s[STARTED], a[id=%s]]",
				ix.name, sc.num, n.id, p, stableID(ix.name+strconv.Itoa(sc.num)+n.name)))
		}
	}
	if req := ix.setting("index.routing.allocation.require._name"); req != "" && !matchAnyPattern(req, n.name) {
		no("filter", fmt.Sprintf(`node does not match index setting [index.routing.allocation.require] filters [_name:"%s"]`, req))
	}
	if inc := ix.setting("index.routing.allocation.include._name"); inc != "" && !matchAnyPattern(inc, n.name) {
		no("filter", fmt.Sprintf(`node does not match index setting [index.routing.allocation.include] filters [_name:"%s"]`, inc))
	}
	if !sc.primary && s.overWatermark(n, "low", now) {
		no("disk_threshold", s.diskExplanation(n, "low", now, false))
	}
	return out
}

func matchAnyPattern(list, name string) bool {
	for _, p := range strings.Split(list, ",") {
		if matchPattern(strings.TrimSpace(p), name) {
			return true
		}
	}
	return false
}

func (s *Server) diskExplanation(n *node, kind string, now time.Time, remain bool) string {
	used := s.diskUsed(n, now)
	setting, _ := s.clusterSetting("cluster.routing.allocation.disk.watermark." + kind)
	need := n.diskTotal - s.usedThreshold(kind, n.diskTotal)
	free := n.diskTotal - used
	pct := float64(used) / float64(n.diskTotal) * 100
	if remain {
		return fmt.Sprintf("the shard cannot remain on this node because it is above the high watermark cluster setting [cluster.routing.allocation.disk.watermark.high=%s] and there is less than the required [%s] free space on node, actual free: [%s], actual used: [%.1f%%]",
			setting, formatSize(need, ""), formatSize(free, ""), pct)
	}
	return fmt.Sprintf("the node is above the %s watermark cluster setting [cluster.routing.allocation.disk.watermark.%s=%s], having less than the minimum required [%s] free space, actual free: [%s], actual used: [%.1f%%]",
		kind, kind, setting, formatSize(need, ""), formatSize(free, ""), pct)
}

var roleByLetter = map[byte]string{'c': "data_cold", 'd': "data", 'f': "data_frozen", 'h': "data_hot", 'i': "ingest",
	'l': "ml", 'm': "master", 'r': "remote_cluster_client", 's': "data_content", 't': "transform", 'v': "voting_only", 'w': "data_warm"}

// roleNames lists role names sorted, as Elasticsearch prints them.
func roleNames(letters string) []any {
	names := make([]string, 0, len(letters))
	for i := 0; i < len(letters); i++ {
		if r, ok := roleByLetter[letters[i]]; ok {
			names = append(names, r)
		}
	}
	sort.Strings(names)
	out := make([]any, len(names))
	for i, n := range names {
		out[i] = n
	}
	return out
}
