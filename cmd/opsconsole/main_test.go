package main

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestVersionAndHelp(t *testing.T) {
	if code, out, _ := runCLI(t, "", "version"); code != 0 || !strings.HasPrefix(out, "opsconsole ") {
		t.Fatalf("version: %d %q", code, out)
	}
	for _, args := range [][]string{{"help"}, {"--help"}} {
		code, out, _ := runCLI(t, "", args...)
		if code != 0 || !strings.Contains(out, "opsconsole serve --listen ADDR") || !strings.Contains(out, "--read-only") {
			t.Fatalf("%v: %d %q", args, code, out)
		}
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	for _, args := range [][]string{{"--bogus"}, {"deploy"}, {"--listen", ":1"}, {"--target", "nowhere"}} {
		code, _, errOut := runCLI(t, "", args...)
		if code != 2 || !strings.HasPrefix(errOut, "opsconsole: ") {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
}

func TestDecodeSubcommand(t *testing.T) {
	payload := base64.StdEncoding.EncodeToString([]byte(`{"@timestamp":"2026-11-21T03:00:00Z","log.level":"error","message":"payment failed \u001b[2J"}`))
	in := `{"Records":[{"Data":"` + payload + `","PartitionKey":"k","SequenceNumber":"1","ApproximateArrivalTimestamp":1763694000}]}`
	code, out, _ := runCLI(t, in, "decode")
	if code != 0 || !strings.Contains(out, "ERROR") || !strings.Contains(out, `payment failed \x1b[2J`) {
		t.Fatalf("decode text: %d %q", code, out)
	}
	if strings.Contains(out, "\x1b") {
		t.Fatal("decode printed a raw escape sequence")
	}
	file := filepath.Join(t.TempDir(), "records.json")
	os.WriteFile(file, []byte(in), 0o600)
	code, out, _ = runCLI(t, "", "--demo", "decode", "--format", "json", file)
	if code != 0 || !strings.HasPrefix(out, "{") || !strings.Contains(out, `"level":"error"`) {
		t.Fatalf("decode json from a file with a global flag first: %d %q", code, out)
	}
	if code, _, _ := runCLI(t, "", "decode", filepath.Join(t.TempDir(), "missing")); code != 2 {
		t.Fatalf("missing input: exit %d", code)
	}
}
