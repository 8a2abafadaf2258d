package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/muesli/termenv"
	"go.uber.org/goleak"
)

// TestSwitchingTargetsStopsWatches switches targets back and forth while
// a record tail and the CoreDNS pane's watch run, then quits: every
// goroutine they started must be gone, so switching never leaks.
func TestSwitchingTargetsStopsWatches(t *testing.T) {
	before := goleak.IgnoreCurrent()
	tc := newTestConsole(t, termenv.Ascii)
	tc.resize(120, 40)
	waitView := func(want string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(tc.app.View(), want) {
			if time.Now().After(deadline) {
				t.Fatalf("never saw %q:\n%s", want, tc.app.View())
			}
			time.Sleep(20 * time.Millisecond)
			tc.send(nil)
		}
	}
	tc.command("records app-logs")
	waitView("app-logs (latest)") // the tail is running
	tc.command("coredns")
	waitView("CrashLoopBackOff")
	for _, target := range []string{"demo-prod", "demo-staging", "demo-prod"} {
		tc.command("ctx " + target)
		if tc.app.Target().Name != target || tc.app.ActivePane() != "coredns" {
			t.Fatalf("switch to %s: on %s/%s", target, tc.app.Target().Name, tc.app.ActivePane())
		}
		waitView("CrashLoopBackOff")
	}
	tc.app.quit()
	goleak.VerifyNone(t, before)
}

// TestNoActionCrossesATargetSwitch: an action cannot be opened while a
// switch is connecting, and a dialog still open when the new target
// arrives is cancelled on the target it was prepared for, never applied
// on the new one.
func TestNoActionCrossesATargetSwitch(t *testing.T) {
	tc := newTestConsole(t, termenv.Ascii)
	tc.resize(100, 30)
	prod, _ := tc.app.opts.Target("demo-prod")

	tc.app.Update(switchTargetMsg{name: "demo-prod"}) // connecting, not connected
	tc.typeKeys("x")
	if tc.app.dialog != nil || !strings.Contains(tc.app.View(), "still connecting to demo-prod") {
		t.Fatalf("an action opened while switching:\n%s", tc.app.View())
	}
	tc.send(connectedMsg{fleet: tc.app.sess.Connect(context.Background(), prod)})
	tc.command("ctx demo-staging")

	tc.typeKeys("x")
	if tc.app.dialog == nil {
		t.Fatal("dialog did not open")
	}
	tc.app.switching = "demo-prod" // a switch issued before the dialog opened lands now
	tc.send(connectedMsg{fleet: tc.app.sess.Connect(context.Background(), prod)})
	if tc.app.dialog != nil || tc.app.Target().Name != "demo-prod" {
		t.Fatalf("dialog must be gone after the switch, target %s", tc.app.Target().Name)
	}
	tc.typeKeys("y")
	if tc.action.applied.Load() != 0 {
		t.Fatal("the action was applied after the target changed")
	}
	e := tc.audit(t)
	if len(e) != 1 || e[0].Outcome != "cancelled" || e[0].Target != "demo-staging" {
		t.Fatalf("the cancel is audited on the old target: %+v", e)
	}
}
