package runbookui

import (
	"io"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"
	"github.com/opsconsole/opsconsole/internal/ui/style"
)

func TestUnwrapParagraphs(t *testing.T) {
	in := "A **bold\nrun** on.\n\n- item one\n  continues\n- item two\n\n```\ncode line\n  kept\n```\n1. first\n2. second\nhard break  \nnext\n"
	want := "A **bold run** on.\n\n- item one continues\n- item two\n\n```\ncode line\n  kept\n```\n1. first\n2. second hard break  \nnext\n"
	if got := unwrapParagraphs(in); got != want {
		t.Fatalf("got:\n%q\nwant:\n%q", got, want)
	}
}

func TestMarkdownSanitisesAndFits(t *testing.T) {
	for _, p := range []termenv.Profile{termenv.Ascii, termenv.TrueColor} {
		r := lipgloss.NewRenderer(io.Discard)
		r.SetColorProfile(p)
		md := newMarkdown(style.New(r))
		lines := md.lines("Evil \x1b]52;c;AAAA\x07 **title** with a long line that has to wrap somewhere before forty cells", 40)
		joined := strings.Join(lines, "\n")
		if strings.Contains(joined, "\x07") || strings.Contains(joined, "\x1b]52") {
			t.Fatalf("%v: an escape sequence from the runbook reached the screen: %q", p, joined)
		}
		if !strings.Contains(ansi.Strip(joined), `\x1b]52;c;AAAA\x07`) {
			t.Fatalf("%v: the sequence is shown escaped: %q", p, joined)
		}
		if p == termenv.Ascii && strings.Contains(joined, "\x1b") {
			t.Fatalf("no escapes at all without colour: %q", joined)
		}
		for _, l := range lines {
			if w := ansi.StringWidth(l); w > 40 {
				t.Fatalf("%v: line %q is %d wide", p, l, w)
			}
		}
	}
}
