package kinesisui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/opsconsole/opsconsole/internal/aws"
	"github.com/opsconsole/opsconsole/internal/aws/analysis"
	"github.com/opsconsole/opsconsole/internal/fleet"
	"github.com/opsconsole/opsconsole/internal/ui/keys"
	"github.com/opsconsole/opsconsole/internal/ui/listview"
	"github.com/opsconsole/opsconsole/internal/ui/pane"
	"github.com/opsconsole/opsconsole/internal/ui/style"
	"github.com/opsconsole/opsconsole/internal/ui/table"
	"github.com/opsconsole/opsconsole/internal/units"
)

// shardsPane is :shards STREAM: every shard, children under parents, with
// keyspace share, sequence range, per-shard metrics and heat.
type shardsPane struct {
	c       *pane.Context
	list    *listview.List
	stream  string
	summary aws.StreamSummary
	view    shardView
	// Derived once per load, not per frame: a stream can have 10,000
	// shards.
	byID     map[string]int
	open     int
	bar      string
	barWidth int
}

func newShards(c *pane.Context) pane.Pane {
	p := &shardsPane{c: c}
	p.list = listview.New(c, []table.Column{
		{Title: "SHARD", Min: 10}, {Title: "STATE", Min: 6}, {Title: "PARENTS", Min: 7, Max: 24, Drop: 3},
		{Title: "KEYS", Align: table.Right, Min: 5}, {Title: "IN", Align: table.Right, Min: 8},
		{Title: "REC/S", Align: table.Right, Min: 5, Drop: 4}, {Title: "OUT", Align: table.Right, Min: 8, Drop: 5},
		{Title: "AGE", Align: table.Right, Min: 4}, {Title: "HEAT", Min: 7}, {Title: "SEQUENCE RANGE", Min: 14, Max: 40, Drop: 6},
	}, "this stream has no shards")
	return p
}

func (p *shardsPane) ID() string    { return "shards" }
func (p *shardsPane) Title() string { return "Shards" }

// SetArgs takes the stream (":shards app-logs").
func (p *shardsPane) SetArgs(args []string, _ map[string]string) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: :shards STREAM")
	}
	if args[0] != p.stream {
		p.stream = args[0]
		p.view = shardView{}
		p.list = listview.New(p.c, p.list.Tbl.Columns(), "this stream has no shards")
	}
	return nil
}

type shardsLoadedMsg struct {
	stream  string
	summary aws.StreamSummary
	view    shardView
	err     error
}

// SelectedStream is the Names kind holding the stream selected in
// :streams.
const SelectedStream = "selected-stream"

func (p *shardsPane) Init() tea.Cmd {
	b := p.c.Backends.Kinesis
	if p.stream == "" { // reached by Tab: show the stream selected in :streams
		if sel := p.c.Names.Get(SelectedStream); len(sel) == 1 {
			p.stream = sel[0]
		}
	}
	if b == nil || p.stream == "" {
		return nil
	}
	if !p.list.Begin() {
		return nil
	}
	ctx, stream, now := p.c.Ctx, p.stream, p.c.Now()
	return func() tea.Msg {
		s, err := b.DescribeStream(ctx, stream)
		if err != nil {
			return shardsLoadedMsg{stream: stream, err: err}
		}
		v, err := loadShardView(ctx, b, stream, s.EnhancedMonitoring(), now)
		return shardsLoadedMsg{stream: stream, summary: s, view: v, err: err}
	}
}

func (p *shardsPane) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case shardsLoadedMsg:
		if msg.stream != p.stream {
			return nil
		}
		p.list.Done(msg.err)
		if msg.err == nil {
			p.summary, p.view = msg.summary, msg.view
			p.byID = make(map[string]int, len(msg.view.shards))
			for i, sh := range msg.view.shards {
				p.byID[sh.ID] = i
			}
			p.open = len(msg.view.keymap.Segments)
			p.barWidth = -1
			p.render()
		}
	case pane.TickMsg:
		// Shard-level metrics are billed per shard and change once a
		// minute; actions reload at once through ActionDoneMsg.
		if p.stream == "" || p.list.Due() && p.list.Age() >= metricsEvery {
			return p.Init()
		}
	case pane.ActionDoneMsg:
		if msg.Action.Backend() == "kinesis" && msg.Action.Resource() == p.stream {
			return p.Init()
		}
	case tea.KeyMsg:
		return p.key(msg)
	}
	return nil
}

func (p *shardsPane) key(k tea.KeyMsg) tea.Cmd {
	ks := k.String()
	if p.list.Navigate(ks) {
		return nil
	}
	km, b := p.c.Keys, p.c.Backends.Kinesis
	switch {
	case km.Matches(ks, "reshard"):
		return pane.Prompt("reshard " + p.stream + " " + strconv.Itoa(max(1, p.summary.OpenShards*2)))
	case km.Matches(ks, "retention"):
		return pane.Prompt("retention " + p.stream + " " + strconv.Itoa(min(8760, max(48, p.summary.RetentionHours*2))))
	}
	r, ok := p.list.Tbl.Selected()
	if !ok {
		return nil
	}
	sh := p.shard(r.Key)
	switch {
	case km.Matches(ks, "enter"):
		open := pane.OpenMsg{ID: "records", Args: []string{p.stream}, Flags: map[string]string{"shard": sh.ID}}
		return func() tea.Msg { return open }
	case km.Matches(ks, "split"):
		return pane.Action(b.Split(p.stream, sh.ID, ""))
	case km.Matches(ks, "merge"):
		next, ok := p.adjacentOpen(sh)
		if !ok {
			return pane.Toast(shortShard(sh.ID)+" has no open neighbour above it in the keyspace to merge with", true)
		}
		return pane.Action(b.Merge(p.stream, sh.ID, next.ID))
	}
	return nil
}

// shard finds a loaded shard by ID.
func (p *shardsPane) shard(id string) aws.Shard {
	if i, ok := p.byID[id]; ok {
		return p.view.shards[i]
	}
	return aws.Shard{}
}

// keyspace is the bar for width cells, drawn once per load and width.
func (p *shardsPane) keyspace(width int) string {
	if width != p.barWidth {
		p.bar, p.barWidth = keyspaceBar(p.c.Styles, p.view.keymap, width), width
	}
	return p.bar
}

// adjacentOpen is the open shard whose range starts right after s's.
func (p *shardsPane) adjacentOpen(s aws.Shard) (aws.Shard, bool) {
	if !s.Open() {
		return aws.Shard{}, false
	}
	for _, o := range analysis.OpenShards(p.view.shards) {
		if analysis.Adjacent(s.Range, o.Range) && o.Range.Start.Cmp(s.Range.Start) > 0 {
			return o, true
		}
	}
	return aws.Shard{}, false
}

func (p *shardsPane) render() {
	lineage := analysis.Lineage(p.view.shards)
	rows := make([]table.Row, 0, len(lineage))
	names := make([]string, 0, len(lineage))
	for _, lr := range lineage {
		s := lr.Shard
		names = append(names, s.ID)
		label := s.ID
		if lr.Depth > 0 {
			label = strings.Repeat("  ", lr.Depth-1) + "└ " + s.ID
		}
		state := table.Toned("open", style.OK)
		if !s.Open() {
			state = table.Toned("closed", style.Muted)
		}
		parents := make([]string, 0, 2)
		for _, id := range s.Parents() {
			parents = append(parents, shortShard(id))
		}
		share := s.Range.Share()
		cells := []table.Cell{table.Text(label), state, table.Text(strings.Join(parents, "+")),
			table.Num(units.Percent(share*100), share)}
		cells = append(cells, p.metricCells(s)...)
		cells = append(cells, table.Text(seqRange(s)))
		rows = append(rows, table.Row{Key: s.ID, Cells: cells})
	}
	p.list.Tbl.SetRows(rows)
	p.c.Names.Set("shards:"+p.stream, names)
}

// metricCells: IN, REC/S, OUT, AGE, HEAT for an open shard with metrics.
func (p *shardsPane) metricCells(s aws.Shard) []table.Cell {
	muted := func(t string) table.Cell { return table.Toned(t, style.Muted) }
	if !s.Open() {
		return []table.Cell{muted("-"), muted("-"), muted("-"), muted("-"), muted("closed")}
	}
	m, ok := p.view.metrics[s.ID]
	h := p.view.heat[s.ID]
	heat := table.Cell{Text: h.Level.String(), Num: float64(h.Level), Numeric: true, Tone: heatTone(h.Level)}
	if h.Level == analysis.HeatHot {
		heat.Text = "!! hot"
	} else if h.Level == analysis.HeatWarm {
		heat.Text = "! warm"
	}
	if !ok {
		return []table.Cell{muted("-"), muted("-"), muted("-"), muted("-"), heat}
	}
	r := m.Rates(heatWindow)
	age, known := m.IteratorAgeMS.Last()
	ageCell := muted("-")
	if known {
		ageCell = table.Num(units.Duration(time.Duration(age)*time.Millisecond), age)
	}
	return []table.Cell{table.Num(units.ByteRate(r.IncomingBytes), r.IncomingBytes),
		table.Num(units.Count(r.IncomingRecords), r.IncomingRecords),
		table.Num(units.ByteRate(r.OutgoingBytes), r.OutgoingBytes), ageCell, heat}
}

// seqRange abbreviates the 56-digit sequence numbers to their ends.
func seqRange(s aws.Shard) string {
	short := func(n string) string {
		if len(n) > 12 {
			return n[:4] + "…" + n[len(n)-6:]
		}
		return n
	}
	if s.Open() {
		return short(s.StartingSequence) + " – open"
	}
	return short(s.StartingSequence) + " – " + short(s.EndingSequence)
}

func (p *shardsPane) View(width, height int) string {
	if p.c.Backends.Kinesis == nil {
		return pane.UnavailableView(p.c, fleet.Kinesis, width, height)
	}
	st := p.c.Styles
	if p.stream == "" {
		names := p.c.Names.Get("streams")
		hint := "pick a stream in :streams and press enter, or type :shards STREAM"
		if len(names) > 0 {
			hint = "type :shards " + names[0] + " (Tab completes stream names), or press enter on a stream in :streams"
		}
		return pane.StatusView(st, width, height, style.Muted, "no stream chosen", hint)
	}
	header := fmt.Sprintf(" %s  %s  %d open / %d shards  %s", pane.OneLine(p.stream), p.summary.Status, p.open, len(p.view.shards),
		p.keyspace(min(60, width/2)))
	var footer []string
	if r, ok := p.list.Tbl.Selected(); ok && p.list.Detail == nil {
		sh := p.shard(r.Key)
		line := " hash keys " + sh.Range.Start.String() + " – " + sh.Range.End.String()
		footer = append(footer, st.Tone(style.Muted, line))
		if h, ok := p.view.heat[sh.ID]; ok && h.Reason != "" {
			footer = append(footer, " "+st.Tone(heatTone(h.Level), pane.OneLine(h.Reason)))
		} else {
			text, tone := hottestLine(p.view)
			footer = append(footer, " "+st.Tone(tone, pane.OneLine(text)))
		}
		if p.view.metricsErr != nil {
			footer[1] += "  " + st.Tone(style.Crit, "!! shard metrics: "+pane.OneLine(p.view.metricsErr.Error()))
		}
	}
	return p.list.View(width, height, []string{header}, footer)
}

func (p *shardsPane) Hints() []*keys.Binding {
	return p.c.Keys.Named("enter", "split", "merge", "reshard", "retention")
}

func (p *shardsPane) SetFilter(f string) { p.list.SetFilter(f) }
func (p *shardsPane) Filter() string     { return p.list.Filter() }
func (p *shardsPane) Back() bool         { return p.list.Back() }

// CopyValue copies the selected shard's ID.
func (p *shardsPane) CopyValue() (string, bool) {
	r, ok := p.list.Tbl.Selected()
	return r.Key, ok
}
