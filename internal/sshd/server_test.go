package sshd

import (
	"bufio"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

func TestAllowedKeyGetsTheConsoleWithItsIdentity(t *testing.T) {
	t.Parallel()
	op := newSigner(t)
	h := newHarness(t, []string{authorizedLine(op, operatorOpt, "alice@laptop")})
	con := h.openConsole(h.mustDial(op))
	con.waitFor("demo-staging") // the header's target badge
	con.waitFor("alice@laptop (operator)")
	con.waitFor("TESTPANE filter=[]")
	if strings.Contains(con.screen(), "READ-ONLY") {
		t.Error("an operator key must not get the read-only badge")
	}
	// The operator's action goes through; the audit entry names the key.
	con.send("x")
	con.waitFor("Restart test-deploy")
	con.send("y")
	con.waitFor("test-restart test-deploy applied")
	if n := h.action.applied.Load(); n != 1 {
		t.Fatalf("Apply called %d times, want 1", n)
	}
	entries := h.auditEntries()
	if len(entries) != 1 {
		t.Fatalf("want 1 audit entry, got %+v", entries)
	}
	e := entries[0]
	wantUser := gossh.FingerprintSHA256(op.PublicKey()) + " alice@laptop"
	if e.Outcome != "applied" || e.User != wantUser || e.Host != "127.0.0.1" || e.Target != "demo-staging" {
		t.Errorf("audit entry %+v; want applied by %q from 127.0.0.1 on demo-staging", e, wantUser)
	}
	con.send("qq") // the first closes the outcome dialog
	if code := con.exitStatus(); code != 0 {
		t.Errorf("quitting exits %d, want 0", code)
	}
	h.waitLog("session end")
}

func TestReadOnlyKeyCannotApplyAndTheRefusalIsAudited(t *testing.T) {
	t.Parallel()
	ro := newSigner(t)
	h := newHarness(t, []string{authorizedLine(ro, `no-port-forwarding,from="127.0.0.0/8,::1"`, "bob@desk")})
	// The client's environment must not influence the role.
	con := h.openConsole(h.mustDial(ro), func(s *gossh.Session) { _ = s.Setenv("OPSCONSOLE_ROLE", "operator") })
	con.waitFor("bob@desk (read-only)")
	con.waitFor("READ-ONLY")
	con.send("x")
	con.waitFor("has the read-only role")
	con.send("y")
	con.waitFor("test-restart test-deploy refused")
	if n := h.action.applied.Load(); n != 0 {
		t.Fatalf("a read-only key applied the action (%d calls)", n)
	}
	entries := h.auditEntries()
	if len(entries) != 1 {
		t.Fatalf("want 1 audit entry, got %+v", entries)
	}
	fp := gossh.FingerprintSHA256(ro.PublicKey())
	if e := entries[0]; e.Outcome != "refused" || e.User != fp+" bob@desk" || !strings.Contains(e.Error, fp) {
		t.Errorf("audit entry %+v; want refused by %s bob@desk, naming the key in the error", e, fp)
	}
}

// CVE-2024-45337: the role must follow the key that signed, not a key the
// client merely offered, in either order.
func TestRoleFollowsTheKeyThatSignedNotTheKeysOffered(t *testing.T) {
	t.Parallel()
	op, ro := newSigner(t), newSigner(t)
	h := newHarness(t, []string{authorizedLine(op, operatorOpt, "operator-key"), authorizedLine(ro, "", "readonly-key")})

	dialOfferingFirst := func(offered, signs gossh.Signer) *gossh.Client {
		t.Helper()
		fake := &failingSigner{Signer: offered}
		step := 0
		cfg := h.clientConfig()
		cfg.AuthCallback = func(*gossh.ClientAuthContext) (gossh.AuthMethod, error) {
			step++
			switch step {
			case 1:
				return gossh.PublicKeys(fake), nil
			case 2:
				return gossh.PublicKeys(signs), nil
			}
			return nil, nil
		}
		c, err := h.dial(cfg)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		t.Cleanup(func() { c.Close() })
		if !fake.asked.Load() {
			t.Fatal("the server never accepted the offered key, so this test proves nothing")
		}
		return c
	}

	con := h.openConsole(dialOfferingFirst(op, ro))
	con.waitFor("readonly-key (read-only)")
	con.send("x")
	con.waitFor("has the read-only role")
	con.send("y")
	con.waitFor("test-restart test-deploy refused")
	if n := h.action.applied.Load(); n != 0 {
		t.Fatalf("offering the operator key granted the operator role (%d applies)", n)
	}
	if e := h.auditEntries(); len(e) != 1 || e[0].User != gossh.FingerprintSHA256(ro.PublicKey())+" readonly-key" {
		t.Fatalf("audit must name the key that signed: %+v", e)
	}

	con2 := h.openConsole(dialOfferingFirst(ro, op))
	con2.waitFor("operator-key (operator)")
}

func TestRefusedAuthentication(t *testing.T) {
	t.Parallel()
	known, unknown := newSigner(t), newSigner(t)
	h := newHarness(t, []string{authorizedLine(known, operatorOpt, "known")})
	forced := func(m gossh.AuthMethod) *gossh.ClientConfig {
		cfg := h.clientConfig()
		sent := false
		// AuthCallback sends the method even though the server does not
		// list it, so the refusal happens on the server, not the client.
		cfg.AuthCallback = func(*gossh.ClientAuthContext) (gossh.AuthMethod, error) {
			if sent {
				return nil, nil
			}
			sent = true
			return m, nil
		}
		return cfg
	}
	cases := []struct {
		name, logged string
		cfg          *gossh.ClientConfig
	}{
		{"none", "method=none", h.clientConfig()},
		{"unknown key", "public key refused", h.clientConfig(gossh.PublicKeys(unknown))},
		{"password", "method=password", forced(gossh.Password("hunter2"))},
		{"keyboard-interactive", "method=keyboard-interactive", forced(gossh.KeyboardInteractive(
			func(string, string, []string, []bool) ([]string, error) { return nil, nil }))},
	}
	for _, c := range cases {
		if cl, err := h.dial(c.cfg); err == nil {
			cl.Close()
			t.Errorf("%s: authenticated, want refused", c.name)
		}
		h.waitLog(c.logged)
	}
	if strings.Contains(h.logs.String(), "session start") {
		t.Error("a refused client got a session")
	}
	for _, refusedThere := range []string{"password auth not configured", "keyboard-interactive auth not configured"} {
		if !strings.Contains(h.logs.String(), refusedThere) {
			t.Errorf("the attempt must have reached the server and been refused there (%q not logged)", refusedThere)
		}
	}
}

func TestEverythingButTheConsoleIsRefused(t *testing.T) {
	t.Parallel()
	k := newSigner(t)
	h := newHarness(t, []string{authorizedLine(k, operatorOpt, "k")})
	c := h.mustDial(k)

	// exec: nothing runs; the reason and exit status 1.
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	s.Stderr = &stderr
	err = s.Run("cat /etc/passwd")
	var ee *gossh.ExitError
	if !errors.As(err, &ee) || ee.ExitStatus() != 1 {
		t.Errorf("exec: want exit status 1, got %v", err)
	}
	if !strings.Contains(stderr.String(), "running commands is not offered") {
		t.Errorf("exec: want the reason, got %q", stderr.String())
	}
	s.Close()

	// subsystem (sftp)
	s, _ = c.NewSession()
	if err := s.RequestSubsystem("sftp"); err == nil {
		t.Error("the sftp subsystem must be refused")
	}
	s.Close()

	// agent and X11 forwarding
	s, _ = c.NewSession()
	if err := agent.RequestAgentForwarding(s); err == nil {
		t.Error("agent forwarding must be refused")
	}
	if ok, err := s.SendRequest("x11-req", true, gossh.Marshal(struct {
		Single        bool
		Proto, Cookie string
		Screen        uint32
	}{false, "MIT-MAGIC-COOKIE-1", "00", 0})); ok || err != nil {
		t.Errorf("X11 forwarding must be refused: ok=%v err=%v", ok, err)
	}
	s.Close()

	// local (direct-tcpip) and remote (tcpip-forward) port forwarding
	target, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	if conn, err := c.Dial("tcp", target.Addr().String()); err == nil {
		conn.Close()
		t.Error("direct-tcpip must be refused")
	} else if !strings.Contains(err.Error(), "port forwarding") {
		t.Errorf("direct-tcpip refusal should say why: %v", err)
	}
	if ln, err := c.Listen("tcp", "127.0.0.1:0"); err == nil {
		ln.Close()
		t.Error("tcpip-forward must be refused")
	}
	for _, logged := range []string{"exec refused", "subsystem refused", "auth-agent-req@openssh.com", "x11-req", "type=direct-tcpip", "type=tcpip-forward"} {
		h.waitLog(logged)
	}

	// A shell without a PTY: refused with the reason and exit status 1.
	s, _ = c.NewSession()
	var out syncBuffer
	s.Stdout, s.Stderr = &out, &out
	if err := s.Shell(); err != nil {
		t.Fatal(err)
	}
	err = s.Wait()
	if !errors.As(err, &ee) || ee.ExitStatus() != 1 {
		t.Errorf("no-PTY session: want exit status 1, got %v", err)
	}
	if !strings.Contains(out.String(), "the console needs a terminal") {
		t.Errorf("no-PTY session: want the reason, got %q", out.String())
	}
	// The connection survived all of that: the console still opens.
	con := h.openConsole(c)
	con.waitFor("TESTPANE")
}

func TestNoPTYKeyIsRefusedWithItsLine(t *testing.T) {
	t.Parallel()
	k := newSigner(t)
	h := newHarness(t, []string{"# header", authorizedLine(k, "restrict", "batch")})
	con := h.openConsole(h.mustDial(k))
	con.waitFor("(line 2) forbids a terminal")
	if code := con.exitStatus(); code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
}

func TestFromOptionIsHonoured(t *testing.T) {
	t.Parallel()
	elsewhere, here := newSigner(t), newSigner(t)
	h := newHarness(t, []string{
		authorizedLine(elsewhere, `from="10.0.0.0/8"`, "office-only"),
		authorizedLine(here, `from="!10.0.0.1,127.0.0.1"`, "loopback"),
	})
	if c, err := h.dial(h.clientConfig(gossh.PublicKeys(elsewhere))); err == nil {
		c.Close()
		t.Fatal("a key limited to 10.0.0.0/8 logged in from 127.0.0.1")
	}
	h.waitLog("from= does not allow 127.0.0.1")
	h.openConsole(h.mustDial(here)).waitFor("loopback (read-only)")
}

func TestConcurrentSessionsAreIndependent(t *testing.T) {
	t.Parallel()
	a, b := newSigner(t), newSigner(t)
	h := newHarness(t, []string{authorizedLine(a, operatorOpt, "alpha-user"), authorizedLine(b, "", "beta-user")})
	ca := h.openConsole(h.mustDial(a))
	cb := h.openConsole(h.mustDial(b))
	ca.waitFor("TESTPANE filter=[]")
	cb.waitFor("TESTPANE filter=[]")
	ca.send("/alpha")
	cb.send("/beta")
	ca.waitFor("filter=[alpha]")
	cb.waitFor("filter=[beta]")
	if strings.Contains(ca.screen(), "beta") || strings.Contains(cb.screen(), "alpha") {
		t.Fatal("one session's state leaked into the other")
	}
	// One quits; the other carries on.
	ca.send("\x03") // ctrl+c
	if code := ca.exitStatus(); code != 0 {
		t.Errorf("exit status %d", code)
	}
	cb.send("\x1b") // esc leaves filter mode and clears the filter
	cb.waitFor("filter=[]")
}

func TestPanicInOneSessionDoesNotAffectOthers(t *testing.T) {
	t.Parallel()
	k := newSigner(t)
	h := newHarness(t, []string{authorizedLine(k, operatorOpt, "k")})
	survivor := h.openConsole(h.mustDial(k))
	survivor.waitFor("TESTPANE")
	for _, key := range []string{"P", "Z"} { // in Update, in a command
		victim := h.openConsole(h.mustDial(k))
		victim.waitFor("TESTPANE")
		victim.send(key)
		victim.waitFor("internal error; this session was closed")
		if code := victim.exitStatus(); code != 1 {
			t.Errorf("%s: exit status %d, want 1", key, code)
		}
	}
	// A panic while the session handler builds the console, outside the
	// program's own recovery.
	h.panicNew.Store(true)
	broken := h.openConsole(h.mustDial(k))
	broken.waitFor("internal error; this session was closed")
	if code := broken.exitStatus(); code != 1 {
		t.Errorf("panic while building: exit status %d, want 1", code)
	}
	h.panicNew.Store(false)

	survivor.send("/still-here")
	survivor.waitFor("filter=[still-here]")
	h.openConsole(h.mustDial(k)).waitFor("TESTPANE")
	h.waitLog("console stopped without quitting")
	h.waitLog("panic in session handler")
}

func TestHostKeyIsStableAcrossRestarts(t *testing.T) {
	t.Parallel()
	k := newSigner(t)
	h := newHarness(t, []string{authorizedLine(k, "", "k")})
	seen := func() string {
		t.Helper()
		var fp string
		cfg := h.clientConfig(gossh.PublicKeys(k))
		cfg.HostKeyCallback = func(_ string, _ net.Addr, key gossh.PublicKey) error {
			fp = gossh.FingerprintSHA256(key)
			return nil
		}
		c, err := h.dial(cfg)
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
		return fp
	}
	first := seen()
	if first != h.srv.HostKeyFingerprint() {
		t.Fatalf("client saw %s, server reports %s", first, h.srv.HostKeyFingerprint())
	}
	if m := fileMode(t, h.hostKey); m != 0o600 {
		t.Errorf("host key mode %04o", m)
	}
	h.stop()
	h.start()
	if again := seen(); again != first {
		t.Fatalf("host key changed across restarts: %s then %s", first, again)
	}
}

func TestAuthorizedKeysAreReadAgainWhenChanged(t *testing.T) {
	t.Parallel()
	a, b := newSigner(t), newSigner(t)
	h := newHarness(t, []string{authorizedLine(a, "", "a")})
	try := func(s gossh.Signer) error {
		c, err := h.dial(h.clientConfig(gossh.PublicKeys(s)))
		if err == nil {
			c.Close()
		}
		return err
	}
	if err := try(b); err == nil {
		t.Fatal("b is not authorised yet")
	}
	writeFile(t, h.authKeys, authorizedLine(a, "", "a"), "garbage line", authorizedLine(b, operatorOpt, "b"))
	if err := try(b); err != nil {
		t.Fatalf("b was added: %v", err)
	}
	h.waitLog("line=2")
	// A session opened before a key is removed keeps running; a new one is
	// re-checked against the file.
	c := h.mustDial(a)
	writeFile(t, h.authKeys, authorizedLine(b, operatorOpt, "b"))
	if err := try(a); err == nil {
		t.Fatal("a was removed but can still log in")
	}
	con := h.openConsole(c)
	con.waitFor("is no longer authorised")
	if code := con.exitStatus(); code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
}

func TestIdleTimeoutCountsKeyPressesOnly(t *testing.T) {
	t.Parallel()
	k := newSigner(t)
	h := newHarness(t, []string{authorizedLine(k, "", "k")}, withFlags("--idle-timeout", "600ms"))
	con := h.openConsole(h.mustDial(k))
	con.waitFor("TESTPANE")
	// Typing keeps it open past twice the timeout...
	start := time.Now()
	for time.Since(start) < 1300*time.Millisecond {
		con.send("/")
		con.send("\x1b")
		time.Sleep(100 * time.Millisecond)
	}
	select {
	case err := <-con.exited:
		t.Fatalf("session closed while typing: %v\n%s", err, con.tail())
	default:
	}
	// ...and silence closes it, with the reason.
	con.waitFor("no key was pressed for 600ms")
	if code := con.exitStatus(); code != 0 {
		t.Errorf("exit status %d, want 0", code)
	}
}

func TestMaximumSessionTime(t *testing.T) {
	t.Parallel()
	k := newSigner(t)
	h := newHarness(t, []string{authorizedLine(k, "", "k")}, withFlags("--max-session", "700ms"))
	con := h.openConsole(h.mustDial(k))
	con.waitFor("the maximum session time (700ms) was reached")
	con.exitStatus()
}

func TestGracefulShutdownTellsSessions(t *testing.T) {
	t.Parallel()
	k := newSigner(t)
	h := newHarness(t, []string{authorizedLine(k, "", "k")}, withLimits(Limits{ShutdownNotice: 300 * time.Millisecond}))
	con := h.openConsole(h.mustDial(k))
	con.waitFor("TESTPANE")
	h.stop()
	con.waitFor("the server is shutting down: this session closes in")             // the toast
	con.waitFor("opsconsole: the server is shutting down; this session is closed") // after the program
	if code := con.exitStatus(); code != 0 {
		t.Errorf("exit status %d", code)
	}
	if c, err := net.DialTimeout("tcp", h.addr, time.Second); err == nil {
		c.Close()
		t.Error("the server still accepts connections after shutdown")
	}
}

func TestConnectionRateLimitPerSource(t *testing.T) {
	t.Parallel()
	k := newSigner(t)
	h := newHarness(t, []string{authorizedLine(k, "", "k")}, withLimits(Limits{ConnBurst: 2, ConnEvery: time.Hour}))
	firstLine := func() string {
		t.Helper()
		c, err := net.DialTimeout("tcp", h.addr, waitLimit)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		// Speak first, as SSH clients do: the refusal must still arrive
		// (closing on unread input would send a reset instead).
		if _, err := io.WriteString(c, "SSH-2.0-ratetest\r\n"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond) // let the server read-or-not before it closes
		_ = c.SetReadDeadline(time.Now().Add(waitLimit))
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil && line == "" {
			t.Fatalf("no line from the server: %v", err)
		}
		return line
	}
	for i := 0; i < 2; i++ {
		if l := firstLine(); !strings.HasPrefix(l, "SSH-2.0-opsconsole") {
			t.Fatalf("connection %d: %q", i+1, l)
		}
	}
	if l := firstLine(); !strings.Contains(l, "too many connections from 127.0.0.1; try again in") {
		t.Fatalf("third connection: %q", l)
	}
	if _, err := h.dial(h.clientConfig(gossh.PublicKeys(k))); err == nil {
		t.Fatal("an SSH client over the limit got in")
	}
	h.waitLog("rate limit")
}

func TestLoginGraceAndSessionLimit(t *testing.T) {
	t.Parallel()
	k := newSigner(t)
	h := newHarness(t, []string{authorizedLine(k, "", "k")}, withLimits(Limits{LoginGrace: 200 * time.Millisecond, MaxSessions: 1}))
	raw, err := net.DialTimeout("tcp", h.addr, waitLimit)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	_ = raw.SetReadDeadline(time.Now().Add(waitLimit))
	r := bufio.NewReader(raw)
	if _, err := r.ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	for {
		if _, err := r.Read(buf); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatal("a silent connection was not closed after the login grace time")
			}
			break // closed by the server
		}
	}
	h.waitLog("login grace")

	first := h.openConsole(h.mustDial(k))
	first.waitFor("TESTPANE")
	second := h.openConsole(h.mustDial(k))
	second.waitFor("consoles open, its limit")
	if code := second.exitStatus(); code != 1 {
		t.Errorf("exit status %d", code)
	}
}

func TestStartupErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	base := []string{"serve", "--demo", "--listen", "127.0.0.1:0", "--audit-log", dir + "/audit.jsonl"}
	parse := func(extra ...string) *Config {
		t.Helper()
		o, err := parseOpts(append(append([]string{}, base...), extra...))
		if err != nil {
			t.Fatal(err)
		}
		return &Config{Options: o, Audit: mustAudit(t, dir+"/audit.jsonl")}
	}
	cases := map[string]*Config{
		"needs --host-key":        parse("--authorized-keys", dir+"/ak"),
		"needs --authorized-keys": parse("--host-key", dir+"/hk"),
		"authorized keys":         parse("--host-key", dir+"/hk", "--authorized-keys", dir+"/missing"),
	}
	for want, cfg := range cases {
		if _, err := New(*cfg); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want an error containing %q, got %v", want, err)
		}
	}
	noAudit := parse("--host-key", dir+"/hk", "--authorized-keys", dir+"/ak")
	noAudit.Audit = nil
	if _, err := New(*noAudit); err == nil || !strings.Contains(err.Error(), "audit log") {
		t.Errorf("no audit log: %v", err)
	}
}

func TestReadOnlyFlagAppliesToOperatorKeys(t *testing.T) {
	t.Parallel()
	op := newSigner(t)
	h := newHarness(t, []string{authorizedLine(op, operatorOpt, "op")}, withFlags("--read-only"))
	con := h.openConsole(h.mustDial(op))
	con.waitFor("op (operator)")
	con.waitFor("READ-ONLY")
	con.send("x")
	con.waitFor("started with --read-only")
	con.send("y")
	con.waitFor("test-restart test-deploy refused")
	if h.action.applied.Load() != 0 {
		t.Fatal("--read-only was not honoured for an SSH session")
	}
}

// The real console over the demo fleet: a read-only key types a domain
// action in command mode; the dialog says read-only and the refusal is
// audited under the key.
func TestReadOnlyKeyCommandModeActionOnTheDemoFleet(t *testing.T) {
	t.Parallel()
	ro := newSigner(t)
	h := newHarness(t, []string{authorizedLine(ro, "", "viewer@desk")}, withRealPanes())
	con := h.openConsole(h.mustDial(ro))
	con.waitFor("viewer@desk (read-only)")
	con.waitFor("app-logs")
	con.send(":reshard app-logs 8\r")
	con.waitFor("has the read-only role")
	con.send("y")
	con.waitFor("reshard app-logs refused")
	fp := gossh.FingerprintSHA256(ro.PublicKey())
	entries := h.auditEntries()
	if len(entries) != 1 {
		t.Fatalf("want 1 audit entry, got %+v", entries)
	}
	if e := entries[0]; e.Action != "reshard" || e.Resource != "app-logs" || e.Outcome != "refused" || e.User != fp+" viewer@desk" {
		t.Errorf("audit entry %+v", e)
	}
}

// Closing one session of a connection (OpenSSH multiplexing does this)
// ends its console, though the connection stays.
func TestClosingTheSessionEndsTheConsole(t *testing.T) {
	t.Parallel()
	k := newSigner(t)
	h := newHarness(t, []string{authorizedLine(k, "", "k")})
	c := h.mustDial(k)
	con := h.openConsole(c)
	con.waitFor("TESTPANE")
	con.sess.Close()
	h.waitLog("session end")
	// The connection is still usable for a new console.
	h.openConsole(c).waitFor("TESTPANE")
}
