package pane

import (
	"fmt"
	"strings"
	"unicode"

	tea "github.com/charmbracelet/bubbletea"
)

// Command is one command-mode verb. Views return an OpenMsg command,
// actions an ActionMsg command.
type Command struct {
	Name    string
	Aliases []string
	// Usage is the synopsis shown in help and on error: "STREAM N".
	Usage string
	Help  string
	// MinArgs/MaxArgs bound the positional arguments (MaxArgs -1: any).
	MinArgs, MaxArgs int
	// Flags are the accepted --flags (without dashes); a flag listed in
	// BoolFlags takes no value.
	Flags     []string
	BoolFlags []string
	// Complete offers candidates for positional argument n (0-based).
	Complete func(c *Context, n int, args []string) []string
	Run      func(c *Context, inv Invocation) (tea.Cmd, error)
	// Raw commands get their tokens untouched in Invocation.Args: the
	// backend parses them itself (the Elasticsearch actions, whose flags
	// mix values and switches). Flags still feed completion.
	Raw bool
}

// Invocation is a parsed command line.
type Invocation struct {
	Name  string
	Args  []string
	Flags map[string]string
}

// Tokenize splits a command line on whitespace, honouring single and double
// quotes and backslash escapes, so an index name or regex with spaces can be
// given.
func Tokenize(line string) ([]string, error) {
	var out []string
	var cur strings.Builder
	inTok := false
	var quote rune
	escaped := false
	for _, r := range line {
		switch {
		case escaped:
			cur.WriteRune(r)
			escaped = false
		case r == '\\' && quote != '\'':
			escaped = true
			inTok = true
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '"' || r == '\'':
			quote = r
			inTok = true
		case unicode.IsSpace(r):
			if inTok {
				out = append(out, cur.String())
				cur.Reset()
				inTok = false
			}
		default:
			cur.WriteRune(r)
			inTok = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated %c quote", quote)
	}
	if escaped {
		return nil, fmt.Errorf("trailing backslash")
	}
	if inTok {
		out = append(out, cur.String())
	}
	return out, nil
}

// Parse checks tokens against the command's spec: known flags only, flag
// values present, argument count within bounds. "--flag=value" and
// "--flag value" are both accepted; "--" ends the flags.
func (c *Command) Parse(tokens []string) (Invocation, error) {
	inv := Invocation{Name: c.Name, Flags: map[string]string{}}
	if c.Raw {
		inv.Args = tokens
		return inv, nil
	}
	flagsDone := false
	for i := 0; i < len(tokens); i++ {
		t := tokens[i]
		if !flagsDone && t == "--" {
			flagsDone = true
			continue
		}
		if flagsDone || !strings.HasPrefix(t, "--") || len(t) == 2 {
			inv.Args = append(inv.Args, t)
			continue
		}
		name, value, hasValue := strings.Cut(t[2:], "=")
		isBool := containsStr(c.BoolFlags, name)
		if !isBool && !containsStr(c.Flags, name) {
			return inv, fmt.Errorf(":%s has no flag --%s%s", c.Name, name, c.flagList())
		}
		if _, dup := inv.Flags[name]; dup {
			return inv, fmt.Errorf(":%s: --%s given twice", c.Name, name)
		}
		switch {
		case isBool && hasValue:
			return inv, fmt.Errorf(":%s: --%s takes no value", c.Name, name)
		case isBool:
			value = "true"
		case !hasValue:
			if i+1 >= len(tokens) {
				return inv, fmt.Errorf(":%s: --%s needs a value", c.Name, name)
			}
			i++
			value = tokens[i]
		}
		inv.Flags[name] = value
	}
	if len(inv.Args) < c.MinArgs || (c.MaxArgs >= 0 && len(inv.Args) > c.MaxArgs) {
		return inv, fmt.Errorf("usage: :%s %s", c.Name, c.Usage)
	}
	return inv, nil
}

func (c *Command) flagList() string {
	all := append(append([]string(nil), c.Flags...), c.BoolFlags...)
	if len(all) == 0 {
		return " (it takes none)"
	}
	return " (flags: --" + strings.Join(all, ", --") + ")"
}

func containsStr(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
