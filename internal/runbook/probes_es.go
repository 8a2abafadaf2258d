package runbook

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/opsconsole/opsconsole/internal/es"
	"github.com/opsconsole/opsconsole/internal/panicsafe"
)

var indexFilter = ProbeParam{Name: "index", Help: "only this index (default: every index)"}

func esProbes() []*Probe {
	return []*Probe{
		{
			Name: "es.unmanaged_indices", Backend: BackendElasticsearch,
			Help:   "indices written continuously with no ILM policy and no data stream, and the template policy that would manage them",
			Params: []ProbeParam{indexFilter},
			Outputs: []Output{
				{"unmanaged", KindNumber, "unmanaged, growing indices"}, {"index", KindText, "the largest of them"},
				{"policy", KindText, "the ILM policy its matching index template sets"},
				{"alias", KindText, "the rollover alias that template sets"},
				{"primary_gb", KindNumber, "the index's primary store size in GB"},
			},
			Thresholds: map[string]Threshold{"unmanaged": mustThreshold("", ">= 1")},
			Run:        probeUnmanaged,
		},
		{
			Name: "es.oversized_shards", Backend: BackendElasticsearch,
			Help: "primary shards over the size limit (50GB), and whether they still grow (unmanaged, or the write index of an alias or data stream)",
			Outputs: []Output{
				{"oversized", KindNumber, "oversized primary shards"}, {"growing", KindNumber, "of them, on indices still written to"},
				{"index", KindText, "the largest growing oversized index (or the largest oversized)"},
				{"largest_gb", KindNumber, "its largest primary shard in GB"},
				{"managed", KindNumber, "1 when that index is under ILM"},
				{"rollover_target", KindText, "the alias or data stream to roll over when that index is a write index"},
			},
			Thresholds: map[string]Threshold{"growing": mustThreshold("", ">= 1")},
			Run:        probeOversized,
		},
		{
			Name: "es.ilm_errors", Backend: BackendElasticsearch,
			Help:   "indices whose ILM stopped in the ERROR step, with the failed step and reason",
			Params: []ProbeParam{indexFilter},
			Outputs: []Output{
				{"errors", KindNumber, "indices in ERROR"}, {"index", KindText, "the first of them"},
				{"policy", KindText, "its policy"}, {"failed_step", KindText, "the step that failed"},
				{"reason", KindText, "why"}, {"retries", KindNumber, "automatic retries so far"},
			},
			Thresholds: map[string]Threshold{"errors": mustThreshold("", ">= 1")},
			Run:        probeILMErrors,
		},
		{
			Name: "es.rollover_alias", Backend: BackendElasticsearch,
			Help:   "does an index whose policy rolls over have the rollover alias ILM needs?",
			Params: []ProbeParam{{Name: "index", Required: true, Help: "the index"}},
			Outputs: []Output{
				{"alias_missing", KindNumber, "1 when the policy rolls over and index.lifecycle.rollover_alias is unset"},
				{"policy", KindText, "the index's policy"}, {"alias", KindText, "the alias set, or the one to set (template's, else POLICY-write)"},
				{"write_index", KindNumber, "1 when the index is the write index of that alias"},
			},
			Thresholds: map[string]Threshold{"alias_missing": mustThreshold("", ">= 1")},
			Run:        probeRolloverAlias,
		},
		{
			Name: "es.disk_watermarks", Backend: BackendElasticsearch,
			Help: "data nodes' disk use against the low, high and flood-stage watermarks",
			Outputs: []Output{
				{"over_low", KindNumber, "nodes over the low watermark (and not higher)"}, {"over_high", KindNumber, "nodes over the high watermark or above"},
				{"over_flood", KindNumber, "nodes over the flood-stage watermark"}, {"node", KindText, "the fullest node"},
				{"used_pct", KindNumber, "its disk use"},
			},
			Thresholds: map[string]Threshold{"over_low": mustThreshold(">= 1", ""), "over_high": mustThreshold("", ">= 1")},
			Run:        probeDisk,
		},
		{
			Name: "es.read_only_indices", Backend: BackendElasticsearch,
			Help: "indices blocked by index.blocks.read_only_allow_delete (writes refused), and whether their nodes are still over the high watermark",
			Outputs: []Output{
				{"read_only", KindNumber, "blocked indices"}, {"index", KindText, "the first of them"},
				{"on_full_nodes", KindNumber, "of them, with a shard on a node still over the high watermark"},
			},
			Thresholds: map[string]Threshold{"read_only": mustThreshold("", ">= 1")},
			Run:        probeReadOnly,
		},
		{
			Name: "es.unassigned_shards", Backend: BackendElasticsearch,
			Help: "unassigned shard copies, with _cluster/allocation/explain for the first of them",
			Outputs: []Output{
				{"unassigned", KindNumber, "unassigned copies"}, {"unassigned_primaries", KindNumber, "of them, primaries (data unavailable)"},
				{"index", KindText, "the index of the first one"}, {"reason", KindText, "its unassigned reason"},
				{"replicas_fit", KindNumber, "the replica count every copy of that shard can be placed with (set when too many replicas is the cause)"},
			},
			Thresholds: map[string]Threshold{"unassigned": mustThreshold("", ">= 1")},
			Run:        probeUnassigned,
		},
	}
}

func gb(n int64) float64 { return float64(n*10/(1<<30)) / 10 }

// winningTemplate is the highest-priority index template matching name.
func winningTemplate(ts []es.Template, name string) (es.Template, bool) {
	var best es.Template
	found := false
	for _, t := range ts {
		if t.Matches(name) && (!found || t.Priority > best.Priority) {
			best, found = t, true
		}
	}
	return best, found
}

func probeUnmanaged(ctx context.Context, env *Env, a Args) (Observation, error) {
	c := env.ES
	snap, err := c.Snapshot(ctx)
	if err != nil {
		return Observation{}, err
	}
	templates, terr := c.Templates(ctx)
	var found []*es.Index
	for i := range snap.Indices {
		ix := &snap.Indices[i]
		if (a.Str("index") == "" || ix.Name == a.Str("index")) && ix.Has(es.ProblemNoLifecycle) {
			found = append(found, ix)
		}
	}
	sort.Slice(found, func(i, j int) bool { return found[i].PrimaryStoreSize.V > found[j].PrimaryStoreSize.V })
	obs := Observation{Outputs: map[string]Value{"unmanaged": Number(float64(len(found)))}}
	for _, w := range snap.Warnings {
		obs.Evidence = append(obs.Evidence, "partial answer: "+w)
	}
	if len(found) == 0 {
		obs.Summary = "every continuously written index has a lifecycle (ILM policy or data stream)"
		if a.Str("index") != "" {
			obs.Summary = a.Str("index") + " is managed (or not written to)"
		}
		obs.Evidence = append(obs.Evidence, obs.Summary)
		return obs, nil
	}
	top := found[0]
	obs.Outputs["index"] = Text(top.Name)
	obs.Outputs["primary_gb"] = Number(gb(top.PrimaryStoreSize.V))
	for _, ix := range found {
		for _, p := range ix.Problems {
			if p.Kind == es.ProblemNoLifecycle {
				obs.Evidence = append(obs.Evidence, fmt.Sprintf("%s (%s primaries, %d docs): %s", ix.Name, es.FormatBytes(ix.PrimaryStoreSize.V), ix.Docs.V, p.Text))
			}
		}
	}
	switch t, ok := winningTemplate(templates, top.Name); {
	case terr != nil:
		obs.Evidence = append(obs.Evidence, "index templates unreadable, so no policy can be suggested: "+terr.Error())
	case ok && t.Policy != "":
		obs.Outputs["policy"] = Text(t.Policy)
		obs.Outputs["alias"] = Text(t.RolloverAlias)
		obs.Evidence = append(obs.Evidence, fmt.Sprintf("index template %s (%s) sets policy %s and rollover alias %s for new indices, but templates do not apply to indices created before them",
			t.Name, strings.Join(t.Patterns, ","), t.Policy, orNone(t.RolloverAlias)))
	default:
		obs.Evidence = append(obs.Evidence, "no index template with an ILM policy matches "+top.Name+": create a policy (:ilm-policy) and a template (:ilm-template) first")
	}
	obs.Summary = fmt.Sprintf("%d index(es) grow without a lifecycle; largest %s (%s)", len(found), top.Name, es.FormatBytes(top.PrimaryStoreSize.V))
	return obs, nil
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// stillWritten reports whether an index keeps growing: unmanaged, or the
// write index of a rollover alias or data stream, and not marked complete.
func stillWritten(ix *es.Index, snap *es.Snapshot) bool {
	if ix.IndexingComplete {
		return false
	}
	if ix.DataStream != "" {
		ds, ok := snap.DataStream(ix.DataStream)
		return ok && ds.WriteIndex == ix.Name
	}
	return !ix.ILM.Managed || ix.RolloverWriteAlias != ""
}

func probeOversized(ctx context.Context, env *Env, _ Args) (Observation, error) {
	snap, err := env.ES.Snapshot(ctx)
	if err != nil {
		return Observation{}, err
	}
	var oversized, growing []*es.Index
	shards, growingShards := 0, 0
	for i := range snap.Indices {
		ix := &snap.Indices[i]
		if ix.OversizedShards == 0 {
			continue
		}
		oversized = append(oversized, ix)
		shards += ix.OversizedShards
		if stillWritten(ix, snap) {
			growing = append(growing, ix)
			growingShards += ix.OversizedShards
		}
	}
	bySize := func(l []*es.Index) {
		sort.Slice(l, func(i, j int) bool { return l[i].LargestPrimary.V > l[j].LargestPrimary.V })
	}
	bySize(oversized)
	bySize(growing)
	obs := Observation{Outputs: map[string]Value{"oversized": Number(float64(shards)), "growing": Number(float64(growingShards))}}
	limit := es.FormatBytes(snap.MaxShardSize)
	if len(oversized) == 0 {
		obs.Summary = "no primary shard is over " + limit
		obs.Evidence = []string{obs.Summary}
		return obs, nil
	}
	top := oversized[0]
	if len(growing) > 0 {
		top = growing[0]
	}
	obs.Outputs["index"] = Text(top.Name)
	obs.Outputs["largest_gb"] = Number(gb(top.LargestPrimary.V))
	obs.Outputs["managed"] = Flag(top.ILM.Managed)
	switch {
	case !stillWritten(top, snap):
	case top.RolloverWriteAlias != "":
		obs.Outputs["rollover_target"] = Text(top.RolloverWriteAlias)
	case top.DataStream != "":
		obs.Outputs["rollover_target"] = Text(top.DataStream)
	}
	for _, ix := range oversized {
		state := "no longer written to; it shrinks only when ILM (or you) delete it"
		switch {
		case stillWritten(ix, snap) && !ix.ILM.Managed:
			state = "STILL GROWING with no ILM policy: nothing will ever roll it over"
		case stillWritten(ix, snap) && ix.RolloverWriteAlias != "":
			state = "STILL GROWING as the write index of " + ix.RolloverWriteAlias + ": roll it over, and lower the policy's max_primary_shard_size"
		case stillWritten(ix, snap):
			state = "STILL GROWING as a data stream's write index: roll the data stream over"
		}
		obs.Evidence = append(obs.Evidence, fmt.Sprintf("%s: %d primary shard(s) over %s, largest %s, %s; %s", ix.Name, ix.OversizedShards, limit,
			es.FormatBytes(ix.LargestPrimary.V), ix.Lifecycle(), state))
	}
	obs.Summary = fmt.Sprintf("%d oversized primary shard(s), %d still growing; largest %s in %s", shards, growingShards, es.FormatBytes(top.LargestPrimary.V), top.Name)
	obs.Evidence = append(obs.Evidence, "large shards recover and relocate slowly (a lost node takes long to heal) and slow searches; "+
		"the primary count is fixed at creation, so the way out is new indices: rollover, or a split/reindex for data you keep")
	return obs, nil
}

func probeILMErrors(ctx context.Context, env *Env, a Args) (Observation, error) {
	ov, err := env.ES.ILM(ctx)
	if err != nil {
		return Observation{}, err
	}
	var errs []es.ILMState
	for _, s := range ov.Errors {
		if a.Str("index") == "" || s.Index == a.Str("index") {
			errs = append(errs, s)
		}
	}
	obs := Observation{Outputs: map[string]Value{"errors": Number(float64(len(errs)))}}
	for _, w := range ov.Warnings {
		obs.Evidence = append(obs.Evidence, "partial answer: "+w)
	}
	if len(errs) == 0 {
		obs.Summary = "no index is in ILM ERROR"
		if a.Str("index") != "" {
			obs.Summary = a.Str("index") + " is not in ILM ERROR"
		}
		obs.Evidence = append(obs.Evidence, obs.Summary)
		return obs, nil
	}
	first := errs[0]
	obs.Outputs["index"] = Text(first.Index)
	obs.Outputs["policy"] = Text(first.Policy)
	obs.Outputs["failed_step"] = Text(first.FailedStep)
	obs.Outputs["reason"] = Text(first.ErrorText())
	obs.Outputs["retries"] = Number(float64(first.RetryCount))
	for _, s := range errs {
		retry := ""
		if s.RetryCount > 0 {
			retry = fmt.Sprintf("; retried %d times automatically", s.RetryCount)
		}
		obs.Evidence = append(obs.Evidence, fmt.Sprintf("%s (policy %s): %s: %s%s", s.Index, s.Policy, s.Position(), s.ErrorText(), retry))
	}
	obs.Summary = fmt.Sprintf("%d index(es) in ILM ERROR; %s at %s", len(errs), first.Index, first.Position())
	return obs, nil
}

func probeRolloverAlias(ctx context.Context, env *Env, a Args) (Observation, error) {
	c, name := env.ES, a.Str("index")
	snap, err := c.Snapshot(ctx)
	if err != nil {
		return Observation{}, err
	}
	ix, ok := snap.Index(name)
	if !ok {
		return Observation{}, fmt.Errorf("index %s does not exist", name)
	}
	obs := Observation{Outputs: map[string]Value{"policy": Text(ix.ILM.Policy), "alias_missing": Flag(false),
		"write_index": Flag(ix.RolloverAlias != "" && ix.RolloverWriteAlias == ix.RolloverAlias)}}
	if !ix.ILM.Managed || ix.DataStream != "" {
		obs.Summary = name + " needs no rollover alias (" + ix.Lifecycle() + ")"
		obs.Evidence = []string{obs.Summary}
		return obs, nil
	}
	policy, err := c.GetPolicy(ctx, ix.ILM.Policy)
	if err != nil {
		return Observation{}, err
	}
	if ix.RolloverAlias != "" {
		obs.Outputs["alias"] = Text(ix.RolloverAlias)
		obs.Summary = fmt.Sprintf("%s has rollover alias %s", name, ix.RolloverAlias)
		obs.Evidence = []string{obs.Summary}
		if ix.IndexingComplete {
			obs.Evidence = append(obs.Evidence, "index.lifecycle.indexing_complete is set: ILM skips its rollover")
		}
		return obs, nil
	}
	if !policy.HasRollover() {
		obs.Summary = fmt.Sprintf("policy %s does not roll over, so %s needs no alias", policy.Name, name)
		obs.Evidence = []string{obs.Summary}
		return obs, nil
	}
	alias := policy.Name + "-write"
	templates, _ := c.Templates(ctx)
	if t, ok := winningTemplate(templates, name); ok && t.RolloverAlias != "" {
		alias = t.RolloverAlias
	}
	obs.Outputs["alias_missing"] = Flag(true)
	obs.Outputs["alias"] = Text(alias)
	obs.Summary = fmt.Sprintf("policy %s rolls over, but %s has no index.lifecycle.rollover_alias", policy.Name, name)
	obs.Evidence = []string{
		obs.Summary + ": ILM's check-rollover-ready step cannot work and stops in ERROR",
		"policy " + policy.Name + ": " + policy.Summary(),
		fmt.Sprintf("suggested alias %s; with --indexing-complete ILM skips the rollover of an index nothing writes to any more", alias),
	}
	return obs, nil
}

func probeDisk(ctx context.Context, env *Env, _ Args) (Observation, error) {
	v, err := env.ES.Nodes(ctx)
	if err != nil {
		return Observation{}, err
	}
	counts := map[es.DiskLevel]int{}
	var worst *es.Node
	pct := func(n *es.Node) float64 {
		if !n.DiskTotal.OK || n.DiskTotal.V == 0 {
			return 0
		}
		return 100 * float64(n.DiskUsed.V) / float64(n.DiskTotal.V)
	}
	obs := Observation{}
	for i := range v.Nodes {
		n := &v.Nodes[i]
		if !es.HoldsData(n.RoleLetters) {
			continue
		}
		counts[n.Disk]++
		if worst == nil || pct(n) > pct(worst) {
			worst = n
		}
		if n.Disk != es.DiskOK {
			obs.Evidence = append(obs.Evidence, fmt.Sprintf("%s: %s, %s", n.Name, n.DiskSummary(), n.Disk))
		}
	}
	w := v.Watermarks
	obs.Outputs = map[string]Value{
		"over_low": Number(float64(counts[es.DiskLow])), "over_high": Number(float64(counts[es.DiskHigh] + counts[es.DiskFlood])),
		"over_flood": Number(float64(counts[es.DiskFlood])),
	}
	if worst != nil {
		obs.Outputs["node"] = Text(worst.Name)
		obs.Outputs["used_pct"] = Number(float64(int(pct(worst)*10)) / 10)
	}
	obs.Evidence = append(obs.Evidence, fmt.Sprintf("watermarks: low %s (no new shards), high %s (shards move away), flood stage %s (indices with a shard there become read-only)", w.Low, w.High, w.Flood))
	for _, warn := range v.Warnings {
		obs.Evidence = append(obs.Evidence, "partial answer: "+warn)
	}
	switch {
	case worst == nil:
		obs.Summary = "no data node reported its disk"
	case counts[es.DiskHigh]+counts[es.DiskFlood] > 0:
		obs.Summary = fmt.Sprintf("%d node(s) over the high watermark; fullest %s at %.1f%%", counts[es.DiskHigh]+counts[es.DiskFlood], worst.Name, pct(worst))
	default:
		obs.Summary = fmt.Sprintf("every data node is under the high watermark; fullest %s at %.1f%%", worst.Name, pct(worst))
	}
	return obs, nil
}

func probeReadOnly(ctx context.Context, env *Env, _ Args) (Observation, error) {
	c := env.ES
	var snap *es.Snapshot
	var view es.NodesView
	var snapErr, nodesErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer panicsafe.Recover(func(err error) { nodesErr = err })
		view, nodesErr = c.Nodes(ctx)
	}()
	snap, snapErr = c.Snapshot(ctx)
	<-done
	if snapErr != nil {
		return Observation{}, snapErr
	}
	var blocked []*es.Index
	for i := range snap.Indices {
		if snap.Indices[i].ReadOnlyAllowDelete {
			blocked = append(blocked, &snap.Indices[i])
		}
	}
	obs := Observation{Outputs: map[string]Value{"read_only": Number(float64(len(blocked)))}}
	if len(blocked) == 0 {
		obs.Summary = "no index has a read_only_allow_delete block"
		obs.Evidence = []string{obs.Summary}
		obs.Outputs["on_full_nodes"] = Number(0)
		return obs, nil
	}
	obs.Outputs["index"] = Text(blocked[0].Name)
	full := 0
	for _, ix := range blocked {
		var hot []string
		for _, sc := range snap.ShardsOf(ix.Name) {
			if n, ok := view.NodeByName(sc.Node); ok && n.Disk >= es.DiskHigh && !containsString(hot, n.Name) {
				hot = append(hot, n.Name)
			}
		}
		line := ix.Name + ": writes refused (index.blocks.read_only_allow_delete)"
		if len(hot) > 0 {
			full++
			line += "; shards on " + strings.Join(hot, ", ") + ", still over the high watermark: free disk there before clearing the block"
		} else if nodesErr == nil {
			line += "; every node holding it is under the high watermark: the block can be cleared"
		}
		obs.Evidence = append(obs.Evidence, line)
	}
	if nodesErr != nil {
		obs.Evidence = append(obs.Evidence, "node disks unreadable, so it is unknown whether they are still full: "+nodesErr.Error())
	}
	obs.Outputs["on_full_nodes"] = Number(float64(full))
	obs.Summary = fmt.Sprintf("%d index(es) read-only; %s first", len(blocked), blocked[0].Name)
	return obs, nil
}

func probeUnassigned(ctx context.Context, env *Env, _ Args) (Observation, error) {
	c := env.ES
	shards, err := c.Shards(ctx)
	if err != nil {
		return Observation{}, err
	}
	var un []es.ShardCopy
	primaries := 0
	for _, s := range shards {
		if s.Unassigned() {
			un = append(un, s)
			if s.Primary {
				primaries++
			}
		}
	}
	sort.SliceStable(un, func(i, j int) bool { return un[i].Primary && !un[j].Primary })
	obs := Observation{Outputs: map[string]Value{"unassigned": Number(float64(len(un))), "unassigned_primaries": Number(float64(primaries))}}
	if len(un) == 0 {
		obs.Summary = "every shard copy is assigned"
		obs.Evidence = []string{obs.Summary}
		return obs, nil
	}
	first := un[0]
	obs.Outputs["index"] = Text(first.Index)
	obs.Outputs["reason"] = Text(first.UnassignedReason)
	for i, s := range un {
		if i == 10 {
			obs.Evidence = append(obs.Evidence, fmt.Sprintf("... and %d more", len(un)-10))
			break
		}
		kind := "replica"
		if s.Primary {
			kind = "PRIMARY"
		}
		obs.Evidence = append(obs.Evidence, fmt.Sprintf("%s shard %d %s: UNASSIGNED (%s)", s.Index, s.Shard, kind, s.UnassignedReason))
	}
	ex, err := c.ExplainAllocation(ctx, es.ShardRef{Index: first.Index, Shard: first.Shard, Primary: first.Primary})
	if err != nil {
		obs.Evidence = append(obs.Evidence, "allocation explain failed: "+err.Error())
	} else {
		obs.Evidence = append(obs.Evidence, "explain: "+ex.Summary)
		if ex.Why != "" {
			obs.Evidence = append(obs.Evidence, "why: "+ex.Why)
		}
		for _, d := range ex.Details {
			obs.Evidence = append(obs.Evidence, "  "+d)
		}
		for _, adv := range ex.Advice {
			obs.Evidence = append(obs.Evidence, "to do: "+adv)
		}
		// No node can take another copy of this shard: the replica count
		// the cluster can hold is what is placed now, minus the primary.
		if !first.Primary && len(ex.CandidateNodes) == 0 && tooManyCopies(ex) {
			placed := 0
			for _, s := range shards {
				if s.Index == first.Index && s.Shard == first.Shard && !s.Unassigned() {
					placed++
				}
			}
			if placed > 0 {
				obs.Outputs["replicas_fit"] = Number(float64(placed - 1))
			}
		}
	}
	kind := "replica"
	if primaries > 0 {
		kind = "PRIMARY"
	}
	obs.Summary = fmt.Sprintf("%d unassigned shard copies (%d primaries); first: %s shard %d %s (%s)", len(un), primaries, first.Index, first.Shard, kind, first.UnassignedReason)
	return obs, nil
}

// tooManyCopies reports whether every node that refuses the copy does so
// because it holds a copy already or is excluded by a filter or awareness
// rule: then the index asks for more copies than its nodes can hold, and
// lowering replicas fits. Details read "decider on node, node: text".
func tooManyCopies(ex es.AllocationExplanation) bool {
	blocked, refusing := map[string]bool{}, map[string]bool{}
	sameShard := false
	for _, d := range ex.Details {
		decider, rest, ok := strings.Cut(d, " on ")
		if !ok {
			return false
		}
		nodes, _, _ := strings.Cut(rest, ": ")
		for _, n := range strings.Split(nodes, ", ") {
			refusing[n] = true
			switch decider {
			case "same_shard":
				sameShard = true
				blocked[n] = true
			case "filter", "awareness":
				blocked[n] = true
			}
		}
	}
	for n := range refusing {
		if !blocked[n] {
			return false
		}
	}
	return sameShard
}
