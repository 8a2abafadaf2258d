package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/muesli/termenv"
	"go.uber.org/goleak"
)

// TestSwitchingTargetsStopsWatches switches targets back and forth while
// the CoreDNS pane's watch runs, then quits: every goroutine the watches
// started must be gone, so switching never leaks.
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
