// Package kinesislocal starts kinesis-local (the kinesis-mock emulator,
// installed from npm by scripts/peers/kinesis-local.sh) for tests: on free
// loopback ports, waiting until it answers, and killing it when the test
// ends, so no emulator outlives its test.
package kinesislocal

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/opsconsole/opsconsole/internal/testutil"
)

// Region and credentials the emulator is used with. It accepts any
// signature; the access key selects the (default) account.
const (
	Region          = "us-east-1"
	AccessKeyID     = "AKIDKINESISLOCAL"
	SecretAccessKey = "kinesis-local-secret"
)

// StateDelay is how long the emulator keeps a stream CREATING or UPDATING:
// long enough that a test can see the transition, short enough to be fast.
const StateDelay = 300 * time.Millisecond

// Peer is a running emulator.
type Peer struct {
	// Endpoint is the plain-HTTP endpoint, e.g. http://127.0.0.1:40123.
	Endpoint string
	cmd      *exec.Cmd
	out      *syncBuffer
}

// Start runs kinesis-local for the test t. When it is not installed the test
// is skipped, or fails under OPSCONSOLE_REQUIRE_PEERS=1 (testutil.MissingPeer).
func Start(t testing.TB) *Peer {
	t.Helper()
	root := testutil.RepoRoot(t)
	pkg := filepath.Join(root, "test", "kinesis-local", "node_modules", "kinesis-local")
	main, cert := filepath.Join(pkg, "main.js"), filepath.Join(pkg, "server.json")
	node, err := exec.LookPath("node")
	if err != nil {
		testutil.MissingPeer(t, "kinesis-local", "node is not on PATH; run scripts/peers/kinesis-local.sh")
	}
	for _, f := range []string{main, cert} {
		if _, err := os.Stat(f); err != nil {
			testutil.MissingPeer(t, "kinesis-local", f+" is missing; run scripts/peers/kinesis-local.sh")
		}
	}
	plain, tls := testutil.FreePort(t), testutil.FreePort(t)
	delay := fmt.Sprintf("%dms", StateDelay.Milliseconds())
	cmd := exec.Command(node, main)
	cmd.Dir = t.TempDir() // it may write data files relative to its cwd
	cmd.Env = append(os.Environ(),
		fmt.Sprintf("KINESIS_MOCK_PLAIN_PORT=%d", plain),
		fmt.Sprintf("KINESIS_MOCK_TLS_PORT=%d", tls),
		"KINESIS_MOCK_CERT_PATH="+cert,
		"AWS_REGION="+Region,
		"CREATE_STREAM_DURATION="+delay, "DELETE_STREAM_DURATION="+delay,
		"UPDATE_SHARD_COUNT_DURATION="+delay, "SPLIT_SHARD_DURATION="+delay, "MERGE_SHARDS_DURATION="+delay,
		"UPDATE_STREAM_MODE_DURATION="+delay,
		"SHARD_LIMIT=1000", "ON_DEMAND_STREAM_COUNT_LIMIT=50",
		"SHOULD_PERSIST_DATA=false", "LOAD_DATA_IF_EXISTS=false",
		"LOG_LEVEL=WARN",
	)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	// Its own process group, killed as a whole; and killed with us if the
	// test binary dies first.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("kinesis-local: cannot start node: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	p := &Peer{Endpoint: fmt.Sprintf("http://127.0.0.1:%d", plain), cmd: cmd, out: out}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	})

	// Wait for /healthcheck. The deadline only guards against a hung start;
	// it is not a performance limit.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("kinesis-local exited during start-up (%v):\n%s", err, out.String())
		case <-ctx.Done():
			t.Fatalf("kinesis-local did not answer on %s within 2 minutes:\n%s", p.Endpoint, out.String())
		case <-time.After(100 * time.Millisecond):
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.Endpoint+"/healthcheck", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
	}
}

// Env sets the environment a Backend needs to reach the emulator through
// the SDK's default chain: static keys, the region, and
// AWS_ENDPOINT_URL_KINESIS; shared config files point to empty files so the
// developer's own ~/.aws never leaks into a test.
func (p *Peer) Env(t testing.TB) {
	t.Helper()
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": AccessKeyID, "AWS_SECRET_ACCESS_KEY": SecretAccessKey, "AWS_SESSION_TOKEN": "",
		"AWS_REGION": Region, "AWS_PROFILE": "", "AWS_DEFAULT_PROFILE": "",
		"AWS_CONFIG_FILE": empty, "AWS_SHARED_CREDENTIALS_FILE": empty,
		"AWS_ENDPOINT_URL_KINESIS": p.Endpoint, "AWS_EC2_METADATA_DISABLED": "true",
	} {
		t.Setenv(k, v)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
