package es

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/elastic/go-elasticsearch/v8/esapi"
)

// roleLetters decodes _cat/nodes node.role letters (Elasticsearch 8).
var roleLetters = map[byte]string{
	'c': "data_cold",
	'd': "data",
	'f': "data_frozen",
	'h': "data_hot",
	'i': "ingest",
	'l': "ml",
	'm': "master",
	'r': "remote_cluster_client",
	's': "data_content",
	't': "transform",
	'v': "voting_only",
	'w': "data_warm",
}

// DecodeRoles turns "cdfhilmrstw" into role names; "-" (coordinating only)
// gives ["coordinating_only"]. Unknown letters are kept as "?x" so a newer
// server's role is visible rather than dropped.
func DecodeRoles(letters string) []string {
	if letters == "" {
		return nil
	}
	if letters == "-" {
		return []string{"coordinating_only"}
	}
	out := make([]string, 0, len(letters))
	for i := 0; i < len(letters); i++ {
		if name, ok := roleLetters[letters[i]]; ok {
			out = append(out, name)
		} else {
			out = append(out, "?"+letters[i:i+1])
		}
	}
	return out
}

// HoldsData reports whether role letters include any data role.
func HoldsData(letters string) bool { return strings.ContainsAny(letters, "cdfhsw") }

// Node is one row of the nodes pane.
type Node struct {
	Name string
	IP   string
	// RoleLetters as _cat/nodes prints them; Roles decoded.
	RoleLetters string
	Roles       []string
	// Master is true for the elected master ("*").
	Master bool
	// MasterEligible is true when the node has the master role.
	MasterEligible bool

	HeapPercent Opt[int64]
	RAMPercent  Opt[int64]
	CPU         Opt[int64]
	Load1       Opt[float64]
	Load5       Opt[float64]
	Load15      Opt[float64]

	DiskTotal       Opt[int64]
	DiskUsed        Opt[int64]
	DiskUsedPercent Opt[float64]
	// DiskIndices is the space shards take (_cat/allocation); the rest of
	// DiskUsed is something else on the same disk.
	DiskIndices Opt[int64]
	// Shards is the number of shard copies on the node (_cat/allocation).
	Shards Opt[int64]

	// Disk is the node's state against the watermarks; HeapHigh is heap
	// over HeapLimitPercent.
	Disk     DiskLevel
	HeapHigh bool
}

// DiskLevel is the highest watermark a node's disk has crossed.
type DiskLevel int

const (
	DiskOK DiskLevel = iota
	DiskLow
	DiskHigh
	DiskFlood
)

func (d DiskLevel) String() string {
	return [...]string{"ok", "over low watermark", "over high watermark", "over flood-stage watermark"}[d]
}

// HeapLimitPercent is the heap use above which a node is flagged.
const HeapLimitPercent = 85

// NodesView is the nodes pane: the rows and the thresholds they were judged by.
type NodesView struct {
	Nodes      []Node
	Watermarks Watermarks
	// UnassignedShards is the _cat/allocation UNASSIGNED row's shard count.
	UnassignedShards int64
	// Warnings are partial failures (allocation or settings unreadable):
	// the rows are still shown, with defaults where a value is missing.
	Warnings []string
}

// NodeByName finds a node.
func (v NodesView) NodeByName(name string) (Node, bool) {
	for _, n := range v.Nodes {
		if n.Name == name {
			return n, true
		}
	}
	return Node{}, false
}

// DataNodes counts the nodes that can hold shards.
func (v NodesView) DataNodes() int {
	n := 0
	for _, node := range v.Nodes {
		if HoldsData(node.RoleLetters) {
			n++
		}
	}
	return n
}

type catNodeRow struct {
	Name        cell `json:"name"`
	IP          cell `json:"ip"`
	HeapPercent cell `json:"heap.percent"`
	RAMPercent  cell `json:"ram.percent"`
	CPU         cell `json:"cpu"`
	Load1       cell `json:"load_1m"`
	Load5       cell `json:"load_5m"`
	Load15      cell `json:"load_15m"`
	Role        cell `json:"node.role"`
	Master      cell `json:"master"`
	DiskTotal   cell `json:"disk.total"`
	DiskUsed    cell `json:"disk.used"`
	DiskPercent cell `json:"disk.used_percent"`
}

var catNodesColumns = []string{"name", "ip", "heap.percent", "ram.percent", "cpu", "load_1m", "load_5m", "load_15m",
	"node.role", "master", "disk.total", "disk.used", "disk.used_percent"}

// ParseCatNodes reads _cat/nodes?format=json. Any column may be missing or
// null.
func ParseCatNodes(data []byte) ([]Node, error) {
	var rows []catNodeRow
	if err := decodeJSON("_cat/nodes", data, &rows); err != nil {
		return nil, err
	}
	nodes := make([]Node, 0, len(rows))
	for _, r := range rows {
		n := Node{
			Name:            r.Name.String(),
			IP:              r.IP.String(),
			RoleLetters:     r.Role.String(),
			Roles:           DecodeRoles(r.Role.String()),
			Master:          r.Master == "*",
			HeapPercent:     optInt(r.HeapPercent),
			RAMPercent:      optInt(r.RAMPercent),
			CPU:             optInt(r.CPU),
			Load1:           optFloat(r.Load1),
			Load5:           optFloat(r.Load5),
			Load15:          optFloat(r.Load15),
			DiskTotal:       optBytes(r.DiskTotal),
			DiskUsed:        optBytes(r.DiskUsed),
			DiskUsedPercent: optFloat(r.DiskPercent),
		}
		n.MasterEligible = strings.ContainsRune(n.RoleLetters, 'm')
		nodes = append(nodes, n)
	}
	return nodes, nil
}

// AllocationRow is one _cat/allocation row: disk and shard count per node.
type AllocationRow struct {
	Node        string
	Shards      Opt[int64]
	DiskIndices Opt[int64]
	DiskUsed    Opt[int64]
	DiskAvail   Opt[int64]
	DiskTotal   Opt[int64]
	DiskPercent Opt[float64]
}

type catAllocationRow struct {
	Node        cell `json:"node"`
	Shards      cell `json:"shards"`
	DiskIndices cell `json:"disk.indices"`
	DiskUsed    cell `json:"disk.used"`
	DiskAvail   cell `json:"disk.avail"`
	DiskTotal   cell `json:"disk.total"`
	DiskPercent cell `json:"disk.percent"`
}

// ParseCatAllocation reads _cat/allocation?format=json.
func ParseCatAllocation(data []byte) ([]AllocationRow, error) {
	var rows []catAllocationRow
	if err := decodeJSON("_cat/allocation", data, &rows); err != nil {
		return nil, err
	}
	out := make([]AllocationRow, 0, len(rows))
	for _, r := range rows {
		out = append(out, AllocationRow{
			Node: r.Node.String(), Shards: optInt(r.Shards), DiskIndices: optBytes(r.DiskIndices),
			DiskUsed: optBytes(r.DiskUsed), DiskAvail: optBytes(r.DiskAvail), DiskTotal: optBytes(r.DiskTotal),
			DiskPercent: optFloat(r.DiskPercent),
		})
	}
	return out, nil
}

// judge sets the flags of a node against the watermarks.
func (n *Node) judge(w Watermarks) {
	n.HeapHigh = n.HeapPercent.OK && n.HeapPercent.V > HeapLimitPercent
	n.Disk = DiskOK
	if !w.Enabled || !n.DiskTotal.OK || !n.DiskUsed.OK {
		return
	}
	switch used, total := n.DiskUsed.V, n.DiskTotal.V; {
	case w.Flood.Crossed(used, total):
		n.Disk = DiskFlood
	case w.High.Crossed(used, total):
		n.Disk = DiskHigh
	case w.Low.Crossed(used, total):
		n.Disk = DiskLow
	}
}

// DiskSummary is "91.2% of 1tb (high watermark 90%)" for notes and refusals.
func (n Node) DiskSummary() string {
	if !n.DiskUsed.OK || !n.DiskTotal.OK || n.DiskTotal.V == 0 {
		return "disk usage unknown"
	}
	return fmt.Sprintf("%.1f%% of %s used", 100*float64(n.DiskUsed.V)/float64(n.DiskTotal.V), FormatBytes(n.DiskTotal.V))
}

// Nodes reads the nodes pane: _cat/nodes, _cat/allocation and the watermarks,
// fetched in parallel. Only _cat/nodes is required; the others degrade to
// warnings.
func (c *Client) Nodes(ctx context.Context) (NodesView, error) {
	var (
		nodes []Node
		alloc []AllocationRow
		view  NodesView
	)
	errs := parallel(
		func() error {
			body, err := c.readJSON(ctx, "list nodes", esapi.CatNodesRequest{
				Format: "json", H: catNodesColumns, Bytes: "b",
			})
			if err == nil {
				nodes, err = ParseCatNodes(body)
			}
			return err
		},
		func() error {
			body, err := c.readJSON(ctx, "read disk allocation", esapi.CatAllocationRequest{
				Format: "json", Bytes: "b",
				H: []string{"node", "shards", "disk.indices", "disk.used", "disk.avail", "disk.total", "disk.percent"},
			})
			if err == nil {
				alloc, err = ParseCatAllocation(body)
			}
			return err
		},
		func() error {
			var err error
			view.Watermarks, err = c.Watermarks(ctx)
			return err
		},
	)
	if errs[0] != nil {
		return NodesView{}, errs[0]
	}
	if errs[1] != nil {
		view.Warnings = append(view.Warnings, "disk allocation unavailable: "+errs[1].Error())
	}
	if errs[2] != nil {
		view.Watermarks = DefaultWatermarks()
		view.Warnings = append(view.Warnings, "watermarks unavailable, assuming the defaults 85/90/95%: "+errs[2].Error())
	}
	byName := make(map[string]AllocationRow, len(alloc))
	for _, a := range alloc {
		if a.Node == "UNASSIGNED" {
			view.UnassignedShards = a.Shards.V
			continue
		}
		byName[a.Node] = a
	}
	for i := range nodes {
		n := &nodes[i]
		if a, ok := byName[n.Name]; ok {
			n.Shards, n.DiskIndices = a.Shards, a.DiskIndices
			if !n.DiskTotal.OK {
				n.DiskTotal, n.DiskUsed, n.DiskUsedPercent = a.DiskTotal, a.DiskUsed, a.DiskPercent
			}
		}
		n.judge(view.Watermarks)
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].Name < nodes[j].Name })
	view.Nodes = nodes
	return view, nil
}
