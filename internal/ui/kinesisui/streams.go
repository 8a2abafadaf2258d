package kinesisui

import (
	"fmt"
	"strconv"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/opsconsole/opsconsole/internal/aws"
	"github.com/opsconsole/opsconsole/internal/aws/analysis"
	"github.com/opsconsole/opsconsole/internal/fleet"
	"github.com/opsconsole/opsconsole/internal/panicsafe"
	"github.com/opsconsole/opsconsole/internal/ui/keys"
	"github.com/opsconsole/opsconsole/internal/ui/listview"
	"github.com/opsconsole/opsconsole/internal/ui/pane"
	"github.com/opsconsole/opsconsole/internal/ui/style"
	"github.com/opsconsole/opsconsole/internal/ui/table"
	"github.com/opsconsole/opsconsole/internal/units"
)

// Refresh policy. CloudWatch datapoints are one minute apart and every
// metric requested is billed, so metrics are read once a minute and only
// for the first maxMetricStreams streams in the current (filtered, sorted)
// view; summaries are re-read once a minute, or every tick while a stream
// is changing.
const (
	metricsEvery     = time.Minute
	summariesEvery   = time.Minute
	maxMetricStreams = 100
)

// streamsPane is :streams.
type streamsPane struct {
	c    *pane.Context
	list *listview.List

	listings         []aws.StreamListing
	summaries        map[string]aws.StreamSummary
	sumErrs          map[string]error
	summaryCh        chan []aws.SummaryResult
	loadingSummaries bool
	summariesAt      time.Time
	busy             pane.Busy

	metrics        map[string]aws.StreamMetrics
	metricsErr     error
	metricsAt      time.Time
	loadingMetrics bool

	// The selected stream's shards, for the keyspace line and split-hot.
	detail        shardView
	detailErr     error
	loadingDetail bool
}

func newStreams(c *pane.Context) pane.Pane {
	p := &streamsPane{c: c, summaries: map[string]aws.StreamSummary{}, sumErrs: map[string]error{}, metrics: map[string]aws.StreamMetrics{},
		busy: pane.Busy{Key: "kinesis-summaries"}}
	p.list = listview.New(c, []table.Column{
		{Title: "STREAM", Min: 8, Max: 40}, {Title: "STATUS", Min: 6}, {Title: "MODE", Min: 4, Drop: 3},
		{Title: "SHARDS", Align: table.Right, Min: 4}, {Title: "IN", Align: table.Right, Min: 8},
		{Title: "REC/S", Align: table.Right, Min: 5, Drop: 4}, {Title: "THROTTLE", Align: table.Right, Min: 6},
		{Title: "ITER AGE", Align: table.Right, Min: 6}, {Title: "RETENTION", Min: 9, Drop: 1},
		{Title: "ENC", Min: 3, Drop: 6}, {Title: "MON", Min: 3, Drop: 5}, {Title: "IN 1H", Min: 5, Drop: 7},
	}, "no Kinesis streams in this account and region")
	return p
}

func (p *streamsPane) ID() string    { return "streams" }
func (p *streamsPane) Title() string { return "Streams" }

type streamsListedMsg struct {
	listings []aws.StreamListing
	err      error
}
type summariesMsg struct {
	results []aws.SummaryResult
	done    bool
}
type streamMetricsMsg struct {
	metrics map[string]aws.StreamMetrics
	err     error
}
type streamDetailMsg struct {
	view shardView
	err  error
}

func (p *streamsPane) backend() *aws.Backend { return p.c.Backends.Kinesis }

// Init (and r) reloads everything now.
func (p *streamsPane) Init() tea.Cmd {
	if p.backend() == nil || !p.list.Begin() {
		return nil
	}
	p.summariesAt, p.metricsAt = time.Time{}, time.Time{}
	return p.listStreams()
}

func (p *streamsPane) listStreams() tea.Cmd {
	b, ctx := p.backend(), p.c.Ctx
	return func() tea.Msg {
		l, err := b.ListStreams(ctx)
		return streamsListedMsg{listings: l, err: err}
	}
}

// loadSummaries describes every stream progressively: each finished
// summary arrives through a channel read by a re-arming command, in
// batches, so 1,000 streams fill in without stalling the UI.
func (p *streamsPane) loadSummaries(names []string) tea.Cmd {
	if p.loadingSummaries || len(names) == 0 {
		return nil
	}
	p.loadingSummaries = true
	p.summariesAt = p.c.Now()
	ch := make(chan []aws.SummaryResult, 16)
	p.summaryCh = ch
	b, ctx := p.backend(), p.c.Ctx
	go func() {
		defer close(ch)
		defer panicsafe.Recover(func(err error) { ch <- []aws.SummaryResult{{Err: err}} })
		_ = b.LoadSummaries(ctx, names, func(r aws.SummaryResult) {
			select {
			case ch <- []aws.SummaryResult{r}:
			case <-ctx.Done():
			}
		})
	}()
	return tea.Batch(waitSummaries(ch), p.busy.Progress(fmt.Sprintf("describing %d streams", len(names)), 0, len(names)))
}

// waitSummaries takes everything waiting on the channel (at least one
// result) as one message; the pane re-arms it until the channel closes.
func waitSummaries(ch chan []aws.SummaryResult) tea.Cmd {
	return func() tea.Msg {
		first, ok := <-ch
		if !ok {
			return summariesMsg{done: true}
		}
		batch := append([]aws.SummaryResult(nil), first...)
		for {
			select {
			case more, ok := <-ch:
				if !ok {
					return summariesMsg{results: batch, done: true}
				}
				batch = append(batch, more...)
			default:
				return summariesMsg{results: batch}
			}
		}
	}
}

func (p *streamsPane) loadMetrics() tea.Cmd {
	if p.loadingMetrics {
		return nil
	}
	names := p.metricNames()
	if len(names) == 0 {
		return nil
	}
	p.loadingMetrics = true
	p.metricsAt = p.c.Now()
	b, ctx, now := p.backend(), p.c.Ctx, p.c.Now()
	return func() tea.Msg {
		m, err := b.StreamMetrics(ctx, names, aws.LastHour(now))
		return streamMetricsMsg{metrics: m, err: err}
	}
}

// metricNames are the streams whose metrics are read: the selected one and
// the first maxMetricStreams of the current view.
func (p *streamsPane) metricNames() []string {
	seen := map[string]bool{}
	var names []string
	if r, ok := p.list.Tbl.Selected(); ok {
		names, seen[r.Key] = append(names, r.Key), true
	}
	for _, l := range p.listings {
		if len(names) >= maxMetricStreams {
			break
		}
		if !seen[l.Name] {
			names, seen[l.Name] = append(names, l.Name), true
		}
	}
	return names
}

func (p *streamsPane) loadDetail() tea.Cmd {
	r, ok := p.list.Tbl.Selected()
	if !ok || p.loadingDetail {
		return nil
	}
	s, described := p.summaries[r.Key]
	if !described {
		return nil
	}
	p.loadingDetail = true
	b, ctx, now := p.backend(), p.c.Ctx, p.c.Now()
	return func() tea.Msg {
		v, err := loadShardView(ctx, b, s.Name, s.EnhancedMonitoring(), now)
		return streamDetailMsg{view: v, err: err}
	}
}

func (p *streamsPane) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case streamsListedMsg:
		p.list.Done(msg.err)
		if msg.err != nil {
			return nil
		}
		p.listings = msg.listings
		names := make([]string, len(msg.listings))
		for i, l := range msg.listings {
			names[i] = l.Name
		}
		p.c.Names.Set("streams", names)
		p.render()
		return tea.Batch(p.loadSummaries(p.summaryTargets()), p.loadMetrics())
	case summariesMsg:
		for _, r := range msg.results {
			if r.Name == "" { // the loader itself failed
				p.list.Done(r.Err)
				continue
			}
			if r.Err != nil {
				p.sumErrs[r.Name] = r.Err
				continue
			}
			delete(p.sumErrs, r.Name)
			p.summaries[r.Name] = r.Summary
		}
		p.render()
		if msg.done {
			p.loadingSummaries = false
			return tea.Batch(p.busy.Stop(), p.loadDetail())
		}
		return tea.Batch(waitSummaries(p.summaryCh), p.busy.Progress("describing streams", len(p.summaries), len(p.listings)))
	case streamMetricsMsg:
		p.loadingMetrics = false
		p.metricsErr = msg.err
		for k, v := range msg.metrics {
			p.metrics[k] = v
		}
		p.render()
	case streamDetailMsg:
		p.loadingDetail = false
		p.detail, p.detailErr = msg.view, msg.err
	case pane.TickMsg:
		return p.tick()
	case pane.ActionDoneMsg:
		if msg.Action.Backend() == "kinesis" {
			return p.Init()
		}
	case tea.KeyMsg:
		return p.key(msg)
	}
	return nil
}

// tick refreshes what is due: the listing (cheap) every tick, summaries and
// metrics on their own clocks.
func (p *streamsPane) tick() tea.Cmd {
	if p.backend() == nil {
		return nil
	}
	var cmds []tea.Cmd
	if p.list.Due() && p.list.Begin() {
		cmds = append(cmds, p.listStreams())
	}
	now := p.c.Now()
	if now.Sub(p.metricsAt) >= metricsEvery {
		// The selected stream's shard metrics are billed per shard: they
		// follow the same once-a-minute clock (and selection changes).
		cmds = append(cmds, p.loadMetrics(), p.loadDetail())
	}
	return tea.Batch(cmds...)
}

// summaryTargets are the streams to describe now: all of them when due,
// else only those changing state.
func (p *streamsPane) summaryTargets() []string {
	due := p.c.Now().Sub(p.summariesAt) >= summariesEvery
	var names []string
	for _, l := range p.listings {
		s, known := p.summaries[l.Name]
		if due || !known || s.Status != aws.StatusActive || l.Status != aws.StatusActive && l.Status != "" {
			names = append(names, l.Name)
		}
	}
	return names
}

func (p *streamsPane) key(k tea.KeyMsg) tea.Cmd {
	ks := k.String()
	before, _ := p.list.Tbl.Selected()
	if p.list.Navigate(ks) {
		if after, _ := p.list.Tbl.Selected(); after.Key != before.Key {
			p.detail = shardView{}
			p.shareSelection()
			return p.loadDetail()
		}
		return nil
	}
	r, ok := p.list.Tbl.Selected()
	if !ok {
		return nil
	}
	name := r.Key
	km := p.c.Keys
	s, described := p.summaries[name]
	switch {
	case km.Matches(ks, "enter"):
		return pane.Open("shards", name)
	case km.Matches(ks, "records"):
		return pane.Open("records", name)
	case km.Matches(ks, "reshard"):
		return pane.Prompt("reshard " + name + " " + strconv.Itoa(p.reshardSuggestion(name)))
	case km.Matches(ks, "retention"):
		h := 48
		if described && s.RetentionHours >= 48 {
			h = s.RetentionHours * 2
		}
		return pane.Prompt("retention " + name + " " + strconv.Itoa(min(h, 8760)))
	case km.Matches(ks, "shard-metrics"):
		if !described {
			return pane.Toast("still describing "+name+"; try again in a moment", false)
		}
		return pane.Action(p.backend().SetShardMetrics(name, !s.EnhancedMonitoring()))
	case km.Matches(ks, "split-hot"):
		if p.detail.stream != name {
			return pane.Toast("shards of "+name+" are still loading", false)
		}
		id, h, ok := analysis.HottestShard(p.detail.heat)
		if !ok {
			return pane.Toast("no shard-level metrics for "+name+", so no hot shard is known: m turns them on, or pick a shard in :shards "+name, true)
		}
		if h.Level < analysis.HeatWarm {
			return pane.Toast("no shard of "+name+" is hot ("+shortShard(id)+" is "+h.Level.String()+"); split one from :shards "+name, false)
		}
		return pane.Action(p.backend().Split(name, id, ""))
	}
	return nil
}

// reshardSuggestion is the shard count R proposes: sized from the peak,
// but never fewer shards while writes are throttled or consumers lag
// (throttled writes are missing from the peak, so it understates demand).
func (p *streamsPane) reshardSuggestion(name string) int {
	s, described := p.summaries[name]
	m, measured := p.metrics[name]
	if !described {
		return 2
	}
	if !measured {
		return s.OpenShards * 2
	}
	n := analysis.SuggestShardCount(s.OpenShards, m.Peak(), analysis.DefaultHeadroom).Target
	throttled, _ := m.WriteThrottled.Last()
	if throttled > 0 || m.IteratorAge() > time.Minute {
		_, hi := analysis.ReshardBounds(s.OpenShards)
		n = max(n, hi)
	}
	return n
}

// render rebuilds the rows from listings, summaries and metrics.
func (p *streamsPane) render() {
	rows := make([]table.Row, 0, len(p.listings))
	for _, l := range p.listings {
		rows = append(rows, p.row(l))
	}
	p.list.Tbl.SetRows(rows)
	p.shareSelection()
}

// shareSelection tells the shards and records panes which stream the
// operator is looking at, so Tab onto them shows that stream.
func (p *streamsPane) shareSelection() {
	if r, ok := p.list.Tbl.Selected(); ok {
		p.c.Names.Set(SelectedStream, []string{r.Key})
	}
}

func (p *streamsPane) row(l aws.StreamListing) table.Row {
	s, described := p.summaries[l.Name]
	status := l.Status
	if described {
		status = s.Status
	}
	cells := []table.Cell{table.Text(l.Name), statusCell(status, p.sumErrs[l.Name])}
	if !described {
		mode := modeShort(l.Mode)
		cells = append(cells, table.Text(mode))
		for len(cells) < 12 {
			cells = append(cells, table.Toned("…", style.Muted))
		}
		return table.Row{Key: l.Name, Cells: cells}
	}
	cells = append(cells, table.Text(modeShort(s.Mode)), table.Num(strconv.Itoa(s.OpenShards), float64(s.OpenShards)))
	m, hasMetrics := p.metrics[l.Name]
	if !hasMetrics {
		cells = append(cells, table.Toned("…", style.Muted), table.Toned("…", style.Muted), table.Toned("…", style.Muted),
			table.Toned("…", style.Muted))
	} else {
		in, _ := m.IncomingBytesPerSec.Last()
		rec, _ := m.IncomingRecordsPerSec.Last()
		thr, _ := m.WriteThrottled.Last()
		rthr, _ := m.ReadThrottled.Last()
		cells = append(cells, table.Num(units.ByteRate(in), in), table.Num(units.Count(rec), rec), throttleCell(thr, rthr))
		cells = append(cells, ageCell(s, m))
	}
	cells = append(cells, retentionCell(s, m, hasMetrics))
	enc := "none"
	if s.Encryption == "KMS" {
		enc = "KMS"
	}
	mon := "off"
	if s.EnhancedMonitoring() {
		mon = "on"
	}
	spark := ""
	if hasMetrics {
		spark = units.Sparkline(m.IncomingBytesPerSec.Values, 8)
	}
	cells = append(cells, table.Text(enc), table.Text(mon), table.Toned(spark, style.Accent))
	return table.Row{Key: l.Name, Cells: cells}
}

func modeShort(m string) string {
	switch m {
	case aws.ModeProvisioned:
		return "prov"
	case aws.ModeOnDemand:
		return "on-demand"
	}
	return "?"
}

func statusCell(status string, err error) table.Cell {
	if err != nil {
		return table.Toned("!! "+errWord(err), style.Crit)
	}
	switch status {
	case aws.StatusActive:
		return table.Toned(status, style.OK)
	case aws.StatusUpdating, aws.StatusCreating:
		return table.Toned("~ "+status, style.Warn)
	case aws.StatusDeleting:
		return table.Toned("!! "+status, style.Crit)
	case "":
		return table.Toned("…", style.Muted)
	}
	return table.Text(status)
}

// errWord is a one-word reason for a cell; the full error is in the status
// line when the row is selected.
func errWord(err error) string {
	switch aws.KindOf(err) {
	case aws.KindAccessDenied:
		return "denied"
	case aws.KindNotFound:
		return "gone"
	case aws.KindThrottled:
		return "throttled"
	}
	return "error"
}

// throttleCell shows write throttles per minute, and read throttles when
// any.
func throttleCell(w, r float64) table.Cell {
	text := fmt.Sprintf("%.0f/m", w)
	if r > 0 {
		text += fmt.Sprintf(" r%.0f", r)
	}
	if w > 0 || r > 0 {
		return table.Cell{Text: "! " + text, Num: w + r, Numeric: true, Tone: style.Warn}
	}
	return table.Num(text, 0)
}

// ageCell is the consumers' maximum iterator age, marked by how far behind
// they are: over a minute is worth a look, over ten minutes is an incident,
// and the lag verdict (share of retention) can only raise it.
func ageCell(s aws.StreamSummary, m aws.StreamMetrics) table.Cell {
	age, known := m.IteratorAgeMS.Last()
	if !known {
		return table.Toned("-", style.Muted)
	}
	d := time.Duration(age) * time.Millisecond
	tone := style.Normal
	switch lag := aws.Lag(s, m); {
	case lag.Level == analysis.LagAlarm || d > 10*time.Minute:
		tone = style.Crit
	case lag.Level == analysis.LagWarning || d > time.Minute:
		tone = style.Warn
	}
	text := units.Duration(d)
	if mk := style.Marker(tone); mk != "" && tone != style.OK {
		text = mk + " " + text
	}
	return table.Cell{Text: text, Num: age, Numeric: true, Tone: tone}
}

func retentionCell(s aws.StreamSummary, m aws.StreamMetrics, hasMetrics bool) table.Cell {
	text := strconv.Itoa(s.RetentionHours) + "h"
	tone := style.Normal
	if hasMetrics {
		lag := aws.Lag(s, m)
		if lag.RetentionUsed > 0 {
			text += fmt.Sprintf(" %s used", units.Percent(lag.RetentionUsed*100))
		}
		switch lag.Level {
		case analysis.LagAlarm:
			tone, text = style.Crit, "!! "+text
		case analysis.LagWarning:
			tone, text = style.Warn, "! "+text
		}
	}
	return table.Cell{Text: text, Num: float64(s.RetentionHours), Numeric: true, Tone: tone}
}

// View: the table, then the selected stream's throughput, keyspace map and
// lag verdict.
func (p *streamsPane) View(width, height int) string {
	if p.backend() == nil {
		return pane.UnavailableView(p.c, fleet.Kinesis, width, height)
	}
	return p.list.View(width, height, nil, p.summaryLines(width))
}

func (p *streamsPane) summaryLines(width int) []string {
	st := p.c.Styles
	r, ok := p.list.Tbl.Selected()
	if !ok {
		return []string{"", "", ""}
	}
	name := r.Key
	s, described := p.summaries[name]
	m, hasMetrics := p.metrics[name]
	lines := make([]string, 3)
	if err := p.sumErrs[name]; err != nil {
		lines[0] = st.Tone(style.Crit, " !! "+pane.OneLine(err.Error()))
		return lines
	}
	if !described || !hasMetrics {
		lines[0] = st.Tone(style.Muted, " "+pane.OneLine(name)+": loading…")
		return lines
	}
	in, _ := m.IncomingBytesPerSec.Last()
	lag := aws.Lag(s, m)
	lines[0] = fmt.Sprintf(" %s  in %s %s   iterator age %s %s   backlog ~%s records",
		pane.OneLine(name), st.Tone(style.Accent, units.Sparkline(m.IncomingBytesPerSec.Values, 16)), units.ByteRate(in),
		st.Tone(style.Accent, units.Sparkline(m.IteratorAgeMS.Values, 16)), units.Duration(m.IteratorAge()),
		units.Count(lag.BacklogRecords))
	if p.detail.stream == name {
		bar := keyspaceBar(st, p.detail.keymap, min(40, width/2))
		text, tone := hottestLine(p.detail)
		lines[1] = " keyspace " + bar + "  " + st.Tone(tone, pane.OneLine(text))
	} else if p.detailErr != nil {
		lines[1] = st.Tone(style.Crit, " !! shards: "+pane.OneLine(p.detailErr.Error()))
	} else {
		lines[1] = st.Tone(style.Muted, " keyspace: loading…")
	}
	lagTone := style.OK
	switch {
	case lag.Level == analysis.LagAlarm:
		lagTone = style.Crit
	case lag.Level == analysis.LagWarning || lag.LossKnown:
		lagTone = style.Warn
	}
	lines[2] = " " + st.Tone(lagTone, style.Marker(lagTone)+" "+pane.OneLine(lag.Message))
	if p.metricsErr != nil {
		lines[2] += "  " + st.Tone(style.Crit, "!! metrics: "+pane.OneLine(p.metricsErr.Error()))
	}
	return lines
}

func (p *streamsPane) Hints() []*keys.Binding {
	return p.c.Keys.Named("enter", "reshard", "split-hot", "retention", "shard-metrics", "records")
}

func (p *streamsPane) SetFilter(f string) { p.list.SetFilter(f) }
func (p *streamsPane) Filter() string     { return p.list.Filter() }
func (p *streamsPane) Back() bool         { return p.list.Back() }

// CopyValue copies the selected stream's ARN (or name).
func (p *streamsPane) CopyValue() (string, bool) {
	r, ok := p.list.Tbl.Selected()
	if !ok {
		return "", false
	}
	if s, ok := p.summaries[r.Key]; ok && s.ARN != "" {
		return s.ARN, true
	}
	return r.Key, true
}
