package sshd

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	gossh "golang.org/x/crypto/ssh"
)

// LoadOrCreateHostKey returns the server's host key from path, generating
// an ed25519 key there (mode 0600) the first time. A key that cannot be
// written is an error, never a fresh key per start: clients would see a
// changed host key on every restart and learn to ignore the warning.
//
// An existing key readable by group or others is refused rather than
// fixed: it may already have been copied, and anyone holding it can
// impersonate this server. The operator should rotate it, not chmod it.
func LoadOrCreateHostKey(path string) (signer gossh.Signer, created bool, err error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if err := createHostKey(path); err != nil {
			return nil, false, err
		}
		created = true
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, false, fmt.Errorf("host key %s cannot be read: %w", path, err)
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, false, fmt.Errorf("host key: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, false, fmt.Errorf("host key %s is readable by others (mode %04o): anyone who copied it can impersonate this server; "+
			"move it away so a new key is generated (clients will see the host key change), or chmod 600 it if you are sure it never leaked",
			path, st.Mode().Perm())
	}
	signer, err = gossh.ParsePrivateKey(data)
	var missing *gossh.PassphraseMissingError
	switch {
	case errors.As(err, &missing):
		return nil, false, fmt.Errorf("host key %s is protected by a passphrase; serve needs an unencrypted key (readable only by its user)", path)
	case err != nil:
		return nil, false, fmt.Errorf("host key %s cannot be parsed: %w", path, err)
	}
	return signer, created, nil
}

// createHostKey writes a new ed25519 key crash- and race-safely: to a
// temporary file in the same directory, then hard-linked into place, which
// fails if another process created the key meanwhile (then theirs is used).
func createHostKey(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("host key %s is missing and its directory cannot be created: %w", path, err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return fmt.Errorf("host key: generating an ed25519 key: %w", err)
	}
	block, err := gossh.MarshalPrivateKey(priv, "opsconsole serve host key")
	if err != nil {
		return fmt.Errorf("host key: encoding: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".host-key-*") // mode 0600
	if err != nil {
		return fmt.Errorf("host key %s is missing and cannot be written (%w); give the service a writable state directory or create the key yourself with ssh-keygen -t ed25519 -N '' -f %s", path, err, path)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(pem.EncodeToMemory(block)); err != nil {
		tmp.Close()
		return fmt.Errorf("host key: writing %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("host key: syncing %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("host key: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("host key: cannot put the new key at %s: %w", path, err)
	}
	return nil
}
