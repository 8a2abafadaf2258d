// Package testutil holds what several packages' tests share: finding the
// repository root, free loopback ports, and the rule for real test peers
// (kinesis-local, kube-apiserver, etcd).
package testutil

import (
	"net"
	"os"
	"path/filepath"
	"testing"
)

// RequirePeersEnv, when "1", turns a missing real peer into a test failure
// instead of a skip. `make test` sets it after installing the peers, so CI can
// never go green by skipping the integration suites.
const RequirePeersEnv = "OPSCONSOLE_REQUIRE_PEERS"

// MissingPeer skips the test, or fails it under OPSCONSOLE_REQUIRE_PEERS=1.
// hint says how to install the peer (normally `make peers`).
func MissingPeer(t testing.TB, what, hint string) {
	t.Helper()
	if os.Getenv(RequirePeersEnv) == "1" {
		t.Fatalf("%s is required (%s=1) but not available: %s", what, RequirePeersEnv, hint)
	}
	t.Skipf("%s not available (%s); run `make peers` or `make test`", what, hint)
}

// RepoRoot walks up from the working directory to the directory holding the
// main module's go.mod.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && len(b) > 0 && isMainModule(b) {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("cannot find the repository root (go.mod of github.com/opsconsole/opsconsole)")
		}
		dir = parent
	}
}

func isMainModule(gomod []byte) bool {
	const want = "module github.com/opsconsole/opsconsole\n"
	return len(gomod) >= len(want) && string(gomod[:len(want)]) == want
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
