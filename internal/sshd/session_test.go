package sshd

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// stampedSession is a session whose key and Permissions the test chooses.
type stampedSession struct {
	ssh.Session
	key   gossh.PublicKey
	perms *gossh.Permissions
}

func (s stampedSession) PublicKey() ssh.PublicKey     { return s.key }
func (s stampedSession) Permissions() ssh.Permissions { return ssh.Permissions{Permissions: s.perms} }

// The session's key must be the one x/crypto verified: defence in depth
// should a library ever hand the session a key that was only offered.
func TestAuthorizeRequiresTheVerifiedKey(t *testing.T) {
	a, b := newSigner(t), newSigner(t)
	path := filepath.Join(t.TempDir(), "authorized_keys")
	writeFile(t, path, authorizedLine(a, operatorOpt, "a"), authorizedLine(b, "", "b"))
	kf, err := OpenKeyFile(path, testLogger(&syncBuffer{}))
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{keys: kf}
	cs := &connState{remote: loopback}
	verified := func(k gossh.Signer) *gossh.Permissions {
		return &gossh.Permissions{Extensions: map[string]string{extVerifiedKey: gossh.FingerprintSHA256(k.PublicKey())}}
	}
	e, err := s.authorize(stampedSession{key: a.PublicKey(), perms: verified(a)}, cs)
	if err != nil || e.Role != RoleOperator {
		t.Fatalf("verified key a: %+v %v", e, err)
	}
	for name, sess := range map[string]stampedSession{
		"a offered, b verified": {key: a.PublicKey(), perms: verified(b)},
		"no permissions":        {key: a.PublicKey()},
		"nothing stamped":       {key: a.PublicKey(), perms: &gossh.Permissions{}},
	} {
		if _, err := s.authorize(sess, cs); err == nil || !strings.Contains(err.Error(), "not the key whose signature was verified") {
			t.Errorf("%s: want refusal, got %v", name, err)
		}
	}
	if _, err := s.authorize(stampedSession{}, cs); err == nil {
		t.Error("a session without a key must be refused")
	}
}
