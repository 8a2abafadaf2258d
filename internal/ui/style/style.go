// Package style holds the console's look. Every problem is marked by colour
// AND by a symbol or word, so NO_COLOR terminals and colour-blind operators
// see it too.
package style

import (
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// Tone is the meaning of a piece of text; the table and panes pick colours
// by tone, never by hard-coded colour.
type Tone uint8

const (
	Normal Tone = iota
	Muted
	OK
	Warn
	Crit
	Accent
	numTones
)

// Styles is one renderer's set of styles. Each SSH session has its own
// renderer (its own colour profile), so Styles are built per console.
type Styles struct {
	Renderer *lipgloss.Renderer
	// NoColor is true when the terminal shows no colour (NO_COLOR, dumb
	// terminal, or a pinned ASCII profile in tests).
	NoColor bool

	Header, HeaderKey, Badge, ProdBadge, ReadOnlyBadge lipgloss.Style
	Tab, ActiveTab                                     lipgloss.Style
	TableHeader, Selected                              lipgloss.Style
	Footer, FooterKey                                  lipgloss.Style
	Dialog, DialogTitle, ProdFrame                     lipgloss.Style
	ToastError, ToastInfo                              lipgloss.Style
	Prompt                                             lipgloss.Style

	tones [numTones]lipgloss.Style
	// tonePrefix/toneSuffix are each tone's escape sequences, computed once
	// so the table can colour a cell without calling Render on the hot path.
	tonePrefix, toneSuffix [numTones]string
}

// New builds the styles for a renderer (lipgloss.DefaultRenderer() locally,
// a per-session renderer over SSH).
func New(r *lipgloss.Renderer) *Styles {
	s := &Styles{Renderer: r, NoColor: r.ColorProfile() == termenv.Ascii}
	ns := r.NewStyle
	s.tones[Normal] = ns()
	s.tones[Muted] = ns().Foreground(lipgloss.AdaptiveColor{Light: "245", Dark: "243"})
	s.tones[OK] = ns().Foreground(lipgloss.AdaptiveColor{Light: "28", Dark: "42"})
	s.tones[Warn] = ns().Foreground(lipgloss.AdaptiveColor{Light: "130", Dark: "214"})
	s.tones[Crit] = ns().Foreground(lipgloss.AdaptiveColor{Light: "160", Dark: "203"}).Bold(true)
	s.tones[Accent] = ns().Foreground(lipgloss.AdaptiveColor{Light: "25", Dark: "75"})
	for t := Tone(0); t < numTones; t++ {
		s.tonePrefix[t], s.toneSuffix[t] = Affixes(s.tones[t])
	}

	s.Header = ns().Bold(true)
	s.HeaderKey = ns().Foreground(lipgloss.AdaptiveColor{Light: "240", Dark: "246"})
	s.Badge = ns().Padding(0, 1).Background(lipgloss.AdaptiveColor{Light: "252", Dark: "238"})
	s.ReadOnlyBadge = ns().Padding(0, 1).Bold(true).Foreground(lipgloss.Color("0")).Background(lipgloss.Color("214"))
	s.ProdBadge = ns().Padding(0, 1).Bold(true).Foreground(lipgloss.Color("15")).Background(lipgloss.Color("160"))
	s.Tab = ns().Padding(0, 1).Foreground(lipgloss.AdaptiveColor{Light: "240", Dark: "246"})
	s.ActiveTab = ns().Padding(0, 1).Bold(true).Reverse(true)
	s.TableHeader = ns().Bold(true).Underline(true)
	s.Selected = ns().Reverse(true)
	s.Footer = ns().Foreground(lipgloss.AdaptiveColor{Light: "240", Dark: "246"})
	s.FooterKey = ns().Bold(true)
	s.Dialog = ns().Border(lipgloss.RoundedBorder()).Padding(0, 1)
	s.DialogTitle = ns().Bold(true)
	s.ProdFrame = ns().Border(lipgloss.ThickBorder()).BorderForeground(lipgloss.Color("160"))
	s.ToastError = ns().Bold(true).Foreground(lipgloss.AdaptiveColor{Light: "160", Dark: "203"})
	s.ToastInfo = ns().Foreground(lipgloss.AdaptiveColor{Light: "28", Dark: "42"})
	s.Prompt = ns().Bold(true)
	return s
}

// Affixes splits a style's rendering of a marker into the escape sequences
// before and after it, so hot paths can colour text by concatenation.
func Affixes(st lipgloss.Style) (string, string) {
	const marker = "\x00"
	out := st.Render(marker)
	i := strings.Index(out, marker)
	if i < 0 {
		return "", ""
	}
	return out[:i], out[i+len(marker):]
}

// Tone renders s in tone t.
func (s *Styles) Tone(t Tone, text string) string {
	if text == "" || t == Normal {
		return text
	}
	return s.tonePrefix[t] + text + s.toneSuffix[t]
}

// ToneAffixes returns the escape sequences around a tone (both empty when
// there is no colour).
func (s *Styles) ToneAffixes(t Tone) (string, string) { return s.tonePrefix[t], s.toneSuffix[t] }

// Marker is the symbol that goes with a tone, so meaning survives without
// colour.
func Marker(t Tone) string {
	switch t {
	case Crit:
		return "!!"
	case Warn:
		return "!"
	case OK:
		return "ok"
	}
	return ""
}
