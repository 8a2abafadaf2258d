package pane

import (
	"reflect"
	"strings"
	"testing"
)

func TestTokenize(t *testing.T) {
	cases := map[string][]string{
		`reshard app-logs 8`:                   {"reshard", "app-logs", "8"},
		`  filter   'two words'  "and \"q\"" `: {"filter", "two words", `and "q"`},
		`records app-logs --from=latest`:       {"records", "app-logs", "--from=latest"},
		`x a\ b 'it'\''s'`:                     {"x", "a b", "it's"},
		``:                                     nil,
	}
	for in, want := range cases {
		got, err := Tokenize(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("Tokenize(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{`a 'b`, `a "b`, `a\`} {
		if _, err := Tokenize(bad); err == nil {
			t.Errorf("Tokenize(%q) should fail", bad)
		}
	}
}

func TestParse(t *testing.T) {
	c := &Command{Name: "records", Usage: "STREAM [--from ...] [--shard ID]", MinArgs: 1, MaxArgs: 1,
		Flags: []string{"from", "shard"}, BoolFlags: []string{"follow"}}
	inv, err := c.Parse([]string{"app-logs", "--from", "trim-horizon", "--shard=shardId-000000000001", "--follow"})
	if err != nil {
		t.Fatal(err)
	}
	if inv.Args[0] != "app-logs" || inv.Flags["from"] != "trim-horizon" || inv.Flags["shard"] != "shardId-000000000001" || inv.Flags["follow"] != "true" {
		t.Fatalf("%+v", inv)
	}
	inv, err = c.Parse([]string{"--", "--odd-stream-name"})
	if err != nil || inv.Args[0] != "--odd-stream-name" {
		t.Fatalf("-- ends flags: %+v %v", inv, err)
	}
	errs := map[string][]string{
		"usage: :records":   {},
		"has no flag --to":  {"a", "--to", "x"},
		"needs a value":     {"a", "--from"},
		"given twice":       {"a", "--from", "x", "--from", "y"},
		"takes no value":    {"a", "--follow=yes"},
		"usage: :records S": {"a", "b"},
	}
	for want, tokens := range errs {
		if _, err := c.Parse(tokens); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: want %q, got %v", tokens, want, err)
		}
	}
}
