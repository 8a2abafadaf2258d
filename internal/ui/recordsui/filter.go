package recordsui

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/opsconsole/opsconsole/internal/decode"
)

// filter is the `/` filter of the records pane:
//
//	timeout gateway       every word, anywhere (message, source, problem, partition key, log stream), any case
//	level:warn            warn and more severe; combines with words ("level:error payment")
//	re:deadline|timeout   a regular expression on the message or source (also /deadline|timeout/)
//	tpl:TEMPLATE          the events of one top-messages row (Enter there sets it)
type filter struct {
	raw      string
	minLevel int
	words    []string // lower case
	re       *regexp.Regexp
	tpl      string
	hasTpl   bool
	scratch  []byte
}

// matchNothing stands in for a filter that does not parse: the screen
// shows no event and the reason, rather than everything.
var matchNothing = regexp.MustCompile(`[^\x00-\x{10FFFF}]`)

// parseFilter reads a filter; "" means none (nil).
func parseFilter(s string) (*filter, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	f := &filter{raw: s}
	switch {
	case strings.HasPrefix(s, "re:"), strings.HasPrefix(s, "/"):
		expr := strings.TrimPrefix(s, "re:")
		if strings.HasPrefix(s, "/") {
			expr = strings.TrimSuffix(strings.TrimPrefix(s, "/"), "/")
		}
		re, err := regexp.Compile(expr)
		if err != nil {
			return nil, fmt.Errorf("bad regular expression: %s", regexpReason(err))
		}
		f.re = re
		return f, nil
	case strings.HasPrefix(s, "tpl:"):
		f.tpl, f.hasTpl = strings.TrimPrefix(s, "tpl:"), true
		return f, nil
	}
	for _, w := range strings.Fields(s) {
		if lv, ok := strings.CutPrefix(strings.ToLower(w), "level:"); ok {
			n := decode.NormalizeLevel(lv)
			if n == "" {
				return nil, fmt.Errorf("unknown level %q: use trace, debug, info, warn, error or fatal (level:warn shows warn and worse)", lv)
			}
			f.minLevel = decode.LevelRank(n)
			continue
		}
		f.words = append(f.words, strings.ToLower(w))
	}
	return f, nil
}

// regexpReason keeps what the regexp package says without its preamble:
// "missing closing ): `foo(`".
func regexpReason(err error) string {
	return strings.TrimPrefix(err.Error(), "error parsing regexp: ")
}

func (f *filter) match(e *decode.Event) bool {
	if f.minLevel > 0 && decode.LevelRank(e.Level) < f.minLevel {
		return false
	}
	if f.re != nil {
		return f.re.MatchString(e.Message) || f.re.MatchString(e.Source)
	}
	if f.hasTpl {
		msg := e.Message
		if len(msg) > decode.MaxTemplateInput {
			msg = msg[:decode.MaxTemplateInput]
		}
		f.scratch = decode.AppendTemplate(f.scratch[:0], msg)
		return string(f.scratch) == f.tpl
	}
	for _, w := range f.words {
		if !containsFold(e.Message, w) && !containsFold(e.Source, w) && !containsFold(e.Problem, w) &&
			!containsFold(e.Origin.PartitionKey, w) && !containsFold(e.Origin.LogStream, w) {
			return false
		}
	}
	return true
}

// containsFold reports whether s contains the lower-case word, folding
// ASCII letters of s; it allocates nothing, which matters when a filter
// is re-run over the whole buffer on every keystroke.
func containsFold(s, word string) bool {
	n := len(word)
	if n == 0 {
		return true
	}
	first := word[0]
	for i := 0; i+n <= len(s); i++ {
		if lower(s[i]) != first {
			continue
		}
		j := 1
		for j < n && lower(s[i+j]) == word[j] {
			j++
		}
		if j == n {
			return true
		}
	}
	return false
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
