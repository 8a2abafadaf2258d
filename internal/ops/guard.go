package ops

import (
	"context"
	"fmt"
	"strings"
)

// Identity is who is at the keyboard: the local user, or the SSH key that
// authenticated a `serve` session.
type Identity struct {
	User string
	Host string
	// KeyFingerprint and KeyComment are set for SSH sessions.
	KeyFingerprint string
	KeyComment     string
}

// AuditUser is the `user` field of the audit log.
func (id Identity) AuditUser() string {
	if id.KeyFingerprint == "" {
		return id.User
	}
	if id.KeyComment == "" {
		return id.KeyFingerprint
	}
	return id.KeyFingerprint + " " + id.KeyComment
}

// Target is the named target (or the unnamed one made from flags) the
// console acts on.
type Target struct {
	Name        string
	Environment string
}

// IsProduction reports whether the guard rails for production apply: any
// word of the environment label is prod, production, prd or live
// ("prod", "prod-eu", "us_production"; not "preprod" or "nonprod").
func (t Target) IsProduction() bool {
	words := strings.FieldsFunc(strings.ToLower(t.Environment), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	})
	for _, w := range words {
		switch w {
		case "prod", "production", "prd", "live":
			return true
		}
	}
	return false
}

// Guard decides whether a mutation may be sent at all. Read-only is enforced
// here, for every action, and not by hiding keys in the UI: a key that slips
// through still reaches this check.
type Guard struct {
	// ReadOnlyReasons lists every reason the console is read-only
	// ("--read-only", "SSH key role is read-only", "target demo-prod is
	// locked"). Any one of them refuses every mutation.
	ReadOnlyReasons []string
}

// ReadOnly reports whether mutations are refused.
func (g Guard) ReadOnly() bool { return len(g.ReadOnlyReasons) > 0 }

// ErrReadOnly is returned (wrapped) when the guard refuses for read-only.
var ErrReadOnly = fmt.Errorf("read-only")

// Refusal is the error the guard would return for any action, or nil.
func (g Guard) Refusal() error {
	if !g.ReadOnly() {
		return nil
	}
	return fmt.Errorf("%w: nothing was sent (%s)", ErrReadOnly, strings.Join(g.ReadOnlyReasons, "; "))
}

// Check runs the read-only rules, then the action's own permission pre-check.
func (g Guard) Check(ctx context.Context, a Action) error {
	if err := g.Refusal(); err != nil {
		return err
	}
	if pc, ok := a.(PermissionChecker); ok {
		if err := pc.CheckPermission(ctx); err != nil {
			return fmt.Errorf("permission pre-check failed, nothing was sent: %w", err)
		}
	}
	return nil
}
