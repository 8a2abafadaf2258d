package keys

import (
	"strings"
	"testing"
)

func TestDefaultsHaveNoConflicts(t *testing.T) {
	if err := Default().checkConflicts(); err != nil {
		t.Fatal(err)
	}
}

func TestRemap(t *testing.T) {
	m, err := New(map[string][]string{"reshard": {"ctrl+e"}, "quit": {"Q"}})
	if err != nil {
		t.Fatal(err)
	}
	if !m.Matches("ctrl+e", "reshard") || m.Matches("R", "reshard") || !m.Matches("Q", "quit") {
		t.Fatal("remap not applied")
	}
	if m.Get("reshard").Help().Key != "ctrl+e" || m.Get("reshard").Help().Desc != "reshard" {
		t.Fatalf("help follows the remap: %+v", m.Get("reshard").Help())
	}
}

func TestRemapErrors(t *testing.T) {
	cases := map[string]map[string][]string{
		"not a remappable action":   {"launch-missiles": {"x"}},
		"has no key":                {"quit": {}},
		`"?" is bound to both help`: {"quit": {"?"}},
		`"R" is bound to both`:      {"retention": {"R"}},
	}
	for want, remap := range cases {
		if _, err := New(remap); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: want %q, got %v", remap, want, err)
		}
	}
	// A pane key may reuse a key another pane uses.
	if _, err := New(map[string][]string{"logs": {"R"}}); err != nil {
		t.Fatalf("coredns logs on R does not clash with streams reshard: %v", err)
	}
}
