package sshd

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	gossh "golang.org/x/crypto/ssh"
)

func TestHostKeyCreatedOnceAndReused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "host_ed25519")
	s1, created, err := LoadOrCreateHostKey(path)
	if err != nil || !created {
		t.Fatalf("first start: created=%v err=%v", created, err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("host key mode %04o, want 0600", st.Mode().Perm())
	}
	if s1.PublicKey().Type() != gossh.KeyAlgoED25519 {
		t.Errorf("host key type %s, want ed25519", s1.PublicKey().Type())
	}
	s2, created, err := LoadOrCreateHostKey(path)
	if err != nil || created {
		t.Fatalf("second start: created=%v err=%v", created, err)
	}
	if gossh.FingerprintSHA256(s1.PublicKey()) != gossh.FingerprintSHA256(s2.PublicKey()) {
		t.Fatal("the host key changed between starts")
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".host-key-*")); len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

func TestHostKeyErrors(t *testing.T) {
	dir := t.TempDir()

	// Paths that cannot be written. Tests may run as root, which ignores
	// permission bits, so use places no one can write: a regular file in
	// the way, and on Linux /proc.
	blocker := filepath.Join(dir, "not-a-dir")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadOrCreateHostKey(filepath.Join(blocker, "host_key")); err == nil || !strings.Contains(err.Error(), "cannot be read") {
		t.Errorf("path under a file: %v", err)
	}
	if runtime.GOOS == "linux" {
		if _, _, err := LoadOrCreateHostKey("/proc/opsconsole-test/host_key"); err == nil || !strings.Contains(err.Error(), "cannot be created") {
			t.Errorf("directory that cannot be created: %v", err)
		}
		if _, _, err := LoadOrCreateHostKey("/proc/opsconsole-test-host-key"); err == nil || !strings.Contains(err.Error(), "cannot be written") {
			t.Errorf("directory that cannot be written: %v", err)
		}
	}

	loose := filepath.Join(dir, "loose")
	if _, _, err := LoadOrCreateHostKey(loose); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(loose, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadOrCreateHostKey(loose); err == nil || !strings.Contains(err.Error(), "readable by others") {
		t.Errorf("loose permissions: %v", err)
	}

	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	block, err := gossh.MarshalPrivateKeyWithPassphrase(priv, "", []byte("secret"))
	if err != nil {
		t.Fatal(err)
	}
	locked := filepath.Join(dir, "locked")
	if err := os.WriteFile(locked, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadOrCreateHostKey(locked); err == nil || !strings.Contains(err.Error(), "passphrase") {
		t.Errorf("passphrase-protected key: %v", err)
	}

	garbage := filepath.Join(dir, "garbage")
	if err := os.WriteFile(garbage, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadOrCreateHostKey(garbage); err == nil || !strings.Contains(err.Error(), "cannot be parsed") {
		t.Errorf("garbage key: %v", err)
	}
}
