package corefile

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// kubeadmDefault is the Corefile kubeadm installs (and the demo uses).
const kubeadmDefault = `.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30
    loop
    reload
    loadbalance
}
`

func TestParseKubeadmDefault(t *testing.T) {
	cf, err := Parse(kubeadmDefault)
	if err != nil {
		t.Fatal(err)
	}
	if len(cf.Servers) != 1 {
		t.Fatalf("servers = %d, want 1", len(cf.Servers))
	}
	s := cf.Servers[0]
	if want := []Zone{{Scheme: "dns", Zone: ".", Port: "53"}}; !reflect.DeepEqual(s.Zones, want) {
		t.Errorf("zones = %+v, want %+v", s.Zones, want)
	}
	var names []string
	for _, d := range s.Plugins {
		names = append(names, d.Name)
	}
	want := []string{"errors", "health", "ready", "kubernetes", "prometheus", "forward", "cache", "loop", "reload", "loadbalance"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("plugins = %v, want %v", names, want)
	}
	k, _ := s.Plugin("kubernetes")
	if !reflect.DeepEqual(k.Args, []string{"cluster.local", "in-addr.arpa", "ip6.arpa"}) || len(k.Block) != 3 || k.Line != 7 {
		t.Errorf("kubernetes = %+v", k)
	}
	if k.Block[1].Name != "fallthrough" || !reflect.DeepEqual(k.Block[1].Args, []string{"in-addr.arpa", "ip6.arpa"}) {
		t.Errorf("kubernetes block[1] = %+v", k.Block[1])
	}
	f, _ := s.Plugin("forward")
	if got := f.String(); got != "forward . /etc/resolv.conf { max_concurrent 1000 }" {
		t.Errorf("forward renders as %q", got)
	}
	if c, _ := s.Plugin("cache"); !reflect.DeepEqual(c.Args, []string{"30"}) || c.HasBlock {
		t.Errorf("cache = %+v", c)
	}
}

func TestParseMultipleBlocksZonesPortsCommentsQuotes(t *testing.T) {
	src := `# stub domains first
consul.local:53 corp.example.com {   # two zones, one block
    errors
    cache 30
    forward . 10.150.0.1 "10.150.0.2:5353" # quoted upstream
}

dns://.:5353, tls://example.org {
    log "{remote} \"asked\" {name}"
    forward . 1.1.1.1
    {$EXTRA_PLUGIN}
}

(common) {
    errors
}
`
	cf, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	if len(cf.Servers) != 2 || len(cf.Snippets) != 1 {
		t.Fatalf("servers=%d snippets=%d, want 2 and 1", len(cf.Servers), len(cf.Snippets))
	}
	a, b := cf.Servers[0], cf.Servers[1]
	wantA := []Zone{{"dns", "consul.local.", "53"}, {"dns", "corp.example.com.", "53"}}
	if !reflect.DeepEqual(a.Zones, wantA) || a.Line != 2 {
		t.Errorf("block A zones %+v line %d", a.Zones, a.Line)
	}
	fw, _ := a.Plugin("forward")
	if !reflect.DeepEqual(fw.Args, []string{".", "10.150.0.1", "10.150.0.2:5353"}) {
		t.Errorf("forward args %q", fw.Args)
	}
	wantB := []Zone{{"dns", ".", "5353"}, {"tls", "example.org.", "853"}}
	if !reflect.DeepEqual(b.Zones, wantB) {
		t.Errorf("block B zones %+v", b.Zones)
	}
	if b.Zones[1].String() != "tls://example.org.:853" {
		t.Errorf("zone string %q", b.Zones[1].String())
	}
	lg, _ := b.Plugin("log")
	if !reflect.DeepEqual(lg.Args, []string{`{remote} "asked" {name}`}) {
		t.Errorf("log args %q", lg.Args)
	}
	if _, ok := b.Plugin("{$EXTRA_PLUGIN}"); !ok {
		t.Errorf("environment placeholder not kept as a directive: %+v", b.Plugins)
	}
	if cf.Snippets[0].Keys[0] != "(common)" {
		t.Errorf("snippet %+v", cf.Snippets[0])
	}
}

func TestParseErrorsNameTheLine(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		line      int
		msg       string
	}{
		{"empty", "  # only a comment\n", 1, "empty"},
		{"unclosed block", ".:53 {\n  errors\n  forward . 8.8.8.8 {\n", 3, "never closed"},
		{"stray close", ".:53 {\n errors\n}\n}\n", 4, "unexpected"},
		{"no brace", ".:53\n", 1, "no opening brace"},
		{"unterminated quote", ".:53 {\n log \"abc\n}\n", 2, "unterminated"},
		{"bad scheme", "ftp://.:53 {\n}\n", 1, "unknown scheme"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.src)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a *ParseError", err)
			}
			if pe.Line != tc.line || !strings.Contains(pe.Msg, tc.msg) {
				t.Errorf("got line %d %q, want line %d containing %q", pe.Line, pe.Msg, tc.line, tc.msg)
			}
		})
	}
}

func codes(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Code)
	}
	return out
}

func lint(t *testing.T, src string) []Finding {
	t.Helper()
	cf, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	return Lint(cf)
}

func TestLintKubeadmDefaultWarnsOnlyAboutResolvConf(t *testing.T) {
	fs := lint(t, kubeadmDefault)
	if got := codes(fs); !reflect.DeepEqual(got, []string{"forward-resolv-conf"}) {
		t.Fatalf("codes = %v", got)
	}
	f := fs[0]
	if f.Severity != Warning || f.Line != 13 || f.Server != ".:53" {
		t.Errorf("finding = %+v", f)
	}
	for _, want := range []string{"127.0.0.53", "resolvConf"} {
		if !strings.Contains(f.Why+f.Fix, want) {
			t.Errorf("finding does not mention %q: %s", want, f)
		}
	}
}

func TestLintFindsEachMisconfiguration(t *testing.T) {
	src := `.:53 {
    kubernetes cluster.local
    forward . 127.0.0.53 8.8.8.8
}
example.org:53 {
    proxy . localhost:5353
    errors
    cache
}
`
	fs := lint(t, src)
	want := []string{
		"forward-loopback", "loop-missing", "cache-missing", "errors-missing", // .:53
		"proxy-removed", "forward-loopback", "loop-missing", // example.org
		"health-missing", "ready-missing",
	}
	if got := codes(fs); !reflect.DeepEqual(got, want) {
		t.Fatalf("codes =\n %v\nwant\n %v", got, want)
	}
	if fs[0].Severity != Error || fs[0].Line != 3 || !strings.Contains(fs[0].What, "127.0.0.53") {
		t.Errorf("loopback finding = %+v", fs[0])
	}
	for _, f := range fs {
		if f.What == "" || f.Why == "" || f.Fix == "" {
			t.Errorf("finding %s lacks what/why/fix: %+v", f.Code, f)
		}
	}
}

func TestLintCleanCorefile(t *testing.T) {
	src := `.:53 {
    errors
    health
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa
    forward . 10.0.0.2 10.0.0.3
    cache 30
    loop
}
`
	if fs := lint(t, src); len(fs) != 0 {
		t.Fatalf("clean Corefile has findings: %v", fs)
	}
}

func TestIsLoopback(t *testing.T) {
	for in, want := range map[string]bool{
		"127.0.0.1": true, "127.0.0.53": true, "dns://127.0.0.1:53": true, "[::1]:53": true, "::1": true,
		"localhost": true, "LOCALHOST:53": true,
		"10.0.0.2": false, "8.8.8.8:53": false, "tls://1.1.1.1": false, "/etc/resolv.conf": false,
	} {
		if got := isLoopback(in); got != want {
			t.Errorf("isLoopback(%q) = %v, want %v", in, got, want)
		}
	}
}

func BenchmarkParseAndLint(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(kubeadmDefault)))
	for b.Loop() {
		cf, err := Parse(kubeadmDefault)
		if err != nil {
			b.Fatal(err)
		}
		_ = Lint(cf)
	}
}
