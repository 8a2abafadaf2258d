package sshd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/charmbracelet/ssh"
	bm "github.com/charmbracelet/wish/bubbletea"
	"github.com/muesli/termenv"
	"github.com/opsconsole/opsconsole/internal/config"
	"github.com/opsconsole/opsconsole/internal/ops"
	"github.com/opsconsole/opsconsole/internal/ui/pane"
	gossh "golang.org/x/crypto/ssh"
)

// Limits are the hardening knobs beyond the config's Serve section. Zero
// fields take the defaults below.
type Limits struct {
	// ConnBurst connections may come from one source address at once, then
	// one more every ConnEvery (default 20, then one per 3s).
	ConnBurst int
	ConnEvery time.Duration
	// MaxSources bounds the rate limiter's table (default 65536).
	MaxSources int
	// MaxSessions is the number of consoles open at once (default 64).
	MaxSessions int
	// LoginGrace is how long a connection may take to authenticate
	// (default 30s, like sshd's LoginGraceTime of 120s but for one user).
	LoginGrace time.Duration
	// ShutdownNotice is how long sessions are warned before the server
	// closes them on SIGINT/SIGTERM (default 5s).
	ShutdownNotice time.Duration
}

func (l Limits) withDefaults() Limits {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defD := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.ConnBurst, 20)
	defD(&l.ConnEvery, 3*time.Second)
	def(&l.MaxSources, 65536)
	def(&l.MaxSessions, 64)
	defD(&l.LoginGrace, 30*time.Second)
	defD(&l.ShutdownNotice, 5*time.Second)
	return l
}

// Config is what New needs.
type Config struct {
	// Options are the global flags every session's console honours
	// (--demo, --target, --read-only...); Options.Serve holds listen
	// address, host key, authorized keys, idle timeout and session limit.
	Options *config.Options
	// Audit is the one audit log all sessions share.
	Audit *ops.AuditLog
	// Log receives the server's own log (connections, refusals, sessions).
	Log    *slog.Logger
	Limits Limits
	// Panes overrides the console's panes (tests); nil means the default.
	Panes []pane.Spec
}

// refuseLinger bounds the time spent telling a refused connection why.
const refuseLinger = 500 * time.Millisecond

// backstop is how long after a session's own limit the connection itself
// is dropped.
const backstop = time.Minute

// Server serves the console over SSH.
type Server struct {
	cfg     Config
	serve   config.Serve
	limits  Limits
	log     *slog.Logger
	keys    *KeyFile
	hostKey gossh.Signer
	ssh     *ssh.Server
	limiter *connLimiter
	connSeq atomic.Uint64

	mu       sync.Mutex
	sessions map[*liveSession]struct{}
	closing  bool
	handlers sync.WaitGroup
}

// extVerifiedKey is the Permissions extension holding the fingerprint of
// the key whose signature x/crypto verified. The session checks it against
// the key it is handed, as soft-serve's AuthenticationMiddleware does.
const extVerifiedKey = "opsconsole-verified-key"

// CheckSettings reports a missing or impossible serve setting, before
// anything is opened or created.
func CheckSettings(sv config.Serve) error {
	switch {
	case sv.Listen == "":
		return errors.New("serve needs --listen ADDR, for example --listen :2222")
	case sv.HostKey == "":
		return errors.New("serve needs --host-key FILE (an ed25519 key is created there on first start)")
	case sv.AuthorizedKeys == "":
		return errors.New("serve needs --authorized-keys FILE (OpenSSH format; add environment=\"OPSCONSOLE_ROLE=operator\" to a line for the operator role)")
	case sv.IdleTimeout <= 0:
		return fmt.Errorf("--idle-timeout %s: must be positive", sv.IdleTimeout)
	case sv.MaxSession <= 0:
		return fmt.Errorf("--max-session %s: must be positive", sv.MaxSession)
	}
	return nil
}

// New loads the host key (creating it on first start) and the
// authorized-keys file. Every problem here is a startup error in the
// operator's words.
func New(cfg Config) (*Server, error) {
	if cfg.Options == nil {
		return nil, errors.New("serve: no options")
	}
	sv := cfg.Options.Serve
	if err := CheckSettings(sv); err != nil {
		return nil, err
	}
	if cfg.Audit == nil {
		return nil, errors.New("serve needs an open audit log: every session's actions are recorded there")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{
		cfg:      cfg,
		serve:    sv,
		limits:   cfg.Limits.withDefaults(),
		log:      cfg.Log,
		sessions: map[*liveSession]struct{}{},
	}
	s.limiter = newConnLimiter(s.limits.ConnBurst, s.limits.ConnEvery, s.limits.MaxSources)
	keys, err := OpenKeyFile(sv.AuthorizedKeys, s.log)
	if err != nil {
		return nil, err
	}
	s.keys = keys
	signer, created, err := LoadOrCreateHostKey(sv.HostKey)
	if err != nil {
		return nil, err
	}
	s.hostKey = signer
	if created {
		s.log.Info("generated a new host key", "file", sv.HostKey, "fingerprint", s.HostKeyFingerprint())
	}

	// Middlewares run outermost first: recover, admit (authorise, PTY,
	// session limit), the Bubble Tea program, then finish (exit status and
	// the reason the session ended).
	handler := s.finish
	handler = bm.MiddlewareWithProgramHandler(s.newProgram, termenv.Ascii)(handler)
	handler = s.admit(handler)
	handler = s.recoverPanics(handler)

	s.ssh = &ssh.Server{
		Addr:        sv.Listen,
		HostSigners: []ssh.Signer{signer},
		Version:     "opsconsole",
		Handler:     handler,
		// Only a public-key handler is set: with no password or
		// keyboard-interactive handler and NoClientAuth false, x/crypto
		// refuses those methods and "none".
		PublicKeyHandler:       s.publicKeyOffered,
		ConnCallback:           s.onConnect,
		ServerConfigCallback:   s.serverConfig,
		SessionRequestCallback: s.sessionRequest,
		ChannelHandlers: map[string]ssh.ChannelHandler{
			"session": s.sessionChannel,
			"default": s.refuseChannel, // direct-tcpip, x11, agent, ...
		},
		RequestHandlers:   map[string]ssh.RequestHandler{"default": s.refuseGlobalRequest}, // tcpip-forward, ...
		SubsystemHandlers: map[string]ssh.SubsystemHandler{},
		// Connection-level backstops, a minute behind the per-session
		// limits so those close first, with a message. Any traffic resets
		// IdleTimeout (console redraws too), so the operator's idle timeout
		// is enforced per session on key presses; these catch dead
		// connections and connections without a session.
		IdleTimeout: sv.IdleTimeout + backstop,
		MaxTimeout:  sv.MaxSession + backstop,
		ConnectionFailedCallback: func(conn net.Conn, err error) {
			s.log.Debug("connection failed", "remote", conn.RemoteAddr().String(), "err", err)
		},
	}
	return s, nil
}

// HostKeyFingerprint is the SHA256 fingerprint clients see.
func (s *Server) HostKeyFingerprint() string { return gossh.FingerprintSHA256(s.hostKey.PublicKey()) }

// Listen opens the configured listen address.
func (s *Server) Listen() (net.Listener, error) {
	ln, err := net.Listen("tcp", s.serve.Listen)
	if err != nil {
		return nil, fmt.Errorf("serve: cannot listen on %s: %w", s.serve.Listen, err)
	}
	return ln, nil
}

// Serve accepts connections on ln until Shutdown; it then returns nil.
func (s *Server) Serve(ln net.Listener) error {
	s.log.Info("serving the console over SSH", "listen", ln.Addr().String(), "host_key", s.HostKeyFingerprint(),
		"authorized_keys", s.serve.AuthorizedKeys, "keys", s.keys.Keys().Len(),
		"idle_timeout", s.serve.IdleTimeout.String(), "max_session", s.serve.MaxSession.String())
	err := s.ssh.Serve(ln)
	if errors.Is(err, ssh.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting connections, warns every session, closes them
// after Limits.ShutdownNotice (sooner if ctx says so), then drops what is
// left when ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	live := make([]*liveSession, 0, len(s.sessions))
	for ls := range s.sessions {
		live = append(live, ls)
	}
	s.mu.Unlock()

	stopped := make(chan error, 1)
	go func() { stopped <- s.ssh.Shutdown(ctx) }() // closes listeners now, then waits for connections
	s.log.Info("shutting down", "sessions", len(live), "notice", s.limits.ShutdownNotice.String())
	notice := fmt.Sprintf("the server is shutting down: this session closes in %s", s.limits.ShutdownNotice.Round(time.Second))
	for _, ls := range live {
		ls.notify(notice)
	}
	allGone := make(chan struct{})
	go func() { s.handlers.Wait(); close(allGone) }()
	timer := time.NewTimer(s.limits.ShutdownNotice)
	defer timer.Stop()
	select {
	case <-allGone:
	case <-timer.C:
	case <-ctx.Done():
	}
	for _, ls := range live {
		ls.stop("the server is shutting down; this session is closed", 0)
	}
	select {
	case <-allGone:
	case <-ctx.Done():
	}
	// Clients hang up once their session ends: give them a moment, then
	// drop whatever is still connected (idle multiplexed connections, slow
	// handshakes).
	hangup := time.NewTimer(time.Second)
	defer hangup.Stop()
	select {
	case err := <-stopped:
		return err
	case <-hangup.C:
	case <-ctx.Done():
	}
	closeErr := s.ssh.Close()
	if err := <-stopped; err != nil {
		return fmt.Errorf("serve: shutdown deadline passed with sessions still closing; they were dropped: %w", err)
	}
	return closeErr
}

func (s *Server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

// connState is what the server knows about one connection.
type connState struct {
	id       string
	remote   netip.Addr
	start    time.Time
	authed   atomic.Bool
	grace    *time.Timer
	sessions atomic.Uint32
}

type connStateKey struct{}

func connStateOf(ctx ssh.Context) *connState {
	cs, _ := ctx.Value(connStateKey{}).(*connState)
	if cs == nil {
		// Not reached: onConnect sets it on every connection.
		return &connState{id: "?", start: time.Now()}
	}
	return cs
}

func addrOf(a net.Addr) netip.Addr {
	if ap, err := netip.ParseAddrPort(a.String()); err == nil {
		return ap.Addr().Unmap()
	}
	return netip.Addr{}
}

// onConnect runs before the SSH handshake: the per-source rate limit, and
// the login grace timer.
func (s *Server) onConnect(ctx ssh.Context, conn net.Conn) net.Conn {
	remote := addrOf(conn.RemoteAddr())
	refuse := func(msg string) net.Conn {
		// RFC 4253 §4.2 lets a server send text lines before its version
		// line; OpenSSH shows them when the connection then closes.
		_ = conn.SetDeadline(time.Now().Add(refuseLinger))
		_, _ = io.WriteString(conn, "opsconsole: "+msg+"\r\n")
		// Half-close and drain the client's version line before closing:
		// closing with unread input sends a TCP reset, which can destroy
		// the message before the client reads it.
		if tc, ok := conn.(interface{ CloseWrite() error }); ok {
			_ = tc.CloseWrite()
			_, _ = io.Copy(io.Discard, io.LimitReader(conn, 4096))
		}
		_ = conn.Close()
		return nil
	}
	if s.isClosing() {
		return refuse("the server is shutting down")
	}
	if ok, wait := s.limiter.allow(remote, time.Now()); !ok {
		s.log.Warn("connection refused: rate limit", "remote", remote.String(), "retry_in", wait.Round(time.Second).String())
		return refuse(fmt.Sprintf("too many connections from %s; try again in %s", remote, roundUp(wait)))
	}
	cs := &connState{id: strconv.FormatUint(s.connSeq.Add(1), 10), remote: remote, start: time.Now()}
	cs.grace = time.AfterFunc(s.limits.LoginGrace, func() {
		if !cs.authed.Load() {
			s.log.Info("connection closed: not authenticated within the login grace time", "conn", cs.id, "remote", remote.String())
			_ = conn.Close()
		}
	})
	ctx.SetValue(connStateKey{}, cs)
	s.log.Debug("connection", "conn", cs.id, "remote", remote.String())
	return conn
}

func roundUp(d time.Duration) time.Duration {
	if r := d.Round(time.Second); r >= d {
		return r
	}
	return d.Round(time.Second) + time.Second
}

// serverConfig is the x/crypto configuration of one connection. The
// charmbracelet/ssh server adds its public-key callback to it.
func (s *Server) serverConfig(ctx ssh.Context) *gossh.ServerConfig {
	cs := connStateOf(ctx)
	return &gossh.ServerConfig{
		MaxAuthTries: 6,
		// No SHA-1 RSA signatures, no DSA (both on x/crypto's insecure
		// list); RSA keys still work with rsa-sha2-256/512.
		PublicKeyAuthAlgorithms: gossh.SupportedAlgorithms().PublicKeyAuths,
		// Called only after the client proved it holds the private key: the
		// one place that knows which key authenticated.
		VerifiedPublicKeyCallback: func(_ gossh.ConnMetadata, key gossh.PublicKey, perms *gossh.Permissions, _ string) (*gossh.Permissions, error) {
			if perms == nil {
				perms = &gossh.Permissions{}
			}
			if perms.Extensions == nil {
				perms.Extensions = map[string]string{}
			}
			perms.Extensions[extVerifiedKey] = gossh.FingerprintSHA256(key)
			return perms, nil
		},
		AuthLogCallback: func(cm gossh.ConnMetadata, method string, err error) {
			switch {
			case err == nil:
				cs.authed.Store(true)
				cs.grace.Stop()
			case method == "none" || method == "publickey":
				// Every client starts with "none"; refused keys are logged
				// with their reason by publicKeyOffered.
				s.log.Debug("authentication attempt refused", "conn", cs.id, "remote", cs.remote.String(), "method", method, "err", err)
			default:
				s.log.Warn("authentication method refused: only public keys are accepted", "conn", cs.id,
					"remote", cs.remote.String(), "method", method, "user", cm.User(), "err", err)
			}
		},
	}
}

// publicKeyOffered answers "would this key do?" for every key a client
// offers. It grants nothing: the role is decided in admit from the key that
// signed.
func (s *Server) publicKeyOffered(ctx ssh.Context, key ssh.PublicKey) bool {
	cs := connStateOf(ctx)
	_, err := s.keys.Keys().Match(key, cs.remote, time.Now())
	if err != nil {
		s.log.Debug("public key refused", "conn", cs.id, "remote", cs.remote.String(), "key", gossh.FingerprintSHA256(key), "reason", err.Error())
	}
	return err == nil
}

// sessionRequest accepts "shell" and "exec" (admit then refuses a command
// with a message and exit status 1, which OpenSSH prints; a protocol-level
// "no" would only show "exec request failed"). Subsystems (sftp...) are
// refused here.
func (s *Server) sessionRequest(sess ssh.Session, reqType string) bool {
	switch reqType {
	case "shell", "exec":
		return true
	}
	cs := connStateOf(sess.Context())
	s.log.Warn("subsystem refused", "conn", cs.id, "remote", cs.remote.String(), "subsystem", sess.Subsystem())
	_, _ = fmt.Fprintf(sess.Stderr(), "opsconsole: the %q subsystem is not offered here; connect with `ssh -t HOST` and no command for the console\r\n", sess.Subsystem())
	return false
}

// refusedSessionRequests are in-session requests answered "no": agent and
// X11 forwarding (charmbracelet/ssh would say yes to agent forwarding).
var refusedSessionRequests = map[string]string{
	"auth-agent-req@openssh.com": "agent forwarding",
	"x11-req":                    "X11 forwarding",
}

// maxEnv bounds the environment a client may send (TERM, LANG...), so an
// authenticated client cannot grow server memory with env requests.
const maxEnv = 64

// sessionChannel serves a "session" channel with the refused requests
// filtered out before charmbracelet/ssh sees them.
func (s *Server) sessionChannel(srv *ssh.Server, conn *gossh.ServerConn, nc gossh.NewChannel, ctx ssh.Context) {
	ssh.DefaultSessionHandler(srv, conn, filteredChannel{NewChannel: nc, s: s, cs: connStateOf(ctx)}, ctx)
}

type filteredChannel struct {
	gossh.NewChannel
	s  *Server
	cs *connState
}

func (c filteredChannel) Accept() (gossh.Channel, <-chan *gossh.Request, error) {
	ch, reqs, err := c.NewChannel.Accept()
	if err != nil {
		return ch, reqs, err
	}
	out := make(chan *gossh.Request)
	go func() {
		defer close(out)
		env := 0
		for r := range reqs {
			what, refused := refusedSessionRequests[r.Type]
			if r.Type == "env" {
				env++
				refused, what = env > maxEnv, "more environment variables"
			}
			if refused {
				c.s.log.Info("session request refused", "conn", c.cs.id, "remote", c.cs.remote.String(), "request", r.Type, "what", what)
				if r.WantReply {
					_ = r.Reply(false, nil)
				}
				continue
			}
			out <- r
		}
	}()
	return ch, out, nil
}

// refuseChannel rejects every channel but "session": direct-tcpip (ssh -L),
// forwarded agent or X11 channels, and anything else.
func (s *Server) refuseChannel(_ *ssh.Server, _ *gossh.ServerConn, nc gossh.NewChannel, ctx ssh.Context) {
	cs := connStateOf(ctx)
	s.log.Warn("channel refused", "conn", cs.id, "remote", cs.remote.String(), "type", nc.ChannelType())
	_ = nc.Reject(gossh.Prohibited, "opsconsole serves only its console: "+nc.ChannelType()+" channels (port forwarding) are refused")
}

// refuseGlobalRequest answers "no" to global requests: tcpip-forward
// (ssh -R), streamlocal forwarding, and the rest.
func (s *Server) refuseGlobalRequest(ctx ssh.Context, _ *ssh.Server, req *gossh.Request) (bool, []byte) {
	if req.Type != "keepalive@openssh.com" {
		cs := connStateOf(ctx)
		s.log.Warn("global request refused", "conn", cs.id, "remote", cs.remote.String(), "type", req.Type)
	}
	return false, nil
}
