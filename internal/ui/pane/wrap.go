package pane

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Wrap wraps to width cells, breaking at spaces, or after a comma in
// long JSON, and only mid-word when a word is longer than the line. Words
// are never broken at hyphens: a CLI line must survive copy and paste.
func Wrap(s string, width int) []string {
	if width < 8 {
		width = 8
	}
	var out []string
	for _, para := range strings.Split(s, "\n") {
		line := ""
		for _, word := range strings.Split(para, " ") {
			for ansi.StringWidth(word) > width {
				cut := strings.LastIndex(ansi.Truncate(word, width, ""), ",") + 1
				if cut <= 0 {
					cut = len(ansi.Truncate(word, width, ""))
				}
				if line != "" {
					out = append(out, line)
					line = ""
				}
				out = append(out, word[:cut])
				word = word[cut:]
			}
			switch {
			case line == "":
				line = word
			case ansi.StringWidth(line)+1+ansi.StringWidth(word) <= width:
				line += " " + word
			default:
				out = append(out, line)
				line = word
			}
		}
		out = append(out, line)
	}
	return out
}
