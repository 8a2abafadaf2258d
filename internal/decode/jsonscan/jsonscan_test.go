package jsonscan

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestValidAgreesWithEncodingJSON(t *testing.T) {
	for _, in := range []string{
		`{}`, `[]`, ` {"a" : [1, -0.5e+3, true, false, null, "x\"\\\/\b\f\n\r\t\u00e9"]} `,
		`{"a":}`, `{"a":1,}`, `[1,]`, `01`, `-`, `1.`, `1e`, `"\x"`, `"\u12"`, "\"a\x01\"", `{"a" 1}`,
		`tru`, `nul`, `{} {}`, ``, `"unterminated`, `[1 2]`, `{"a":1 "b":2}`, "\"\xff\"",
	} {
		if got, want := Valid([]byte(in)), json.Valid([]byte(in)); got != want {
			t.Errorf("Valid(%q) = %v, encoding/json says %v", in, got, want)
		}
	}
}

func TestDepthLimit(t *testing.T) {
	deep := strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1)
	if _, err := Skip([]byte(deep), 0); err == nil || !strings.Contains(err.Error(), "nested too deeply") {
		t.Fatalf("err = %v", err)
	}
	ok := strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth)
	if !Valid([]byte(ok)) {
		t.Fatal("depth MaxDepth refused")
	}
}

func TestUnescapeMatchesEncodingJSON(t *testing.T) {
	for _, in := range []string{
		`plain`, `a\"b\\c\/d`, `\b\f\n\r\t`, `\u00e9\u65e5`, `\ud83d\ude00`, `\ud800`, `\udc00x`, `\ud800\u0041`, `\u0000`,
	} {
		var want string
		if err := json.Unmarshal([]byte(`"`+in+`"`), &want); err != nil {
			t.Fatal(err)
		}
		raw, _, _, err := String([]byte(`"`+in+`"`), 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(Unescape(nil, raw)); got != want {
			t.Errorf("Unescape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestUnescapeInPlace(t *testing.T) {
	buf := []byte(`xx"a\nb\u00e9\"" tail`)
	raw, esc, _, err := String(buf, 2)
	if err != nil || !esc {
		t.Fatal(err, esc)
	}
	out := Unescape(buf[:0], raw)
	if string(out) != "a\nb\u00e9\"" {
		t.Fatalf("in place: %q", out)
	}
}

func TestErrorsCarryOffsets(t *testing.T) {
	_, err := Skip([]byte(`{"a":[1,2,}`), 0)
	var se *SyntaxError
	if !errors.As(err, &se) || se.Offset != 10 {
		t.Fatalf("err = %v", err)
	}
	if err.Error() != "unexpected byte '}' at byte 10" {
		t.Errorf("message %q", err.Error())
	}
}

func TestObjectWalk(t *testing.T) {
	b := []byte(` { "k1" : "v" , "k2" : [ 1 ] } `)
	i, empty, err := ObjectStart(b, 0)
	if err != nil || empty {
		t.Fatal(err)
	}
	var keys []string
	for {
		key, _, vi, err := Key(b, i)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, string(key))
		if i, err = Skip(b, vi); err != nil {
			t.Fatal(err)
		}
		var done bool
		if i, done, err = ObjectNext(b, i); err != nil {
			t.Fatal(err)
		} else if done {
			break
		}
	}
	if strings.Join(keys, ",") != "k1,k2" || SkipSpace(b, i) != len(b) {
		t.Fatalf("keys %v, end %d", keys, i)
	}
}

func BenchmarkSkipLongString(b *testing.B) {
	s := []byte(`"` + strings.Repeat("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=", 4096) + `"`)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		if _, err := Skip(s, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzUnquoteInPlace checks the one-pass unquote against String+Unescape,
// including writing into the string's own bytes from an earlier position.
func FuzzUnquoteInPlace(f *testing.F) {
	for _, s := range []string{`"plain"`, `"a\"b\\c\/d\n"`, `"\ud83d\ude00\ud800x\u00e9"`, `"unterminated`, "\"ctl\x01\"", `"\q"`} {
		f.Add([]byte(s), uint8(0))
	}
	f.Fuzz(func(t *testing.T, in []byte, lead uint8) {
		// lead bytes of padding before the string: the write position.
		pad := int(lead % 8)
		b := append(make([]byte, pad), in...)
		raw, _, wantNext, wantErr := String(b, pad)
		want := string(Unescape(nil, raw))
		end, next, err := UnquoteInPlace(b, pad, 0)
		if (err == nil) != (wantErr == nil) || next != wantNext {
			t.Fatalf("UnquoteInPlace(%q): next %d err %v; String: next %d err %v", in, next, err, wantNext, wantErr)
		}
		if err == nil && string(b[:end]) != want {
			t.Fatalf("UnquoteInPlace(%q) = %q, want %q", in, b[:end], want)
		}
	})
}
