package recordsui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/opsconsole/opsconsole/internal/sim/simclock"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/opsconsole/opsconsole/internal/aws"
	"github.com/opsconsole/opsconsole/internal/config"
	"github.com/opsconsole/opsconsole/internal/fleet"
	"github.com/opsconsole/opsconsole/internal/sim/kinesissim"
)

// FleetSource explains a target without Kinesis in the operator's words.
func TestFleetSourceExplainsAMissingBackend(t *testing.T) {
	c := testContext(t, false, 100)
	c.Backends = fleet.Connect(context.Background(), c.Options, config.Target{Name: "es-only"}, fleet.Hooks{})
	defer c.Backends.Close()
	c.Target = c.Backends.Target
	if b, err := FleetSource(c); b != nil || err == nil || !strings.Contains(err.Error(), "not configured for target es-only") || !strings.Contains(err.Error(), "--profile") {
		t.Errorf("FleetSource = %v, %v", b, err)
	}
}

// The pane end to end on the demo fleet's app-logs stream: a real tail
// through the simulator, its batches through Update, the repetitive error
// on top of the top-messages view, and the tail stopped by Close.
func TestPaneTailsTheDemoStream(t *testing.T) {
	clk := simclock.New(time.Date(2025, 5, 6, 7, 0, 0, 0, time.UTC))
	s := kinesissim.NewDemo(kinesissim.Options{Now: clk.Now})
	b := aws.NewBackend(s, s, aws.Options{Now: clk.Now})
	c := testContext(t, false, 10000)
	c.Backends = fleet.Assemble(config.Target{Name: "demo-staging"}, b, nil, nil)
	p := New(c, FleetSource)
	if err := p.SetArgs([]string{kinesissim.DemoAppLogs}, map[string]string{"from": "trim-horizon"}); err != nil {
		t.Fatal(err)
	}
	cmd := p.Init()
	if cmd == nil || !p.running {
		t.Fatalf("the tail did not start: %v", p.startErr)
	}
	if again := p.Init(); again != nil {
		t.Error("Init with the same arguments must leave the running tail alone")
	}
	// Init returns the stream command and the status ticker: take the
	// first batch, then keep streaming as the shell would.
	msgs := make(chan tea.Msg, 4)
	for _, c := range cmd().(tea.BatchMsg) {
		go func() { msgs <- c() }()
	}
	var next tea.Cmd
	for next == nil {
		if m, ok := (<-msgs).(batchMsg); ok {
			next = p.Update(m)
		}
	}
	for p.buf.size() < 500 {
		next = p.Update(next())
	}
	out := p.View(120, 40)
	if !strings.Contains(out, "/ecs/checkout-api") || !strings.Contains(out, "trim-horizon") {
		t.Errorf("view:\n%s", out)
	}
	if p.stats.ControlMessages+int64(p.buf.size()) == 0 || p.stats.ShardsReading != 4 {
		t.Errorf("stats %+v", p.stats)
	}
	key(p, "T")
	first := strings.Split(p.View(240, 30), "\n")[2]
	if !strings.Contains(first, "payment-gateway request failed: context deadline exceeded after <num>ms (order <num>)") || !strings.Contains(first, "ERROR") {
		t.Errorf("the noisiest message should be the demo's repetitive error: %q", first)
	}
	tl := p.tl
	p.Close()
	<-tl.Done() // every goroutine of the tail returned
	if p.Update(next()) != nil {
		t.Error("a closed pane must not ask for more")
	}
}
