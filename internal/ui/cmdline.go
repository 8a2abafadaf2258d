package ui

import (
	"slices"
	"sort"

	"strings"

	"github.com/charmbracelet/bubbles/textinput"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/opsconsole/opsconsole/internal/ui/pane"
	"github.com/opsconsole/opsconsole/internal/ui/style"
)

// commandLine is the `:` prompt: Tab completes, Up/Down walk the history,
// Enter runs, Esc cancels.
type commandLine struct {
	input   textinput.Model
	history []string
	histPos int
	// candidates are shown above the prompt after an ambiguous Tab.
	candidates []string
}

const maxHistory = 200

func newCommandLine(st *style.Styles) *commandLine {
	return &commandLine{input: newInput(st, ":")}
}

func (c *commandLine) open() tea.Cmd {
	c.input.SetValue("")
	c.histPos = len(c.history)
	c.candidates = nil
	return c.input.Focus()
}

func (c *commandLine) remember(line string) {
	if line == "" || (len(c.history) > 0 && c.history[len(c.history)-1] == line) {
		return
	}
	c.history = append(c.history, line)
	if len(c.history) > maxHistory {
		c.history = c.history[len(c.history)-maxHistory:]
	}
}

func (a *App) commandKey(k tea.KeyMsg) tea.Cmd {
	c := a.cmdline
	switch k.Type {
	case tea.KeyEsc:
		a.mode = modeNormal
		c.input.Blur()
		return nil
	case tea.KeyEnter:
		line := strings.TrimSpace(c.input.Value())
		a.mode = modeNormal
		c.input.Blur()
		c.remember(line)
		return a.runCommandLine(line)
	case tea.KeyUp:
		if c.histPos > 0 {
			c.histPos--
			c.input.SetValue(c.history[c.histPos])
			c.input.CursorEnd()
		}
		return nil
	case tea.KeyDown:
		if c.histPos < len(c.history)-1 {
			c.histPos++
			c.input.SetValue(c.history[c.histPos])
		} else {
			c.histPos = len(c.history)
			c.input.SetValue("")
		}
		c.input.CursorEnd()
		return nil
	case tea.KeyTab:
		a.complete()
		return nil
	}
	var cmd tea.Cmd
	c.input, cmd = c.input.Update(k)
	c.candidates = nil
	return cmd
}

// runCommandLine parses and runs one command-mode line.
func (a *App) runCommandLine(line string) tea.Cmd {
	if line == "" {
		return nil
	}
	tokens, err := pane.Tokenize(line)
	if err != nil {
		return a.toastCmd(err.Error(), true)
	}
	cmd, ok := a.cmds.lookup(tokens[0])
	if !ok {
		msg := "unknown command :" + tokens[0]
		if near := a.cmds.suggest(tokens[0]); near != "" {
			msg += "; did you mean :" + near + "?"
		} else {
			msg += " (:help lists them)"
		}
		return a.toastCmd(msg, true)
	}
	inv, err := cmd.Parse(tokens[1:])
	if err != nil {
		return a.toastCmd(err.Error(), true)
	}
	out, err := cmd.Run(a.pctx, inv)
	if err != nil {
		return a.toastCmd(err.Error(), true)
	}
	return out
}

// complete completes the token under the cursor (the end of the line).
func (a *App) complete() {
	c := a.cmdline
	line := c.input.Value()
	tokens, err := pane.Tokenize(line)
	if err != nil {
		return
	}
	trailingSpace := strings.HasSuffix(line, " ")
	if len(tokens) == 0 || trailingSpace {
		tokens = append(tokens, "")
	}
	last := tokens[len(tokens)-1]
	var pool []string
	if len(tokens) == 1 {
		pool = a.cmds.names()
	} else if cmd, ok := a.cmds.lookup(tokens[0]); ok {
		if strings.HasPrefix(last, "--") {
			for _, f := range append(append([]string(nil), cmd.Flags...), cmd.BoolFlags...) {
				pool = append(pool, "--"+f)
			}
		} else if cmd.Complete != nil {
			args := positional(tokens[1 : len(tokens)-1])
			pool = cmd.Complete(a.pctx, len(args), args)
		}
	}
	var matches []string
	for _, p := range pool {
		if strings.HasPrefix(p, last) {
			matches = append(matches, p)
		}
	}
	sort.Strings(matches)
	matches = slices.Compact(matches)
	if len(matches) == 0 {
		c.candidates = nil
		return
	}
	prefix := line[:len(line)-len(last)]
	if len(matches) == 1 {
		c.input.SetValue(prefix + quoteIfNeeded(matches[0]) + " ")
		c.input.CursorEnd()
		c.candidates = nil
		return
	}
	common := commonPrefix(matches)
	c.input.SetValue(prefix + common)
	c.input.CursorEnd()
	c.candidates = matches
}

// positional drops flags and their values from completed tokens.
func positional(tokens []string) []string {
	var out []string
	for i := 0; i < len(tokens); i++ {
		if strings.HasPrefix(tokens[i], "--") {
			if !strings.Contains(tokens[i], "=") {
				i++
			}
			continue
		}
		out = append(out, tokens[i])
	}
	return out
}

func quoteIfNeeded(s string) string {
	if strings.ContainsAny(s, " \t'\"\\") {
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	return s
}

func commonPrefix(list []string) string {
	p := list[0]
	for _, s := range list[1:] {
		for !strings.HasPrefix(s, p) {
			p = p[:len(p)-1]
		}
	}
	return p
}
