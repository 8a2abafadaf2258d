package es

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/elastic/go-elasticsearch/v8/esapi"
)

// Index is one row of the indices pane.
type Index struct {
	Name   string
	UUID   string
	Health string // green, yellow, red; empty for a closed index
	Status string // open, close
	Docs   Opt[int64]
	// StoreSize counts every copy; PrimaryStoreSize the primaries only.
	StoreSize        Opt[int64]
	PrimaryStoreSize Opt[int64]
	Primaries        int
	Replicas         int
	Created          time.Time
	// Hidden is a dot-prefixed (system or hidden) index.
	Hidden bool

	ILM ILMState
	// RolloverAlias and IndexingComplete are the index.lifecycle.* settings.
	RolloverAlias    string
	IndexingComplete bool

	// Aliases point at this index; WriteAlias is the alias (if any) this
	// index is the write index of, explicitly (is_write_index true) or as
	// the only index of an alias without the flag.
	Aliases    []string
	WriteAlias string
	// RolloverWriteAlias is set when the index is the is_write_index of an
	// alias: the index is written through it.
	RolloverWriteAlias string
	// DataStream is the data stream this index backs, if any.
	DataStream string

	// ReadOnlyAllowDelete is the flood-stage block; Blocks lists every
	// index.blocks.* set to true ("write", "read_only", ...).
	ReadOnlyAllowDelete bool
	Blocks              []string

	// LargestPrimary is the biggest primary shard; OversizedShards counts
	// primaries over the size limit.
	LargestPrimary  Opt[int64]
	OversizedShards int
	// DocsGrowth is the doc count change since the previous Snapshot of
	// the same Client (0 when unknown or unchanged).
	DocsGrowth int64

	Problems []Problem
}

// ProblemKind is what is wrong with an index.
type ProblemKind int

const (
	// ProblemNoLifecycle: continuously written, with no ILM policy and no
	// data stream, so it grows without bound.
	ProblemNoLifecycle ProblemKind = iota
	// ProblemILMError: ILM stopped in the ERROR step.
	ProblemILMError
	// ProblemReadOnly: index.blocks.read_only_allow_delete is set (writes
	// are refused, usually after a flood-stage disk watermark).
	ProblemReadOnly
	// ProblemOversizedShard: a primary shard is over the size limit.
	ProblemOversizedShard
)

func (k ProblemKind) String() string {
	return [...]string{"no lifecycle", "ILM error", "read-only", "oversized shard"}[k]
}

// Problem is one finding, with a sentence saying why.
type Problem struct {
	Kind ProblemKind
	Text string
}

// Has reports whether the index has a problem of kind k.
func (ix Index) Has(k ProblemKind) bool {
	for _, p := range ix.Problems {
		if p.Kind == k {
			return true
		}
	}
	return false
}

// Lifecycle is "ilm:policy", "data stream NAME" or "unmanaged".
func (ix Index) Lifecycle() string {
	switch {
	case ix.ILM.Managed && ix.ILM.Policy != "":
		return ix.ILM.Policy
	case ix.DataStream != "":
		return "data stream " + ix.DataStream
	default:
		return "unmanaged"
	}
}

// Alias is an alias and the indices behind it.
type Alias struct {
	Name    string
	Indices []string
	// WriteIndex is where writes through the alias go: the index with
	// is_write_index true, or the only index when the flag is unset.
	WriteIndex string
	// ExplicitWrite is set when WriteIndex carries is_write_index true,
	// which is how a rollover alias is set up (a single-index alias without
	// the flag is usually a read alias).
	ExplicitWrite bool
}

// DataStream is a data stream and its backing indices, oldest first.
type DataStream struct {
	Name       string
	Indices    []string
	WriteIndex string
	ILMPolicy  string
	Template   string
	Status     string
	Generation int64
}

// Snapshot is everything the indices pane shows, read in one parallel round.
type Snapshot struct {
	Taken        time.Time
	Indices      []Index
	Shards       []ShardCopy
	Aliases      []Alias
	DataStreams  []DataStream
	MaxShardSize int64
	// Warnings list partial failures: a pane still renders without ILM
	// state or aliases, and says what is missing.
	Warnings []string

	byName  map[string]int
	byAlias map[string]int
}

// Index finds an index by name.
func (s *Snapshot) Index(name string) (*Index, bool) {
	i, ok := s.byName[name]
	if !ok {
		return nil, false
	}
	return &s.Indices[i], true
}

// Alias finds an alias by name.
func (s *Snapshot) Alias(name string) (Alias, bool) {
	i, ok := s.byAlias[name]
	if !ok {
		return Alias{}, false
	}
	return s.Aliases[i], true
}

// DataStream finds a data stream by name.
func (s *Snapshot) DataStream(name string) (DataStream, bool) {
	for _, d := range s.DataStreams {
		if d.Name == name {
			return d, true
		}
	}
	return DataStream{}, false
}

// ShardsOf returns the shard copies of one index.
func (s *Snapshot) ShardsOf(index string) []ShardCopy {
	var out []ShardCopy
	for _, sc := range s.Shards {
		if sc.Index == index {
			out = append(out, sc)
		}
	}
	return out
}

type catIndexRow struct {
	Health       cell `json:"health"`
	Status       cell `json:"status"`
	Index        cell `json:"index"`
	UUID         cell `json:"uuid"`
	Pri          cell `json:"pri"`
	Rep          cell `json:"rep"`
	Docs         cell `json:"docs.count"`
	StoreSize    cell `json:"store.size"`
	PriStoreSize cell `json:"pri.store.size"`
	CreationDate cell `json:"creation.date"`
}

var catIndicesColumns = []string{"health", "status", "index", "uuid", "pri", "rep", "docs.count",
	"store.size", "pri.store.size", "creation.date"}

// ParseCatIndices reads _cat/indices?format=json.
func ParseCatIndices(data []byte) ([]Index, error) {
	var rows []catIndexRow
	if err := decodeJSON("_cat/indices", data, &rows); err != nil {
		return nil, err
	}
	out := make([]Index, len(rows))
	for i := range rows {
		r := &rows[i]
		pri, _ := r.Pri.Int()
		rep, _ := r.Rep.Int()
		ix := Index{
			Name: r.Index.String(), UUID: r.UUID.String(), Health: r.Health.String(), Status: r.Status.String(),
			Docs: optInt(r.Docs), StoreSize: optBytes(r.StoreSize), PrimaryStoreSize: optBytes(r.PriStoreSize),
			Primaries: int(pri), Replicas: int(rep),
		}
		ix.Hidden = strings.HasPrefix(ix.Name, ".")
		if ms, ok := r.CreationDate.Int(); ok && ms > 0 {
			ix.Created = time.UnixMilli(ms).UTC()
		}
		out[i] = ix
	}
	return out, nil
}

type catAliasRow struct {
	Alias        cell `json:"alias"`
	Index        cell `json:"index"`
	IsWriteIndex cell `json:"is_write_index"`
}

// ParseCatAliases reads _cat/aliases?format=json into aliases sorted by
// name. is_write_index is "true", "false" or "-" (unset).
func ParseCatAliases(data []byte) ([]Alias, error) {
	var rows []catAliasRow
	if err := decodeJSON("_cat/aliases", data, &rows); err != nil {
		return nil, err
	}
	type acc struct {
		indices []string
		write   string
		// falseSet: some index says is_write_index false explicitly.
		falseSet bool
	}
	m := map[string]*acc{}
	for _, r := range rows {
		a := m[r.Alias.String()]
		if a == nil {
			a = &acc{}
			m[r.Alias.String()] = a
		}
		a.indices = append(a.indices, r.Index.String())
		switch r.IsWriteIndex {
		case "true":
			a.write = r.Index.String()
		case "false":
			a.falseSet = true
		}
	}
	out := make([]Alias, 0, len(m))
	for name, a := range m {
		sort.Strings(a.indices)
		al := Alias{Name: name, Indices: a.indices, WriteIndex: a.write, ExplicitWrite: a.write != ""}
		if al.WriteIndex == "" && len(a.indices) == 1 && !a.falseSet {
			// An alias over a single index writes to it unless the flag
			// says false explicitly.
			al.WriteIndex = a.indices[0]
		}
		out = append(out, al)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

type dataStreamsJSON struct {
	DataStreams []struct {
		Name    string `json:"name"`
		Indices []struct {
			Name string `json:"index_name"`
		} `json:"indices"`
		ILMPolicy  string `json:"ilm_policy"`
		Template   string `json:"template"`
		Status     string `json:"status"`
		Generation int64  `json:"generation"`
	} `json:"data_streams"`
}

// ParseDataStreams reads GET _data_stream. The last backing index is the
// write index.
func ParseDataStreams(data []byte) ([]DataStream, error) {
	var dj dataStreamsJSON
	if err := decodeJSON("_data_stream", data, &dj); err != nil {
		return nil, err
	}
	out := make([]DataStream, 0, len(dj.DataStreams))
	for _, d := range dj.DataStreams {
		ds := DataStream{Name: d.Name, ILMPolicy: d.ILMPolicy, Template: d.Template, Status: d.Status, Generation: d.Generation}
		for _, ix := range d.Indices {
			ds.Indices = append(ds.Indices, ix.Name)
		}
		if n := len(ds.Indices); n > 0 {
			ds.WriteIndex = ds.Indices[n-1]
		}
		out = append(out, ds)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// ParseIndexSettings reads GET <index>/_settings (flat or nested) into flat
// settings per index. Indices with none of the requested settings are
// left out by Elasticsearch, so a missing index means "none set".
func ParseIndexSettings(data []byte) (map[string]map[string]string, error) {
	var raw map[string]struct {
		Settings map[string]any `json:"settings"`
	}
	if err := decodeJSON("index settings", data, &raw); err != nil {
		return nil, err
	}
	out := make(map[string]map[string]string, len(raw))
	for name, v := range raw {
		flat := map[string]string{}
		flattenSettings("", v.Settings, flat)
		out[name] = flat
	}
	return out, nil
}

// snapshotSettings are the index settings the pane needs, by wildcard.
var snapshotSettings = []string{"index.blocks.*", "index.lifecycle.*"}

// timeSeriesName matches names that look like continuously written data:
// Beats and Logstash defaults, logs/metrics/traces, or a date in the name.
var timeSeriesName = regexp.MustCompile(`^(?:[a-z]+beat|logstash|logs?|metrics|traces|events|audit|syslog|apm|fluentd|fluent-bit|otel)(?:[-_.]|$)|\d{4}[.\-]\d{2}(?:[.\-]\d{2})?`)

// bigUnmanaged is the primaries size above which an unmanaged
// time-series-looking index is flagged even when not seen growing.
const bigUnmanaged int64 = 1 << 30

// Snapshot reads the indices pane in one parallel round of six requests:
// _cat/indices, _all/_ilm/explain, _cat/aliases, _data_stream, the blocks
// and lifecycle settings, and _cat/shards. Only _cat/indices is required.
func (c *Client) Snapshot(ctx context.Context) (*Snapshot, error) {
	var (
		indices  []Index
		ilm      map[string]ILMState
		aliases  []Alias
		streams  []DataStream
		settings map[string]map[string]string
		shards   []ShardCopy
	)
	errs := parallel(
		func() error {
			body, err := c.readJSON(ctx, "list indices", esapi.CatIndicesRequest{
				Format: "json", Bytes: "b", H: catIndicesColumns, S: []string{"index"}, ExpandWildcards: "all",
			})
			if err == nil {
				indices, err = ParseCatIndices(body)
			}
			return err
		},
		func() (err error) { ilm, err = c.explain(ctx, "_all", false); return },
		func() error {
			body, err := c.readJSON(ctx, "list aliases", esapi.CatAliasesRequest{
				Format: "json", H: []string{"alias", "index", "is_write_index"}, ExpandWildcards: "all",
			})
			if err == nil {
				aliases, err = ParseCatAliases(body)
			}
			return err
		},
		func() error {
			body, err := c.readJSON(ctx, "list data streams", esapi.IndicesGetDataStreamRequest{ExpandWildcards: "all"})
			if err == nil {
				streams, err = ParseDataStreams(body)
			}
			return err
		},
		func() error {
			body, err := c.readJSON(ctx, "read index blocks and lifecycle settings", esapi.IndicesGetSettingsRequest{
				Index: []string{"_all"}, Name: snapshotSettings, FlatSettings: esapi.BoolPtr(true), ExpandWildcards: "all",
			})
			if err == nil {
				settings, err = ParseIndexSettings(body)
			}
			return err
		},
		func() (err error) { shards, err = c.Shards(ctx); return },
	)
	if errs[0] != nil {
		return nil, errs[0]
	}
	snap := &Snapshot{Taken: c.now().UTC(), Indices: indices, Aliases: aliases, DataStreams: streams,
		Shards: shards, MaxShardSize: c.maxSize}
	for i, what := range []string{"", "ILM state", "aliases", "data streams", "index blocks", "shard sizes"} {
		if i > 0 && errs[i] != nil {
			snap.Warnings = append(snap.Warnings, what+" unavailable: "+errs[i].Error())
		}
	}
	c.assemble(snap, ilm, settings)
	return snap, nil
}

// assemble joins the six answers onto the index rows and judges each.
func (c *Client) assemble(snap *Snapshot, ilm map[string]ILMState, settings map[string]map[string]string) {
	snap.byName = make(map[string]int, len(snap.Indices))
	for i := range snap.Indices {
		snap.byName[snap.Indices[i].Name] = i
	}
	snap.byAlias = make(map[string]int, len(snap.Aliases))
	for i, a := range snap.Aliases {
		snap.byAlias[a.Name] = i
		for _, name := range a.Indices {
			if ix, ok := snap.Index(name); ok {
				ix.Aliases = append(ix.Aliases, a.Name)
				if a.WriteIndex == name {
					ix.WriteAlias = a.Name
					if a.ExplicitWrite {
						ix.RolloverWriteAlias = a.Name
					}
				}
			}
		}
	}
	for _, ds := range snap.DataStreams {
		for _, name := range ds.Indices {
			if ix, ok := snap.Index(name); ok {
				ix.DataStream = ds.Name
			}
		}
	}
	for _, sc := range snap.Shards {
		if !sc.Primary || !sc.Store.OK {
			continue
		}
		if ix, ok := snap.Index(sc.Index); ok {
			if !ix.LargestPrimary.OK || sc.Store.V > ix.LargestPrimary.V {
				ix.LargestPrimary = sc.Store
			}
			if sc.Oversized {
				ix.OversizedShards++
			}
		}
	}
	c.mu.Lock()
	prev := c.lastDocs
	c.lastDocs = make(map[string]int64, len(snap.Indices))
	for i := range snap.Indices {
		ix := &snap.Indices[i]
		if ix.Docs.OK {
			c.lastDocs[ix.Name] = ix.Docs.V
			if before, ok := prev[ix.Name]; ok {
				ix.DocsGrowth = ix.Docs.V - before
			}
		}
	}
	c.mu.Unlock()
	for i := range snap.Indices {
		ix := &snap.Indices[i]
		st := settings[ix.Name]
		if s, ok := ilm[ix.Name]; ok {
			ix.ILM = s
		} else if p := settingValue(st, "lifecycle.name"); p != "" {
			// No explain answer: the setting still says who manages it.
			ix.ILM = ILMState{Index: ix.Name, Managed: true, Policy: p}
		}
		ix.RolloverAlias = settingValue(st, "lifecycle.rollover_alias")
		ix.IndexingComplete = settingValue(st, "lifecycle.indexing_complete") == "true"
		for k, v := range st {
			if b, ok := strings.CutPrefix(k, "index.blocks."); ok && v == "true" {
				ix.Blocks = append(ix.Blocks, b)
				if b == "read_only_allow_delete" {
					ix.ReadOnlyAllowDelete = true
				}
			}
		}
		sort.Strings(ix.Blocks)
		ix.Problems = judgeIndex(ix, c.maxSize, ilm != nil || settings != nil)
	}
}

// judgeIndex lists an index's problems.
//
// "Continuously written with no lifecycle" cannot be known from one look,
// so it is a documented heuristic. An index is flagged when it is open, not
// hidden (not dot-prefixed), not a data stream backing index, not managed by
// ILM, and at least one of:
//   - it is the is_write_index of an alias: something writes through the
//     alias and nothing will ever roll it over (a single-index alias without
//     the flag is usually a read alias, so it does not count);
//   - its doc count grew since this Client's previous Snapshot;
//   - its name looks like time-series data (Beats/Logstash defaults,
//     logs-/metrics-/traces-..., or a date) and its primaries hold 1GB or more.
//
// lifecycleKnown is false when neither ILM explain nor the settings could be
// read: then nothing is said about lifecycles rather than guessing.
func judgeIndex(ix *Index, maxShard int64, lifecycleKnown bool) []Problem {
	var out []Problem
	if lifecycleKnown && !ix.ILM.Managed && ix.DataStream == "" && !ix.Hidden && ix.Status != "close" {
		var why []string
		if ix.RolloverWriteAlias != "" {
			why = append(why, "it is the write index of alias "+ix.RolloverWriteAlias)
		}
		if ix.DocsGrowth > 0 {
			why = append(why, fmt.Sprintf("it grew by %d docs since the last refresh", ix.DocsGrowth))
		}
		if timeSeriesName.MatchString(ix.Name) && ix.PrimaryStoreSize.OK && ix.PrimaryStoreSize.V >= bigUnmanaged {
			why = append(why, "its name looks like time-series data and it holds "+FormatBytes(ix.PrimaryStoreSize.V))
		}
		if len(why) > 0 {
			out = append(out, Problem{ProblemNoLifecycle,
				"no ILM policy and no data stream, yet " + strings.Join(why, "; ") + ": it will grow without bound; attach a policy (ilm-attach) or move writes to a rollover alias or data stream"})
		}
	}
	if ix.ILM.InError() {
		out = append(out, Problem{ProblemILMError, "ILM stopped: " + ix.ILM.Position() + ": " + ix.ILM.ErrorText()})
	}
	if ix.ReadOnlyAllowDelete {
		out = append(out, Problem{ProblemReadOnly, "index.blocks.read_only_allow_delete is set: writes are refused (usually a flood-stage disk watermark); free disk, then clear-read-only"})
	}
	if ix.OversizedShards > 0 {
		out = append(out, Problem{ProblemOversizedShard, fmt.Sprintf("%d primary shard(s) over %s (largest %s); roll over more often (max_primary_shard_size) or split",
			ix.OversizedShards, FormatBytes(maxShard), FormatBytes(ix.LargestPrimary.V))})
	}
	return out
}

// indexSettings reads the flat settings of one index (all of them).
func (c *Client) indexSettings(ctx context.Context, index string) (map[string]string, error) {
	body, err := c.readJSON(ctx, "read settings of "+index, esapi.IndicesGetSettingsRequest{
		Index: []string{index}, FlatSettings: esapi.BoolPtr(true),
	})
	if err != nil {
		return nil, err
	}
	all, err := ParseIndexSettings(body)
	if err != nil {
		return nil, err
	}
	if st, ok := all[index]; ok {
		return st, nil
	}
	for _, st := range all {
		return st, nil
	}
	return map[string]string{}, nil
}
