package recordsui

import (
	"sort"

	"github.com/opsconsole/opsconsole/internal/decode"
)

// buffer is the pane's memory: a ring of the newest events (its capacity
// is Options.RecordBuffer), addressed by absolute index so a selection and
// a filter's matches stay valid while old events fall out the back.
type buffer struct {
	rows        []row
	first, next uint64 // absolute indices: rows hold [first, next)
	// matches are the absolute indices of the events the filter keeps, in
	// order, from head on (head grows as events are evicted, so eviction is
	// O(1) and the slice is compacted now and then).
	matches []uint64
	head    int
	f       *filter // nil: everything
	evicted int64   // events that fell out of the buffer since the start
}

// row is one buffered event and its rendered line, built the first time
// it is on screen (most events of a fast stream never are).
type row struct {
	ev   decode.Event
	line *line
}

func newBuffer(capacity int) *buffer {
	return &buffer{rows: make([]row, capacity)}
}

func (b *buffer) capacity() int { return len(b.rows) }
func (b *buffer) size() int     { return int(b.next - b.first) }

func (b *buffer) at(abs uint64) *row { return &b.rows[abs%uint64(len(b.rows))] }

// add appends events, evicting the oldest. Of a batch larger than the
// buffer only the newest fit, and only those are copied in.
func (b *buffer) add(evs []decode.Event) {
	c := len(b.rows)
	if len(evs) >= c {
		// Everything buffered, and the batch's oldest, fall out at once.
		skip := len(evs) - c
		b.evicted += int64(b.size() + skip)
		b.next += uint64(skip)
		b.first = b.next
		evs = evs[skip:]
	}
	for i := range evs {
		if b.size() == c {
			b.first++
			b.evicted++
		}
		*b.at(b.next) = row{ev: evs[i]}
		if b.f == nil || b.f.match(&evs[i]) {
			b.matches = append(b.matches, b.next)
		}
		b.next++
	}
	b.trim()
}

// trim drops matches of evicted events.
func (b *buffer) trim() {
	for b.head < len(b.matches) && b.matches[b.head] < b.first {
		b.head++
	}
	if b.head > len(b.matches)/2 && b.head > 1024 {
		b.matches = append(b.matches[:0], b.matches[b.head:]...)
		b.head = 0
	}
}

// setFilter re-filters the whole buffer.
func (b *buffer) setFilter(f *filter) {
	b.f = f
	b.matches, b.head = b.matches[:0], 0
	for abs := b.first; abs < b.next; abs++ {
		if f == nil || f.match(&b.at(abs).ev) {
			b.matches = append(b.matches, abs)
		}
	}
}

// The view is the filtered events, oldest first; position i of the view
// is event view(i).
func (b *buffer) viewLen() int       { return len(b.matches) - b.head }
func (b *buffer) view(i int) uint64  { return b.matches[b.head+i] }
func (b *buffer) viewRow(i int) *row { return b.at(b.view(i)) }
func (b *buffer) lastAbs() (uint64, bool) {
	if b.viewLen() == 0 {
		return 0, false
	}
	return b.view(b.viewLen() - 1), true
}

// position is the view position of abs, or of the first event after it
// when abs itself is not in the view (evicted or filtered out).
func (b *buffer) position(abs uint64) int {
	m := b.matches[b.head:]
	return sort.Search(len(m), func(i int) bool { return m[i] >= abs })
}

// each calls f for every event in the view, oldest first.
func (b *buffer) each(f func(e *decode.Event)) {
	for i := 0; i < b.viewLen(); i++ {
		f(&b.viewRow(i).ev)
	}
}
