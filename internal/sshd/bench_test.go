package sshd

import "testing"

// BenchmarkSessionStart measures what an operator waits for: TCP connect,
// SSH handshake and public-key authentication, PTY and shell requests, the
// console built and its first frame on screen, then the session closed.
func BenchmarkSessionStart(b *testing.B) {
	k := newSigner(b)
	h := newHarness(b, []string{authorizedLine(k, operatorOpt, "bench")}, withLimits(Limits{ConnBurst: 1 << 20}))
	open := func() {
		c := h.mustDial(k)
		con := h.openConsole(c)
		con.waitFor("TESTPANE")
		con.send("\x03")
		con.exitStatus()
		c.Close()
	}
	open() // the first session also builds the shared demo fleet
	b.ReportAllocs()
	for b.Loop() {
		open()
	}
}
