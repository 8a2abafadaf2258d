// Package sshd is `opsconsole serve`: the console served over SSH with
// wish, one independent console per session, public-key authentication
// only, and a role per key taken from an OpenSSH authorized_keys file.
//
// Security decisions, in one place (README "Serving the console over SSH"
// says the same for operators):
//   - Only public keys authenticate. Password, keyboard-interactive and
//     "none" are never configured, so x/crypto/ssh refuses them.
//   - The role is decided in the session from the key that actually signed
//     (x/crypto's VerifiedPublicKeyCallback stamps its fingerprint), looked
//     up again in the current authorized-keys file. Keys merely offered
//     during authentication never grant anything (CVE-2024-45337).
//   - Everything but one interactive console is refused: exec, subsystems,
//     agent and X11 forwarding, local and remote port forwarding.
package sshd

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// Role is what a key may do.
type Role string

const (
	// RoleReadOnly looks but never changes anything: the default.
	RoleReadOnly Role = "read-only"
	// RoleOperator may apply actions (still through confirm, guard, audit).
	RoleOperator Role = "operator"
)

// roleEnv is the variable of the `environment="..."` option that carries
// the role (DESIGN.md §4).
const roleEnv = "OPSCONSOLE_ROLE"

// Entry is one usable line of the authorized-keys file.
type Entry struct {
	Key         gossh.PublicKey
	Fingerprint string // SHA256:...
	Comment     string
	Role        Role
	// Line is the 1-based line number, for logs.
	Line int
	// From holds the `from="..."` patterns; nil allows any address.
	From *addrPatterns
	// Expires is the `expiry-time` option; zero means never.
	Expires time.Time
	// NoPTY is set by `no-pty`, or `restrict` without `pty`: such a key
	// cannot open the console, which needs a terminal.
	NoPTY bool
}

// LineError is a line of the authorized-keys file that was skipped.
type LineError struct {
	Line int
	Err  error
}

func (e LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

// KeySet is a parsed authorized-keys file.
type KeySet struct {
	// byKey maps the key's wire encoding to its lines, in file order: as in
	// sshd, the first line whose restrictions admit the connection wins.
	byKey map[string][]Entry
	count int
}

// Len is the number of usable lines.
func (ks *KeySet) Len() int { return ks.count }

// ParseAuthorizedKeys parses an OpenSSH authorized_keys file. Lines that do
// not parse, or carry an option serve cannot honour, are returned as
// LineErrors and skipped; the rest still work. loc is the zone of
// `expiry-time` values without a trailing Z (sshd uses the system zone).
func ParseAuthorizedKeys(data []byte, loc *time.Location) (*KeySet, []LineError) {
	ks := &KeySet{byKey: map[string][]Entry{}}
	var bad []LineError
	for i, raw := range bytes.Split(data, []byte("\n")) {
		line := bytes.TrimSpace(bytes.TrimSuffix(raw, []byte("\r")))
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		e, err := parseLine(line, loc)
		if err != nil {
			bad = append(bad, LineError{Line: i + 1, Err: err})
			continue
		}
		e.Line = i + 1
		k := string(e.Key.Marshal())
		ks.byKey[k] = append(ks.byKey[k], e)
		ks.count++
	}
	return ks, bad
}

func parseLine(line []byte, loc *time.Location) (Entry, error) {
	// x/crypto splits the options field (quotes, escaped quotes and commas
	// inside quotes included) and checks the key type against the blob. Fed
	// one line at a time, it cannot skip a bad line silently.
	pk, comment, options, rest, err := gossh.ParseAuthorizedKey(line)
	if err != nil {
		return Entry{}, fmt.Errorf("not a public key line (%v)", err)
	}
	if len(bytes.TrimSpace(rest)) > 0 {
		return Entry{}, errors.New("more than one key on the line")
	}
	if _, isCert := pk.(*gossh.Certificate); isCert {
		return Entry{}, errors.New("certificates are not accepted; list the plain public key")
	}
	e := Entry{Key: pk, Fingerprint: gossh.FingerprintSHA256(pk), Comment: comment, Role: RoleReadOnly}
	restrict, pty := false, false
	for _, opt := range options {
		name, value, err := splitOption(opt)
		if err != nil {
			return Entry{}, err
		}
		switch name {
		case "environment":
			k, v, ok := strings.Cut(value, "=")
			if !ok {
				return Entry{}, fmt.Errorf(`environment=%q is not NAME=value`, value)
			}
			if k != roleEnv {
				continue // other variables mean nothing here
			}
			switch Role(v) {
			case RoleOperator, RoleReadOnly:
				e.Role = Role(v)
			default:
				return Entry{}, fmt.Errorf("unknown role %q in %s (use %q or %q)", v, roleEnv, RoleOperator, RoleReadOnly)
			}
		case "from":
			p, err := parseAddrPatterns(value)
			if err != nil {
				return Entry{}, fmt.Errorf("from=%q: %v", value, err)
			}
			e.From = p
		case "expiry-time":
			t, err := parseExpiry(value, loc)
			if err != nil {
				return Entry{}, err
			}
			e.Expires = t
		case "no-pty":
			e.NoPTY = true
		case "restrict":
			restrict = true
		case "pty":
			pty = true
		case "command":
			// sshd would run this instead of the console: serving the
			// console anyway would ignore the administrator's intent.
			return Entry{}, errors.New("command= forces a command, which serve cannot run; this key cannot open the console")
		case "cert-authority", "principals":
			return Entry{}, fmt.Errorf("%s: certificate authorities are not supported", name)
		case "verify-required":
			return Entry{}, errors.New("verify-required: serve cannot check FIDO user verification, so it refuses the key rather than ignore the restriction")
		case "no-port-forwarding", "no-agent-forwarding", "no-x11-forwarding", "no-user-rc",
			"port-forwarding", "agent-forwarding", "x11-forwarding", "user-rc",
			"permitopen", "permitlisten", "tunnel", "no-touch-required":
			// serve refuses every kind of forwarding and runs no rc files
			// whatever the line says; no-touch-required is not honoured
			// (security keys must be touched), which only makes it stricter.
		default:
			return Entry{}, fmt.Errorf("unknown option %q", name)
		}
	}
	if restrict && !pty {
		e.NoPTY = true
	}
	return e, nil
}

// splitOption splits one authorized_keys option into its lower-cased name
// and its unquoted value. Valued options must be quoted, as in sshd.
func splitOption(opt string) (name, value string, err error) {
	name, quoted, hasValue := strings.Cut(opt, "=")
	name = strings.ToLower(name)
	if !hasValue {
		return name, "", nil
	}
	if len(quoted) < 2 || quoted[0] != '"' || quoted[len(quoted)-1] != '"' {
		return "", "", fmt.Errorf("option %s: the value must be in double quotes", name)
	}
	inner := quoted[1 : len(quoted)-1]
	var b strings.Builder
	for i := 0; i < len(inner); i++ {
		c := inner[i]
		if c == '\\' && i+1 < len(inner) && inner[i+1] == '"' {
			b.WriteByte('"')
			i++
			continue
		}
		if c == '"' {
			return "", "", fmt.Errorf("option %s: stray double quote in the value", name)
		}
		b.WriteByte(c)
	}
	return name, b.String(), nil
}

// parseExpiry reads YYYYMMDD[HHMM[SS]], optionally followed by Z for UTC.
func parseExpiry(v string, loc *time.Location) (time.Time, error) {
	s := v
	if strings.HasSuffix(s, "Z") {
		s, loc = s[:len(s)-1], time.UTC
	}
	layouts := map[int]string{8: "20060102", 12: "200601021504", 14: "20060102150405"}
	layout, ok := layouts[len(s)]
	if !ok {
		return time.Time{}, fmt.Errorf("expiry-time=%q: want YYYYMMDD[HHMM[SS]][Z]", v)
	}
	t, err := time.ParseInLocation(layout, s, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("expiry-time=%q: %v", v, err)
	}
	return t, nil
}

// Match returns the first line for key whose from= admits addr and which
// has not expired at now. The error says why the key is refused, for the
// server log; clients are only told "permission denied".
func (ks *KeySet) Match(key gossh.PublicKey, addr netip.Addr, now time.Time) (Entry, error) {
	lines := ks.byKey[string(key.Marshal())]
	if len(lines) == 0 {
		return Entry{}, errors.New("not in the authorized keys file")
	}
	var why []string
	for _, e := range lines {
		switch {
		case e.From != nil && !e.From.allows(addr):
			why = append(why, fmt.Sprintf("line %d: from= does not allow %s", e.Line, addr))
		case !e.Expires.IsZero() && !now.Before(e.Expires):
			why = append(why, fmt.Sprintf("line %d: expired at %s", e.Line, e.Expires.Format(time.RFC3339)))
		default:
			return e, nil
		}
	}
	return Entry{}, errors.New(strings.Join(why, "; "))
}

// addrPatterns is an sshd `from=` pattern list matched against the client's
// IP address only, as sshd does with UseDNS no: a host-name pattern never
// matches (fails closed), a negated match refuses whatever else matches.
type addrPatterns struct {
	items []addrPattern
}

type addrPattern struct {
	negate bool
	prefix netip.Prefix // set for CIDR items
	glob   string       // otherwise a *,? wildcard over the address text
}

func parseAddrPatterns(list string) (*addrPatterns, error) {
	p := &addrPatterns{}
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			return nil, errors.New("empty pattern")
		}
		var ap addrPattern
		if strings.HasPrefix(item, "!") {
			ap.negate, item = true, item[1:]
		}
		if strings.Contains(item, "/") {
			pfx, err := netip.ParsePrefix(item)
			if err != nil {
				return nil, fmt.Errorf("bad CIDR %q", item)
			}
			if pfx != pfx.Masked() {
				return nil, fmt.Errorf("CIDR %q has host bits set (did you mean %s?)", item, pfx.Masked())
			}
			ap.prefix = pfx
		} else {
			ap.glob = strings.ToLower(item)
		}
		p.items = append(p.items, ap)
	}
	return p, nil
}

func (p *addrPatterns) allows(addr netip.Addr) bool {
	addr = addr.Unmap()
	text := addr.String()
	matched := false
	for _, it := range p.items {
		var m bool
		if it.prefix.IsValid() {
			m = it.prefix.Contains(addr)
		} else {
			m = globMatch(it.glob, text)
		}
		if m && it.negate {
			return false
		}
		matched = matched || m
	}
	return matched
}

// globMatch is sshd's match_pattern: '*' matches any run of characters,
// '?' any one character, everything else itself.
func globMatch(pattern, s string) bool {
	// Iterative wildcard matching with one backtrack point (the last '*').
	pi, si, star, mark := 0, 0, -1, 0
	for si < len(s) {
		switch {
		case pi < len(pattern) && (pattern[pi] == '?' || pattern[pi] == s[si]):
			pi++
			si++
		case pi < len(pattern) && pattern[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(pattern) && pattern[pi] == '*' {
		pi++
	}
	return pi == len(pattern)
}
