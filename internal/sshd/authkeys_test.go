package sshd

import (
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

func newSigner(t testing.TB) gossh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// keyText is "ssh-ed25519 AAAA..." without newline.
func keyText(s gossh.Signer) string {
	return strings.TrimSpace(string(gossh.MarshalAuthorizedKey(s.PublicKey())))
}

var (
	loopback = netip.MustParseAddr("127.0.0.1")
	now      = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
)

func TestParseAuthorizedKeysRolesAndOptions(t *testing.T) {
	k := make([]gossh.Signer, 10)
	for i := range k {
		k[i] = newSigner(t)
	}
	lines := []string{
		"# team keys",                   // 1
		"",                              // 2
		keyText(k[0]) + " alice@laptop", // 3: read-only by default
		`no-pty,environment="OPSCONSOLE_ROLE=operator",from="10.0.0.0/8,192.168.1.*" ` + keyText(k[1]) + " bob",                // 4
		`from="127.0.0.1,::1",environment="OPSCONSOLE_ROLE=operator",no-agent-forwarding ` + keyText(k[2]) + " carol ops lead", // 5
		`environment="OPSCONSOLE_ROLE=admin" ` + keyText(k[3]) + " dave",                                                       // 6: unknown role
		"this is not a key",                                                               // 7
		`command="/bin/ls" ` + keyText(k[4]) + " erin",                                    // 8: forced command
		`frobnicate ` + keyText(k[4]) + " erin",                                           // 9: unknown option
		`restrict,pty,environment="OPSCONSOLE_ROLE=operator" ` + keyText(k[5]) + " frank", // 10
		`restrict ` + keyText(k[6]) + " grace",                                            // 11
		`environment="NOTE=a \"quoted, comma\" value",ENVIRONMENT="OPSCONSOLE_ROLE=operator" ` + keyText(k[7]) + " heidi", // 12
		`from=10.0.0.1 ` + keyText(k[8]) + " ivan",                        // 13: unquoted value
		`environment="OPSCONSOLE_ROLE=read-only" ` + keyText(k[9]) + "\r", // 14: CRLF, no comment
	}
	ks, bad := ParseAuthorizedKeys([]byte(strings.Join(lines, "\n")), time.UTC)
	badLines := map[int]string{}
	for _, b := range bad {
		badLines[b.Line] = b.Err.Error()
	}
	for line, want := range map[int]string{6: "unknown role", 7: "not a public key", 8: "command=", 9: "unknown option", 13: "double quotes"} {
		if !strings.Contains(badLines[line], want) {
			t.Errorf("line %d: want an error containing %q, got %q", line, want, badLines[line])
		}
	}
	if len(bad) != 5 {
		t.Errorf("want 5 bad lines, got %v", bad)
	}
	if ks.Len() != 7 {
		t.Fatalf("want 7 usable keys, got %d", ks.Len())
	}
	check := func(s gossh.Signer, addr string, role Role, comment string, noPTY bool) {
		t.Helper()
		e, err := ks.Match(s.PublicKey(), netip.MustParseAddr(addr), now)
		if err != nil {
			t.Fatalf("%s: %v", comment, err)
		}
		if e.Role != role || e.Comment != comment || e.NoPTY != noPTY || e.Fingerprint != gossh.FingerprintSHA256(s.PublicKey()) {
			t.Errorf("got %+v; want role %s comment %q noPTY %v", e, role, comment, noPTY)
		}
	}
	check(k[0], "127.0.0.1", RoleReadOnly, "alice@laptop", false)
	check(k[1], "192.168.1.77", RoleOperator, "bob", true)
	check(k[1], "10.20.30.40", RoleOperator, "bob", true)
	check(k[2], "::1", RoleOperator, "carol ops lead", false)
	check(k[5], "127.0.0.1", RoleOperator, "frank", false)
	check(k[6], "127.0.0.1", RoleReadOnly, "grace", true)
	check(k[7], "127.0.0.1", RoleOperator, "heidi", false)
	check(k[9], "127.0.0.1", RoleReadOnly, "", false)

	if _, err := ks.Match(k[1].PublicKey(), loopback, now); err == nil || !strings.Contains(err.Error(), "line 4: from=") {
		t.Errorf("bob from 127.0.0.1 must be refused by from=, got %v", err)
	}
	if _, err := ks.Match(k[3].PublicKey(), loopback, now); err == nil {
		t.Error("a key whose only line was skipped must not match")
	}
}

func TestMatchFirstAdmittingLineWinsAndExpiry(t *testing.T) {
	k := newSigner(t)
	data := fmt.Sprintf("from=\"10.0.0.0/8\",environment=\"OPSCONSOLE_ROLE=operator\" %s office\n"+
		"expiry-time=\"20260201\" %s expired\n"+
		"expiry-time=\"202603011300Z\" %s anywhere\n", keyText(k), keyText(k), keyText(k))
	ks, bad := ParseAuthorizedKeys([]byte(data), time.UTC)
	if len(bad) != 0 {
		t.Fatal(bad)
	}
	e, err := ks.Match(k.PublicKey(), netip.MustParseAddr("10.1.1.1"), now)
	if err != nil || e.Role != RoleOperator || e.Line != 1 {
		t.Fatalf("from the office: %+v %v", e, err)
	}
	e, err = ks.Match(k.PublicKey(), loopback, now)
	if err != nil || e.Role != RoleReadOnly || e.Line != 3 {
		t.Fatalf("elsewhere, the first admitting line (3) must win: %+v %v", e, err)
	}
	_, err = ks.Match(k.PublicKey(), loopback, now.Add(time.Hour))
	if err == nil || !strings.Contains(err.Error(), "line 2: expired") || !strings.Contains(err.Error(), "line 3: expired") {
		t.Fatalf("after 13:00Z every line has expired or is out of range: %v", err)
	}
}

func TestAddrPatterns(t *testing.T) {
	cases := []struct {
		list, addr string
		want       bool
	}{
		{"10.0.0.0/8", "10.9.8.7", true},
		{"10.0.0.0/8", "11.0.0.1", false},
		{"!10.1.2.3,10.0.0.0/8", "10.1.2.3", false},
		{"!10.1.2.3,10.0.0.0/8", "10.1.2.4", true},
		{"192.168.?.1*", "192.168.5.17", true},
		{"192.168.?.1*", "192.168.55.17", false},
		{"*", "2001:db8::1", true},
		{"2001:db8::/32", "2001:db8:1::5", true},
		{"127.0.0.1", "::ffff:127.0.0.1", true},    // IPv4-mapped IPv6 is the IPv4 client
		{"bastion.example.com", "10.0.0.1", false}, // host names never match (no DNS)
		{"*.example.com,10.0.0.1", "10.0.0.1", true},
	}
	for _, c := range cases {
		p, err := parseAddrPatterns(c.list)
		if err != nil {
			t.Fatalf("%q: %v", c.list, err)
		}
		if got := p.allows(netip.MustParseAddr(c.addr)); got != c.want {
			t.Errorf("from=%q allows %s = %v, want %v", c.list, c.addr, got, c.want)
		}
	}
	for _, bad := range []string{"10.0.0.1/8", "10.0.0.0/99", "a,,b", ""} {
		if _, err := parseAddrPatterns(bad); err == nil {
			t.Errorf("from=%q should be rejected", bad)
		}
	}
}

func TestGlobMatch(t *testing.T) {
	cases := []struct {
		p, s string
		want bool
	}{
		{"*", "", true}, {"a*b", "ab", true}, {"a*b", "axxb", true}, {"a*b", "axxc", false},
		{"a?c", "abc", true}, {"a?c", "ac", false}, {"*.*.*.1", "10.0.0.1", true},
		{"[1]", "1", false}, {"**a", "bba", true}, {"a*", "b", false},
	}
	for _, c := range cases {
		if got := globMatch(c.p, c.s); got != c.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", c.p, c.s, got, c.want)
		}
	}
}

func TestSplitOptionUnescapes(t *testing.T) {
	name, value, err := splitOption(`Environment="A=\"x,y\""`)
	if err != nil || name != "environment" || value != `A="x,y"` {
		t.Fatalf("%q %q %v", name, value, err)
	}
	if _, _, err := splitOption(`from="a"b"`); err == nil {
		t.Fatal("a stray quote must be rejected")
	}
}

func BenchmarkParseAuthorizedKeys(b *testing.B) {
	var sb strings.Builder
	for i := 0; i < 50; i++ {
		fmt.Fprintf(&sb, "from=\"10.0.0.0/8\",environment=\"OPSCONSOLE_ROLE=operator\" %s user%d@host\n", keyText(newSigner(b)), i)
	}
	data := []byte(sb.String())
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if ks, _ := ParseAuthorizedKeys(data, time.UTC); ks.Len() != 50 {
			b.Fatal(ks.Len())
		}
	}
}
