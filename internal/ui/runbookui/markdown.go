package runbookui

import (
	"strings"

	"github.com/charmbracelet/glamour"
	"github.com/charmbracelet/x/ansi"
	"github.com/opsconsole/opsconsole/internal/decode"
	"github.com/opsconsole/opsconsole/internal/ui/style"
)

// markdown renders step explanations with glamour for one session's look:
// no escape sequences at all without colour (the "notty" style keeps the
// Markdown markers readable), the dark or light style otherwise. Results
// are cached per text and width: explanations do not change.
type markdown struct {
	st        *style.Styles
	renderers map[int]*glamour.TermRenderer
	cache     map[mdKey][]string
}

type mdKey struct {
	text  string
	width int
}

func newMarkdown(st *style.Styles) *markdown {
	return &markdown{st: st, renderers: map[int]*glamour.TermRenderer{}, cache: map[mdKey][]string{}}
}

// lines renders text at width and returns its lines, each at most width
// cells. Runbook text comes from files users write, so every source line
// is sanitised before rendering: no escape sequence of theirs reaches the
// terminal.
func (m *markdown) lines(text string, width int) []string {
	k := mdKey{text, width}
	if out, ok := m.cache[k]; ok {
		return out
	}
	src := strings.Split(text, "\n")
	for i, l := range src {
		src[i] = decode.Sanitize(l)
	}
	clean := unwrapParagraphs(strings.Join(src, "\n"))
	out := src
	if r := m.renderer(width); r != nil {
		if rendered, err := r.Render(clean); err == nil {
			out = strings.Split(strings.Trim(rendered, "\n"), "\n")
		}
	}
	for i, l := range out {
		out[i] = ansi.Truncate(strings.TrimRight(l, " "), width, "")
	}
	m.cache[k] = out
	return out
}

func (m *markdown) renderer(width int) *glamour.TermRenderer {
	if r, ok := m.renderers[width]; ok {
		return r
	}
	styleName := "notty"
	if !m.st.NoColor {
		styleName = "light"
		if m.st.Renderer.HasDarkBackground() {
			styleName = "dark"
		}
	}
	r, err := glamour.NewTermRenderer(glamour.WithStandardStyle(styleName), glamour.WithWordWrap(max(20, width-2)),
		glamour.WithColorProfile(m.st.Renderer.ColorProfile()))
	if err != nil {
		r = nil
	}
	m.renderers[width] = r
	return r
}

// unwrapParagraphs joins the soft line breaks of paragraphs and list
// items (YAML block text is wrapped by hand) so glamour re-wraps them to
// the pane: its plain styles otherwise keep the breaks, and emphasis that
// spans one is rendered with stray markers. Code blocks, headings,
// tables, quotes and new list items keep their lines.
func unwrapParagraphs(md string) string {
	var out []string
	fenced, joinable := false, false
	for _, l := range strings.Split(md, "\n") {
		trimmed := strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(trimmed, "```"):
			fenced = !fenced
			joinable = false
		case fenced || trimmed == "" || startsBlock(trimmed) || strings.HasPrefix(l, "    ") && !joinable:
			joinable = !fenced && trimmed != "" && !strings.HasPrefix(trimmed, "#") && !strings.HasPrefix(trimmed, "|")
		case joinable && len(out) > 0 && !strings.HasSuffix(out[len(out)-1], "  "):
			out[len(out)-1] += " " + strings.TrimLeft(l, " ")
			continue
		default:
			joinable = true
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// startsBlock reports whether a (trimmed) line starts a new Markdown block
// or list item.
func startsBlock(l string) bool {
	for _, p := range []string{"- ", "* ", "+ ", "#", "|", ">"} {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	i := 0
	for i < len(l) && l[i] >= '0' && l[i] <= '9' {
		i++
	}
	return i > 0 && i+1 < len(l) && l[i] == '.' && l[i+1] == ' '
}
