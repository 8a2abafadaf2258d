package esui

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/opsconsole/opsconsole/internal/es"
	"github.com/opsconsole/opsconsole/internal/fleet"
	"github.com/opsconsole/opsconsole/internal/ui/keys"
	"github.com/opsconsole/opsconsole/internal/ui/listview"
	"github.com/opsconsole/opsconsole/internal/ui/pane"
	"github.com/opsconsole/opsconsole/internal/ui/style"
	"github.com/opsconsole/opsconsole/internal/ui/table"
	"github.com/opsconsole/opsconsole/internal/units"
)

// indicesPane is :indices: every index with its lifecycle, ILM position and
// problems, and one-key fixes.
type indicesPane struct {
	base
	snap *es.Snapshot
	// templates feed the ilm-attach suggestion and policy names the
	// completion; they change rarely, so they are read on open and after
	// actions.
	templates []es.Template
}

func newIndices(c *pane.Context) pane.Pane {
	p := &indicesPane{base: base{c: c}}
	p.list = listview.New(c, []table.Column{
		{Title: "INDEX", Min: 10, Max: 48}, {Title: "HEALTH", Min: 6}, {Title: "STATUS", Min: 4, Drop: 4},
		{Title: "DOCS", Align: table.Right, Min: 5, Drop: 3}, {Title: "PRI SIZE", Align: table.Right, Min: 8},
		{Title: "TOTAL", Align: table.Right, Min: 8, Drop: 5}, {Title: "P/R", Align: table.Right, Min: 3, Drop: 6},
		{Title: "LIFECYCLE", Min: 9, Max: 28}, {Title: "ILM", Min: 6, Max: 40, Drop: 2},
		{Title: "WRITE ALIAS", Min: 6, Max: 28, Drop: 7}, {Title: "PROBLEMS", Min: 8},
	}, "no indices")
	return p
}

func (p *indicesPane) ID() string    { return "indices" }
func (p *indicesPane) Title() string { return "Indices" }

type snapshotMsg struct {
	snap *es.Snapshot
	err  error
}
type ilmRefsMsg struct {
	templates []es.Template
	policies  []string
}

// Init reads everything; ticks re-read only the snapshot and health.
func (p *indicesPane) Init() tea.Cmd {
	cmd := p.reload()
	if cmd == nil {
		return nil
	}
	return tea.Batch(cmd, p.loadRefs())
}

func (p *indicesPane) reload() tea.Cmd {
	return p.load(true, func(ctx context.Context, c *es.Client) tea.Msg {
		s, err := c.Snapshot(ctx)
		return snapshotMsg{snap: s, err: err}
	})
}

// loadRefs reads templates and policy names; failures only cost the
// suggestion, so they are not reported.
func (p *indicesPane) loadRefs() tea.Cmd {
	c, ctx := p.c.Backends.ES, p.c.Ctx
	return func() tea.Msg {
		ts, _ := c.Templates(ctx)
		ps, _ := c.Policies(ctx)
		names := make([]string, len(ps))
		for i, pol := range ps {
			names[i] = pol.Name
		}
		return ilmRefsMsg{templates: ts, policies: names}
	}
}

func (p *indicesPane) Update(msg tea.Msg) tea.Cmd {
	if a, ok := msg.(pane.ActionDoneMsg); ok && a.Action.Backend() == "elasticsearch" {
		return p.Init() // templates and policies may have changed too
	}
	if cmd, ok := p.common(msg, p.reload); ok {
		return cmd
	}
	switch msg := msg.(type) {
	case snapshotMsg:
		if p.loaded(msg.err) {
			p.snap = msg.snap
			p.render()
		}
	case ilmRefsMsg:
		p.templates = msg.templates
		p.c.Names.Set("policies", msg.policies)
	case tea.KeyMsg:
		return p.key(msg.String())
	}
	return nil
}

func (p *indicesPane) selected() (*es.Index, bool) {
	r, ok := p.list.Tbl.Selected()
	if !ok || p.snap == nil {
		return nil, false
	}
	return p.snap.Index(r.Key)
}

func (p *indicesPane) key(ks string) tea.Cmd {
	if p.list.Navigate(ks) {
		return nil
	}
	ix, ok := p.selected()
	if !ok {
		return nil
	}
	km, c := p.c.Keys, p.c.Backends.ES
	switch {
	case km.Matches(ks, "enter"):
		p.list.ShowDetail(p.detail(ix))
	case km.Matches(ks, "ilm-attach"):
		return pane.Prompt(p.attachSuggestion(ix))
	case km.Matches(ks, "ilm-retry"):
		if !ix.ILM.InError() {
			return pane.Toast(ix.Name+" is not in ILM ERROR ("+positionOr(ix.ILM, "unmanaged")+"); nothing to retry", false)
		}
		return pane.Action(es.NewILMRetryAction(c, ix.Name))
	case km.Matches(ks, "rollover"):
		target := firstNonEmpty(ix.RolloverWriteAlias, ix.WriteAlias, ix.DataStream)
		if target == "" {
			return pane.Toast(ix.Name+" is not the write index of an alias or data stream, so it cannot roll over; :ilm-bootstrap ALIAS starts a rollover series", true)
		}
		return pane.Action(es.NewRolloverAction(c, target))
	case km.Matches(ks, "replicas"):
		return pane.Prompt("replicas " + ix.Name + " " + strconv.Itoa(ix.Replicas))
	case km.Matches(ks, "clear-read-only"):
		if !ix.ReadOnlyAllowDelete {
			return pane.Toast(ix.Name+" has no read_only_allow_delete block", false)
		}
		return pane.Action(es.NewClearReadOnlyAction(c, ix.Name))
	}
	return nil
}

// attachSuggestion prefills :ilm-attach with the policy and rollover alias
// of the template that matches the index (the template the index missed by
// being created first), so the operator reviews rather than types.
func (p *indicesPane) attachSuggestion(ix *es.Index) string {
	line := "ilm-attach " + ix.Name + " "
	policy, alias := ix.ILM.Policy, ix.RolloverWriteAlias
	best := -1
	for i, t := range p.templates {
		if t.Policy != "" && t.Matches(ix.Name) && (best < 0 || t.Priority > p.templates[best].Priority) {
			best = i
		}
	}
	if best >= 0 {
		policy = firstNonEmpty(policy, p.templates[best].Policy)
		alias = firstNonEmpty(alias, p.templates[best].RolloverAlias)
	}
	if policy == "" {
		return line
	}
	line += policy
	// An index stopped in ERROR for want of a rollover alias needs one;
	// guess the series' "<name>-write" so the operator reviews, not types.
	if alias == "" && ix.ILM.InError() && ix.RolloverAlias == "" {
		alias = seriesName(ix.Name) + "-write"
	}
	if a, ok := p.snap.Alias(alias); ok && a.WriteIndex != "" && a.WriteIndex != ix.Name {
		// The alias writes to another index: this one is no longer
		// written, so it must not roll over (ILM would stop in ERROR).
		return line + " --indexing-complete"
	}
	if alias != "" {
		line += " --rollover-alias " + alias
		if ix.RolloverWriteAlias == "" {
			line += " --indexing-complete" // nothing writes through the alias to it
		}
	}
	return line
}

// seriesName drops a version or generation suffix: metricbeat-7.17.0 and
// logs-000004 give metricbeat and logs.
func seriesName(index string) string {
	for i := 1; i < len(index)-1; i++ {
		if index[i] == '-' && index[i+1] >= '0' && index[i+1] <= '9' {
			return index[:i]
		}
	}
	return index
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func positionOr(s es.ILMState, def string) string {
	if p := s.Position(); p != "" {
		return p
	}
	return def
}

// render lists indices worst first: ILM errors and blocks, then other
// problems, then the rest, hidden (dot) indices last; by name within each.
func (p *indicesPane) render() {
	rows := make([]table.Row, 0, len(p.snap.Indices))
	names := make([]string, 0, len(p.snap.Indices))
	order := make([]es.Index, len(p.snap.Indices))
	copy(order, p.snap.Indices)
	sort.SliceStable(order, func(i, j int) bool {
		a, b := severity(order[i]), severity(order[j])
		if a != b {
			return a > b
		}
		if order[i].Hidden != order[j].Hidden {
			return !order[i].Hidden
		}
		return order[i].Name < order[j].Name
	})
	for _, ix := range order {
		names = append(names, ix.Name)
		lifecycle := table.Text(ix.Lifecycle())
		if ix.Lifecycle() == "unmanaged" {
			lifecycle = table.Toned("unmanaged", style.Muted)
		}
		ilm := table.Text(positionOr(ix.ILM, "-"))
		if ix.ILM.InError() {
			ilm = table.Toned("!! "+ix.ILM.Position(), style.Crit)
		}
		rows = append(rows, table.Row{Key: ix.Name, Cells: []table.Cell{
			table.Text(ix.Name), healthCell(ix.Health), table.Text(ix.Status), countCell(ix.Docs),
			sizeCell(ix.PrimaryStoreSize), sizeCell(ix.StoreSize),
			table.Text(fmt.Sprintf("%d/%d", ix.Primaries, ix.Replicas)), lifecycle, ilm,
			table.Text(firstNonEmpty(ix.RolloverWriteAlias, ix.WriteAlias)), problemsCell(ix),
		}})
	}
	p.list.Tbl.SetRows(rows)
	p.c.Names.Set("indices", names)
	var aliases []string
	for _, a := range p.snap.Aliases {
		aliases = append(aliases, a.Name)
	}
	for _, d := range p.snap.DataStreams {
		aliases = append(aliases, d.Name)
	}
	sort.Strings(aliases)
	p.c.Names.Set("aliases", aliases)
}

// severity ranks an index for the default order.
func severity(ix es.Index) int {
	n := 0
	switch ix.Health { // unassigned copies: red loses data, yellow redundancy
	case "red":
		n += 20
	case "yellow":
		n += 5
	}
	for _, pr := range ix.Problems {
		switch pr.Kind {
		case es.ProblemILMError, es.ProblemReadOnly:
			n += 10
		default:
			n++
		}
	}
	return n
}

// problemsCell lists an index's problems, most severe first, and sorts
// indices by how many they have.
func problemsCell(ix es.Index) table.Cell {
	if len(ix.Problems) == 0 {
		return table.Num("", 0)
	}
	words := make([]string, 0, len(ix.Problems))
	tone := style.Warn
	for _, pr := range ix.Problems {
		words = append(words, pr.Kind.String())
		if pr.Kind == es.ProblemILMError || pr.Kind == es.ProblemReadOnly {
			tone = style.Crit
		}
	}
	return table.Cell{Text: style.Marker(tone) + " " + strings.Join(words, ", "), Num: float64(len(words)), Numeric: true, Tone: tone}
}

func (p *indicesPane) detail(ix *es.Index) []string {
	st := p.c.Styles
	line := func(k, v string) string { return fmt.Sprintf(" %-16s %s", k, pane.OneLine(v)) }
	out := []string{
		line("index", ix.Name),
		line("health/status", ix.Health+" / "+ix.Status),
		line("documents", optCount(ix.Docs)),
		line("size", "primaries "+optBytes(ix.PrimaryStoreSize)+", total "+optBytes(ix.StoreSize)+", largest primary "+optBytes(ix.LargestPrimary)),
		line("shards", plural(ix.Primaries, "primary", "primaries")+", "+plural(ix.Replicas, "replica", "replicas")+" each"),
		line("lifecycle", ix.Lifecycle()),
		line("ILM", positionOr(ix.ILM, "not managed")),
	}
	if ix.ILM.InError() {
		out = append(out, st.Tone(style.Crit, line("ILM error", ix.ILM.ErrorText())),
			line("", fmt.Sprintf("failed step %s; retries %d; auto-retryable %v", ix.ILM.FailedStep, ix.ILM.RetryCount, ix.ILM.AutoRetryable)))
	}
	if ix.RolloverAlias != "" {
		out = append(out, line("rollover alias", ix.RolloverAlias))
	}
	out = append(out, line("aliases", strings.Join(ix.Aliases, ", ")), line("write alias of", firstNonEmpty(ix.RolloverWriteAlias, ix.WriteAlias, "-")))
	if ix.DataStream != "" {
		out = append(out, line("data stream", ix.DataStream))
	}
	if len(ix.Blocks) > 0 {
		out = append(out, line("blocks", strings.Join(ix.Blocks, ", ")))
	}
	if ix.Health == "yellow" || ix.Health == "red" {
		out = append(out, "", st.Tone(healthTone(ix.Health), " ! "+ix.Health+": some shard copies are unassigned (see Shards below);"),
			"   :es-shards and Enter on the UNASSIGNED copy explains why; e changes the replica count")
	}
	if len(ix.Problems) > 0 {
		out = append(out, "", st.Tone(style.Accent, " Problems"))
		for _, pr := range ix.Problems {
			out = append(out, st.Tone(style.Warn, "  ! "+pr.Kind.String()+": ")+pane.OneLine(pr.Text))
		}
		out = append(out, "", st.Tone(style.Accent, " Fixes"))
		out = append(out, fixHints(ix)...)
	}
	shards := p.snap.ShardsOf(ix.Name)
	if len(shards) > 0 {
		out = append(out, "", st.Tone(style.Accent, " Shards"))
		for _, s := range shards {
			pr := "r"
			if s.Primary {
				pr = "p"
			}
			node := firstNonEmpty(s.Node, "(unassigned: "+s.UnassignedReason+")")
			out = append(out, pane.OneLine(fmt.Sprintf("  %d %s %-10s %-14s %s", s.Shard, pr, s.State, optBytes(s.Store), node)))
		}
	}
	return out
}

// fixHints names the key or command for each problem of an index.
func fixHints(ix *es.Index) []string {
	name := pane.OneLine(ix.Name)
	var out []string
	for _, pr := range ix.Problems {
		switch pr.Kind {
		case es.ProblemNoLifecycle:
			out = append(out, "  a    attach a policy (:ilm-attach "+name+" POLICY --rollover-alias ALIAS), or start a managed series with :ilm-bootstrap ALIAS")
		case es.ProblemILMError:
			out = append(out, "  y    retry the failed step once the cause is fixed (:ilm-retry "+name+")")
		case es.ProblemReadOnly:
			out = append(out, "  u    clear the block once disk is under the high watermark (:clear-read-only "+name+")")
		case es.ProblemOversizedShard:
			out = append(out, "  o    roll over the write alias so new data goes to a new index; give the series a max_primary_shard_size")
		}
	}
	return out
}

func optBytes(v es.Opt[int64]) string {
	if !v.OK {
		return "-"
	}
	return units.Bytes(float64(v.V))
}

func optCount(v es.Opt[int64]) string {
	if !v.OK {
		return "-"
	}
	return strconv.FormatInt(v.V, 10)
}

func (p *indicesPane) View(width, height int) string {
	if p.c.Backends.ES == nil {
		return pane.UnavailableView(p.c, fleet.Elasticsearch, width, height)
	}
	st := p.c.Styles
	header := []string{clusterLine(st, p.cluster, p.clErr), p.problemSummary()}
	var footer []string
	if p.snap != nil {
		for _, w := range p.snap.Warnings {
			footer = append(footer, st.Tone(style.Warn, " ! "+pane.OneLine(w)))
		}
	}
	if ix, ok := p.selected(); ok && p.list.Detail == nil && len(ix.Problems) > 0 {
		footer = append(footer, " "+st.Tone(style.Warn, pane.OneLine(ix.Problems[0].Text)))
	}
	return p.list.View(width, height, header, footer)
}

// problemSummary counts each problem across the cluster.
func (p *indicesPane) problemSummary() string {
	st := p.c.Styles
	if p.snap == nil {
		return ""
	}
	counts := map[es.ProblemKind]int{}
	for _, ix := range p.snap.Indices {
		for _, pr := range ix.Problems {
			counts[pr.Kind]++
		}
	}
	if len(counts) == 0 {
		return " " + st.Tone(style.OK, "no index problems found")
	}
	var parts []string
	for _, k := range []es.ProblemKind{es.ProblemILMError, es.ProblemReadOnly, es.ProblemNoLifecycle, es.ProblemOversizedShard} {
		if n := counts[k]; n > 0 {
			tone := style.Warn
			if k == es.ProblemILMError || k == es.ProblemReadOnly {
				tone = style.Crit
			}
			parts = append(parts, st.Tone(tone, fmt.Sprintf("%s %d %s", style.Marker(tone), n, k)))
		}
	}
	return " " + strings.Join(parts, "  ") + st.Tone(style.Muted, "   (/ filters, s sorts; PROBLEMS sorts the worst first)")
}

func (p *indicesPane) Hints() []*keys.Binding {
	return p.c.Keys.Named("enter", "ilm-attach", "ilm-retry", "rollover", "replicas", "clear-read-only")
}
func (p *indicesPane) CopyValue() (string, bool) {
	r, ok := p.list.Tbl.Selected()
	return r.Key, ok
}
