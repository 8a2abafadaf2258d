package sshd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/opsconsole/opsconsole/internal/config"
	"github.com/opsconsole/opsconsole/internal/ops"
	"github.com/opsconsole/opsconsole/internal/ui/keys"
	"github.com/opsconsole/opsconsole/internal/ui/pane"
	gossh "golang.org/x/crypto/ssh"
)

// waitLimit bounds every poll; it is a guard against a hung test, not a
// performance assertion (the machine is shared).
const waitLimit = 15 * time.Second

// harness is one server on a loopback port with its own temp host key,
// authorized-keys file and audit log, serving the demo fleet.
type harness struct {
	t         testing.TB
	dir       string
	hostKey   string
	authKeys  string
	auditPath string
	logs      *syncBuffer
	srv       *Server
	addr      string
	served    chan error
	action    *testAction
	limits    Limits
	serveArgs []string
	// realPanes serves the console's own panes instead of the test pane.
	realPanes bool
	// panicNew makes building the test pane panic: a panic outside the
	// Bubble Tea program, in the server's own session handler.
	panicNew atomic.Bool
}

type harnessOpt func(*harness)

func withLimits(l Limits) harnessOpt { return func(h *harness) { h.limits = l } }

// withRealPanes serves the default panes over the demo fleet.
func withRealPanes() harnessOpt { return func(h *harness) { h.realPanes = true } }

// withFlags adds command-line flags to `serve` (--idle-timeout, --read-only...).
func withFlags(args ...string) harnessOpt {
	return func(h *harness) { h.serveArgs = append(h.serveArgs, args...) }
}

func newHarness(t testing.TB, authorized []string, opts ...harnessOpt) *harness {
	t.Helper()
	dir := t.TempDir()
	h := &harness{
		t:         t,
		dir:       dir,
		hostKey:   filepath.Join(dir, "state", "host_ed25519"),
		authKeys:  filepath.Join(dir, "authorized_keys"),
		auditPath: filepath.Join(dir, "state", "audit.jsonl"),
		logs:      &syncBuffer{},
		action:    &testAction{},
	}
	for _, o := range opts {
		o(h)
	}
	writeFile(t, h.authKeys, authorized...)
	h.start()
	return h
}

// start (re)starts the server on a new port with the same files.
func (h *harness) start() {
	t := h.t
	t.Helper()
	args := append([]string{"serve", "--demo", "--listen", "127.0.0.1:0", "--host-key", h.hostKey,
		"--authorized-keys", h.authKeys, "--audit-log", h.auditPath}, h.serveArgs...)
	opts, err := config.Parse(args, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	audit, err := ops.OpenAudit(opts.AuditLog)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Options: &opts, Audit: audit, Log: testLogger(h.logs), Limits: h.limits, Panes: testPanes(h.action, &h.panicNew)}
	if h.realPanes {
		cfg.Panes = nil
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := srv.Listen()
	if err != nil {
		t.Fatal(err)
	}
	h.srv, h.addr, h.served = srv, ln.Addr().String(), make(chan error, 1)
	served := h.served
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-served
		audit.Close()
	})
}

// stop shuts the server down gracefully and waits for Serve to return.
func (h *harness) stop() {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := h.srv.Shutdown(ctx); err != nil {
		h.t.Fatalf("shutdown: %v", err)
	}
	if err := <-h.served; err != nil {
		h.t.Fatalf("Serve returned %v after Shutdown", err)
	}
	h.served <- nil // for the cleanup
}

func (h *harness) clientConfig(auth ...gossh.AuthMethod) *gossh.ClientConfig {
	return &gossh.ClientConfig{
		User:            "whoever",
		Auth:            auth,
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
		Timeout:         waitLimit,
	}
}

func (h *harness) dial(cfg *gossh.ClientConfig) (*gossh.Client, error) {
	return gossh.Dial("tcp", h.addr, cfg)
}

func (h *harness) mustDial(s gossh.Signer) *gossh.Client {
	h.t.Helper()
	c, err := h.dial(h.clientConfig(gossh.PublicKeys(s)))
	if err != nil {
		h.t.Fatalf("dial: %v", err)
	}
	h.t.Cleanup(func() { c.Close() })
	return c
}

// auditEntries reads the audit log the server writes.
func (h *harness) auditEntries() []ops.Entry {
	h.t.Helper()
	entries, _, err := ops.ReadAudit(h.auditPath, 0)
	if err != nil {
		h.t.Fatal(err)
	}
	return entries
}

func (h *harness) waitLog(substr string) {
	h.t.Helper()
	waitUntil(h.t, "server log to contain "+substr, func() bool { return strings.Contains(h.logs.String(), substr) },
		func() string { return h.logs.String() })
}

func waitUntil(t testing.TB, what string, cond func() bool, show func() string) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; got:\n%s", what, show())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// console is a client-side terminal: a session with a PTY and a shell,
// whose output is collected (stdout and stderr, as a terminal shows both).
type console struct {
	t      testing.TB
	logs   *syncBuffer
	sess   *gossh.Session
	stdin  io.WriteCloser
	mu     sync.Mutex
	out    bytes.Buffer
	da1    bool
	exited chan error
}

func (h *harness) openConsole(c *gossh.Client, setup ...func(*gossh.Session)) *console {
	h.t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		h.t.Fatal(err)
	}
	for _, f := range setup {
		f(sess)
	}
	con := &console{t: h.t, sess: sess, logs: h.logs, exited: make(chan error, 1)}
	if con.stdin, err = sess.StdinPipe(); err != nil {
		h.t.Fatal(err)
	}
	sess.Stdout, sess.Stderr = consoleWriter{con}, consoleWriter{con}
	if err := sess.RequestPty("xterm-256color", 30, 110, gossh.TerminalModes{}); err != nil {
		h.t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		h.t.Fatal(err)
	}
	go func() { con.exited <- sess.Wait() }()
	h.t.Cleanup(func() { sess.Close() })
	return con
}

type consoleWriter struct{ c *console }

// Write collects output and answers the renderer's terminal query (primary
// device attributes) as a real terminal does.
func (w consoleWriter) Write(p []byte) (int, error) {
	c := w.c
	c.mu.Lock()
	c.out.Write(p)
	answer := !c.da1 && bytes.Contains(c.out.Bytes(), []byte("\x1b[c"))
	if answer {
		c.da1 = true
	}
	c.mu.Unlock()
	if answer {
		_, _ = io.WriteString(c.stdin, "\x1b[?62;22c")
	}
	return len(p), nil
}

// screen is everything shown so far, escape sequences removed.
func (c *console) screen() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return ansi.Strip(c.out.String())
}

func (c *console) waitFor(substr string) {
	c.t.Helper()
	waitUntil(c.t, fmt.Sprintf("%q on screen", substr), func() bool { return strings.Contains(c.screen(), substr) }, c.tail)
}

// tail is the end of the screen and of the server log, for failures.
func (c *console) tail() string {
	last := func(s string, n int) string {
		if len(s) > n {
			return s[len(s)-n:]
		}
		return s
	}
	return last(c.screen(), 3000) + "\n--- server log ---\n" + last(c.logs.String(), 3000)
}

func (c *console) send(keys string) {
	c.t.Helper()
	if _, err := io.WriteString(c.stdin, keys); err != nil {
		c.t.Fatalf("typing %q: %v", keys, err)
	}
}

// exitStatus waits for the session to end and returns its exit status.
func (c *console) exitStatus() int {
	c.t.Helper()
	select {
	case err := <-c.exited:
		var ee *gossh.ExitError
		switch {
		case err == nil:
			return 0
		case errors.As(err, &ee):
			return ee.ExitStatus()
		default:
			c.t.Fatalf("session ended without an exit status: %v\n%s", err, c.tail())
		}
	case <-time.After(waitLimit):
		c.t.Fatalf("session did not end; screen:\n%s", c.tail())
	}
	return -1
}

// testAction is an action implemented in the test: Apply only counts.
type testAction struct{ applied atomic.Int32 }

func (a *testAction) Name() string                           { return "test-restart" }
func (a *testAction) Backend() string                        { return "kubernetes" }
func (a *testAction) Resource() string                       { return "test-deploy" }
func (a *testAction) Params() map[string]string              { return map[string]string{"why": "test"} }
func (a *testAction) Validate(context.Context) error         { return nil }
func (a *testAction) Apply(context.Context) error            { a.applied.Add(1); return nil }
func (a *testAction) Verify(context.Context) (string, error) { return "restarted", nil }
func (a *testAction) Plan(context.Context) (ops.Plan, error) {
	return ops.Plan{
		Title:    "Restart test-deploy",
		Changes:  []string{"pods of test-deploy are replaced one by one"},
		Requests: []ops.Request{{API: "PATCH apps/v1 deployments/test-deploy", Body: `{"spec":{}}`}},
		CLI:      []string{"kubectl rollout restart deployment/test-deploy"},
	}, nil
}

// testPane stands in for the domain panes: x asks for the test action, P
// panics in Update, Z panics in a command; it takes the / filter and
// shows it, so two sessions' states can be told apart.
type testPane struct {
	act    *testAction
	filter string
}

func testPanes(act *testAction, panicNew *atomic.Bool) []pane.Spec {
	return []pane.Spec{{ID: "test", Title: "Test", Tab: true, New: func(*pane.Context) pane.Pane {
		if panicNew.Load() {
			panic("test panic while building the console")
		}
		return &testPane{act: act}
	}}}
}

func (p *testPane) ID() string             { return "test" }
func (p *testPane) Title() string          { return "Test" }
func (p *testPane) Init() tea.Cmd          { return nil }
func (p *testPane) Hints() []*keys.Binding { return nil }
func (p *testPane) SetFilter(f string)     { p.filter = f }
func (p *testPane) Filter() string         { return p.filter }
func (p *testPane) View(w, h int) string   { return "TESTPANE filter=[" + p.filter + "]" }
func (p *testPane) Update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return nil
	}
	switch k.String() {
	case "x":
		return pane.Action(p.act)
	case "P":
		panic("test panic in Update")
	case "Z":
		return func() tea.Msg { panic("test panic in a command") }
	}
	return nil
}

// failingSigner offers a real public key but cannot sign: the server sees
// the key offered (and accepts the offer), never proven.
type failingSigner struct {
	gossh.Signer
	asked atomic.Bool
}

func (f *failingSigner) Sign(io.Reader, []byte) (*gossh.Signature, error) {
	f.asked.Store(true)
	return nil, errors.New("this client does not hold the private key")
}

func authorizedLine(s gossh.Signer, options, comment string) string {
	line := keyText(s) + " " + comment
	if options != "" {
		line = options + " " + line
	}
	return line
}

const operatorOpt = `environment="OPSCONSOLE_ROLE=operator"`

func fileMode(t testing.TB, path string) os.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

func parseOpts(args []string) (*config.Options, error) {
	o, err := config.Parse(args, func(string) string { return "" })
	return &o, err
}

func mustAudit(t testing.TB, path string) *ops.AuditLog {
	t.Helper()
	a, err := ops.OpenAudit(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}
