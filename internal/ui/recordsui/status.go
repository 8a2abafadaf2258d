package recordsui

import (
	"fmt"
	"strings"
	"time"

	"github.com/mattn/go-runewidth"

	"github.com/opsconsole/opsconsole/internal/ui/pane"
	"github.com/opsconsole/opsconsole/internal/ui/style"
	"github.com/opsconsole/opsconsole/internal/units"
)

// item is one piece of a status line; pieces that do not fit the width
// are left out, least important last.
type item struct {
	text string
	tone style.Tone
}

// statusLines are the tail's position and health under the list: one line
// on a short screen, two otherwise.
func (p *Pane) statusLines(width, height int) []string {
	s := p.stats
	var pos, counts []item

	switch {
	case p.startErr != nil:
		pos = append(pos, item{"!! cannot tail: " + pane.OneLine(p.startErr.Error()), style.Crit})
	case !p.running && p.endErr != nil:
		pos = append(pos, item{"!! STOPPED: " + pane.OneLine(p.endErr.Error()) + " (r restarts)", style.Crit})
	case !p.running:
		pos = append(pos, item{"■ stopped (r restarts)", style.Warn})
	case p.paused:
		pos = append(pos, item{fmt.Sprintf("⏸ PAUSED +%s waiting", units.Count(float64(s.Pending))), style.Warn})
	case p.follow:
		pos = append(pos, item{"▶ following", style.OK})
	default:
		pos = append(pos, item{"■ scrolled (f follows)", style.Accent})
	}
	where := pane.OneLine(p.stream) + " from " + p.from.String()
	if p.shard != "" {
		where += " shard " + pane.OneLine(p.shard)
	}
	pos = append(pos, item{where, style.Normal})
	shards := fmt.Sprintf("%d shards", s.ShardsReading)
	if s.Positioned < s.ShardsReading {
		shards = fmt.Sprintf("positioning %d/%d shards", s.Positioned, s.ShardsReading)
	}
	if s.ShardsDone > 0 {
		shards += fmt.Sprintf(" (+%d drained)", s.ShardsDone)
	}
	pos = append(pos,
		item{shards, style.Normal},
		item{fmt.Sprintf("%.1f/%d reads/s/shard", s.ReadsPerShard, s.ReadLimit), style.Normal},
		item{units.ByteRate(s.BytesPerSec), style.Normal},
		item{units.Count(s.EventsPerSec) + " events/s", style.Normal},
	)
	behind := item{"behind " + behindText(s.MillisBehind), style.Normal}
	if s.MillisBehind >= 60_000 {
		behind.tone = style.Warn
		behind.text = "! " + behind.text
	}
	pos = append(pos, behind)

	if d := s.Dropped; d > 0 {
		counts = append(counts, item{"! dropped " + units.Count(float64(d)) + " (screen behind)", style.Warn})
	}
	buffered := fmt.Sprintf("buffer %s/%s", units.Count(float64(p.buf.size())), units.Count(float64(p.buf.capacity())))
	if p.buf.f != nil {
		buffered += fmt.Sprintf(", %s match", units.Count(float64(p.buf.viewLen())))
	}
	counts = append(counts, item{buffered, style.Normal})
	if p.buf.evicted > 0 {
		counts = append(counts, item{units.Count(float64(p.buf.evicted)) + " older out of buffer", style.Muted})
	}
	counts = append(counts,
		item{fmt.Sprintf("throttled %d", s.Throttles), toneIf(s.Throttles > 0, style.Warn)},
		item{fmt.Sprintf("expired iterators %d", s.ExpiredRecovered), style.Muted},
		item{fmt.Sprintf("control msgs %d", s.ControlMessages), style.Muted},
	)
	if s.Problems > 0 {
		counts = append(counts, item{fmt.Sprintf("! %d undecodable", s.Problems), style.Warn})
	}
	if n := len(p.errs); n > 0 {
		counts = append(counts, item{"!! " + pane.OneLine(p.errs[n-1]), style.Crit})
	}
	if height < 8 {
		return []string{p.join(append(pos[:1], counts...), width)}
	}
	return []string{p.join(pos, width), p.join(counts, width)}
}

// behindText is MillisBehindLatest the way an operator reads it: 350ms,
// 12s, 41m.
func behindText(ms int64) string {
	if ms < 1000 {
		return fmt.Sprintf("%dms", ms)
	}
	return units.Duration(time.Duration(ms) * time.Millisecond)
}

func toneIf(cond bool, t style.Tone) style.Tone {
	if cond {
		return t
	}
	return style.Muted
}

// join lays items out left to right with two spaces between them, leaving
// out what does not fit; the last item that fits only in part is cut.
func (p *Pane) join(items []item, width int) string {
	st := p.c.Styles
	var b strings.Builder
	used := 1
	b.WriteByte(' ')
	for i, it := range items {
		w := runewidth.StringWidth(it.text)
		sep := 0
		if i > 0 {
			sep = 2
		}
		if used+sep+w > width {
			if room := width - used - sep; room > 12 {
				b.WriteString(strings.Repeat(" ", sep))
				b.WriteString(st.Tone(it.tone, fit(it.text, room)))
			}
			break
		}
		b.WriteString(strings.Repeat(" ", sep))
		b.WriteString(st.Tone(it.tone, it.text))
		used += sep + w
	}
	return b.String()
}
