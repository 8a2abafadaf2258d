package runbook

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// valid is a small user runbook using every feature of the format.
const valid = `id: my-check
title: My check
symptoms: [things are slow]
params:
  - name: stream
    type: string
    pattern: "[a-z-]+"
    complete: streams
  - name: window
    type: duration
    default: 10m
    min: 5m
    max: 1h
  - name: shards
    type: int
    default: "4"
    min: "1"
  - name: level
    type: enum
    values: [warn, error]
    default: error
steps:
  - id: lag
    title: Lag
    explain: "**why** it matters"
    check:
      probe: kinesis.iterator_age
      with: {stream: "${stream}", window: "${window}"}
      timeout: 10s
      thresholds:
        growth: {warn: "> 0.5", fail: ">= 1"}
        time_to_loss: {fail: "< 2h"}
        retention_used_pct: "off"
    evidence: ["age ${age} costs $$5"]
    next: {pass: done, fail: hot}
  - id: note
    title: Read this
    explain: by hand
  - id: hot
    title: Hot
    explain: split it
    check:
      probe: kinesis.hot_shards
      with: {stream: "${stream}"}
    fix:
      action: split
      args: ["${stream}", "${hot_shard}"]
      when: warn
    recheck:
      probe: kinesis.hot_shards
      with: {stream: "${stream}", window: "${lag.retention}"}
`

func TestParseValid(t *testing.T) {
	rb, err := Parse("my.yaml", []byte(valid), Probes())
	if err != nil {
		t.Fatal(err)
	}
	if rb.ID != "my-check" || len(rb.Params) != 4 || len(rb.Steps) != 3 {
		t.Fatalf("%+v", rb)
	}
	w, _ := rb.Param("window")
	if !w.HasDefault || w.Default != "10m" || w.Required() {
		t.Fatalf("window param %+v", w)
	}
	s, _ := rb.Param("stream")
	if !s.Required() || s.Complete != "streams" {
		t.Fatalf("stream param %+v", s)
	}
	lag, _ := rb.Step("lag")
	if lag.Check.Timeout != 10*time.Second || !lag.Check.Thresholds["retention_used_pct"].Off || lag.Next["fail"] != "hot" {
		t.Fatalf("lag step %+v", lag.Check)
	}
	if hot, _ := rb.Step("hot"); hot.Fix.When != Warn || hot.Recheck == nil {
		t.Fatalf("hot step %+v", hot)
	}
	if note, _ := rb.Step("note"); note.Check != nil {
		t.Fatal("a step without check is manual")
	}
}

// TestParseErrors feeds one mistake at a time and wants it reported with
// the file, the line of the mistake and the reason.
func TestParseErrors(t *testing.T) {
	base := "id: x\ntitle: X\nsymptoms: [s]\nsteps:\n"
	step := func(body string) string { return base + "  - id: a\n    title: A\n    explain: e\n" + body }
	cases := []struct {
		name, src, want string
	}{
		{"yaml syntax", "id: x\ntitle: X\n  bad: indent\n", "bad.yaml:3: not valid YAML: mapping values are not allowed"},
		{"yaml tab", "a: 1\n\tb: 2\n", "bad.yaml:2: not valid YAML: found a tab character"},
		{"empty file", "", "bad.yaml: the file is empty"},
		{"typo key", "id: x\ntitel: X\nsymptoms: [s]\nsteps: []\n", `bad.yaml:2: runbook: unknown key "titel" (did you mean "title"?)`},
		{"missing title", "id: x\nsymptoms: [s]\nsteps:\n  - {id: a, title: A, explain: e}\n", `bad.yaml:1: runbook: "title" is required`},
		{"bad id", "id: Has Spaces\ntitle: X\nsymptoms: [s]\nsteps:\n  - {id: a, title: A, explain: e}\n", `bad.yaml:1: id "Has Spaces" must be lower-case`},
		{"no symptoms", "id: x\ntitle: X\nsymptoms: []\nsteps:\n  - {id: a, title: A, explain: e}\n", "bad.yaml:3: symptoms: list at least one"},
		{"empty steps", "id: x\ntitle: X\nsymptoms: [s]\nsteps: []\n", "bad.yaml:4: steps must be a non-empty list"},
		{"duplicate step", base + "  - {id: a, title: A, explain: e}\n  - {id: a, title: B, explain: e}\n", `bad.yaml:6: step id "a" is used twice`},
		{"duplicate key", "id: x\nid: y\ntitle: X\nsymptoms: [s]\nsteps:\n  - {id: a, title: A, explain: e}\n", `bad.yaml:2: runbook: "id" is given twice`},
		{"param type", "id: x\ntitle: X\nsymptoms: [s]\nparams:\n  - {name: n, type: float}\nsteps:\n  - {id: a, title: A, explain: e}\n", `bad.yaml:5: parameter n: type "float" is not one of`},
		{"param dup", "id: x\ntitle: X\nsymptoms: [s]\nparams:\n  - {name: n, type: int}\n  - {name: n, type: int}\nsteps:\n  - {id: a, title: A, explain: e}\n", `bad.yaml:6: parameter "n" is defined twice`},
		{"enum without values", "id: x\ntitle: X\nsymptoms: [s]\nparams:\n  - {name: n, type: enum}\nsteps:\n  - {id: a, title: A, explain: e}\n", "bad.yaml:5: parameter n: an enum needs values"},
		{"default off pattern", "id: x\ntitle: X\nsymptoms: [s]\nparams:\n  - name: n\n    type: string\n    pattern: \"[0-9]+\"\n    default: abc\nsteps:\n  - {id: a, title: A, explain: e}\n", `bad.yaml:8: default: parameter n: "abc" does not match`},
		{"min on string", "id: x\ntitle: X\nsymptoms: [s]\nparams:\n  - name: n\n    type: string\n    min: \"3\"\nsteps:\n  - {id: a, title: A, explain: e}\n", "bad.yaml:7: parameter n: min applies to int and duration"},
		{"bad completion", "id: x\ntitle: X\nsymptoms: [s]\nparams:\n  - {name: n, type: string, complete: pods}\nsteps:\n  - {id: a, title: A, explain: e}\n", `bad.yaml:5: parameter n: complete "pods" is not one of`},
		{"unknown probe", step("    check:\n      probe: kinesis.hot_shard\n"), `bad.yaml:9: step a check: unknown probe "kinesis.hot_shard" (did you mean "kinesis.hot_shards"?)`},
		{"unknown probe arg", step("    check:\n      probe: es.disk_watermarks\n      with: {node: x}\n"), `bad.yaml:10: step a check: probe es.disk_watermarks takes no argument "node"`},
		{"missing probe arg", step("    check:\n      probe: kinesis.hot_shards\n"), `bad.yaml:9: step a check: probe kinesis.hot_shards needs the argument "stream"`},
		{"unknown param ref", step("    check:\n      probe: kinesis.hot_shards\n      with:\n        stream: \"${strem}\"\n"), "bad.yaml:11: step a check argument stream: unknown ${strem}"},
		{"later step ref", base + "  - id: a\n    title: A\n    explain: e\n    check:\n      probe: es.ilm_errors\n      with: {index: \"${b.index}\"}\n  - id: b\n    title: B\n    explain: e\n    check: {probe: es.ilm_errors}\n",
			`bad.yaml:10: step a check argument index: ${b.index} names step "b", which is not an earlier step`},
		{"unknown output ref", base + "  - id: a\n    title: A\n    explain: e\n    check: {probe: es.ilm_errors}\n  - id: b\n    title: B\n    explain: e\n    check:\n      probe: es.ilm_errors\n      with: {index: \"${a.indx}\"}\n",
			`bad.yaml:14: step b check argument index: ${a.indx}: step a reports no output "indx"`},
		{"threshold unknown output", step("    check:\n      probe: es.disk_watermarks\n      thresholds:\n        over_medium: {fail: \">= 1\"}\n"), `bad.yaml:11: step a check: threshold on "over_medium", which probe es.disk_watermarks does not report`},
		{"threshold syntax", step("    check:\n      probe: es.disk_watermarks\n      thresholds:\n        over_high: {fail: \"lots\"}\n"), `bad.yaml:11: step a check threshold over_high fail: "lots" does not start with a comparison`},
		{"threshold order", step("    check:\n      probe: es.disk_watermarks\n      thresholds:\n        over_high: {warn: \"> 5\", fail: \"> 2\"}\n"), `bad.yaml:11: step a check: threshold on over_high: output over_high fail "> 2" is looser than warn "> 5"`},
		{"threshold unit", step("    check:\n      probe: es.disk_watermarks\n      thresholds:\n        over_high: {fail: \"> 5m\"}\n"), "bad.yaml:11: step a check: threshold on over_high: output over_high is a number, but \"> 5m\" compares it with a duration"},
		{"threshold on text", step("    check:\n      probe: es.disk_watermarks\n      thresholds:\n        node: {fail: \"> 1\"}\n"), "bad.yaml:11: step a check: threshold on node: output node is text"},
		{"timeout", step("    check:\n      probe: es.disk_watermarks\n      timeout: 1h\n"), "bad.yaml:10: step a check timeout 1h must be more than 0 and at most 10m0s"},
		{"unknown action", step("    check: {probe: es.disk_watermarks}\n    fix: {action: delete-index}\n"), `bad.yaml:9: step a fix: unknown action "delete-index"`},
		{"fix without check", step("    fix: {action: coredns-restart}\n"), "bad.yaml:8: step a has a fix but no check"},
		{"fix unknown output", step("    check: {probe: es.disk_watermarks}\n    fix:\n      action: clear-read-only\n      args: [\"${index}\"]\n"), "bad.yaml:11: step a fix args: unknown ${index}"},
		{"recheck without fix", step("    check: {probe: es.disk_watermarks}\n    recheck: {probe: es.disk_watermarks}\n"), "bad.yaml:9: step a has a recheck but no fix"},
		{"dangling next", step("    check: {probe: es.disk_watermarks}\n    next: {fail: nowhere}\n"), `bad.yaml:9: step a next fail: no step "nowhere"`},
		{"backward next", base + "  - {id: a, title: A, explain: e}\n  - id: b\n    title: B\n    explain: e\n    check: {probe: es.disk_watermarks}\n    next: {fail: a}\n", `bad.yaml:10: step b next fail: "a" is not after this step`},
		{"next on manual", base + "  - id: a\n    title: A\n    explain: e\n    next: {fail: done}\n", "bad.yaml:8: step a has no check, so only next pass applies"},
		{"bad template", step("    evidence: [\"${unclosed\"]\n"), "bad.yaml:8: step a evidence: unterminated ${"},
		{"ambiguous ref", "id: x\ntitle: X\nsymptoms: [s]\nparams:\n  - {name: node, type: string}\nsteps:\n  - id: a\n    title: A\n    explain: e\n    check: {probe: es.disk_watermarks}\n    evidence: [\"${node}\"]\n",
			"bad.yaml:11: step a evidence: ${node} is both a parameter and an output"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("bad.yaml", []byte(tc.src), Probes())
			if err == nil {
				t.Fatalf("accepted:\n%s", tc.src)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want %q in:\n%v", tc.want, err)
			}
		})
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	src := "id: x\ntitle: X\nsymptoms: [s]\nsteps:\n  - id: a\n    title: A\n    explain: e\n    check: {probe: nope}\n    fix: {action: nope}\n"
	_, err := Parse("two.yaml", []byte(src), Probes())
	var errs LoadErrors
	if err == nil || !asLoadErrors(err, &errs) || len(errs) != 2 {
		t.Fatalf("want both problems, got %v", err)
	}
	if errs[0].Line > errs[1].Line {
		t.Fatalf("problems must come in line order: %v", err)
	}
}

func asLoadErrors(err error, out *LoadErrors) bool {
	l, ok := err.(LoadErrors)
	*out = l
	return ok
}

func TestBuiltinRunbooks(t *testing.T) {
	c := Load(Probes())
	for _, p := range c.Problems {
		t.Errorf("built-in runbook rejected: %v", p)
	}
	// DESIGN.md §4 lists the built-in IDs.
	want := []string{"kinesis-not-capturing", "kinesis-consumer-lag", "kinesis-permissions", "es-unmanaged-index", "es-oversized-shard",
		"es-ilm-error", "es-disk-watermark", "es-unassigned-shards", "coredns-dns-failing", "logs-repetitive-errors"}
	for _, id := range want {
		rb, err := c.Get(id)
		if err != nil {
			t.Errorf("missing built-in %s: %v", id, err)
			continue
		}
		if rb.Source != SourceBuiltin {
			t.Errorf("%s source %s", id, rb.Source)
		}
	}
	if len(c.List()) != len(want) {
		t.Errorf("%d built-ins, DESIGN.md lists %d", len(c.List()), len(want))
	}
	if _, err := c.Get("kinesis-consumer-lags"); err == nil || !strings.Contains(err.Error(), `did you mean "kinesis-consumer-lag"`) {
		t.Errorf("unknown id error: %v", err)
	}
}

func TestUserRunbooks(t *testing.T) {
	dir, other := t.TempDir(), t.TempDir()
	write := func(d, name, body string) {
		if err := os.WriteFile(filepath.Join(d, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(dir, "mine.yaml", valid)
	write(dir, "clash.yml", strings.Replace(valid, "id: my-check", "id: es-ilm-error", 1))
	write(dir, "broken.yaml", "id: broken\ntitle: B\nsymptoms: [s]\nsteps:\n  - {id: a, title: A, explain: e, check: {probe: nope}}\n")
	write(dir, "notes.txt", "not a runbook")
	write(other, "again.yaml", valid)
	c := Load(Probes(), dir, other, filepath.Join(dir, "missing"))
	rb, err := c.Get("my-check")
	if err != nil || rb.Source != SourceUser || rb.File != filepath.Join(dir, "mine.yaml") {
		t.Fatalf("user runbook: %+v %v", rb, err)
	}
	if ids := c.IDs(); ids[len(ids)-1] != "my-check" || ids[0] == "my-check" {
		t.Fatalf("built-ins come first: %v", ids)
	}
	problems := ""
	for _, p := range c.Problems {
		problems += p.Error() + "\n"
	}
	for _, want := range []string{
		filepath.Join(dir, "clash.yml") + `:1: id "es-ilm-error" is already used by a built-in runbook`,
		filepath.Join(dir, "broken.yaml") + `:5: step a check: unknown probe "nope"`,
		filepath.Join(other, "again.yaml") + `:1: id "my-check" is already used by another user runbook`,
	} {
		if !strings.Contains(problems, want) {
			t.Errorf("want problem %q in:\n%s", want, problems)
		}
	}
	if len(c.Problems) != 3 {
		t.Errorf("notes.txt and the missing directory are not problems:\n%s", problems)
	}
	if _, err := c.Get("broken"); err == nil || !strings.Contains(err.Error(), "could not be loaded") {
		t.Errorf("a rejected runbook's id says why: %v", err)
	}
}

func TestFormatDocumentsEveryProbe(t *testing.T) {
	doc, err := os.ReadFile("FORMAT.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range Probes().Names() {
		p, _ := Probes().Get(name)
		if !strings.Contains(string(doc), "`"+name+"`") {
			t.Errorf("FORMAT.md does not document probe %s", name)
		}
		for _, o := range p.Outputs {
			if !strings.Contains(string(doc), o.Name) {
				t.Errorf("FORMAT.md does not mention output %s of %s", o.Name, name)
			}
		}
	}
	for _, v := range FixVerbs() {
		if !strings.Contains(string(doc), "`"+v+"`") {
			t.Errorf("FORMAT.md does not list action %s", v)
		}
	}
}

func TestParams(t *testing.T) {
	rb, err := Parse("my.yaml", []byte(valid), Probes())
	if err != nil {
		t.Fatal(err)
	}
	got, err := BindParams(rb, map[string]string{"stream": "app-logs", "window": "900s", "shards": "08"})
	if err != nil {
		t.Fatal(err)
	}
	if got["window"] != "15m" || got["shards"] != "8" || got["level"] != "error" {
		t.Fatalf("normalised and defaulted: %v", got)
	}
	if m := MissingParams(rb, map[string]string{}); len(m) != 1 || m[0].Name != "stream" {
		t.Fatalf("missing: %+v", m)
	}
	for given, want := range map[string]string{
		"stream=APP":  `"APP" does not match`,
		"window=2m":   "at least 5m",
		"window=soon": "must be a duration",
		"shards=0":    "at least 1",
		"shards=x":    "whole number",
		"level=debug": "one of warn, error",
		"color=blue":  `no parameter "color"`,
		"stream=":     "needs a value",
	} {
		k, v, _ := strings.Cut(given, "=")
		p := map[string]string{"stream": "ok", k: v}
		if _, err := BindParams(rb, p); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: want %q, got %v", given, want, err)
		}
	}
	if _, err := BindParams(rb, map[string]string{}); err == nil || !strings.Contains(err.Error(), "parameter stream is required (string)") {
		t.Errorf("required: %v", err)
	}
}

func TestThresholds(t *testing.T) {
	c, err := ParseCond("< 6h")
	if err != nil || !c.IsDur || !c.Holds(Duration(time.Hour)) || c.Holds(Duration(7*time.Hour)) {
		t.Fatalf("%+v %v", c, err)
	}
	c, _ = ParseCond(">=1")
	if !c.Holds(Number(1)) || c.Holds(Number(0.5)) || c.Holds(Value{}) {
		t.Fatal(">=1")
	}
	tr := mustThreshold("> 0", "> 1")
	for v, want := range map[float64]Status{0: Pass, 0.5: Warn, 2: Fail} {
		if got, _ := tr.judge("x", Number(v)); got != want {
			t.Errorf("judge(%v) = %s, want %s", v, got, want)
		}
	}
	for _, bad := range []string{"", "> ", "~ 3", "> three"} {
		if _, err := ParseCond(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestTemplates(t *testing.T) {
	got, missing := expandTemplate("split ${stream} ${hot} for $$5 at ${x.y} $HOME", func(ref string) (string, bool) {
		return map[string]string{"stream": "app-logs", "x.y": "z"}[ref], ref != "hot"
	})
	if got != "split app-logs  for $5 at z $HOME" || len(missing) != 1 || missing[0] != "hot" {
		t.Fatalf("%q %v", got, missing)
	}
	for _, bad := range []string{"${}", "${A}", "${a.b.c}", "${a"} {
		if _, err := templateRefs(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestValueFormatting(t *testing.T) {
	for v, want := range map[Value]string{
		Number(8): "8", Number(2.5): "2.5", Number(0.126): "0.13", Duration(41*time.Minute + 2*time.Second): "41m2s",
		Duration(2 * time.Hour): "2h", Duration(90 * time.Minute): "1h30m", Text("x"): "x", {}: "",
	} {
		if got := v.String(); got != want {
			t.Errorf("%+v: %q, want %q", v, got, want)
		}
	}
}
