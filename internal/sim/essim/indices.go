package essim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ---- creating indices and placing shards ----------------------------------

// validIndexName applies Elasticsearch's index naming rules.
func validIndexName(name string) *esError {
	bad := func(why string) *esError {
		return &esError{status: http.StatusBadRequest, typ: "invalid_index_name_exception",
			reason: fmt.Sprintf("Invalid index name [%s], %s", name, why), extra: map[string]any{"index_uuid": "_na_", "index": name}}
	}
	switch {
	case name == "" || name == "." || name == "..":
		return bad("must not be '.' or '..'")
	case strings.ToLower(name) != name:
		return bad("must be lowercase")
	case strings.ContainsAny(name[:1], "-_+"):
		return bad("must not start with '_', '-', or '+'")
	case strings.ContainsAny(name, `\/*?"<>| ,#:`):
		return bad(`must not contain the following characters [ , ", *, \, <, |, ,, >, /, ?]`)
	case len(name) > 255:
		return bad("index name is too long, (" + strconv.Itoa(len(name)) + " > 255)")
	}
	return nil
}

// winningTemplate is the highest-priority template matching name.
func (s *Server) winningTemplate(name string) *template {
	var best *template
	for _, t := range s.templates {
		if t.matches(name) && (best == nil || t.priority() > best.priority()) {
			best = t
		}
	}
	return best
}

type createOpts struct {
	settings   map[string]string // flat, "index." prefixed
	aliases    map[string]any    // {"alias": {"is_write_index": true}}
	dataStream string            // set when creating a backing index
	reason     string            // unassigned reason for copies that cannot be placed
}

// createIndex creates an index the way Elasticsearch does: the winning
// template's settings and aliases first, the request's on top.
func (s *Server) createIndex(name string, o createOpts, now time.Time) (*index, *esError) {
	if err := validIndexName(name); err != nil && !strings.HasPrefix(name, ".ds-") {
		return nil, err
	}
	if ix := s.indices[name]; ix != nil {
		return nil, errAlreadyExists(name, ix.uuid)
	}
	if s.aliasExists(name) || s.streams[name] != nil {
		return nil, &esError{status: 400, typ: "invalid_index_name_exception",
			reason: fmt.Sprintf("Invalid index name [%s], already exists as alias", name), extra: map[string]any{"index": name}}
	}
	settings := map[string]string{}
	aliases := map[string]any{}
	if t := s.winningTemplate(name); t != nil {
		if t.isDataStream() && o.dataStream == "" {
			return nil, errIllegalArgument("cannot create index with name [%s], because it matches with template [%s] that creates data streams only, use create data stream api instead", name, t.name)
		}
		for k, v := range t.settings() {
			settings[k] = v
		}
		for k, v := range t.aliases() {
			aliases[k] = v
		}
	}
	for k, v := range o.settings {
		settings[k] = v
	}
	for k, v := range o.aliases {
		aliases[k] = v
	}
	ix := &index{
		name: name, uuid: stableID("index:" + name + ":" + strconv.FormatInt(now.UnixNano(), 10)), created: now, open: true,
		hidden: strings.HasPrefix(name, "."), primaries: 1, replicas: 1, settings: map[string]string{},
		aliases: map[string]*aliasProps{}, dataStream: o.dataStream, rolledOver: map[string]bool{}, since: now,
		bytes0: 225, bytesPerDoc: 600,
	}
	if v, ok := settings["index.number_of_shards"]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1024 {
			return nil, errIllegalArgument("Failed to parse value [%s] for setting [index.number_of_shards] must be >= 1", v)
		}
		ix.primaries = n
	}
	if v, ok := settings["index.number_of_replicas"]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, errIllegalArgument("Failed to parse value [%s] for setting [index.number_of_replicas] must be >= 0", v)
		}
		ix.replicas = n
	}
	if v := settings["index.hidden"]; v == "true" {
		ix.hidden = true
	}
	for k, v := range settings {
		switch k {
		case "index.number_of_shards", "index.number_of_replicas":
		default:
			ix.settings[k] = v
		}
	}
	for alias, raw := range aliases {
		if s.indices[alias] != nil {
			return nil, &esError{status: 400, typ: "invalid_alias_name_exception",
				reason: fmt.Sprintf("Invalid alias name [%s]: an index or data stream exists with the same name as the alias", alias)}
		}
		props := &aliasProps{}
		if m, ok := raw.(map[string]any); ok {
			if w, ok := m["is_write_index"].(bool); ok {
				props.isWrite = boolPtr(w)
			}
		}
		if props.isWrite != nil && *props.isWrite {
			if cur := s.aliasWriteIndex(alias); cur != "" && s.indices[cur].aliases[alias].isWrite != nil {
				return nil, &esError{status: 400, typ: "illegal_state_exception",
					reason: fmt.Sprintf("alias [%s] has more than one write index [%s,%s]", alias, cur, name)}
			}
		}
		ix.aliases[alias] = props
	}
	s.indices[name] = ix
	reason := o.reason
	if reason == "" {
		reason = "INDEX_CREATED"
	}
	for num := 0; num < ix.primaries; num++ {
		s.addCopy(ix, num, true, reason, now)
		for r := 0; r < ix.replicas; r++ {
			s.addCopy(ix, num, false, reason, now)
		}
	}
	if p := ix.setting("index.lifecycle.name"); p != "" {
		s.startILM(ix, now)
	}
	return ix, nil
}

// addCopy adds a copy of shard num and places it on the best node, or
// leaves it unassigned with reason.
func (s *Server) addCopy(ix *index, num int, primary bool, reason string, now time.Time) *shardCopy {
	sc := &shardCopy{num: num, primary: primary}
	ix.shards = append(ix.shards, sc)
	if n := s.pickNode(ix, sc, now); n != "" {
		sc.node = n
	} else {
		sc.reason, sc.at = reason, now
	}
	return sc
}

// pickNode is the node a new copy goes to: allowed by the deciders, with
// the fewest shards. While a dataset is being built, disks are not judged.
func (s *Server) pickNode(ix *index, sc *shardCopy, now time.Time) string {
	best, bestCount := "", 0
	for _, n := range s.dataNodes() {
		if s.building {
			if s.holdsCopy(ix, sc, n.name) {
				continue
			}
		} else {
			if len(s.deciders(ix, sc, n, now)) > 0 {
				continue
			}
			if sc.primary && s.overWatermark(n, "high", now) {
				continue
			}
		}
		var c int
		if s.building {
			c = s.placedOn(n.name)
		} else {
			c = s.shardCount(n.name)
		}
		if best == "" || c < bestCount {
			best, bestCount = n.name, c
		}
	}
	return best
}

// placedOn is shardCount from the loading cache.
func (s *Server) placedOn(nodeName string) int {
	if s.placed == nil {
		s.placed = map[string]int{}
		for _, n := range s.nodes {
			s.placed[n.name] = s.shardCount(n.name)
		}
	}
	return s.placed[nodeName]
}

func (s *Server) holdsCopy(ix *index, sc *shardCopy, nodeName string) bool {
	for _, o := range ix.shards {
		if o != sc && o.num == sc.num && o.node == nodeName {
			return true
		}
	}
	return false
}

// setReplicas adds or removes replica copies; unassigned copies go first.
func (s *Server) setReplicas(ix *index, n int, now time.Time) {
	for num := 0; num < ix.primaries; num++ {
		var reps []*shardCopy
		for _, sc := range ix.shards {
			if sc.num == num && !sc.primary {
				reps = append(reps, sc)
			}
		}
		for len(reps) < n {
			reps = append(reps, s.addCopy(ix, num, false, "REPLICA_ADDED", now))
		}
		sort.SliceStable(reps, func(i, j int) bool { return reps[i].node == "" && reps[j].node != "" })
		for len(reps) > n {
			drop := reps[0]
			reps = reps[1:]
			for i, sc := range ix.shards {
				if sc == drop {
					ix.shards = append(ix.shards[:i], ix.shards[i+1:]...)
					break
				}
			}
		}
	}
	ix.replicas = n
}

// ---- REST handlers ----------------------------------------------------------

func (s *Server) createIndexHandler(req *request, now time.Time) (int, any, *esError) {
	name := req.parts[0]
	var body struct {
		Settings map[string]any `json:"settings"`
		Aliases  map[string]any `json:"aliases"`
		Mappings map[string]any `json:"mappings"`
	}
	if len(strings.TrimSpace(string(req.body))) > 0 {
		if err := json.Unmarshal(req.body, &body); err != nil {
			return 0, nil, errParse("failed to parse request body: %v", err)
		}
	}
	flat := map[string]string{}
	flatten("", body.Settings, flat)
	ix, err := s.createIndex(name, createOpts{settings: normaliseIndexSettings(flat), aliases: body.Aliases}, now)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"acknowledged": true, "shards_acknowledged": true, "index": ix.name}, nil
}

// settingsOf is every setting of an index, flat, as GET _settings shows it.
func (s *Server) settingsOf(ix *index) map[string]string {
	out := map[string]string{
		"index.creation_date":                               strconv.FormatInt(ix.created.UnixMilli(), 10),
		"index.number_of_shards":                            strconv.Itoa(ix.primaries),
		"index.number_of_replicas":                          strconv.Itoa(ix.replicas),
		"index.uuid":                                        ix.uuid,
		"index.provided_name":                               ix.name,
		"index.version.created":                             "8536000",
		"index.routing.allocation.include._tier_preference": "data_content",
	}
	if ix.hidden {
		out["index.hidden"] = "true"
	}
	for k, v := range ix.settings {
		out[k] = v
	}
	return out
}

func (s *Server) getIndexSettings(req *request, _ time.Time) (int, any, *esError) {
	expr, names := "_all", ""
	if req.parts[0] == "_settings" {
		if len(req.parts) > 1 {
			names = req.parts[1]
		}
	} else {
		expr = req.parts[0]
		if len(req.parts) > 2 {
			names = req.parts[2]
		}
	}
	expand := strings.Contains(req.query.Get("expand_wildcards"), "all") || strings.Contains(req.query.Get("expand_wildcards"), "hidden")
	indices, err := s.resolveExpr(expr, expand)
	if err != nil {
		return 0, nil, err
	}
	var filters []string
	if names != "" {
		filters = strings.Split(names, ",")
	}
	out := map[string]any{}
	for _, name := range indices {
		all := s.settingsOf(s.indices[name])
		sel := map[string]string{}
		for k, v := range all {
			if len(filters) == 0 {
				sel[k] = v
				continue
			}
			for _, f := range filters {
				if matchPattern(f, k) {
					sel[k] = v
				}
			}
		}
		if len(sel) == 0 {
			continue // Elasticsearch leaves indices with no matching setting out
		}
		var rendered any
		if req.flag("flat_settings") {
			m := make(map[string]any, len(sel))
			for k, v := range sel {
				m[k] = v
			}
			rendered = m
		} else {
			rendered = nest(sel)
		}
		out[name] = map[string]any{"settings": rendered}
	}
	return http.StatusOK, out, nil
}

// dynamicSettings may change on an open index; anything else known is
// static, and anything unknown is refused, as Elasticsearch does.
var dynamicSettings = []string{
	"index.number_of_replicas", "index.auto_expand_replicas", "index.refresh_interval", "index.blocks.*",
	"index.lifecycle.*", "index.routing.allocation.*", "index.hidden", "index.priority", "index.max_result_window",
	"index.unassigned.node_left.delayed_timeout",
}

var staticSettings = []string{"index.number_of_shards", "index.codec", "index.routing_partition_size", "index.sort.*"}

func (s *Server) putIndexSettings(req *request, now time.Time) (int, any, *esError) {
	var body map[string]any
	if err := json.Unmarshal(req.body, &body); err != nil || body == nil {
		return 0, nil, errParse("request body is required")
	}
	if inner, ok := body["settings"].(map[string]any); ok && len(body) == 1 {
		body = inner
	}
	flat := map[string]string{}
	flatten("", body, flat)
	flat = normaliseIndexSettings(flat)
	names, err := s.resolveExpr(req.parts[0], false)
	if err != nil {
		return 0, nil, err
	}
	for k := range flat {
		switch {
		case matchesAny(dynamicSettings, k):
		case matchesAny(staticSettings, k):
			ix := s.indices[names[0]]
			return 0, nil, errIllegalArgument("Can't update non dynamic settings [[%s]] for open indices [[%s/%s]]", k, ix.name, ix.uuid)
		default:
			return 0, nil, errIllegalArgument("unknown setting [%s] please check that any required plugins are installed, or check the breaking changes documentation for removed settings", k)
		}
	}
	if v, ok := flat["index.number_of_replicas"]; ok && v != "\x00null" {
		if n, err := strconv.Atoi(v); err != nil || n < 0 {
			return 0, nil, errIllegalArgument("Failed to parse value [%s] for setting [index.number_of_replicas] must be >= 0", v)
		}
	}
	for _, name := range names {
		s.applySettings(s.indices[name], flat, now)
	}
	return http.StatusOK, map[string]any{"acknowledged": true}, nil
}

func matchesAny(patterns []string, key string) bool {
	for _, p := range patterns {
		if matchPattern(p, key) {
			return true
		}
	}
	return false
}

// applySettings changes an index's settings and what follows from them.
func (s *Server) applySettings(ix *index, flat map[string]string, now time.Time) {
	oldPolicy := ix.setting("index.lifecycle.name")
	for k, v := range flat {
		switch {
		case k == "index.number_of_replicas":
			n := 1
			if v != "\x00null" {
				n, _ = strconv.Atoi(v)
			}
			s.setReplicas(ix, n, now)
		case v == "\x00null":
			delete(ix.settings, k)
		default:
			ix.settings[k] = v
		}
	}
	// A changed policy keeps the index's position, as Elasticsearch
	// switches at a safe point; the policy name is read from the settings.
	switch newPolicy := ix.setting("index.lifecycle.name"); {
	case newPolicy == "":
		ix.ilm = nil
		delete(ix.settings, "index.lifecycle.indexing_complete")
	case oldPolicy == "" || ix.ilm == nil:
		s.startILM(ix, now)
	}
}

// ---- _cat/indices, _cat/shards, _cat/aliases -------------------------------

var indexColumns = []catCol{
	{name: "health", aliases: []string{"h"}, def: true},
	{name: "status", aliases: []string{"s"}, def: true},
	{name: "index", aliases: []string{"i", "idx"}, def: true},
	{name: "uuid", aliases: []string{"id"}, def: true},
	{name: "pri", aliases: []string{"p", "shards.primary", "shardsPrimary"}, kind: catNum, def: true},
	{name: "rep", aliases: []string{"r", "shards.replica", "shardsReplica"}, kind: catNum, def: true},
	{name: "docs.count", aliases: []string{"dc", "docsCount"}, kind: catNum, def: true},
	{name: "docs.deleted", aliases: []string{"dd", "docsDeleted"}, kind: catNum, def: true},
	{name: "store.size", aliases: []string{"ss", "storeSize"}, kind: catBytes, def: true},
	{name: "pri.store.size", kind: catBytes, def: true},
	{name: "dataset.size", kind: catBytes, def: true},
	{name: "creation.date", aliases: []string{"cd"}, kind: catNum},
	{name: "creation.date.string", aliases: []string{"cds"}},
}

func (s *Server) catIndices(req *request, now time.Time) (*catTable, *esError) {
	expr := ""
	if len(req.parts) > 2 {
		expr = req.parts[2]
	}
	ew := req.query.Get("expand_wildcards")
	names, err := s.resolveExpr(expr, ew == "" || strings.Contains(ew, "all") || strings.Contains(ew, "hidden"))
	if err != nil {
		return nil, err
	}
	t := &catTable{cols: indexColumns, rows: make([][]cell, 0, len(names))}
	for _, name := range names {
		ix := s.indices[name]
		if !ix.open {
			t.rows = append(t.rows, []cell{txt("red"), txt("close"), txt(name), txt(ix.uuid), nullCell(), nullCell(),
				nullCell(), nullCell(), nullCell(), nullCell(), nullCell(),
				intCell(ix.created.UnixMilli()), txt(ix.created.UTC().Format("2006-01-02T15:04:05.000Z"))})
			continue
		}
		pri := ix.priBytes(now)
		total := int64(0)
		for _, sc := range ix.shards {
			if sc.node != "" {
				total += ix.shardBytes(sc.num, now)
			}
		}
		t.rows = append(t.rows, []cell{
			txt(ix.health()), txt("open"), txt(name), txt(ix.uuid), intCell(int64(ix.primaries)), intCell(int64(ix.replicas)),
			intCell(ix.docs(now)), intCell(ix.docs(now) / 200), sizeCell(total), sizeCell(pri), sizeCell(pri),
			intCell(ix.created.UnixMilli()), txt(ix.created.UTC().Format("2006-01-02T15:04:05.000Z")),
		})
	}
	return t, nil
}

var shardColumns = []catCol{
	{name: "index", aliases: []string{"i", "idx"}, def: true},
	{name: "shard", aliases: []string{"s", "sh"}, kind: catNum, def: true},
	{name: "prirep", aliases: []string{"p", "pr", "primaryOrReplica"}, def: true},
	{name: "state", aliases: []string{"st"}, def: true},
	{name: "docs", aliases: []string{"d", "dc"}, kind: catNum, def: true},
	{name: "store", aliases: []string{"sto"}, kind: catBytes, def: true},
	{name: "dataset", kind: catBytes, def: true},
	{name: "ip", def: true},
	{name: "id"},
	{name: "node", aliases: []string{"n"}, def: true},
	{name: "unassigned.reason", aliases: []string{"ur"}},
	{name: "unassigned.at", aliases: []string{"ua"}},
	{name: "unassigned.for", aliases: []string{"uf"}},
	{name: "unassigned.details", aliases: []string{"ud"}},
}

func (s *Server) catShards(req *request, now time.Time) (*catTable, *esError) {
	expr := ""
	if len(req.parts) > 2 {
		expr = req.parts[2]
	}
	names, err := s.resolveExpr(expr, true)
	if err != nil {
		return nil, err
	}
	nodes := map[string]*node{}
	for _, n := range s.nodes {
		nodes[n.name] = n
	}
	t := &catTable{cols: shardColumns}
	for _, name := range names {
		ix := s.indices[name]
		for _, sc := range ix.shards {
			pr := "r"
			if sc.primary {
				pr = "p"
			}
			row := []cell{txt(name), intCell(int64(sc.num)), txt(pr), txt(sc.state())}
			if n := nodes[sc.node]; n != nil {
				b := ix.shardBytes(sc.num, now)
				row = append(row, intCell(ix.shardDocs(sc.num, now)), sizeCell(b), sizeCell(b), txt(n.ip), txt(n.id[:4]), txt(n.name),
					nullCell(), nullCell(), nullCell(), nullCell())
			} else {
				row = append(row, nullCell(), nullCell(), nullCell(), nullCell(), nullCell(), nullCell(),
					txt(sc.reason), txt(sc.at.UTC().Format("2006-01-02T15:04:05.000Z")),
					txt(now.Sub(sc.at).Round(time.Second).String()), optText(sc.details, sc.details != ""))
			}
			t.rows = append(t.rows, row)
		}
	}
	return t, nil
}

func (s *Server) catAliases(req *request, _ time.Time) (*catTable, *esError) {
	t := &catTable{cols: []catCol{
		{name: "alias", aliases: []string{"a"}, def: true},
		{name: "index", aliases: []string{"i", "idx"}, def: true},
		{name: "filter", aliases: []string{"f", "fi"}, def: true},
		{name: "routing.index", aliases: []string{"ri", "routingIndex"}, def: true},
		{name: "routing.search", aliases: []string{"rs", "routingSearch"}, def: true},
		{name: "is_write_index", aliases: []string{"w", "isWriteIndex"}, def: true},
	}}
	var want []string
	if len(req.parts) > 2 {
		want = strings.Split(req.parts[2], ",")
	}
	for _, name := range sortedKeys(s.indices) {
		ix := s.indices[name]
		for _, alias := range sortedKeys(ix.aliases) {
			if len(want) > 0 && !matchesAny(want, alias) {
				continue
			}
			w := "-"
			if p := ix.aliases[alias]; p.isWrite != nil {
				w = strconv.FormatBool(*p.isWrite)
			}
			t.rows = append(t.rows, []cell{txt(alias), txt(name), txt("-"), txt("-"), txt("-"), txt(w)})
		}
	}
	sort.SliceStable(t.rows, func(i, j int) bool { return t.rows[i][0].s < t.rows[j][0].s })
	return t, nil
}

// ---- rollover -------------------------------------------------------------

var rolloverCounter = regexp.MustCompile(`^(.*-)(\d+)$`)

func (s *Server) rolloverHandler(req *request, now time.Time) (int, any, *esError) {
	target := req.parts[0]
	newName := ""
	if len(req.parts) == 3 {
		newName = req.parts[2]
	}
	var body struct {
		Conditions map[string]any `json:"conditions"`
	}
	if len(strings.TrimSpace(string(req.body))) > 0 {
		if err := json.Unmarshal(req.body, &body); err != nil {
			return 0, nil, errParse("failed to parse rollover request: %v", err)
		}
	}
	old, err := s.rolloverSource(target)
	if err != nil {
		return 0, nil, err
	}
	conds, met := s.conditionsMet(s.indices[old], body.Conditions, now)
	if len(body.Conditions) > 0 && !met {
		return http.StatusOK, map[string]any{"acknowledged": false, "shards_acknowledged": false, "old_index": old,
			"new_index": s.nextName(target, old, newName, now), "rolled_over": false, "dry_run": false, "lazy": false, "conditions": conds}, nil
	}
	created, err := s.rollover(target, newName, now)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"acknowledged": true, "shards_acknowledged": true, "old_index": old,
		"new_index": created, "rolled_over": true, "dry_run": false, "lazy": false, "conditions": conds}, nil
}

// rolloverSource is the current write index of an alias or data stream.
func (s *Server) rolloverSource(target string) (string, *esError) {
	if ds := s.streams[target]; ds != nil {
		return ds.indices[len(ds.indices)-1], nil
	}
	if s.indices[target] != nil {
		return "", errIllegalArgument("rollover target is a [concrete index] but one of [alias,data_stream] was expected")
	}
	if !s.aliasExists(target) {
		return "", errIllegalArgument("rollover target [%s] does not exist", target)
	}
	w := s.aliasWriteIndex(target)
	if w == "" {
		return "", errIllegalArgument("rollover target [%s] does not point to a write index", target)
	}
	return w, nil
}

func (s *Server) nextName(target, old, explicit string, now time.Time) string {
	if explicit != "" {
		return explicit
	}
	if ds := s.streams[target]; ds != nil {
		return backingIndexName(ds.name, ds.generation+1, now)
	}
	m := rolloverCounter.FindStringSubmatch(old)
	if m == nil {
		return ""
	}
	n, _ := strconv.ParseInt(m[2], 10, 64)
	return fmt.Sprintf("%s%06d", m[1], n+1)
}

func backingIndexName(stream string, gen int, now time.Time) string {
	return fmt.Sprintf(".ds-%s-%s-%06d", stream, now.UTC().Format("2006.01.02"), gen)
}

// rollover creates the next index of an alias or data stream and moves the
// writes there. The old index stops growing; the new one takes its rate.
func (s *Server) rollover(target, explicit string, now time.Time) (string, *esError) {
	old, err := s.rolloverSource(target)
	if err != nil {
		return "", err
	}
	next := s.nextName(target, old, explicit, now)
	if next == "" {
		return "", errIllegalArgument("index name [%s] does not match pattern '^.*-\\d+$'", old)
	}
	oldIx := s.indices[old]
	if ds := s.streams[target]; ds != nil {
		ix, err := s.createIndex(next, createOpts{settings: map[string]string{"index.hidden": "true"}, dataStream: ds.name}, now)
		if err != nil {
			return "", err
		}
		ds.indices = append(ds.indices, ix.name)
		ds.generation++
		ix.docsPerSec, ix.bytesPerDoc = oldIx.freeze(now)
	} else {
		props := oldIx.aliases[target]
		aliases := map[string]any{target: map[string]any{"is_write_index": true}}
		explicitWrite := props.isWrite != nil && *props.isWrite
		if !explicitWrite {
			aliases = map[string]any{target: map[string]any{}}
		}
		// Free the write flag first so the new index may take it.
		if explicitWrite {
			props.isWrite = boolPtr(false)
		} else {
			delete(oldIx.aliases, target)
		}
		ix, err := s.createIndex(next, createOpts{aliases: aliases}, now)
		if err != nil {
			if explicitWrite {
				props.isWrite = boolPtr(true)
			} else {
				oldIx.aliases[target] = props
			}
			return "", err
		}
		ix.docsPerSec, ix.bytesPerDoc = oldIx.freeze(now)
	}
	oldIx.rolledOver[target] = true
	if oldIx.ilm != nil {
		oldIx.settings["index.lifecycle.indexing_complete"] = "true"
	}
	return next, nil
}

// conditionsMet evaluates rollover conditions against an index.
func (s *Server) conditionsMet(ix *index, conds map[string]any, now time.Time) (map[string]any, bool) {
	out := map[string]any{}
	met := false
	for k, v := range conds {
		val := fmt.Sprint(v)
		ok := false
		switch k {
		case "max_age":
			if d, err := parseDuration(val); err == nil {
				ok = now.Sub(ix.created) >= d
			}
		case "max_docs":
			n, _ := strconv.ParseInt(val, 10, 64)
			ok = n > 0 && ix.docs(now) >= n
		case "max_size":
			ok = parseSize(val) > 0 && ix.priBytes(now) >= parseSize(val)
		case "max_primary_shard_size":
			largest := int64(0)
			for num := 0; num < ix.primaries; num++ {
				largest = max(largest, ix.shardBytes(num, now))
			}
			ok = parseSize(val) > 0 && largest >= parseSize(val)
		case "max_primary_shard_docs":
			n, _ := strconv.ParseInt(val, 10, 64)
			ok = n > 0 && ix.shardDocs(0, now) >= n
		default:
			continue // min_* conditions only restrict; not modelled
		}
		out["["+k+": "+val+"]"] = ok
		met = met || ok
	}
	return out, met
}

func parseDuration(v string) (time.Duration, error) {
	units := []struct {
		s string
		d time.Duration
	}{{"micros", time.Microsecond}, {"nanos", time.Nanosecond}, {"ms", time.Millisecond}, {"d", 24 * time.Hour}, {"h", time.Hour}, {"m", time.Minute}, {"s", time.Second}}
	for _, u := range units {
		if n, ok := strings.CutSuffix(v, u.s); ok {
			i, err := strconv.ParseInt(n, 10, 64)
			if err != nil {
				return 0, fmt.Errorf("failed to parse [%s]", v)
			}
			return time.Duration(i) * u.d, nil
		}
	}
	return 0, fmt.Errorf("failed to parse setting with value [%s] as a time value: unit is missing or unrecognized", v)
}

func parseSize(v string) int64 {
	v = strings.ToLower(strings.TrimSpace(v))
	for _, u := range []string{"pb", "tb", "gb", "mb", "kb", "b"} {
		if n, ok := strings.CutSuffix(v, u); ok {
			f, err := strconv.ParseFloat(n, 64)
			if err == nil {
				return int64(f * byteUnits[u])
			}
		}
	}
	return 0
}

// ---- _resolve/index and _data_stream ---------------------------------------

func (s *Server) resolveIndex(req *request, _ time.Time) (int, any, *esError) {
	expr := req.parts[2]
	ew := req.query.Get("expand_wildcards")
	hidden := strings.Contains(ew, "all") || strings.Contains(ew, "hidden")
	idxSet, aliasSet, dsSet := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, part := range strings.Split(expr, ",") {
		found := false
		for name, ix := range s.indices {
			if matchPattern(part, name) && (!strings.Contains(part, "*") || hidden || !ix.hidden || strings.HasPrefix(part, ".")) {
				idxSet[name], found = true, true
			}
		}
		for alias := range s.allAliases() {
			if matchPattern(part, alias) {
				aliasSet[alias], found = true, true
			}
		}
		for name := range s.streams {
			if matchPattern(part, name) {
				dsSet[name], found = true, true
			}
		}
		if !found && !strings.Contains(part, "*") {
			return 0, nil, errIndexNotFound(part)
		}
	}
	indices := []any{}
	for _, name := range sortedKeys(idxSet) {
		ix := s.indices[name]
		attrs := []any{"open"}
		if !ix.open {
			attrs = []any{"closed"}
		}
		if ix.hidden {
			attrs = append(attrs, "hidden")
		}
		e := map[string]any{"name": name, "attributes": attrs}
		if len(ix.aliases) > 0 {
			e["aliases"] = toAny(sortedKeys(ix.aliases))
		}
		if ix.dataStream != "" {
			e["data_stream"] = ix.dataStream
		}
		indices = append(indices, e)
	}
	aliases := []any{}
	for _, a := range sortedKeys(aliasSet) {
		aliases = append(aliases, map[string]any{"name": a, "indices": toAny(s.aliasIndices(a))})
	}
	streams := []any{}
	for _, name := range sortedKeys(dsSet) {
		streams = append(streams, map[string]any{"name": name, "backing_indices": toAny(s.streams[name].indices), "timestamp_field": "@timestamp"})
	}
	return http.StatusOK, map[string]any{"indices": indices, "aliases": aliases, "data_streams": streams}, nil
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func (s *Server) getDataStreams(req *request, _ time.Time) (int, any, *esError) {
	want := "*"
	if len(req.parts) > 1 {
		want = req.parts[1]
	}
	var list []any
	found := false
	for _, name := range sortedKeys(s.streams) {
		if !matchesAny(strings.Split(want, ","), name) {
			continue
		}
		found = true
		ds := s.streams[name]
		policyName := ""
		if t := s.templates[ds.template]; t != nil {
			policyName = t.settings()["index.lifecycle.name"]
		}
		backing := []any{}
		status := "GREEN"
		for _, bi := range ds.indices {
			ix := s.indices[bi]
			entry := map[string]any{"index_name": bi, "index_uuid": ix.uuid, "prefer_ilm": true, "managed_by": "Unmanaged"}
			if p := ix.setting("index.lifecycle.name"); p != "" {
				entry["ilm_policy"] = p
				entry["managed_by"] = "Index Lifecycle Management"
			}
			switch ix.health() {
			case "red":
				status = "RED"
			case "yellow":
				if status == "GREEN" {
					status = "YELLOW"
				}
			}
			backing = append(backing, entry)
		}
		e := map[string]any{
			"name": name, "timestamp_field": map[string]any{"name": "@timestamp"}, "indices": backing,
			"generation": ds.generation, "status": status, "template": ds.template, "prefer_ilm": true,
			"next_generation_managed_by": "Index Lifecycle Management", "hidden": false, "system": false,
			"allow_custom_routing": false, "replicated": false, "rollover_on_write": false,
		}
		if policyName != "" {
			e["ilm_policy"] = policyName
		}
		if t := s.templates[ds.template]; t != nil {
			if meta, ok := t.body["_meta"]; ok {
				e["_meta"] = meta // copied from the stream's template, as Elasticsearch does
			}
		}
		list = append(list, e)
	}
	if !found && !strings.Contains(want, "*") {
		return 0, nil, errIndexNotFound(want)
	}
	if list == nil {
		list = []any{}
	}
	return http.StatusOK, map[string]any{"data_streams": list}, nil
}
