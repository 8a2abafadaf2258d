package config

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFlagsBeforeAndAfterSubcommand(t *testing.T) {
	for _, args := range [][]string{
		{"--read-only", "--region", "eu-west-1", "runbook", "run", "kinesis-consumer-lag", "--format", "json", "--param", "stream=app-logs"},
		{"runbook", "--region", "eu-west-1", "run", "--read-only", "kinesis-consumer-lag", "--param=stream=app-logs", "--format=json"},
	} {
		o, err := Parse(append(args, "--config", "/nonexistent-ok-because-explicit?"), env(nil))
		if err == nil {
			t.Fatalf("an explicit --config that does not exist must fail")
		}
		o, err = Parse(args, env(nil))
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if o.Command != "runbook" || strings.Join(o.Args, " ") != "run kinesis-consumer-lag" || !o.ReadOnly ||
			o.Flags.AWS.Region != "eu-west-1" || o.Format != "json" || len(o.Params) != 1 || o.Params[0] != "stream=app-logs" {
			t.Fatalf("%v parsed to %+v", args, o)
		}
	}
}

func TestUnknownCommandAndMisplacedFlags(t *testing.T) {
	cases := map[string][]string{
		"unknown command": {"deploy"},
		"belongs to":      {"--listen", ":2222"},
		"unknown flag":    {"--bogus"},
		"contradict":      {"--read-only", "--write"},
		"tail rate":       {"--tail-rate", "9"},
		"positive":        {"--refresh", "-1s"},
	}
	for want, args := range cases {
		_, err := Parse(args, env(nil))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: want error containing %q, got %v", args, want, err)
		}
	}
}

func TestPrecedenceFileEnvFlag(t *testing.T) {
	cfg := writeConfig(t, `
refresh: 10s
elasticsearch:
  urls: [https://from-file:9200]
kubernetes:
  context: file-ctx
`)
	o, err := Parse([]string{"--config", cfg}, env(map[string]string{"ELASTICSEARCH_URL": "https://from-env:9200"}))
	if err != nil {
		t.Fatal(err)
	}
	if o.Refresh != 10*time.Second || o.Flags.Elasticsearch.URLs[0] != "https://from-env:9200" || o.Flags.Kubernetes.Context != "file-ctx" {
		t.Fatalf("file/env merge: %+v", o.Flags)
	}
	o, err = Parse([]string{"--config", cfg, "--es-url", "https://a:9200,https://b:9200", "--context", "flag-ctx"},
		env(map[string]string{"ELASTICSEARCH_URL": "https://from-env:9200"}))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(o.Flags.Elasticsearch.URLs, " ") != "https://a:9200 https://b:9200" || o.Flags.Kubernetes.Context != "flag-ctx" {
		t.Fatalf("flags must win: %+v", o.Flags)
	}
	if o.Flags.Kubernetes.Namespace != "kube-system" || o.Flags.Kubernetes.Selector != "k8s-app=kube-dns" {
		t.Fatalf("defaults lost: %+v", o.Flags.Kubernetes)
	}
}

func TestTargets(t *testing.T) {
	cfg := writeConfig(t, `
default_target: staging
targets:
  - name: staging
    environment: staging
    aws: {profile: stg, region: eu-west-1}
  - name: prod-eu
    environment: prod
    locked: true
    elasticsearch:
      urls: [https://es.prod:9200]
      api_key: {env: ES_PROD_KEY}
    kubernetes: {context: prod-eu}
`)
	o, err := Parse([]string{"--config", cfg}, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	st := o.StartTarget()
	if st.Name != "staging" || st.AWS.Profile != "stg" || len(o.Targets) != 2 {
		t.Fatalf("start target %+v", st)
	}
	prod, _ := o.Target("prod-eu")
	if prod.Kubernetes.Namespace != "kube-system" {
		t.Fatalf("target defaults not applied: %+v", prod.Kubernetes)
	}
	// The prod key's env var is not set: starting on prod is an error that
	// names the variable, starting elsewhere is not.
	_, err = Parse([]string{"--config", cfg, "--target", "prod-eu"}, env(nil))
	if err == nil || !strings.Contains(err.Error(), "ES_PROD_KEY") {
		t.Fatalf("missing secret: %v", err)
	}
	os.Setenv("ES_PROD_KEY", "k")
	defer os.Unsetenv("ES_PROD_KEY")
	o, err = Parse([]string{"--config", cfg, "--target", "prod-eu", "--write"}, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if r := o.ReadOnlyReasons(o.StartTarget()); len(r) != 1 || !strings.Contains(r[0], "locked") {
		t.Fatalf("--write must not lift a locked target: %v", r)
	}
	if _, err := Parse([]string{"--config", cfg, "--target", "nope"}, env(nil)); err == nil || !strings.Contains(err.Error(), "staging, prod-eu") {
		t.Fatalf("unknown target: %v", err)
	}
}

func TestReadOnlyReasons(t *testing.T) {
	o := Defaults()
	ro := Target{Name: "x", ReadOnly: true}
	if r := o.ReadOnlyReasons(ro); len(r) != 1 {
		t.Fatalf("read_only target: %v", r)
	}
	o.Write = true
	if r := o.ReadOnlyReasons(ro); len(r) != 0 {
		t.Fatalf("--write lifts read_only: %v", r)
	}
	o.ReadOnly = true
	if r := o.ReadOnlyReasons(Target{}); len(r) != 1 || !strings.Contains(r[0], "--read-only") {
		t.Fatalf("--read-only: %v", r)
	}
}

func TestConfigErrors(t *testing.T) {
	cases := map[string]string{
		`line 6: unknown key "regoin" in aws settings`: `
targets:
  - name: a
    environment: dev
    aws:
      regoin: eu-west-1`,
		`two targets are named "a"`: `
targets:
  - {name: a, environment: dev}
  - {name: a, environment: prod}`,
		"written in clear": `
targets:
  - name: a
    environment: dev
    elasticsearch: {api_key: "c2VjcmV0"}`,
		"exactly one of env, file or command": `
targets:
  - name: a
    environment: dev
    elasticsearch: {api_key: {}}`,
		"no environment label": `
targets:
  - name: a`,
		"password has no reference": `
targets:
  - name: a
    environment: dev
    elasticsearch: {username: elastic}`,
		`unknown key "colour" in top level`: `colour: red`,
		"not a positive duration":           `refresh: soon`,
		"has no unit": `
targets:
  - name: a
    environment: dev
    elasticsearch: {shard_size_limit: "50"}`,
	}
	for want, body := range cases {
		_, err := Parse([]string{"--config", writeConfig(t, body)}, env(nil))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want error containing %q, got %v", want, err)
		}
	}
}

func TestDemoTargets(t *testing.T) {
	o, err := Parse([]string{"--demo"}, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if st := o.StartTarget(); st.Name != "demo-staging" || !st.Demo {
		t.Fatalf("demo starts on demo-staging: %+v", st)
	}
	prod, ok := o.Target("demo-prod")
	if !ok || prod.Environment != "prod" {
		t.Fatalf("demo-prod: %+v", prod)
	}
}

func TestSecretRef(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "key")
	os.WriteFile(f, []byte("from-file\n"), 0o600)
	ctx := context.Background()
	for _, c := range []struct {
		ref  SecretRef
		want string
	}{
		{SecretRef{File: f}, "from-file"},
		{SecretRef{Command: "printf from-command"}, "from-command"},
		{Literal("from-flag"), "from-flag"},
	} {
		got, err := c.ref.Resolve(ctx)
		if err != nil || got != c.want {
			t.Errorf("%s: %q %v", c.ref.Describe(), got, err)
		}
		if strings.Contains(c.ref.String(), c.want) {
			t.Errorf("String() leaks the secret: %s", c.ref.String())
		}
	}
	_, err := SecretRef{Command: "echo s3cr3t >&2; exit 3"}.Resolve(ctx)
	if err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Fatalf("failed helper must not leak its output: %v", err)
	}
}

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]int64{"50gb": 50 << 30, "1.5TB": 3 << 39, "100b": 100, " 512mb ": 512 << 20} {
		if got, err := ParseBytes(in); err != nil || got != want {
			t.Errorf("ParseBytes(%q) = %d, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "50", "gb", "-1gb", "fivegb"} {
		if _, err := ParseBytes(in); err == nil {
			t.Errorf("ParseBytes(%q) should fail", in)
		}
	}
}
