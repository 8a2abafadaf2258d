package decode

import (
	"slices"
	"time"
	"unicode/utf8"
)

// TemplateCount is one row of the top-messages view.
type TemplateCount struct {
	Template  string
	Level     string // the event level this row counts (templates are counted per level)
	Source    string // the source of the first event seen
	Example   string // the first message seen, truncated to MaxExampleLen
	Count     int
	FirstSeen time.Time
	LastSeen  time.Time
}

// Limits that keep the aggregator's memory bounded whatever the input.
const (
	MaxTemplateInput = 512 // bytes of a message that are normalised
	MaxExampleLen    = 512 // bytes kept of the example message
)

// TopMessages counts events by (level, message template) so the noisiest
// error stands out. Memory is bounded: at most max distinct templates are
// tracked; events of templates beyond that are counted in Overflow. It is
// not safe for concurrent use.
type TopMessages struct {
	max      int
	rows     map[string]*TemplateCount
	overflow int
	total    int
	key      []byte
}

// NewTopMessages returns an aggregator tracking at most max templates
// (max < 1 means 1000).
func NewTopMessages(max int) *TopMessages {
	if max < 1 {
		max = 1000
	}
	return &TopMessages{max: max, rows: make(map[string]*TemplateCount)}
}

// Add counts one event.
func (t *TopMessages) Add(e *Event) {
	t.total++
	msg := e.Message
	if len(msg) > MaxTemplateInput {
		msg = msg[:MaxTemplateInput]
	}
	// The key is level, NUL, template; a lookup with string(t.key) does not
	// allocate, so only new templates cost an allocation.
	t.key = append(append(t.key[:0], e.Level...), 0)
	t.key = AppendTemplate(t.key, msg)
	if row, ok := t.rows[string(t.key)]; ok {
		row.Count++
		if e.Time.Before(row.FirstSeen) {
			row.FirstSeen = e.Time
		}
		if e.Time.After(row.LastSeen) {
			row.LastSeen = e.Time
		}
		return
	}
	if len(t.rows) >= t.max {
		t.overflow++
		return
	}
	key := string(t.key)
	example := e.Message
	if len(example) > MaxExampleLen {
		// Cut at a rune boundary so the example stays valid UTF-8.
		cut := MaxExampleLen
		for cut > 0 && !utf8.RuneStart(example[cut]) {
			cut--
		}
		example = example[:cut]
	}
	t.rows[key] = &TemplateCount{
		Template:  key[len(e.Level)+1:],
		Level:     e.Level,
		Source:    e.Source,
		Example:   example,
		Count:     1,
		FirstSeen: e.Time,
		LastSeen:  e.Time,
	}
}

// Top returns the n most frequent rows (all when n <= 0) whose level ranks
// at least minLevel (LevelRank; "" counts everything), most frequent first,
// more severe first among equals, then by template.
func (t *TopMessages) Top(n int, minLevel string) []TemplateCount {
	floor := LevelRank(minLevel)
	out := make([]TemplateCount, 0, len(t.rows))
	for _, r := range t.rows {
		if LevelRank(r.Level) >= floor {
			out = append(out, *r)
		}
	}
	slices.SortFunc(out, func(a, b TemplateCount) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		if ra, rb := LevelRank(a.Level), LevelRank(b.Level); ra != rb {
			return rb - ra
		}
		if a.Template < b.Template {
			return -1
		}
		if a.Template > b.Template {
			return 1
		}
		return 0
	})
	if n > 0 && len(out) > n {
		out = out[:n]
	}
	return out
}

// Total is the number of events added.
func (t *TopMessages) Total() int { return t.total }

// Overflow is the number of events whose template was not tracked because
// the aggregator was full.
func (t *TopMessages) Overflow() int { return t.overflow }

// Distinct is the number of templates tracked.
func (t *TopMessages) Distinct() int { return len(t.rows) }

// Reset forgets everything, keeping the limit.
func (t *TopMessages) Reset() {
	clear(t.rows)
	t.overflow, t.total = 0, 0
}
