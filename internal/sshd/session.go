package sshd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/ssh"
	bm "github.com/charmbracelet/wish/bubbletea"
	"github.com/opsconsole/opsconsole/internal/config"
	"github.com/opsconsole/opsconsole/internal/decode"
	"github.com/opsconsole/opsconsole/internal/fleet"
	"github.com/opsconsole/opsconsole/internal/ops"
	"github.com/opsconsole/opsconsole/internal/ui"
	"github.com/opsconsole/opsconsole/internal/ui/pane"
	gossh "golang.org/x/crypto/ssh"
)

// liveSession is one console session. It embeds the SSH session so the
// Bubble Tea middleware can use it as one, and carries what the server
// decided about it.
type liveSession struct {
	ssh.Session
	id       string
	entry    Entry
	remote   netip.Addr
	started  time.Time
	deadline time.Time
	done     chan struct{}

	lastInput atomic.Int64 // unix ns of the last byte the client typed
	sawQuit   atomic.Bool  // the program got a QuitMsg (orderly end)

	mu       sync.Mutex
	prog     *tea.Program
	stopping bool
	reason   string
	exitCode int
	fleets   []*fleet.Fleet
}

// refuse writes why the session cannot go on to the client and exits 1.
func refuse(sess ssh.Session, msg string) {
	_, _ = fmt.Fprintf(sess.Stderr(), "opsconsole: %s\r\n", msg)
	_ = sess.Exit(1)
}

// recoverPanics keeps a panic in one session's handler (outside the
// program, which recovers its own) from taking the server down.
func (s *Server) recoverPanics(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		defer func() {
			if r := recover(); r != nil {
				s.log.Error("panic in session handler; the session was closed, the server carries on",
					"remote", sess.RemoteAddr().String(), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				refuse(sess, "internal error; this session was closed (other sessions are not affected)")
			}
		}()
		next(sess)
	}
}

// admit decides whether this session gets a console: the key that signed
// must still be authorised (re-checked against the current file, from= and
// expiry included), a terminal must have been requested, and there must be
// room. It then runs the console and cleans up after it.
func (s *Server) admit(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		cs := connStateOf(sess.Context())
		id := cs.id + "." + strconv.FormatUint(uint64(cs.sessions.Add(1)), 10)
		if cmd := sess.RawCommand(); cmd != "" {
			if len(cmd) > 80 {
				cmd = cmd[:80] + "…"
			}
			s.log.Warn("exec refused", "session", id, "remote", cs.remote.String(), "command", cmd)
			refuse(sess, "running commands is not offered here; connect with `ssh -t HOST` and no command for the console")
			return
		}
		entry, err := s.authorize(sess, cs)
		if err != nil {
			s.log.Warn("session refused", "session", id, "remote", cs.remote.String(), "reason", err.Error())
			refuse(sess, "permission denied: "+err.Error())
			return
		}
		log := s.log.With("session", id, "key", entry.Fingerprint, "comment", entry.Comment, "role", string(entry.Role))
		ptyReq, _, hasPTY := sess.Pty()
		switch {
		case !hasPTY:
			log.Info("session refused: no terminal requested")
			refuse(sess, "the console needs a terminal: connect with `ssh -t HOST` and no command")
			return
		case entry.NoPTY:
			log.Info("session refused: the key's line forbids a terminal")
			refuse(sess, fmt.Sprintf("your key's line in the authorized keys file (line %d) forbids a terminal (no-pty or restrict), and the console needs one", entry.Line))
			return
		}
		ls, err := s.register(sess, cs, id, entry)
		if err != nil {
			log.Warn("session refused", "reason", err.Error())
			refuse(sess, err.Error())
			return
		}
		defer s.unregister(ls)
		log.Info("session start", "remote", cs.remote.String(), "term", ptyReq.Term,
			"width", ptyReq.Window.Width, "height", ptyReq.Window.Height, "ssh_user", sess.User())
		next(ls)
		reason, _ := ls.outcome()
		log.Info("session end", "duration", time.Since(ls.started).Round(time.Millisecond).String(), "reason", reason)
	}
}

// authorize re-derives the session's key and role. The key comes from the
// connection's Permissions, which x/crypto takes from the key whose
// signature it verified; the fingerprint stamped by
// VerifiedPublicKeyCallback must agree, or the session is refused.
func (s *Server) authorize(sess ssh.Session, cs *connState) (Entry, error) {
	pk := sess.PublicKey()
	if pk == nil {
		return Entry{}, errors.New("no public key authenticated this connection")
	}
	fp := gossh.FingerprintSHA256(pk)
	perms := sess.Permissions().Permissions
	if perms == nil || perms.Extensions[extVerifiedKey] != fp {
		return Entry{}, fmt.Errorf("the session's key %s is not the key whose signature was verified", fp)
	}
	entry, err := s.keys.Keys().Match(pk, cs.remote, time.Now())
	if err != nil {
		return Entry{}, fmt.Errorf("key %s is no longer authorised (%v)", fp, err)
	}
	return entry, nil
}

func (s *Server) register(sess ssh.Session, cs *connState, id string, entry Entry) (*liveSession, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return nil, errors.New("the server is shutting down")
	}
	if len(s.sessions) >= s.limits.MaxSessions {
		return nil, fmt.Errorf("the server already has %d consoles open, its limit; try again later", len(s.sessions))
	}
	now := time.Now()
	ls := &liveSession{
		Session:  sess,
		id:       id,
		entry:    entry,
		remote:   cs.remote,
		started:  now,
		deadline: cs.start.Add(s.serve.MaxSession),
		done:     make(chan struct{}),
	}
	s.sessions[ls] = struct{}{}
	// Under mu, so Shutdown (which sets closing under mu) waits for it.
	s.handlers.Add(1)
	return ls, nil
}

func (s *Server) unregister(ls *liveSession) {
	defer s.handlers.Done()
	close(ls.done)
	ls.mu.Lock()
	for _, f := range ls.fleets {
		f.Close()
	}
	ls.mu.Unlock()
	s.mu.Lock()
	delete(s.sessions, ls)
	s.mu.Unlock()
}

// Identity is who the audit log says acted: the key's fingerprint and
// comment, from the client's address. The SSH user name is the client's
// choice and proves nothing, so it is only logged.
func (ls *liveSession) identity() ops.Identity {
	name := ls.entry.Comment
	if name == "" {
		name = ls.entry.Fingerprint
	}
	return ops.Identity{User: name, Host: ls.remote.String(), KeyFingerprint: ls.entry.Fingerprint, KeyComment: ls.entry.Comment}
}

// who is the header text: "alice@laptop (operator)".
func (ls *liveSession) who() string {
	name := ls.entry.Comment
	if name == "" {
		name = ls.entry.Fingerprint
	}
	return name + " (" + string(ls.entry.Role) + ")"
}

// roleReadOnly is the guard's read-only reason for a read-only key.
func (ls *liveSession) roleReadOnly() string {
	if ls.entry.Role == RoleOperator {
		return ""
	}
	return "SSH key " + ls.entry.Fingerprint + " has the read-only role"
}

// connect builds a target's backends and remembers them, so they are
// closed (tails and watches stopped) when the session ends, however the
// program stopped: a program stopped from outside never runs the console's
// own quit path.
func (ls *liveSession) connect(opts *config.Options) func(context.Context, config.Target) *fleet.Fleet {
	return func(ctx context.Context, t config.Target) *fleet.Fleet {
		// No MFA hook: a shared server cannot ask each visitor for the
		// service account's one-time code; such a profile reports its error
		// in the panes instead.
		f := fleet.Connect(ctx, opts, t, fleet.Hooks{})
		ls.mu.Lock()
		ls.fleets = append(ls.fleets, f)
		ls.mu.Unlock()
		return f
	}
}

// newProgram builds this session's console: its own ui.App, options copy,
// renderer (the client's colour profile) and input.
func (s *Server) newProgram(sess ssh.Session) *tea.Program {
	ls := sess.(*liveSession)
	opts := *s.cfg.Options // one copy per session: nothing is shared but the audit log
	app, err := ui.New(ui.Session{
		Options:      &opts,
		Identity:     ls.identity(),
		RoleReadOnly: ls.roleReadOnly(),
		Who:          ls.who(),
		Audit:        s.cfg.Audit,
		Renderer:     bm.MakeRenderer(sess),
		Output:       sess,
		Connect:      ls.connect(&opts),
		Log:          s.log.With("session", ls.id),
		Panes:        s.cfg.Panes,
	})
	if err != nil {
		ls.stop("the console could not start: "+err.Error(), 1)
		return nil
	}
	prog := tea.NewProgram(app,
		tea.WithInput(inputActivity{ls}),
		tea.WithOutput(sess),
		tea.WithAltScreen(),
		// The server owns SIGINT/SIGTERM: it warns and closes every
		// session; a program must not quit on the server's signal itself.
		tea.WithoutSignalHandler(),
		tea.WithFilter(func(_ tea.Model, msg tea.Msg) tea.Msg {
			if _, ok := msg.(tea.QuitMsg); ok {
				ls.sawQuit.Store(true)
			}
			return msg
		}),
	)
	if !ls.attach(prog) {
		return nil // the server began shutting down meanwhile
	}
	// The idle clock starts when the console is up, not when the session
	// was accepted (the first session also builds the demo fleet).
	ls.lastInput.Store(time.Now().UnixNano())
	go ls.supervise(s.serve.IdleTimeout, s.serve.MaxSession)
	return prog
}

// inputActivity records when the client last typed, for the idle timeout
// (output does not count: the console redraws by itself), and ends the
// console when the client closes its side of the channel. The Bubble Tea
// middleware only notices a closed connection, not one closed session of a
// multiplexed connection.
type inputActivity struct{ ls *liveSession }

func (in inputActivity) Read(p []byte) (int, error) {
	n, err := in.ls.Read(p)
	if n > 0 {
		in.ls.lastInput.Store(time.Now().UnixNano())
	}
	if err != nil {
		in.ls.stop("", 0)
	}
	return n, err
}

// supervise ends the session after idle without a key press, or when the
// connection reaches the maximum session time.
func (ls *liveSession) supervise(idle, max time.Duration) {
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		now := time.Now()
		maxLeft := ls.deadline.Sub(now)
		idleLeft := time.Duration(ls.lastInput.Load() + int64(idle) - now.UnixNano())
		switch {
		case maxLeft <= 0:
			ls.stop(fmt.Sprintf("the maximum session time (%s) was reached; connect again to go on", max), 0)
			return
		case idleLeft <= 0:
			ls.stop(fmt.Sprintf("no key was pressed for %s, so the session was closed (idle timeout)", idle), 0)
			return
		}
		t.Reset(min(maxLeft, idleLeft))
		select {
		case <-t.C:
		case <-ls.done:
			return
		}
	}
}

// attach records the running program, unless the session is already being
// stopped.
func (ls *liveSession) attach(p *tea.Program) bool {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.stopping {
		return false
	}
	ls.prog = p
	return true
}

// stop ends the session from the server's side; the first reason wins.
func (ls *liveSession) stop(reason string, code int) {
	ls.mu.Lock()
	if ls.stopping {
		ls.mu.Unlock()
		return
	}
	ls.stopping, ls.reason, ls.exitCode = true, reason, code
	p := ls.prog
	ls.mu.Unlock()
	if p != nil {
		go p.Quit() // Quit blocks until the program's loop takes it
	}
}

// notify shows a message in the session's console.
func (ls *liveSession) notify(text string) {
	ls.mu.Lock()
	p := ls.prog
	ls.mu.Unlock()
	if p != nil {
		go p.Send(pane.ToastMsg{Text: text, Error: true})
	}
}

func (ls *liveSession) outcome() (string, int) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return ls.reason, ls.exitCode
}

// finish runs after the program ended: it says why the session closed,
// when the server closed it, and sets the exit status.
func (s *Server) finish(sess ssh.Session) {
	ls := sess.(*liveSession)
	ls.mu.Lock()
	started := ls.prog != nil
	ls.mu.Unlock()
	// A program that ended without a QuitMsg while the client is still
	// there was stopped by a panic (Bubble Tea recovered it and restored
	// the terminal; its stack went to the server's stdout).
	if started && !ls.sawQuit.Load() && sess.Context().Err() == nil {
		s.log.Error("console stopped without quitting (panic); session closed, the server carries on", "session", ls.id)
		ls.stop("internal error; this session was closed (other sessions are not affected, the server log has details)", 1)
	}
	reason, code := ls.outcome()
	if reason != "" {
		_, _ = io.WriteString(sess.Stderr(), "\r\nopsconsole: "+decode.Sanitize(strings.TrimSpace(reason))+"\r\n")
	}
	_ = sess.Exit(code)
}
