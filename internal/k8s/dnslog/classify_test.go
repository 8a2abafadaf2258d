package dnslog

import "testing"

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		line string
		want Class
		sev  Severity
	}{
		{`[FATAL] plugin/loop: Loop (127.0.0.1:59185 -> :53) detected for zone ".", see https://coredns.io/plugins/loop#troubleshooting. Query: "HINFO 4547991504243258144.3688648895315093531."`, Loop, SevFatal},
		{`plugin/loop: Loop (127.0.0.1:55953 -> :1053) detected for zone ".", see https://coredns.io/plugins/loop#troubleshooting.`, Loop, SevFatal},
		{`panic: runtime error: invalid memory address or nil pointer dereference`, Panic, SevFatal},
		{`[PANIC] recovered in plugin/cache: runtime error`, Panic, SevFatal},
		{`[FATAL] plugin/kubernetes: Failed to initialize: no such host`, Fatal, SevFatal},
		{`[ERROR] plugin/errors: 2 example.com. A: no healthy proxies`, NoHealthyUpstream, SevError},
		{`[WARNING] plugin/forward: no healthy upstream host`, NoHealthyUpstream, SevError},
		{`[ERROR] plugin/errors: 2 api.stripe.com. A: read udp 10.244.0.5:49238->8.8.8.8:53: i/o timeout`, UpstreamTimeout, SevError},
		{`[ERROR] plugin/kubernetes: pkg/mod/k8s.io/client-go/tools/cache/reflector.go:229: Failed to watch *v1.Namespace: Get "https://10.96.0.1:443/api/v1/namespaces": dial tcp 10.96.0.1:443: i/o timeout`, KubernetesAPI, SevError},
		{`[INFO] plugin/ready: Still waiting on: "kubernetes"`, KubernetesAPI, SevError},
		{`[INFO] 10.244.1.9:40022 - 6121 "A IN api.stripe.com. udp 32 false 512" SERVFAIL qr,rd 32 2.001s`, ServFail, SevError},
		{`[ERROR] plugin/errors: 2 db. A: dial tcp: lookup foo: unknown`, Error, SevError},
		{`[WARNING] No files matching import glob pattern: /etc/coredns/custom/*.override`, Warning, SevWarning},
		{`[INFO] 10.244.2.31:52714 - 4411 "A IN checkout.shop.svc.cluster.local. udp 49 false 512" NOERROR qr,aa,rd 114 0.000188s`, Normal, SevNone},
		{`CoreDNS-1.11.3`, Normal, SevNone},
		{``, Normal, SevNone},
	} {
		got := Classify(tc.line)
		if got.Class != tc.want || got.Severity != tc.sev {
			t.Errorf("Classify(%q) = %v/%v, want %v/%v", tc.line, got.Class, got.Severity, tc.want, tc.sev)
		}
		if (tc.want == Normal) != (got.Hint == "") {
			t.Errorf("Classify(%q): hint %q does not match class %v", tc.line, got.Hint, got.Class)
		}
	}
}

func TestClassNames(t *testing.T) {
	seen := map[string]bool{}
	for c := Normal; c <= Warning; c++ {
		n := c.String()
		if n == "unknown" || seen[n] {
			t.Errorf("class %d has name %q", c, n)
		}
		seen[n] = true
	}
	if Class(99).String() != "unknown" {
		t.Error("out-of-range class should be unknown")
	}
}

var sink Result

func BenchmarkClassify(b *testing.B) {
	lines := []string{
		`[INFO] 10.244.2.31:52714 - 4411 "A IN checkout.shop.svc.cluster.local. udp 49 false 512" NOERROR qr,aa,rd 114 0.000188s`,
		`[ERROR] plugin/errors: 2 api.stripe.com. A: read udp 10.244.0.5:49238->8.8.8.8:53: i/o timeout`,
		`[FATAL] plugin/loop: Loop (127.0.0.1:59185 -> :53) detected for zone ".", see https://coredns.io/plugins/loop#troubleshooting.`,
	}
	n := 0
	for _, l := range lines {
		n += len(l)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		for _, l := range lines {
			sink = Classify(l)
		}
	}
}
