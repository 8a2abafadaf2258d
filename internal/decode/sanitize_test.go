package decode

import (
	"strings"
	"testing"
)

func TestSanitize(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain text 123", "plain text 123"},
		{"\x1b[2J\x1b]52;c;aGVsbG8=\x07", `\x1b[2J\x1b]52;c;aGVsbG8=\x07`},
		{"line1\nline2\ttab\r", `line1\nline2\ttab\r`},
		{"caf\u00e9 \u65e5\u672c", "caf\u00e9 \u65e5\u672c"},
		{"\u009b31m", `\u009b31m`},
		{"evil\u202egnp.exe", `evil\u202egnp.exe`},
		{"bad \xff\xfe utf8", `bad \xff\xfe utf8`},
		{"del\x7f", `del\x7f`},
	}
	for _, c := range cases {
		if got := Sanitize(c.in); got != c.want {
			t.Errorf("Sanitize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"", "ok", "\x1b[31mred", "\u202e", "\xff", "\u009b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Sanitize(s)
		for _, r := range out {
			if unsafeRune(r) {
				t.Fatalf("Sanitize(%q) left unsafe rune %U in %q", s, r, out)
			}
		}
		if strings.ContainsAny(out, "\x1b\x07\n\r\x9b") {
			t.Fatalf("Sanitize(%q) = %q still has a control byte", s, out)
		}
	})
}

func BenchmarkSanitizeASCII(b *testing.B) {
	s := strings.Repeat("functionbeat-8.7.1 green open ", 4)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = Sanitize(s)
	}
}
