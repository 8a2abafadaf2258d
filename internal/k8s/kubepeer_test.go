//go:build linux

package k8s_test

// The real Kubernetes peer for the integration tests (DESIGN.md §6): etcd
// from Debian's etcd-server and kube-apiserver built by
// scripts/peers/kube-apiserver.sh, started once per test binary on free
// loopback ports in a temp dir, with static token auth (an admin in
// system:masters, a viewer bound to a read-only Role per test namespace, a
// user with no permissions, and a token the server does not know) and RBAC.
// There is no controller-manager, scheduler or kubelet: tests play the
// controllers' part by writing status through the API.

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/opsconsole/opsconsole/internal/testutil"
)

// peer is one running etcd + kube-apiserver pair.
type peer struct {
	dir        string
	url        string
	kubeconfig string // contexts: admin, viewer, nobody, expired
	procs      []*exec.Cmd
	// Time to start both, for the report.
	startup time.Duration
}

var (
	peerOnce sync.Once
	thePeer  *peer
	peerErr  error
)

// TestMain stops the peer after every test has run.
func TestMain(m *testing.M) {
	code := m.Run()
	if thePeer != nil {
		thePeer.stop()
	}
	os.Exit(code)
}

// binaries finds kube-apiserver and etcd, or says how to install them.
func binaries(t *testing.T) (apiserver, etcd string) {
	t.Helper()
	apiserver = os.Getenv("OPSCONSOLE_KUBE_APISERVER")
	if apiserver == "" {
		apiserver = filepath.Join(testutil.RepoRoot(t), ".cache", "peers", "bin", "kube-apiserver")
	}
	if _, err := os.Stat(apiserver); err != nil {
		testutil.MissingPeer(t, "kube-apiserver", "build it with scripts/peers/kube-apiserver.sh")
	}
	etcd = os.Getenv("OPSCONSOLE_ETCD")
	if etcd == "" {
		etcd, _ = exec.LookPath("etcd")
	}
	if etcd == "" {
		testutil.MissingPeer(t, "etcd", "install it with scripts/peers/kube-apiserver.sh (Debian package etcd-server)")
	}
	return apiserver, etcd
}

// realCluster starts the peer on first use; every later call shares it.
func realCluster(t *testing.T) *peer {
	t.Helper()
	apiserver, etcd := binaries(t)
	peerOnce.Do(func() {
		thePeer, peerErr = startPeer(t, apiserver, etcd)
		if peerErr == nil {
			t.Logf("real etcd + kube-apiserver ready at %s in %v", thePeer.url, thePeer.startup.Round(time.Millisecond))
		}
	})
	if peerErr != nil {
		t.Fatalf("starting the real kube-apiserver: %v", peerErr)
	}
	return thePeer
}

func token() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func startPeer(t *testing.T, apiserver, etcd string) (*peer, error) {
	begin := time.Now()
	dir, err := os.MkdirTemp("", "opsconsole-kube-")
	if err != nil {
		return nil, err
	}
	p := &peer{dir: dir}
	ok := false
	defer func() {
		if !ok {
			p.stop()
		}
	}()

	// Service-account signing key: recent API servers refuse to start without one.
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	// write keeps the first error in err, so a run of writes is checked once.
	write := func(name string, data []byte) string {
		path := filepath.Join(dir, name)
		if err == nil {
			err = os.WriteFile(path, data, 0o600)
		}
		return path
	}
	saKey := write("sa.key", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
	saPub := write("sa.pub", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}))
	admin, viewer, nobody := token(), token(), token()
	tokens := write("tokens.csv", []byte(fmt.Sprintf("%s,admin,uid-admin,\"system:masters\"\n%s,viewer,uid-viewer\n%s,nobody,uid-nobody\n", admin, viewer, nobody)))
	if err != nil {
		return nil, err
	}

	etcdPort, peerPort, apiPort := testutil.FreePort(t), testutil.FreePort(t), testutil.FreePort(t)
	etcdURL := fmt.Sprintf("http://127.0.0.1:%d", etcdPort)
	if err := p.start(etcd, "etcd.log",
		"--name", "opsconsole-test", "--data-dir", filepath.Join(dir, "etcd"),
		"--listen-client-urls", etcdURL, "--advertise-client-urls", etcdURL,
		"--listen-peer-urls", fmt.Sprintf("http://127.0.0.1:%d", peerPort),
		"--initial-advertise-peer-urls", fmt.Sprintf("http://127.0.0.1:%d", peerPort),
		"--initial-cluster", fmt.Sprintf("opsconsole-test=http://127.0.0.1:%d", peerPort),
		"--log-level", "warn",
		// The API server's watch cache serves reads at etcd's current
		// revision and waits for its watch to reach it; in an idle test
		// namespace only progress notifications move it forward. Debian's
		// etcd 3.4 sends them every 10 minutes by default, which makes
		// watches fail with "Too large resource version".
		"--experimental-watch-progress-notify-interval", "200ms",
	); err != nil {
		return nil, err
	}
	if err := waitFor(2*time.Minute, func() error { return httpOK(http.DefaultClient, etcdURL+"/health", "", `"health":"true"`) }); err != nil {
		return nil, fmt.Errorf("etcd did not become healthy: %w\n%s", err, p.logTail("etcd.log"))
	}

	certDir := filepath.Join(dir, "certs")
	if err := p.start(apiserver, "kube-apiserver.log",
		"--etcd-servers", etcdURL,
		"--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1", "--secure-port", fmt.Sprint(apiPort),
		"--cert-dir", certDir, // a self-signed serving certificate is generated here
		"--token-auth-file", tokens,
		"--authorization-mode", "RBAC",
		"--service-account-issuer", "https://kubernetes.default.svc",
		"--service-account-key-file", saPub, "--service-account-signing-key-file", saKey,
		"--service-cluster-ip-range", "10.0.0.0/24",
		// No controller-manager creates the default ServiceAccount, and a
		// loopback advertise address cannot be published as endpoints.
		"--disable-admission-plugins", "ServiceAccount",
		"--endpoint-reconciler-type", "none",
		"--enable-priority-and-fairness=false",
		"--profiling=false",
	); err != nil {
		return nil, err
	}
	p.url = fmt.Sprintf("https://127.0.0.1:%d", apiPort)
	ca := filepath.Join(certDir, "apiserver.crt")
	err = waitFor(3*time.Minute, func() error {
		pemBytes, err := os.ReadFile(ca)
		if err != nil {
			return err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pemBytes) {
			return fmt.Errorf("no certificate in %s yet", ca)
		}
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 5 * time.Second}
		return httpOK(c, p.url+"/readyz", admin, "ok")
	})
	if err != nil {
		return nil, fmt.Errorf("kube-apiserver did not become ready: %w\n%s", err, p.logTail("kube-apiserver.log"))
	}

	p.kubeconfig = write("kubeconfig", []byte(fmt.Sprintf(`apiVersion: v1
kind: Config
current-context: admin
clusters:
- name: test
  cluster:
    server: %s
    certificate-authority: %s
users:
- {name: admin, user: {token: %s}}
- {name: viewer, user: {token: %s}}
- {name: nobody, user: {token: %s}}
- {name: expired, user: {token: %s}}
contexts:
- {name: admin, context: {cluster: test, user: admin}}
- {name: viewer, context: {cluster: test, user: viewer}}
- {name: nobody, context: {cluster: test, user: nobody}}
- {name: expired, context: {cluster: test, user: expired}}
`, p.url, ca, admin, viewer, nobody, token())))
	if err != nil {
		return nil, err
	}
	p.startup = time.Since(begin)
	ok = true
	return p, nil
}

// start runs a peer process, its output in a log file; it dies with the
// test binary even if that is killed.
func (p *peer) start(bin, logName string, args ...string) error {
	log, err := os.Create(filepath.Join(p.dir, logName))
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		log.Close()
		return fmt.Errorf("starting %s: %w", bin, err)
	}
	p.procs = append(p.procs, cmd)
	return nil
}

// stop ends the processes newest first (the API server before its etcd):
// SIGTERM, then SIGKILL if one lingers; then removes the temp dir.
func (p *peer) stop() {
	for i := len(p.procs) - 1; i >= 0; i-- {
		cmd := p.procs[i]
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}
	os.RemoveAll(p.dir)
}

func (p *peer) logTail(name string) string {
	b, _ := os.ReadFile(filepath.Join(p.dir, name))
	if len(b) > 3000 {
		b = b[len(b)-3000:]
	}
	return string(b)
}

// waitFor polls check until it succeeds or the guard passes (the guard
// only stops a broken start from hanging the suite).
func waitFor(guard time.Duration, check func() error) error {
	deadline := time.Now().Add(guard)
	for {
		err := check()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func httpOK(c *http.Client, url, bearer, want string) error {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64*1024))
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
		return fmt.Errorf("%s: %d %s", url, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return nil
}
