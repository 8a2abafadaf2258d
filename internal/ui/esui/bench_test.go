package esui

import (
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/opsconsole/opsconsole/internal/config"
	"github.com/opsconsole/opsconsole/internal/es"
	"github.com/opsconsole/opsconsole/internal/fleet"
	"github.com/opsconsole/opsconsole/internal/sim/essim"
	"github.com/opsconsole/opsconsole/internal/ui/panetest"
)

// BenchmarkIndicesPane10k is issue 4's target: the indices pane over
// 10,000 indices and 50,000 shard copies, fetched through the in-process
// simulator, parsed and rendered at 200x50.
func BenchmarkIndicesPane10k(b *testing.B) {
	srv := essim.NewLarge(10000, 50000)
	c, err := es.New(es.Config{URLs: []string{"http://bench:9200"}, Transport: srv})
	if err != nil {
		b.Fatal(err)
	}
	f := fleet.Assemble(config.Target{Name: "bench"}, nil, c, nil)
	ctx := panetest.Context(b, f, time.Now)
	b.Run("fetch+parse+render", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			p := newIndices(ctx)
			panetest.Drain(p, p.Init())
			if p.(*indicesPane).snap == nil || len(p.(*indicesPane).snap.Indices) != 10000 {
				b.Fatal("snapshot not loaded")
			}
			_ = p.View(200, 50)
		}
	})
	b.Run("render", func(b *testing.B) {
		p := newIndices(ctx)
		panetest.Drain(p, p.Init())
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			p.Update(keyMsg("j"))
			_ = p.View(200, 50)
		}
	})
}

func keyMsg(k string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)} }
