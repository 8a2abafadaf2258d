package es

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/elastic/go-elasticsearch/v8/esapi"

	"github.com/opsconsole/opsconsole/internal/ops"
)

// ---- rollover -------------------------------------------------------------

type rolloverAction struct {
	base
	dataStream bool
	oldIndex   string
	newIndex   string // predicted for an alias; read from the response on Apply
	notes      []string
}

// NewRolloverAction builds `rollover ALIAS`: roll an alias (or a data
// stream) over to a new write index now, whatever the policy's conditions.
func NewRolloverAction(c *Client, alias string) ops.Action {
	return &rolloverAction{base: base{c: c, name: "rollover", resource: alias, params: map[string]string{"alias": alias}}}
}

func (a *rolloverAction) call() wireCall { return newCall("POST", nil, a.resource, "_rollover") }

var counterSuffix = regexp.MustCompile(`^(.*-)(\d+)$`)

// NextRolloverName is the index Elasticsearch creates when rolling over
// from old: the trailing counter plus one, zero-padded to six digits.
func NextRolloverName(old string) (string, bool) {
	m := counterSuffix.FindStringSubmatch(old)
	if m == nil {
		return "", false
	}
	n, err := strconv.ParseInt(m[2], 10, 64)
	if err != nil {
		return "", false
	}
	return fmt.Sprintf("%s%06d", m[1], n+1), true
}

func (a *rolloverAction) Validate(ctx context.Context) error {
	if err := ValidateIndexName("alias", a.resource); err != nil {
		return err
	}
	res, err := a.c.resolve(ctx, a.resource)
	if err != nil {
		return err
	}
	a.notes = nil
	switch res.kindOf(a.resource) {
	case nameMissing:
		return fmt.Errorf("there is no alias or data stream named %s", a.resource)
	case nameIndex:
		return fmt.Errorf("%s is an index, not an alias: rollover works on an alias with a write index or a data stream (create one with :ilm-bootstrap)", a.resource)
	case nameDataStream:
		a.dataStream = true
		for _, d := range res.DataStreams {
			if d.Name == a.resource && len(d.BackingIndices) > 0 {
				a.oldIndex = d.BackingIndices[len(d.BackingIndices)-1]
			}
		}
		if a.oldIndex == "" {
			return fmt.Errorf("data stream %s has no backing index", a.resource)
		}
		return nil
	}
	al, _, err := a.c.aliasInfo(ctx, a.resource)
	if err != nil {
		return err
	}
	if al.WriteIndex == "" {
		return fmt.Errorf("alias %s has no write index (it points to %s), so there is nothing to roll over: mark one index is_write_index, or bootstrap a new series with :ilm-bootstrap", a.resource, strings.Join(al.Indices, ", "))
	}
	a.oldIndex = al.WriteIndex
	next, ok := NextRolloverName(al.WriteIndex)
	if !ok {
		return fmt.Errorf("write index %s does not end in a counter like -000001, so Elasticsearch cannot name the next index; bootstrap a new series with :ilm-bootstrap", al.WriteIndex)
	}
	a.newIndex = next
	nextRes, err := a.c.resolve(ctx, next)
	if err != nil {
		return err
	}
	if nextRes.kindOf(next) != nameMissing {
		return fmt.Errorf("the next index %s already exists, so the rollover would fail: remove or rename it first", next)
	}
	templates, err := a.c.Templates(ctx)
	if err != nil {
		return err
	}
	if t, ok := winningTemplate(templates, next); ok && t.Policy != "" {
		a.notes = append(a.notes, fmt.Sprintf("index template %s applies to %s and attaches policy %s", t.Name, next, t.Policy))
	} else {
		a.notes = append(a.notes, "WARNING: no index template gives "+next+" an ILM policy: it will be unmanaged; add one with :ilm-template")
	}
	return nil
}

func (a *rolloverAction) Plan(context.Context) (ops.Plan, error) {
	change := fmt.Sprintf("create %s and make it the write index of %s; %s stops receiving writes", a.newIndex, a.resource, a.oldIndex)
	if a.dataStream {
		change = fmt.Sprintf("add a new backing index to data stream %s; %s stops receiving writes", a.resource, a.oldIndex)
	}
	notes := append([]string{"rolls over now, whatever the policy's rollover conditions say"}, a.notes...)
	return a.c.plan(ops.Plan{
		Title: "Roll over " + a.resource, Changes: []string{change}, Notes: notes, Risk: ops.RiskConfirm,
	}, a.call()), nil
}

type rolloverResponse struct {
	Acknowledged bool   `json:"acknowledged"`
	OldIndex     string `json:"old_index"`
	NewIndex     string `json:"new_index"`
	RolledOver   bool   `json:"rolled_over"`
}

// ParseRollover reads a rollover response.
func ParseRollover(data []byte) (oldIndex, newIndex string, rolledOver bool, err error) {
	var r rolloverResponse
	if err := decodeJSON("rollover", data, &r); err != nil {
		return "", "", false, err
	}
	return r.OldIndex, r.NewIndex, r.RolledOver, nil
}

func (a *rolloverAction) Apply(ctx context.Context) error {
	body, err := a.c.send(ctx, "roll over "+a.resource, a.call())
	if err != nil {
		return err
	}
	_, newIndex, rolled, err := ParseRollover(body)
	if err != nil {
		return err
	}
	if !rolled {
		return fmt.Errorf("Elasticsearch did not roll %s over", a.resource)
	}
	a.newIndex = newIndex
	return nil
}

func (a *rolloverAction) Verify(ctx context.Context) (string, error) {
	return poll(ctx, func(ctx context.Context) (bool, string, error) {
		if a.dataStream {
			res, err := a.c.resolve(ctx, a.resource)
			if err != nil {
				return false, "", err
			}
			for _, d := range res.DataStreams {
				if d.Name == a.resource && len(d.BackingIndices) > 0 {
					w := d.BackingIndices[len(d.BackingIndices)-1]
					return w != a.oldIndex, "data stream " + a.resource + " writes to " + w, nil
				}
			}
			return false, "data stream not visible", nil
		}
		al, _, err := a.c.aliasInfo(ctx, a.resource)
		if err != nil {
			return false, "", err
		}
		return al.WriteIndex == a.newIndex, "alias " + a.resource + " writes to " + al.WriteIndex, nil
	})
}

func (a *rolloverAction) CheckPermission(ctx context.Context) error {
	return a.c.checkPrivileges(ctx, privileges{Index: []indexPrivilege{{Names: []string{a.resource}, Privileges: []string{"manage"}}}})
}

// ---- replicas -------------------------------------------------------------

type replicasAction struct {
	base
	n       int
	current int
	notes   []string
}

// NewReplicasAction builds `replicas INDEX N`.
func NewReplicasAction(c *Client, index string, n int) ops.Action {
	return &replicasAction{base: base{c: c, name: "replicas", resource: index,
		params: map[string]string{"index": index, "replicas": strconv.Itoa(n)}}, n: n}
}

func (a *replicasAction) call() wireCall {
	return newCall("PUT", map[string]any{"index": map[string]any{"number_of_replicas": a.n}}, a.resource, "_settings")
}

func (a *replicasAction) Validate(ctx context.Context) error {
	if a.n < 0 {
		return fmt.Errorf("replicas must be 0 or more, not %d", a.n)
	}
	if _, err := a.c.requireIndex(ctx, a.resource); err != nil {
		return err
	}
	st, err := a.c.indexSettings(ctx, a.resource)
	if err != nil {
		return err
	}
	if ae := st["index.auto_expand_replicas"]; ae != "" && ae != "false" {
		return fmt.Errorf("index %s has index.auto_expand_replicas %s, which sets the replica count by itself and would undo this; change that setting instead", a.resource, ae)
	}
	cur, _ := strconv.Atoi(st["index.number_of_replicas"])
	a.current = cur
	if cur == a.n {
		return fmt.Errorf("index %s already has %d replicas; nothing to change", a.resource, a.n)
	}
	dataNodes, err := a.c.dataNodeCount(ctx)
	if err != nil {
		return err
	}
	a.notes = nil
	if a.n >= dataNodes {
		a.notes = append(a.notes, fmt.Sprintf("WARNING: %d replicas plus the primary need %d data nodes and the cluster has %d: %d copies of each shard will stay unassigned and the cluster will be yellow",
			a.n, a.n+1, dataNodes, a.n+1-dataNodes))
	}
	switch {
	case a.n == 0:
		a.notes = append(a.notes, "with 0 replicas there is no second copy: losing one node loses this index's data on it")
	case a.n > cur:
		if pri, ok := a.c.primarySize(ctx, a.resource); ok {
			a.notes = append(a.notes, fmt.Sprintf("copies about %s over the network to build the new replicas", FormatBytes(pri*int64(a.n-cur))))
		}
	default:
		a.notes = append(a.notes, "removing replicas frees disk and lowers redundancy")
	}
	return nil
}

// dataNodeCount counts nodes with a data role.
func (c *Client) dataNodeCount(ctx context.Context) (int, error) {
	body, err := c.readJSON(ctx, "list nodes", esapi.CatNodesRequest{Format: "json", H: []string{"name", "node.role"}})
	if err != nil {
		return 0, err
	}
	nodes, err := ParseCatNodes(body)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, node := range nodes {
		if HoldsData(node.RoleLetters) {
			n++
		}
	}
	return n, nil
}

// primarySize reads an index's primaries size; ok is false when unknown.
func (c *Client) primarySize(ctx context.Context, index string) (int64, bool) {
	body, err := c.readJSON(ctx, "read size of "+index, esapi.CatIndicesRequest{
		Index: []string{index}, Format: "json", Bytes: "b", H: []string{"index", "pri.store.size"},
	})
	if err != nil {
		return 0, false
	}
	rows, err := ParseCatIndices(body)
	if err != nil || len(rows) == 0 || !rows[0].PrimaryStoreSize.OK {
		return 0, false
	}
	return rows[0].PrimaryStoreSize.V, true
}

func (a *replicasAction) Plan(context.Context) (ops.Plan, error) {
	p := ops.Plan{
		Title:   fmt.Sprintf("Set replicas of %s to %d", a.resource, a.n),
		Changes: []string{fmt.Sprintf("index.number_of_replicas: %d -> %d", a.current, a.n)},
		Notes:   a.notes,
		Risk:    ops.RiskConfirm,
	}
	if a.n == 0 {
		p.Risk, p.ConfirmName = ops.RiskTyped, a.resource
	}
	return a.c.plan(p, a.call()), nil
}

func (a *replicasAction) Apply(ctx context.Context) error {
	_, err := a.c.send(ctx, "set replicas of "+a.resource, a.call())
	return err
}

func (a *replicasAction) Verify(ctx context.Context) (string, error) {
	return poll(ctx, func(ctx context.Context) (bool, string, error) {
		st, err := a.c.indexSettings(ctx, a.resource)
		if err != nil {
			return false, "", err
		}
		got := st["index.number_of_replicas"]
		if got != strconv.Itoa(a.n) {
			return false, "number_of_replicas is " + got, nil
		}
		state := "number_of_replicas is " + got
		if shards, err := a.c.shardsOf(ctx, []string{a.resource}); err == nil {
			unassigned := 0
			for _, s := range shards {
				if s.Unassigned() {
					unassigned++
				}
			}
			state += fmt.Sprintf("; %d shard copies, %d unassigned", len(shards), unassigned)
		}
		return true, state, nil
	})
}

func (a *replicasAction) CheckPermission(ctx context.Context) error {
	return a.c.checkPrivileges(ctx, privileges{Index: []indexPrivilege{{Names: []string{a.resource}, Privileges: []string{"manage"}}}})
}

// ---- clear-read-only ------------------------------------------------------

type clearReadOnlyAction struct {
	base
	nodes []string
}

// NewClearReadOnlyAction builds `clear-read-only INDEX`: remove the
// index.blocks.read_only_allow_delete block, refused while a node holding
// the index's shards is still over the high disk watermark.
func NewClearReadOnlyAction(c *Client, index string) ops.Action {
	return &clearReadOnlyAction{base: base{c: c, name: "clear-read-only", resource: index, params: map[string]string{"index": index}}}
}

const readOnlyBlock = "index.blocks.read_only_allow_delete"

func (a *clearReadOnlyAction) call() wireCall {
	// JSON null resets the setting to its default (no block).
	return wireCall{Method: "PUT", Path: pathOf(a.resource, "_settings"), Body: []byte(`{"` + readOnlyBlock + `":null}`)}
}

func (a *clearReadOnlyAction) Validate(ctx context.Context) error {
	if _, err := a.c.requireIndex(ctx, a.resource); err != nil {
		return err
	}
	st, err := a.c.indexSettings(ctx, a.resource)
	if err != nil {
		return err
	}
	if st[readOnlyBlock] != "true" {
		return fmt.Errorf("index %s has no read_only_allow_delete block; nothing to clear", a.resource)
	}
	var view NodesView
	var shards []ShardCopy
	errs := parallel(
		func() (err error) { view, err = a.c.Nodes(ctx); return },
		func() (err error) { shards, err = a.c.shardsOf(ctx, []string{a.resource}); return },
	)
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("cannot check the disks of the nodes holding %s, so the block stays: %w", a.resource, err)
	}
	held := map[string]bool{}
	for _, s := range shards {
		for _, n := range []string{s.Node, s.RelocatingTo} {
			if n != "" {
				held[n] = true
			}
		}
	}
	a.nodes = a.nodes[:0]
	var over []string
	for name := range held {
		a.nodes = append(a.nodes, name)
		n, ok := view.NodeByName(name)
		if !ok {
			continue
		}
		if n.Disk >= DiskHigh {
			over = append(over, fmt.Sprintf("%s at %s (%s, high watermark %s)", name, n.DiskSummary(), n.Disk, view.Watermarks.High))
		}
	}
	sort.Strings(a.nodes)
	sort.Strings(over)
	if len(over) > 0 {
		return fmt.Errorf("refused: %s is still over the high disk watermark; Elasticsearch would block %s again at flood stage. Free disk there first (delete old indices, attach an ILM delete phase, add nodes); Elasticsearch also lifts the block by itself once the node is back under the high watermark",
			strings.Join(over, "; "), a.resource)
	}
	return nil
}

func (a *clearReadOnlyAction) Plan(context.Context) (ops.Plan, error) {
	return a.c.plan(ops.Plan{
		Title:   "Clear the read-only block of " + a.resource,
		Changes: []string{readOnlyBlock + ": true -> (unset): writes to " + a.resource + " are accepted again"},
		Notes: []string{
			"every node holding its shards is under the high watermark: " + strings.Join(a.nodes, ", "),
			"writers that failed with cluster_block_exception must resend what was refused",
		},
		Risk: ops.RiskConfirm,
	}, a.call()), nil
}

func (a *clearReadOnlyAction) Apply(ctx context.Context) error {
	_, err := a.c.send(ctx, "clear read-only block of "+a.resource, a.call())
	return err
}

func (a *clearReadOnlyAction) Verify(ctx context.Context) (string, error) {
	return poll(ctx, func(ctx context.Context) (bool, string, error) {
		st, err := a.c.indexSettings(ctx, a.resource)
		if err != nil {
			return false, "", err
		}
		if st[readOnlyBlock] == "true" {
			return false, "the block is still set", nil
		}
		return true, a.resource + " accepts writes (no read_only_allow_delete block)", nil
	})
}

func (a *clearReadOnlyAction) CheckPermission(ctx context.Context) error {
	return a.c.checkPrivileges(ctx, privileges{Index: []indexPrivilege{{Names: []string{a.resource}, Privileges: []string{"manage"}}}})
}
