package decode_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opsconsole/opsconsole/internal/decode/encode"
)

// The fuzz seed corpora are committed under testdata/fuzz so `go test` runs
// them and `go test -fuzz` starts from real-looking inputs. They are built
// here from the encode package; regenerate them with
//
//	go test ./internal/decode -run TestFuzzSeeds -update-seeds
var updateSeeds = flag.Bool("update-seeds", false, "rewrite testdata/fuzz seed corpora")

// seed is one corpus entry: the fuzz target's arguments in order.
type seed struct {
	name string
	args []any
}

func appLogEnvelope(n int) encode.Envelope {
	t0 := time.Date(2025, 9, 3, 16, 47, 0, 0, time.UTC)
	env := encode.Envelope{
		Owner:               "210987654321",
		LogGroup:            "/ecs/app-logs/checkout",
		LogStream:           "ecs/checkout/4f1c3f2a9b8e4d6c8a1b2c3d4e5f6a7b",
		SubscriptionFilters: []string{"app-logs-to-kinesis"},
	}
	levels := []string{"info", "info", "warn", "error", "debug"}
	for i := range n {
		ts := t0.Add(time.Duration(i) * 37 * time.Millisecond)
		msg := fmt.Sprintf("GET /api/cart/%d 200 in %dms", 1000+i, 3+i%40)
		if levels[i%len(levels)] == "error" {
			msg = fmt.Sprintf("payment provider timeout after 3000ms (order %d, attempt %d)", 50000+i, 1+i%3)
		}
		env.LogEvents = append(env.LogEvents, encode.LogEvent{Timestamp: ts, Message: encode.ECSLog{
			Timestamp: ts, Level: levels[i%len(levels)], Message: msg, Service: "checkout",
			Function: "main.(*Server).handle", File: "server.go", Line: 120 + i%7,
			Extra: map[string]any{"trace.id": fmt.Sprintf("%032x", 0xabcdef+i), "http.response.status_code": 200},
		}.JSON()})
	}
	return env
}

const hostile = "\x1b[2J\x1b[H\x1b]52;c;cm0gLXJmIC8K\x07\x1b]0;pwned\x07 \u009b31m red \u202egnp.exe \x1bP+q\x1b\\ \xff\xfe"

func seedCorpora() map[string][]seed {
	cwl := encode.CWLEnvelope(lambdaEnvelope())
	app := encode.CWLEnvelope(appLogEnvelope(6))
	ecsLine := appLogEnvelope(1).LogEvents[0].Message
	kpl := encode.KPLAggregate([]encode.KPLRecord{
		{PartitionKey: "checkout-1", Data: app},
		{PartitionKey: "checkout-2", ExplicitHashKey: "170141183460469231731687303715884105728", Data: []byte(ecsLine)},
		{PartitionKey: "checkout-1", Data: []byte("plain text line\n")},
	})
	badMD5 := append([]byte(nil), kpl...)
	badMD5[len(badMD5)-3] ^= 0x40
	hostileEnv := encode.CWLEnvelope(encode.Envelope{LogGroup: "/evil\x1b[31m", LogStream: "s", LogEvents: []encode.LogEvent{
		{Timestamp: arrival, Message: hostile},
		{Timestamp: arrival, Message: `{"log.level":"error\u001b[5m","message":"` + strings.ReplaceAll(hostile, "\x1b", `\u001b`) + `"}`},
	}})
	return map[string][]seed{
		"FuzzDecode": {
			{"cwl-lambda-ecs", []any{cwl}},
			{"cwl-app-ecs", []any{app}},
			{"cwl-control", []any{encode.CWLControl(arrival)}},
			{"kpl-aggregate", []any{kpl}},
			{"kpl-bad-md5", []any{badMD5}},
			{"hostile-text", []any{[]byte(hostile)}},
			{"hostile-cwl", []any{hostileEnv}},
			{"ecs-line", []any{[]byte(ecsLine)}},
			{"binary", []any{[]byte{0, 1, 2, 3, 0xde, 0xad, 0xbe, 0xef}}},
			{"gzip-truncated", []any{app[:len(app)/2]}},
			{"json-pretty", []any{[]byte("{\n  \"level\": \"warn\",\n  \"msg\": \"disk 91%\"\n}\n")}},
		},
		"FuzzKPL": {
			{"aggregate", []any{kpl[4 : len(kpl)-16], "checkout-1", uint8(3)}},
			{"unknown-fields", []any{[]byte{0x0a, 0x01, 'k', 0x25, 1, 2, 3, 4, 0x1a, 0x06, 0x08, 0x00, 0x1a, 0x02, 'h', 'i'}, "", uint8(0)}},
			{"truncated", []any{kpl[4 : len(kpl)/2], "k", uint8(1)}},
		},
		"FuzzGzip": {
			{"ecs-line", []any{[]byte(ecsLine)}},
			{"cwl-json", []any{lambdaEnvelope().JSON()}},
			{"text", []any{[]byte("hello\n")}},
			{"empty", []any{[]byte{}}},
		},
		"FuzzCWL": {
			{"ecs", []any{"/ecs/app-logs/checkout", "ecs/checkout/4f1c", ecsLine, "plain"}},
			{"hostile", []any{"/evil\x1b[31m", "\u202e", hostile, "{\"message\":\"\\u001b[2J\"}"}},
			{"empty", []any{"", "", "", ""}},
		},
		"FuzzJSON": {
			{"ecs-line", []any{[]byte(ecsLine)}},
			{"nested-ecs", []any{[]byte(`{"@timestamp":"2025-01-02T03:04:05.1+01:00","log":{"level":"WARN","origin":{"file":{"name":"a.go","line":1}}},"service":{"name":"x"},"message":"m"}`)}},
			{"escapes", []any{[]byte(`{"message":"\ud83d\ude00 \ud800 \u00e9 \" \\ \/ \b\f\n\r\t","n":-0.5e+3}`)}},
			{"invalid", []any{[]byte(`{"a":}`)}},
			{"deep", []any{[]byte(strings.Repeat("[", 40) + strings.Repeat("]", 40))}},
			{"pino", []any{[]byte(`{"level":30,"time":1735787045123,"msg":"ok"}`)}},
		},
		"FuzzTemplate": {
			{"ip-ms", []any{"connect to 10.0.3.7:5432 timed out after 3000ms"}},
			{"uuid-ts", []any{"request 6f1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9 at 2025-09-03T16:47:00.250Z"}},
			{"quotes", []any{`user "alice" can't reach 'db' 0x7f`}},
		},
		"FuzzSanitize": {
			{"hostile", []any{hostile}},
			{"unicode", []any{"caf\u00e9 \u65e5\u672c \U000e0001 \U0010fffd"}},
		},
	}
}

func TestFuzzSeeds(t *testing.T) {
	for target, seeds := range seedCorpora() {
		for _, s := range seeds {
			path := filepath.Join("testdata", "fuzz", target, s.name)
			want := corpusFile(s.args)
			if *updateSeeds {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Errorf("seed %s is missing (regenerate with -update-seeds): %v", path, err)
				continue
			}
			// The gzip bytes depend on the Go version's compressor, so compare
			// the shape (header and argument types), not the bytes.
			if gl, wl := strings.Split(string(got), "\n"), strings.Split(want, "\n"); len(gl) != len(wl) || gl[0] != wl[0] {
				t.Errorf("seed %s has %d lines, want %d", path, len(gl), len(wl))
			} else {
				for i := range gl {
					if typeOf(gl[i]) != typeOf(wl[i]) {
						t.Errorf("seed %s line %d is %q, want a %q", path, i, typeOf(gl[i]), typeOf(wl[i]))
					}
				}
			}
		}
	}
}

// corpusFile writes arguments in the `go test fuzz v1` corpus format.
func corpusFile(args []any) string {
	var b strings.Builder
	b.WriteString("go test fuzz v1\n")
	for _, a := range args {
		switch v := a.(type) {
		case []byte:
			fmt.Fprintf(&b, "[]byte(%q)\n", v)
		case string:
			fmt.Fprintf(&b, "string(%q)\n", v)
		case uint8:
			fmt.Fprintf(&b, "byte(%d)\n", v)
		default:
			panic(fmt.Sprintf("seed argument of type %T", a))
		}
	}
	return b.String()
}

func typeOf(line string) string {
	if i := strings.IndexByte(line, '('); i > 0 {
		return line[:i]
	}
	return line
}
