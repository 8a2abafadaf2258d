package ui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/muesli/termenv"
	"github.com/opsconsole/opsconsole/internal/sim/essim"
)

func esConsole(t *testing.T, pane string, args ...string) *testConsole {
	t.Helper()
	tc := newTestConsole(t, termenv.Ascii, args...)
	tc.resize(160, 50)
	tc.command(pane)
	return tc
}

func TestNodesPaneFlagsDiskAndHeap(t *testing.T) {
	tc := esConsole(t, "nodes")
	view := tc.app.View()
	for _, want := range []string{"default-0", "data-2", "monitoring-1", "cdfhilmrstw", "!! high 91.2%", "!! 8", "low 85%", "yellow"} {
		if !strings.Contains(view, want) {
			t.Errorf("nodes pane lacks %q:\n%s", want, view)
		}
	}
	tc.typeKeys("j")
	tc.key(tea.KeyEnter)
	if view := tc.app.View(); !strings.Contains(view, "data_hot") || !strings.Contains(view, "over the high watermark") {
		t.Fatalf("node detail decodes roles and explains the watermark:\n%s", view)
	}
}

func TestIndicesPaneWorstFirst(t *testing.T) {
	tc := esConsole(t, "indices")
	view := tc.app.View()
	lines := strings.Split(view, "\n")
	first := ""
	for _, l := range lines {
		if strings.HasPrefix(l, "▶ ") {
			first = l
		}
	}
	if !strings.Contains(first, essim.DemoILMErrorIndex) && !strings.Contains(first, essim.DemoReadOnlyIndex) {
		t.Fatalf("an ILM error or read-only index must be first, got %q\n%s", first, view)
	}
	for _, want := range []string{"functionbeat-8.7.1", "no lifecycle", "oversized shard", "!! 1 ILM error", "!! 1 read-only"} {
		if !strings.Contains(view, want) {
			t.Errorf("indices pane lacks %q", want)
		}
	}
}

func TestAttachPolicyFromIndicesPane(t *testing.T) {
	tc := esConsole(t, "indices")
	tc.typeKeys("/functionbeat-8")
	tc.key(tea.KeyEnter)
	tc.typeKeys("a")
	got := tc.app.cmdline.input.Value()
	// The template's alias writes to functionbeat-000001, so the old index
	// is attached as no longer written rather than given that alias.
	if got != "ilm-attach functionbeat-8.7.1 functionbeat --indexing-complete" {
		t.Fatalf("a must prefill the attach from the matching template, got %q", got)
	}
	tc.key(tea.KeyEnter)
	view := tc.app.View()
	if !strings.Contains(view, "PUT /functionbeat-8.7.1/_settings") || !strings.Contains(view, "curl") {
		t.Fatalf("attach preview:\n%s", view)
	}
	// The index is older than the policy's delete min_age: attaching it
	// would let ILM delete it, so the name must be typed.
	if !strings.Contains(view, "ILM will DELETE it") || !strings.Contains(view, `Type the name "functionbeat-8.7.1"`) {
		t.Fatalf("attach must warn that ILM would delete the old index:\n%s", view)
	}
	tc.typeKeys("functionbeat-8.7.1")
	tc.key(tea.KeyEnter)
	if !strings.Contains(tc.app.View(), "applied") {
		t.Fatalf("attach must apply:\n%s", tc.app.View())
	}
	tc.typeKeys(" ")
	if e := tc.audit(t); len(e) != 1 || e[0].Action != "ilm-attach" || !strings.HasPrefix(e[0].CLI, "curl") {
		t.Fatalf("audit %+v", e)
	}
}

func TestESValidationAndReadOnly(t *testing.T) {
	tc := esConsole(t, "indices", "--read-only")
	tc.command("ilm-retry functionbeat-000001")
	if view := tc.app.View(); !strings.Contains(view, "not in") && !strings.Contains(view, "ERROR") {
		t.Fatalf("retrying an index not in ERROR must be refused:\n%s", view)
	}
	tc.command("replicas " + essim.DemoUnassignedIndex + " 2")
	if !strings.Contains(tc.app.View(), "READ-ONLY") {
		t.Fatalf("read-only dialog:\n%s", tc.app.View())
	}
	tc.typeKeys("y")
	if e := tc.audit(t); len(e) != 1 || e[0].Outcome != "refused" {
		t.Fatalf("audit %+v", e)
	}
}

func TestESShardsExplainUnassigned(t *testing.T) {
	tc := esConsole(t, "es-shards")
	tc.typeKeys("/UNASSIGNED")
	tc.key(tea.KeyEnter)
	tc.key(tea.KeyEnter)
	view := tc.app.View()
	if !strings.Contains(view, essim.DemoUnassignedIndex) || !strings.Contains(view, "What to do") {
		t.Fatalf("allocation explanation:\n%s", view)
	}
}

func TestILMPaneListsErrorsFirst(t *testing.T) {
	tc := esConsole(t, "ilm")
	view := tc.app.View()
	if !strings.Contains(view, "!! ERROR") || !strings.Contains(view, essim.DemoILMErrorIndex) || !strings.Contains(view, "functionbeat") {
		t.Fatalf("ILM pane:\n%s", view)
	}
	tc.key(tea.KeyEnter)
	if view := tc.app.View(); !strings.Contains(view, "ILM stopped on") {
		t.Fatalf("error detail:\n%s", view)
	}
}

func TestCoreDNSPaneShowsCrashLoop(t *testing.T) {
	tc := esConsole(t, "coredns")
	view := tc.app.View()
	for _, want := range []string{"!! CrashLoopBackOff", "Running", "deployment coredns", "!! ready 1", "kube-dns"} {
		if !strings.Contains(view, want) {
			t.Errorf("coredns pane lacks %q:\n%s", want, view)
		}
	}
	tc.typeKeys("P")
	if view := tc.app.View(); !strings.Contains(view, "plugin/loop") || !strings.Contains(view, "a restart will not fix it") {
		t.Fatalf("previous logs of the crashing pod show the loop and its meaning:\n%s", view)
	}
	tc.key(tea.KeyEsc)
	tc.typeKeys("F")
	if view := tc.app.View(); !strings.Contains(view, "forward . /etc/resolv.conf") || !strings.Contains(view, "1 finding") {
		t.Fatalf("Corefile view:\n%s", view)
	}
	tc.key(tea.KeyEsc)
	tc.command("coredns-scale 1")
	if view := tc.app.View(); !strings.Contains(view, `Type the name "coredns"`) {
		t.Fatalf("scaling below 2 is high-risk:\n%s", view)
	}
}

func TestAttachSuggestionForTheILMErrorIndex(t *testing.T) {
	tc := esConsole(t, "indices")
	tc.typeKeys("/" + essim.DemoILMErrorIndex)
	tc.key(tea.KeyEnter)
	tc.typeKeys("a")
	want := "ilm-attach metricbeat-7.17.0 metricbeat --rollover-alias metricbeat-write --indexing-complete"
	if got := tc.app.cmdline.input.Value(); got != want {
		t.Fatalf("got %q, want %q (the demo's documented fix)", got, want)
	}
}
