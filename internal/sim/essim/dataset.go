package essim

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"time"
)

// NodeSpec describes a node for AddNode.
type NodeSpec struct {
	Name  string
	IP    string
	Roles string // _cat/nodes letters, "cdfhilmrstw" for an all-roles node
	// Master makes this the elected master.
	Master         bool
	Heap, RAM, CPU int
	Load           [3]float64
	DiskTotal      int64
}

// AddNode adds a node.
func (s *Server) AddNode(spec NodeSpec) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := &node{name: spec.Name, id: stableID("node:" + spec.Name), ip: spec.IP, roles: spec.Roles,
		heap: spec.Heap, ram: spec.RAM, cpu: spec.CPU, load: spec.Load, diskTotal: spec.DiskTotal}
	if n.diskTotal == 0 {
		n.diskTotal = 1 << 40
	}
	s.nodes = append(s.nodes, n)
	if spec.Master {
		s.master = spec.Name
	}
}

// IndexSpec describes an index for AddIndex.
type IndexSpec struct {
	Name                string
	Primaries, Replicas int
	// Created defaults to the clock's now.
	Created time.Time
	// Docs and PrimaryBytes are the size now; DocsPerSec makes it grow.
	Docs         int64
	PrimaryBytes int64
	DocsPerSec   float64
	// Settings are flat index settings ("index.lifecycle.name").
	Settings map[string]string
	// Aliases map alias names to is_write_index (nil: not set).
	Aliases map[string]*bool
	// Nodes optionally places copies: Nodes[shard] lists the primary's node
	// then each replica's; "" leaves that copy unassigned.
	Nodes [][]string
	// UnassignedReason is given to copies that end up unassigned
	// (default INDEX_CREATED).
	UnassignedReason string
}

// AddIndex adds an index directly, as a dataset loader: no template is
// applied, and copies without a given node are placed by balance alone.
// Settings that name a policy put the index under ILM.
func (s *Server) AddIndex(spec IndexSpec) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.addIndex(spec, "")
	return err
}

func (s *Server) addIndex(spec IndexSpec, dataStream string) (*index, error) {
	now := s.now()
	if spec.Created.IsZero() {
		spec.Created = now
	}
	if spec.Primaries == 0 {
		spec.Primaries = 1
	}
	if s.indices[spec.Name] != nil {
		return nil, fmt.Errorf("index %s already exists", spec.Name)
	}
	ix := &index{
		name: spec.Name, uuid: stableID("index:" + spec.Name), created: spec.Created, open: true,
		hidden: spec.Name[0] == '.', primaries: spec.Primaries, replicas: spec.Replicas,
		settings: map[string]string{}, aliases: map[string]*aliasProps{}, dataStream: dataStream, rolledOver: map[string]bool{},
		docs0: spec.Docs, bytes0: spec.PrimaryBytes, docsPerSec: spec.DocsPerSec, since: now,
	}
	ix.bytesPerDoc = 600
	if spec.Docs > 0 && spec.PrimaryBytes > 0 {
		ix.bytesPerDoc = float64(spec.PrimaryBytes) / float64(spec.Docs)
	}
	for k, v := range normaliseIndexSettings(spec.Settings) {
		ix.settings[k] = v
	}
	for a, w := range spec.Aliases {
		ix.aliases[a] = &aliasProps{isWrite: w}
	}
	reason := spec.UnassignedReason
	if reason == "" {
		reason = "INDEX_CREATED"
	}
	s.indices[ix.name] = ix
	wasBuilding := s.building
	s.building = true
	for num := 0; num < ix.primaries; num++ {
		for c := 0; c <= ix.replicas; c++ {
			sc := &shardCopy{num: num, primary: c == 0}
			ix.shards = append(ix.shards, sc)
			switch {
			case num < len(spec.Nodes) && c < len(spec.Nodes[num]):
				sc.node = spec.Nodes[num][c]
			default:
				sc.node = s.pickNode(ix, sc, now)
			}
			if sc.node == "" {
				sc.reason, sc.at = reason, now
			} else {
				s.placedOn(sc.node) // fills the cache before counting this copy
				s.placed[sc.node]++
			}
		}
	}
	s.building = wasBuilding
	if ix.setting("index.lifecycle.name") != "" {
		s.startILM(ix, now)
	}
	return ix, nil
}

// SetNodeDiskPercent sets how full a node's disk is, by adjusting the space
// used outside shards.
func (s *Server) SetNodeDiskPercent(nodeName string, percent float64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.nodeByName(nodeName)
	if n == nil {
		return fmt.Errorf("no node %s", nodeName)
	}
	s.setDiskPercent(n, percent, s.now())
	return nil
}

func (s *Server) setDiskPercent(n *node, percent float64, now time.Time) {
	n.diskOther = 0
	shards := s.diskUsed(n, now)
	n.diskOther = max(0, int64(math.Round(percent/100*float64(n.diskTotal)))-shards)
}

// do runs one REST call against the state (for dataset loaders), failing
// loudly: a dataset that Elasticsearch would refuse is a bug.
func (s *Server) mustDo(method, path, body string) {
	req := &request{method: method, path: path, parts: splitPath(path), body: []byte(body)}
	route, ok := s.route(req)
	if !ok {
		panic("essim: dataset uses an unknown route " + method + " " + path)
	}
	status, _, err := route.handle(req, s.now())
	if err != nil || status != http.StatusOK {
		panic(fmt.Sprintf("essim: dataset call %s %s failed: %v", method, path, err))
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// NewLarge is a cluster of nine nodes with n indices and about
// copies shard copies in total (for benchmarks). Indices alternate between
// two primaries with one replica (4 copies) and three primaries with one
// replica (6 copies), so copies/n should be about 5.
func NewLarge(n, copies int, opts ...Option) *Server {
	s := New(opts...)
	addDemoNodes(s)
	now := s.now()
	made := 0
	for i := 0; i < n; i++ {
		pri := 2
		if i%2 == 1 && made+6 <= copies-(n-i-1)*4 {
			pri = 3
		}
		spec := IndexSpec{Name: fmt.Sprintf("bench-%05d", i), Primaries: pri, Replicas: 1,
			Created: now.Add(-time.Duration(i) * time.Minute), Docs: int64(1000 + i*37), PrimaryBytes: int64(1+i%97) << 24}
		if i%3 == 0 {
			spec.Settings = map[string]string{"index.lifecycle.name": "bench"}
		}
		if _, err := s.addIndex(spec, ""); err != nil {
			panic(err)
		}
		made += pri * 2
	}
	for _, nd := range s.nodes {
		s.setDiskPercent(nd, 60, now)
	}
	return s
}
