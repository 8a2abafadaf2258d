package esui

import (
	"context"
	"fmt"
	"sort"
	"strconv"

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

// shardsPane is :es-shards: every shard copy, largest first (the seed's
// _cat/shards query), with Enter explaining allocation in plain words.
type shardsPane struct {
	base
	shards []es.ShardCopy
}

func newShards(c *pane.Context) pane.Pane {
	p := &shardsPane{base: base{c: c}}
	p.list = listview.New(c, []table.Column{
		{Title: "INDEX", Min: 10, Max: 48}, {Title: "SHARD", Align: table.Right, Min: 5}, {Title: "P/R", Min: 3},
		{Title: "STATE", Min: 7}, {Title: "UNASSIGNED REASON", Min: 10, Drop: 2}, {Title: "NODE", Min: 6},
		{Title: "STORE", Align: table.Right, Min: 8}, {Title: "DOCS", Align: table.Right, Min: 5, Drop: 3},
	}, "no shards")
	return p
}

func (p *shardsPane) ID() string    { return "es-shards" }
func (p *shardsPane) Title() string { return "ES-Shards" }

type shardsMsg struct {
	shards []es.ShardCopy
	err    error
}
type explainMsg struct {
	ex  es.AllocationExplanation
	err error
}

func (p *shardsPane) Init() tea.Cmd {
	return p.load(true, func(ctx context.Context, c *es.Client) tea.Msg {
		s, err := c.Shards(ctx)
		return shardsMsg{shards: s, err: err}
	})
}

func (p *shardsPane) Update(msg tea.Msg) tea.Cmd {
	if cmd, ok := p.common(msg, p.Init); ok {
		return cmd
	}
	switch msg := msg.(type) {
	case shardsMsg:
		if p.loaded(msg.err) {
			// Unassigned copies first (they are the incident), then the
			// largest, as the seed's _cat/shards query sorts.
			p.shards = msg.shards
			sort.SliceStable(p.shards, func(i, j int) bool { return p.shards[i].Unassigned() && !p.shards[j].Unassigned() })
			p.render()
		}
	case explainMsg:
		if msg.err != nil {
			p.list.ShowDetail([]string{p.c.Styles.Tone(style.Crit, " !! allocation explain: "+pane.OneLine(msg.err.Error()))})
			return nil
		}
		p.list.ShowDetail(explainLines(p.c.Styles, msg.ex))
	case tea.KeyMsg:
		ks := msg.String()
		if p.list.Navigate(ks) {
			return nil
		}
		if p.c.Keys.Matches(ks, "enter") {
			return p.explain()
		}
	}
	return nil
}

// explain asks Elasticsearch why the selected copy is where it is (or
// nowhere).
func (p *shardsPane) explain() tea.Cmd {
	r, ok := p.list.Tbl.Selected()
	if !ok {
		return nil
	}
	var i int
	fmt.Sscan(r.Key, &i)
	s := p.shards[i]
	c, ctx := p.c.Backends.ES, p.c.Ctx
	p.list.ShowDetail([]string{p.c.Styles.Tone(style.Muted, " asking Elasticsearch why…")})
	ref := es.ShardRef{Index: s.Index, Shard: s.Shard, Primary: s.Primary}
	return func() tea.Msg {
		ex, err := c.ExplainAllocation(ctx, ref)
		return explainMsg{ex: ex, err: err}
	}
}

func explainLines(st *style.Styles, ex es.AllocationExplanation) []string {
	pr := "replica"
	if ex.Primary {
		pr = "primary"
	}
	out := []string{
		st.Tone(style.Accent, fmt.Sprintf(" %s shard %d (%s): %s", pane.OneLine(ex.Index), ex.Shard, pr, ex.State)),
		" " + pane.OneLine(ex.Summary),
	}
	if ex.Why != "" {
		out = append(out, " why: "+pane.OneLine(ex.Why))
	}
	if ex.FailedAttempts > 0 {
		out = append(out, fmt.Sprintf(" failed allocation attempts: %d", ex.FailedAttempts))
	}
	if len(ex.Details) > 0 {
		out = append(out, "", st.Tone(style.Accent, " What each node said"))
		for _, d := range ex.Details {
			out = append(out, "  - "+pane.OneLine(d))
		}
	}
	if len(ex.CandidateNodes) > 0 {
		out = append(out, "", " nodes that would accept it: "+pane.OneLine(fmt.Sprint(ex.CandidateNodes)))
	}
	if len(ex.Advice) > 0 {
		out = append(out, "", st.Tone(style.Accent, " What to do"))
		for _, a := range ex.Advice {
			out = append(out, "  → "+pane.OneLine(a))
		}
	}
	return out
}

func (p *shardsPane) render() {
	rows := make([]table.Row, 0, len(p.shards))
	for i, s := range p.shards {
		pr := "r"
		if s.Primary {
			pr = "p"
		}
		state := table.Text(s.State)
		switch s.State {
		case "UNASSIGNED":
			state = table.Toned("!! UNASSIGNED", style.Crit)
		case "INITIALIZING", "RELOCATING":
			state = table.Toned("~ "+s.State, style.Warn)
		}
		node := s.Node
		if s.RelocatingTo != "" {
			node += " -> " + s.RelocatingTo
		}
		store := sizeCell(s.Store)
		if s.Oversized {
			store.Text, store.Tone = "!! "+store.Text, style.Crit
		}
		rows = append(rows, table.Row{Key: strconv.Itoa(i), Cells: []table.Cell{
			table.Text(s.Index), table.Num(strconv.Itoa(s.Shard), float64(s.Shard)), table.Text(pr), state,
			table.Text(s.UnassignedReason), table.Text(node), store, countCell(s.Docs),
		}})
	}
	p.list.Tbl.SetRows(rows)
}

func (p *shardsPane) View(width, height int) string {
	c := p.c.Backends.ES
	if c == nil {
		return pane.UnavailableView(p.c, fleet.Elasticsearch, width, height)
	}
	st := p.c.Styles
	unassigned, oversized := 0, 0
	for _, s := range p.shards {
		if s.Unassigned() {
			unassigned++
		}
		if s.Oversized {
			oversized++
		}
	}
	summary := fmt.Sprintf(" %d shard copies", len(p.shards))
	if unassigned > 0 {
		summary += "  " + st.Tone(style.Crit, fmt.Sprintf("!! %d unassigned (listed first; enter explains)", unassigned))
	}
	if oversized > 0 {
		summary += "  " + st.Tone(style.Crit, fmt.Sprintf("!! %s over %s", plural(oversized, "primary", "primaries"), units.Bytes(float64(c.MaxShardSize()))))
	}
	return p.list.View(width, height, []string{clusterLine(st, p.cluster, p.clErr), summary}, nil)
}

func (p *shardsPane) Hints() []*keys.Binding { return p.c.Keys.Named("enter", "sort") }
