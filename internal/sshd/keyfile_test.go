package sshd

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// syncBuffer is a log sink shared by server goroutines and the test.
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

func testLogger(buf *syncBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func writeFile(t testing.TB, path string, lines ...string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestKeyFileStartupErrors(t *testing.T) {
	dir := t.TempDir()
	var logs syncBuffer
	if _, err := OpenKeyFile(filepath.Join(dir, "missing"), testLogger(&logs)); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing file: %v", err)
	}
	shared := filepath.Join(dir, "shared")
	writeFile(t, shared, keyText(newSigner(t)))
	if err := os.Chmod(shared, 0o664); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenKeyFile(shared, testLogger(&logs)); err == nil || !strings.Contains(err.Error(), "writable by group or others") {
		t.Errorf("group-writable file: %v", err)
	}
	if _, err := OpenKeyFile(dir, testLogger(&logs)); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("a directory: %v", err)
	}
}

func TestKeyFileBadLineLoggedAndReloadOnChange(t *testing.T) {
	path := filepath.Join(t.TempDir(), "authorized_keys")
	a, b := newSigner(t), newSigner(t)
	writeFile(t, path, keyText(a)+" a", "ssh-ed25519 broken-base64 oops")
	var logs syncBuffer
	f, err := OpenKeyFile(path, testLogger(&logs))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "line=2") {
		t.Errorf("the bad line must be logged with its number:\n%s", logs.String())
	}
	if _, err := f.Keys().Match(a.PublicKey(), loopback, now); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Keys().Match(b.PublicKey(), loopback, now); err == nil {
		t.Fatal("b is not listed yet")
	}
	writeFile(t, path, keyText(a)+" a", keyText(b)+" b")
	if _, err := f.Keys().Match(b.PublicKey(), loopback, now); err != nil {
		t.Fatalf("b was added: %v", err)
	}
	// Replace by rename, as editors and config management do.
	tmp := path + ".new"
	writeFile(t, tmp, keyText(b)+" b")
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Keys().Match(a.PublicKey(), loopback, now); err == nil {
		t.Fatal("a was removed and must be refused")
	}
	// Removing the file fails closed.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if f.Keys().Len() != 0 {
		t.Fatal("a missing file must refuse every key")
	}
	if !strings.Contains(logs.String(), "refusing every key") {
		t.Errorf("the missing file must be logged:\n%s", logs.String())
	}
	// A file that became group-writable is not trusted either.
	writeFile(t, path, keyText(b)+" b")
	if f.Keys().Len() != 1 {
		t.Fatal("the file is back")
	}
	if err := os.Chmod(path, 0o666); err != nil {
		t.Fatal(err)
	}
	if f.Keys().Len() != 0 {
		t.Fatal("a world-writable file must refuse every key")
	}
}

func BenchmarkKeyFileUnchanged(b *testing.B) {
	path := filepath.Join(b.TempDir(), "authorized_keys")
	if err := os.WriteFile(path, []byte(keyText(newSigner(b))+"\n"), 0o600); err != nil {
		b.Fatal(err)
	}
	f, err := OpenKeyFile(path, testLogger(&syncBuffer{}))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if f.Keys().Len() != 1 {
			b.Fatal("lost the key")
		}
	}
}
