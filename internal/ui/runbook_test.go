package ui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/muesli/termenv"
	"github.com/opsconsole/opsconsole/internal/runbook"
	"github.com/opsconsole/opsconsole/internal/sim/essim"
	"github.com/opsconsole/opsconsole/internal/sim/iamsim"
	"github.com/opsconsole/opsconsole/internal/ui/pane"
	"github.com/opsconsole/opsconsole/internal/ui/runbookui"
)

// runbookConsole is a test console whose registry has the runbook panes
// and the :runbook command, whether or not registry.go lists them yet.
func runbookConsole(t *testing.T, args ...string) *testConsole {
	t.Helper()
	return runbookConsoleIn(t, termenv.Ascii, args...)
}

func runbookConsoleIn(t *testing.T, profile termenv.Profile, args ...string) *testConsole {
	t.Helper()
	tc := newTestConsole(t, profile, args...)
	a := tc.app
	var specs []pane.Spec
	for _, s := range a.specs {
		if s.ID != runbookui.ListID && s.ID != runbookui.WalkID {
			specs = append(specs, s)
		}
	}
	a.specs = append(specs, runbookui.Specs()...)
	a.cmds = newCommandSet(a)
	for _, c := range runbookui.Commands() {
		cp := c
		for i, old := range a.cmds.list {
			if old.Name == c.Name {
				a.cmds.list[i] = &cp
			}
		}
		a.cmds.index[c.Name] = &cp
	}
	a.switchTarget(a.sess.Connect(context.Background(), a.target), "widgets")
	tc.resize(120, 40)
	return tc
}

// open opens the walkthrough as :runbooks' Enter and :runbook do.
func (tc *testConsole) openRunbook(args ...string) {
	tc.send(pane.OpenMsg{ID: runbookui.WalkID, Args: args})
}

func TestRunbooksPaneListsAndOpens(t *testing.T) {
	tc := runbookConsole(t)
	tc.command("runbooks")
	view := tc.app.View()
	for _, want := range []string{"ID", "TITLE", "SOURCE", "coredns-dns-failing", "es-ilm-error", "kinesis-consumer-lag", "builtin", "SYMPTOMS", "pods fail to resolve"} {
		if !strings.Contains(view, want) {
			t.Errorf("runbooks pane lacks %q:\n%s", want, view)
		}
	}
	tc.typeKeys("/unassigned")
	tc.key(tea.KeyEnter)
	tc.key(tea.KeyEnter)
	if tc.app.ActivePane() != runbookui.WalkID || !strings.Contains(tc.app.View(), "Elasticsearch unassigned shards") {
		t.Fatalf("enter opens the walkthrough:\n%s", tc.app.View())
	}
	if got := tc.app.pctx.Names.Get("runbooks"); len(got) != 10 {
		t.Fatalf("runbook ids feed completion: %v", got)
	}
}

func TestRunbookWalkthroughFixThroughDialog(t *testing.T) {
	tc := runbookConsole(t)
	tc.openRunbook("es-unassigned-shards")
	view := tc.app.View()
	if !strings.Contains(view, "[PENDING]") || !strings.Contains(view, "Not checked yet") || !strings.Contains(view, "same_shard") {
		t.Fatalf("before the check: steps pending and the explanation rendered:\n%s", view)
	}
	tc.typeKeys("x")
	view = tc.app.View()
	for _, want := range []string{"[FAIL   ]", "geo-lookup shard 0 replica: UNASSIGNED", "threshold: unassigned 1 >= 1 (fail)", "F applies :replicas geo-lookup 2"} {
		if !strings.Contains(view, want) {
			t.Fatalf("after x the view lacks %q:\n%s", want, view)
		}
	}
	tc.typeKeys("F")
	view = tc.app.View()
	if !strings.Contains(view, "PUT /geo-lookup/_settings") || !strings.Contains(view, "[ y apply ]") {
		t.Fatalf("F opens the confirm dialog with the plan:\n%s", view)
	}
	tc.typeKeys("y")
	if !strings.Contains(tc.app.View(), "applied") {
		t.Fatalf("y applies:\n%s", tc.app.View())
	}
	tc.typeKeys(" ") // close the dialog
	view = tc.app.View()
	if !strings.Contains(view, "[PASS   ]") || !strings.Contains(view, "re-check [PASS   ]") || !strings.Contains(view, "fix :replicas geo-lookup 2") {
		t.Fatalf("the re-check runs after the fix and passes:\n%s", view)
	}
	if e := tc.audit(t); len(e) != 1 || e[0].Action != "replicas" || e[0].Outcome != "applied" || e[0].User != "tester" {
		t.Fatalf("audit %+v", e)
	}
	tc.typeKeys("E")
	if !strings.Contains(tc.app.View(), "timeline exported to") {
		t.Fatalf("E reports the path:\n%s", tc.app.View())
	}
	dir := runbook.TimelineDir(tc.auditLog)
	files, err := os.ReadDir(dir)
	if err != nil || len(files) != 1 {
		t.Fatalf("timeline files %v %v", files, err)
	}
	path := filepath.Join(dir, files[0].Name())
	st, _ := os.Stat(path)
	body, _ := os.ReadFile(path)
	md := string(body)
	if st.Mode().Perm() != 0o600 || !strings.HasSuffix(path, "-es-unassigned-shards.md") {
		t.Fatalf("timeline %s mode %v", path, st.Mode())
	}
	for _, want := range []string{"# Runbook timeline: Elasticsearch unassigned shards", "- **Operator:** tester", "- **Target:** demo-staging (staging)",
		"| check | FAIL |", "`:replicas geo-lookup 2`", "applied: number_of_replicas is 2", "| re-check | PASS |", "| tester |"} {
		if !strings.Contains(md, want) {
			t.Errorf("timeline lacks %q:\n%s", want, md)
		}
	}
}

func TestRunbookAsksForMissingParameter(t *testing.T) {
	tc := runbookConsole(t)
	tc.openRunbook("kinesis-permissions", "stream=app-logs")
	if got := tc.app.cmdline.input.Value(); got != "runbook kinesis-permissions stream=app-logs principal=" || tc.app.mode != modeCommand {
		t.Fatalf("the command line must ask for the principal, got %q", got)
	}
	tc.typeKeys(iamsim.DemoProcessor)
	tc.key(tea.KeyEnter)
	tc.typeKeys("X") // run everything from the first step
	view := tc.app.View()
	for _, want := range []string{"principal=" + iamsim.DemoProcessor, "[PASS   ] 1. stream", "[FAIL   ] 2. simulate", "runbook finished"} {
		if !strings.Contains(view, want) {
			t.Fatalf("view lacks %q:\n%s", want, view)
		}
	}
	if view := tc.app.View(); !strings.Contains(view, "NO  kinesis:GetRecords: DENIED implicitly") {
		t.Fatalf("the denied action is shown:\n%s", view)
	}
	tc.key(tea.KeyPgDown)
	if view := tc.app.View(); !strings.Contains(view, "aws iam put-role-policy") {
		t.Fatalf("pgdn scrolls to the IAM fix:\n%s", view)
	}
	tc.typeKeys("F")
	if view := tc.app.View(); !strings.Contains(view, "no fix the console can apply") || tc.app.mode == modeDialog {
		t.Fatalf("an IAM change is not a console fix:\n%s", view)
	}
}

func TestRunbookFixRefusedWhenReadOnly(t *testing.T) {
	tc := runbookConsole(t, "--read-only")
	tc.openRunbook("es-ilm-error")
	tc.typeKeys("X") // ends on the first failed step
	tc.typeKeys("j")
	tc.typeKeys("F")
	if !strings.Contains(tc.app.View(), "READ-ONLY") {
		t.Fatalf("dialog must say read-only:\n%s", tc.app.View())
	}
	tc.typeKeys("y")
	tc.typeKeys(" ")
	view := tc.app.View()
	if !strings.Contains(view, "fix :ilm-attach "+essim.DemoILMErrorIndex) || !strings.Contains(view, "refused") || strings.Contains(view, "re-check") {
		t.Fatalf("a refused fix is recorded and not re-checked:\n%s", view)
	}
	if e := tc.audit(t); len(e) != 1 || e[0].Outcome != "refused" {
		t.Fatalf("audit %+v", e)
	}
}

func TestRunbookDiskFixRefusedUntilDiskFreed(t *testing.T) {
	tc := runbookConsole(t)
	tc.openRunbook("es-disk-watermark")
	tc.typeKeys("X")
	tc.typeKeys("j")
	tc.typeKeys("F")
	if view := tc.app.View(); !strings.Contains(view, "clear-read-only: refused: data-1 at 91.2%") || tc.app.mode == modeDialog {
		t.Fatalf("Validate refuses before the dialog:\n%s", view)
	}
	// Disk is freed outside the console; then the fix goes through.
	if err := tc.demo.ES.SetNodeDiskPercent(essim.DemoHotDiskNode, 78); err != nil {
		t.Fatal(err)
	}
	tc.typeKeys("F")
	tc.typeKeys("y")
	tc.typeKeys(" ")
	if view := tc.app.View(); !strings.Contains(view, "re-check [PASS   ]") {
		t.Fatalf("after freeing disk the block clears:\n%s", view)
	}
}

func TestRunbookPaneFitsAndHasNoEscapes(t *testing.T) {
	tc := runbookConsole(t)
	tc.openRunbook("coredns-dns-failing")
	tc.typeKeys("X")
	for _, sz := range [][2]int{{80, 24}, {120, 40}, {60, 15}} {
		tc.resize(sz[0], sz[1])
		for i := 0; i < 7; i++ {
			view := tc.app.View()
			checkFrame(t, view, sz[0], sz[1])
			if strings.Contains(view, "\x1b") {
				t.Fatalf("escape sequences with NO_COLOR:\n%q", view)
			}
			tc.typeKeys("j")
		}
	}
	tc.resize(120, 40)
	tc.typeKeys("g")
	tc.typeKeys("j")
	if view := tc.app.View(); !strings.Contains(view, "[FATAL] plugin/loop: Loop") || !strings.Contains(view, "kubelet") {
		t.Fatalf("the loop step shows the evidence and the manual fix:\n%s", view)
	}
	// In colour the rendered Markdown keeps the frame too.
	colour := runbookConsoleIn(t, termenv.TrueColor)
	colour.openRunbook("coredns-dns-failing")
	colour.typeKeys("X")
	for _, sz := range [][2]int{{80, 24}, {100, 30}} {
		colour.resize(sz[0], sz[1])
		for i := 0; i < 7; i++ {
			checkFrame(t, colour.app.View(), sz[0], sz[1])
			colour.typeKeys("j")
		}
	}
}

func TestRunbookCommand(t *testing.T) {
	tc := runbookConsole(t)
	tc.command("runbook es-ilm-error color=red")
	if view := tc.app.View(); !strings.Contains(view, `has no parameter "color"`) {
		t.Fatalf("unknown parameter:\n%s", view)
	}
	tc.command("runbook es-ilm-error oops")
	if view := tc.app.View(); !strings.Contains(view, "write it as NAME=VALUE") {
		t.Fatalf("bad syntax:\n%s", view)
	}
	tc.typeKeys(":runbook kinesis-cons")
	tc.key(tea.KeyTab)
	if got := tc.app.cmdline.input.Value(); got != "runbook kinesis-consumer-lag " {
		t.Fatalf("completion: %q", got)
	}
	tc.typeKeys("win")
	tc.key(tea.KeyTab)
	if got := tc.app.cmdline.input.Value(); got != "runbook kinesis-consumer-lag window=15m " {
		t.Fatalf("parameter completion: %q", got)
	}
}
