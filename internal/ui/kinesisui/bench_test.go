package kinesisui

import (
	"context"
	"testing"
	"time"

	"github.com/opsconsole/opsconsole/internal/sim/simclock"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/opsconsole/opsconsole/internal/aws"
	"github.com/opsconsole/opsconsole/internal/config"
	"github.com/opsconsole/opsconsole/internal/fleet"
	"github.com/opsconsole/opsconsole/internal/sim/kinesissim"
	"github.com/opsconsole/opsconsole/internal/ui/panetest"
)

// BenchmarkShardsPane10k is issue 2's target: the shards pane of a stream
// with 10,000 shards: list (paginated), analyse (lineage, heat, keyspace
// map) and render at 200x50; and a cursor move plus render alone.
func BenchmarkShardsPane10k(b *testing.B) {
	clk := simclock.New(time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC))
	s := kinesissim.New(kinesissim.Options{Now: clk.Now})
	if _, err := s.CreateStream(context.Background(), &kinesis.CreateStreamInput{StreamName: sdkaws.String("wide"), ShardCount: sdkaws.Int32(10000)}); err != nil {
		b.Fatal(err)
	}
	clk.Advance(time.Minute)
	f := fleet.Assemble(config.Target{Name: "bench"}, aws.NewBackend(s, s, aws.Options{Now: clk.Now}), nil, nil)
	ctx := panetest.Context(b, f, clk.Now)
	load := func() *shardsPane {
		p := newShards(ctx).(*shardsPane)
		if err := p.SetArgs([]string{"wide"}, nil); err != nil {
			b.Fatal(err)
		}
		panetest.Drain(p, p.Init())
		if len(p.view.shards) != 10000 {
			b.Fatalf("%d shards loaded", len(p.view.shards))
		}
		return p
	}
	b.Run("list+analyse+render", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = load().View(200, 50)
		}
	})
	b.Run("cursor+render", func(b *testing.B) {
		p := load()
		down := tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("j")}
		b.ReportAllocs()
		for b.Loop() {
			p.Update(down)
			_ = p.View(200, 50)
		}
	})
}
