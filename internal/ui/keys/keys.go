// Package keys is the console's key map. Every binding has a name that the
// config file can remap (`keys: {reshard: [R]}`); the help screen and the
// footer hints are generated from it, so they never disagree with what the
// keys do.
package keys

import (
	"fmt"
	"sort"
	"strings"

	"github.com/charmbracelet/bubbles/key"
)

// Binding is one named, remappable key binding.
type Binding struct {
	Name string
	// Scope is "global" or the panes that use it, comma-separated
	// ("streams,shards").
	Scope string
	key.Binding
}

// Map holds every binding by name.
type Map struct {
	byName map[string]*Binding
	order  []string
}

type def struct {
	name, scope string
	keys        []string
	help, desc  string
}

// defaults are the DESIGN.md §4 keys plus each pane's action keys.
var defaults = []def{
	{"help", "global", []string{"?"}, "?", "help"},
	{"command", "global", []string{":"}, ":", "command"},
	{"filter", "global", []string{"/"}, "/", "filter"},
	{"back", "global", []string{"esc"}, "esc", "back"},
	{"next-pane", "global", []string{"tab"}, "tab", "next pane"},
	{"prev-pane", "global", []string{"shift+tab"}, "shift+tab", "previous pane"},
	{"enter", "global", []string{"enter"}, "enter", "drill in"},
	{"refresh", "global", []string{"r"}, "r", "refresh"},
	{"copy", "global", []string{"c"}, "c", "copy"},
	{"quit", "global", []string{"q"}, "q", "quit"},
	{"force-quit", "global", []string{"ctrl+c"}, "ctrl+c", "quit now"},
	{"up", "global", []string{"up", "k"}, "↑/k", "up"},
	{"down", "global", []string{"down", "j"}, "↓/j", "down"},
	{"page-up", "global", []string{"pgup", "ctrl+b"}, "pgup", "page up"},
	{"page-down", "global", []string{"pgdown", "ctrl+f", " "}, "pgdn", "page down"},
	{"top", "global", []string{"home", "g"}, "g", "top"},
	{"bottom", "global", []string{"end", "G"}, "G", "bottom"},
	{"sort", "global", []string{"s"}, "s", "sort by next column"},
	{"sort-reverse", "global", []string{"i"}, "i", "invert sort"},

	{"reshard", "streams,shards", []string{"R"}, "R", "reshard"},
	{"retention", "streams,shards", []string{"t"}, "t", "retention"},
	{"shard-metrics", "streams", []string{"m"}, "m", "shard metrics"},
	{"records", "streams", []string{"l"}, "l", "live records"},
	{"split-hot", "streams", []string{"S"}, "S", "split hot shard"},
	{"split", "shards", []string{"S"}, "S", "split shard"},
	{"merge", "shards", []string{"M"}, "M", "merge with next"},
	{"pause", "records", []string{"p"}, "p", "pause"},
	{"follow", "records", []string{"f"}, "f", "follow"},
	{"top-messages", "records", []string{"T"}, "T", "top messages"},
	{"ilm-attach", "indices", []string{"a"}, "a", "attach ILM"},
	{"ilm-retry", "indices,ilm", []string{"y"}, "y", "retry ILM"},
	{"rollover", "indices", []string{"o"}, "o", "rollover"},
	{"replicas", "indices", []string{"e"}, "e", "replicas"},
	{"clear-read-only", "indices", []string{"u"}, "u", "clear read-only"},
	{"logs", "coredns", []string{"l"}, "l", "logs"},
	{"previous-logs", "coredns", []string{"P"}, "P", "previous logs"},
	{"corefile", "coredns", []string{"F"}, "F", "Corefile"},
	{"restart", "coredns", []string{"ctrl+r"}, "ctrl+r", "restart"},
	{"scale", "coredns", []string{"+"}, "+", "scale"},
	{"run-step", "runbook", []string{"x"}, "x", "run step"},
	{"run-all", "runbook", []string{"X"}, "X", "run from here"},
	{"fix", "runbook", []string{"F"}, "F", "apply fix"},
	{"skip", "runbook", []string{"n"}, "n", "skip step"},
	{"export-timeline", "runbook", []string{"E"}, "E", "export timeline"},
}

// Default returns the built-in key map.
func Default() *Map {
	m := &Map{byName: map[string]*Binding{}}
	for _, d := range defaults {
		m.byName[d.name] = &Binding{Name: d.name, Scope: d.scope,
			Binding: key.NewBinding(key.WithKeys(d.keys...), key.WithHelp(d.help, d.desc))}
		m.order = append(m.order, d.name)
	}
	return m
}

// New returns the default map with the config file's remappings applied.
// Unknown names and keys claimed twice within the keys a pane sees are
// errors at start-up, not surprises at 3 a.m.
func New(remap map[string][]string) (*Map, error) {
	m := Default()
	names := make([]string, 0, len(remap))
	for n := range remap {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		ks := remap[name]
		b, ok := m.byName[name]
		if !ok {
			return nil, fmt.Errorf("keys: %q is not a remappable action; known: %s", name, strings.Join(m.order, ", "))
		}
		if len(ks) == 0 {
			return nil, fmt.Errorf("keys: %q has no key", name)
		}
		desc := b.Help().Desc
		b.Binding = key.NewBinding(key.WithKeys(ks...), key.WithHelp(strings.Join(ks, "/"), desc))
	}
	if err := m.checkConflicts(); err != nil {
		return nil, err
	}
	return m, nil
}

// checkConflicts rejects a key bound twice where both bindings are live at
// once: within the global scope, or between a pane's scope and global.
func (m *Map) checkConflicts() error {
	owner := map[string]string{} // scope+key -> binding name
	for _, name := range m.order {
		b := m.byName[name]
		for _, k := range b.Keys() {
			scopes := strings.Split(b.Scope, ",")
			if b.Scope == "global" {
				scopes = m.scopes()
			}
			for _, sc := range scopes {
				id := sc + "\x00" + k
				if other, ok := owner[id]; ok && other != name {
					return fmt.Errorf("keys: %q is bound to both %s and %s", k, other, name)
				}
				owner[id] = name
			}
		}
	}
	return nil
}

func (m *Map) scopes() []string {
	seen := map[string]bool{}
	var out []string
	for _, name := range m.order {
		for _, sc := range strings.Split(m.byName[name].Scope, ",") {
			if !seen[sc] {
				seen[sc] = true
				out = append(out, sc)
			}
		}
	}
	return out
}

// Get returns a binding by name; an unknown name is a programming error.
func (m *Map) Get(name string) key.Binding {
	b, ok := m.byName[name]
	if !ok {
		panic("keys: unknown binding " + name)
	}
	return b.Binding
}

// Matches reports whether the key message string k triggers binding name.
func (m *Map) Matches(k, name string) bool {
	for _, bk := range m.Get(name).Keys() {
		if bk == k {
			return true
		}
	}
	return false
}

// Scope returns the bindings of a scope in definition order.
func (m *Map) Scope(scope string) []*Binding {
	var out []*Binding
	for _, name := range m.order {
		if b := m.byName[name]; b.Scope == scope {
			out = append(out, b)
		}
	}
	return out
}

// Named returns the bindings with the given names, for a pane's hints.
func (m *Map) Named(names ...string) []*Binding {
	out := make([]*Binding, 0, len(names))
	for _, n := range names {
		b, ok := m.byName[n]
		if !ok {
			panic("keys: unknown binding " + n)
		}
		out = append(out, b)
	}
	return out
}
