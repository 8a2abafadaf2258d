// Package corednsui is the :coredns pane: the kube-dns pods live through a
// watch, the Deployment and Service, a pod's logs with the known CoreDNS
// failure lines highlighted, and the Corefile with its misconfigurations
// pointed out; plus the restart and scale commands.
package corednsui

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/opsconsole/opsconsole/internal/fleet"
	"github.com/opsconsole/opsconsole/internal/k8s"
	"github.com/opsconsole/opsconsole/internal/ui/keys"
	"github.com/opsconsole/opsconsole/internal/ui/listview"
	"github.com/opsconsole/opsconsole/internal/ui/pane"
	"github.com/opsconsole/opsconsole/internal/ui/style"
	"github.com/opsconsole/opsconsole/internal/ui/table"
	"github.com/opsconsole/opsconsole/internal/units"
)

// Spec registers the pane.
func Spec() pane.Spec {
	return pane.Spec{ID: "coredns", Title: "CoreDNS", Tab: true, New: newPane}
}

// sub-views of the pane.
type view int

const (
	viewPods view = iota
	viewLogs
	viewCorefile
)

type corednsPane struct {
	c    *pane.Context
	list *listview.List

	watching bool
	stop     context.CancelFunc
	snap     k8s.Snapshot
	updates  <-chan k8s.Snapshot

	view view
	logs *logView
	core *corefileView
}

func newPane(c *pane.Context) pane.Pane {
	p := &corednsPane{c: c}
	p.list = listview.New(c, []table.Column{
		{Title: "POD", Min: 10}, {Title: "READY", Min: 5}, {Title: "STATUS", Min: 8},
		{Title: "RESTARTS", Align: table.Right, Min: 8}, {Title: "LAST RESTART", Min: 12, Drop: 3},
		{Title: "AGE", Align: table.Right, Min: 4}, {Title: "NODE", Min: 6, Drop: 2}, {Title: "IP", Min: 7, Drop: 4},
	}, "no pods match the CoreDNS selector")
	return p
}

func (p *corednsPane) ID() string    { return "coredns" }
func (p *corednsPane) Title() string { return "CoreDNS" }

type snapshotMsg struct {
	snap k8s.Snapshot
	ok   bool
}

// Init starts the watch once; the pane then lives on its updates (no
// polling). r while the watch runs only re-renders.
func (p *corednsPane) Init() tea.Cmd {
	c := p.c.Backends.K8s
	if c == nil || p.watching {
		return nil
	}
	ctx, cancel := context.WithCancel(p.c.Ctx)
	p.stop, p.watching = cancel, true
	p.list.Begin()
	w := c.Watch(ctx)
	p.updates = w.Updates()
	return waitSnapshot(p.updates)
}

// waitSnapshot is the re-arming command bridging the watch to the UI.
func waitSnapshot(ch <-chan k8s.Snapshot) tea.Cmd {
	return func() tea.Msg {
		s, ok := <-ch
		return snapshotMsg{snap: s, ok: ok}
	}
}

// Close stops the watch and any log stream (target switch or quit).
func (p *corednsPane) Close() {
	if p.stop != nil {
		p.stop()
	}
	if p.logs != nil {
		p.logs.close()
	}
}

func (p *corednsPane) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case snapshotMsg:
		if !msg.ok {
			p.watching = false
			return nil
		}
		p.snap = msg.snap
		var err error
		if !msg.snap.Synced && len(msg.snap.Problems) > 0 {
			err = fmt.Errorf("%s", strings.Join(msg.snap.Problems, "; "))
		}
		p.list.Done(err)
		p.render()
		return waitSnapshot(p.updates)
	case logOpenedMsg:
		if p.logs != nil && msg.view == p.logs {
			return p.logs.opened(msg)
		}
	case logLinesMsg:
		if p.logs != nil && msg.stream == p.logs.stream {
			return p.logs.add(msg)
		}
	case corefileMsg:
		p.core = &corefileView{report: msg.report, err: msg.err}
	case pane.ActionDoneMsg:
		if msg.Action.Backend() == "kubernetes" {
			p.render()
		}
	case tea.KeyMsg:
		return p.key(msg.String())
	}
	return nil
}

func (p *corednsPane) key(ks string) tea.Cmd {
	km := p.c.Keys
	if p.view != viewPods {
		if p.view == viewLogs && p.logs.navigate(km, ks) {
			return nil
		}
		if p.view == viewCorefile && p.core != nil && p.core.navigate(km, ks) {
			return nil
		}
		return nil
	}
	if p.list.Navigate(ks) {
		return nil
	}
	c := p.c.Backends.K8s
	if c == nil {
		return pane.Toast(pane.Unavailable(p.c, fleet.Kubernetes).Error(), true)
	}
	switch {
	case km.Matches(ks, "restart"):
		return pane.Action(c.RestartAction())
	case km.Matches(ks, "scale"):
		n := int32(2)
		if d := p.snap.Deployment; d != nil {
			n = d.Desired + 1
		}
		return pane.Prompt("coredns-scale " + strconv.Itoa(int(n)))
	case km.Matches(ks, "corefile"):
		p.view = viewCorefile
		p.core = nil
		ctx := p.c.Ctx
		return func() tea.Msg {
			r, err := c.Corefile(ctx)
			return corefileMsg{report: r, err: err}
		}
	}
	r, ok := p.list.Tbl.Selected()
	if !ok {
		return nil
	}
	switch {
	case km.Matches(ks, "logs"), km.Matches(ks, "enter"):
		return p.openLogs(r.Key, false)
	case km.Matches(ks, "previous-logs"):
		return p.openLogs(r.Key, true)
	}
	return nil
}

// openLogs follows a pod's logs (or reads its previous container's, which
// is where a crash-looping pod says why it died).
func (p *corednsPane) openLogs(pod string, previous bool) tea.Cmd {
	if p.logs != nil {
		p.logs.close()
	}
	p.view = viewLogs
	p.logs = newLogView(p.c.Ctx, p.c.Backends.K8s, pod, previous)
	return p.logs.start()
}

// Back closes the logs or Corefile view.
func (p *corednsPane) Back() bool {
	switch p.view {
	case viewLogs:
		p.logs.close()
		p.logs = nil
	case viewCorefile:
		p.core = nil
	default:
		return p.list.Back()
	}
	p.view = viewPods
	return true
}

func (p *corednsPane) render() {
	now := p.c.Now()
	rows := make([]table.Row, 0, len(p.snap.Pods))
	for _, pod := range p.snap.Pods {
		status := table.Toned(pod.Status, style.OK)
		if !pod.Healthy {
			status = table.Toned("!! "+pod.Status, style.Crit)
		}
		if pod.Terminating {
			status = table.Toned("~ Terminating", style.Muted)
		}
		ready := table.Text(pod.ReadyText())
		if pod.Ready < pod.Total {
			ready.Tone = style.Warn
		}
		restarts := table.Num(strconv.Itoa(int(pod.Restarts)), float64(pod.Restarts))
		last := table.Toned("-", style.Muted)
		if t := pod.LastRestart; t != nil {
			if pod.Restarts > 0 {
				restarts.Tone = style.Warn
			}
			last = table.Text(units.Duration(now.Sub(t.Finished)) + " ago: " + t.String())
		}
		rows = append(rows, table.Row{Key: pod.Name, Cells: []table.Cell{
			table.Text(pod.Name), ready, status, restarts, last,
			table.Num(units.Duration(pod.Age(now)), pod.Age(now).Seconds()), table.Text(pod.Node), table.Text(pod.IP),
		}})
	}
	p.list.Tbl.SetRows(rows)
}

func (p *corednsPane) View(width, height int) string {
	if p.c.Backends.K8s == nil {
		return pane.UnavailableView(p.c, fleet.Kubernetes, width, height)
	}
	switch p.view {
	case viewLogs:
		return p.logs.view(p.c.Styles, width, height)
	case viewCorefile:
		if p.core == nil {
			return pane.StatusView(p.c.Styles, width, height, style.Muted, "reading the Corefile…")
		}
		return p.core.view(p.c.Styles, width, height)
	}
	st := p.c.Styles
	header := []string{p.deploymentLine(), p.serviceLine()}
	var footer []string
	if r, ok := p.list.Tbl.Selected(); ok && p.list.Detail == nil {
		for _, pod := range p.snap.Pods {
			if pod.Name == r.Key && pod.Detail != "" {
				tone := style.Muted
				if !pod.Healthy {
					tone = style.Crit
				}
				footer = append(footer, " "+st.Tone(tone, pane.OneLine(pod.Detail)))
			}
		}
	}
	return p.list.View(width, height, header, footer)
}

// deploymentLine: "deployment coredns  desired 2  ready 1  updated 2  available 1  rollout complete".
func (p *corednsPane) deploymentLine() string {
	st := p.c.Styles
	d := p.snap.Deployment
	if d == nil {
		if p.snap.Synced {
			return st.Tone(style.Crit, " !! no coredns Deployment in "+pane.OneLine(p.snap.Namespace))
		}
		return st.Tone(style.Muted, " deployment: waiting for the watch…")
	}
	ready := fmt.Sprintf("ready %d", d.Ready)
	if d.Ready < d.Desired {
		ready = st.Tone(style.Crit, "!! "+ready)
	}
	line := fmt.Sprintf(" deployment %s  desired %d  %s  updated %d  available %d  %s",
		pane.OneLine(d.Name), d.Desired, ready, d.Updated, d.Available, pane.OneLine(d.Rollout))
	if d.Desired < 2 {
		line += "  " + st.Tone(style.Warn, "! fewer than 2 replicas: one failure stops cluster DNS")
	}
	return line
}

func (p *corednsPane) serviceLine() string {
	st := p.c.Styles
	s := p.snap.Service
	if s == nil {
		return st.Tone(style.Muted, " service: -")
	}
	eps := fmt.Sprintf("%d ready endpoints", s.ReadyEndpoints)
	switch {
	case s.ReadyEndpoints == 0:
		eps = st.Tone(style.Crit, "!! "+eps+": cluster DNS is DOWN")
	case s.NotReadyEndpoints > 0:
		eps = st.Tone(style.Warn, fmt.Sprintf("! %s, %d not ready", eps, s.NotReadyEndpoints))
	}
	return fmt.Sprintf(" service %s %s %s  %s", pane.OneLine(s.Name), s.ClusterIP, strings.Join(s.Ports, ","), eps)
}

func (p *corednsPane) Hints() []*keys.Binding {
	switch p.view {
	case viewLogs, viewCorefile:
		return p.c.Keys.Named("back", "up", "down")
	}
	return p.c.Keys.Named("logs", "previous-logs", "corefile", "restart", "scale")
}

func (p *corednsPane) SetFilter(f string) { p.list.SetFilter(f) }
func (p *corednsPane) Filter() string     { return p.list.Filter() }
func (p *corednsPane) CopyValue() (string, bool) {
	r, ok := p.list.Tbl.Selected()
	return r.Key, ok
}
