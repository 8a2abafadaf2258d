package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// fileConfig is the YAML config file. Unknown keys are errors: a typo in a
// production target's settings must not silently fall back to a default.
type fileConfig struct {
	DefaultTarget      string              `yaml:"default_target"`
	ReadOnly           bool                `yaml:"read_only"`
	AuditLog           string              `yaml:"audit_log"`
	LogFile            string              `yaml:"log_file"`
	Refresh            string              `yaml:"refresh"`
	Keys               map[string][]string `yaml:"keys"`
	TailReadsPerSecond int                 `yaml:"tail_reads_per_second"`
	RecordBuffer       int                 `yaml:"record_buffer"`
	RunbookDir         string              `yaml:"runbook_dir"`
	Serve              *serveFile          `yaml:"serve"`

	// The unnamed target's settings (what flags would otherwise say).
	AWS           *AWS           `yaml:"aws"`
	Elasticsearch *Elasticsearch `yaml:"elasticsearch"`
	Kubernetes    *Kubernetes    `yaml:"kubernetes"`

	Targets []Target `yaml:"targets"`
}

type serveFile struct {
	Listen         string `yaml:"listen"`
	HostKey        string `yaml:"host_key"`
	AuthorizedKeys string `yaml:"authorized_keys"`
	IdleTimeout    string `yaml:"idle_timeout"`
	MaxSession     string `yaml:"max_session"`
}

var targetName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)

// sectionNames maps Go type names in yaml.v3 errors to the words an operator
// sees in their file.
var sectionNames = map[string]string{
	"config.fileConfig":    "top level",
	"config.Target":        "target",
	"config.AWS":           "aws",
	"config.Elasticsearch": "elasticsearch",
	"config.Kubernetes":    "kubernetes",
	"config.serveFile":     "serve",
	"config.SecretRef":     "secret reference",
}

var fieldNotFound = regexp.MustCompile(`^line (\d+): field (\S+) not found in type (\S+)$`)

// loadFile reads path into o. A missing file is fine only when it is the
// default path; an explicit --config that does not exist is an error.
func loadFile(o *Options, path string, explicit bool) error {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) && !explicit {
			return nil
		}
		return fmt.Errorf("config file: %w", err)
	}
	if err := applyFile(o, b); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	return nil
}

func applyFile(o *Options, b []byte) error {
	var fc fileConfig
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&fc); err != nil && !errors.Is(err, io.EOF) {
		return friendlyYAMLError(err)
	}
	if fc.ReadOnly {
		o.ReadOnly = true
	}
	setIf(&o.AuditLog, expandHome(fc.AuditLog))
	setIf(&o.LogFile, expandHome(fc.LogFile))
	setIf(&o.RunbookDir, expandHome(fc.RunbookDir))
	setIf(&o.TargetName, fc.DefaultTarget)
	if fc.Refresh != "" {
		d, err := parsePositiveDuration("refresh", fc.Refresh)
		if err != nil {
			return err
		}
		o.Refresh = d
	}
	if fc.TailReadsPerSecond != 0 {
		o.TailReadsPerSecond = fc.TailReadsPerSecond
	}
	if fc.RecordBuffer != 0 {
		o.RecordBuffer = fc.RecordBuffer
	}
	if len(fc.Keys) > 0 {
		o.Keys = fc.Keys
	}
	if fc.Serve != nil {
		if err := applyServe(&o.Serve, fc.Serve); err != nil {
			return err
		}
	}
	if fc.AWS != nil {
		o.Flags.AWS = *fc.AWS
	}
	if fc.Elasticsearch != nil {
		mergeES(&o.Flags.Elasticsearch, *fc.Elasticsearch)
	}
	if fc.Kubernetes != nil {
		mergeK8s(&o.Flags.Kubernetes, *fc.Kubernetes)
	}
	seen := map[string]bool{}
	for i, t := range fc.Targets {
		if t.Name == "" {
			return fmt.Errorf("target #%d has no name", i+1)
		}
		if !targetName.MatchString(t.Name) {
			return fmt.Errorf("target name %q: use letters, digits, '.', '_' and '-' (at most 63)", t.Name)
		}
		if seen[t.Name] {
			return fmt.Errorf("two targets are named %q; target names must be unique", t.Name)
		}
		seen[t.Name] = true
		if t.Environment == "" {
			return fmt.Errorf("target %q has no environment label (for example prod, staging, dev)", t.Name)
		}
		defaults := Defaults().Flags
		mergeK8s(&defaults.Kubernetes, t.Kubernetes)
		t.Kubernetes = defaults.Kubernetes
		mergeES(&defaults.Elasticsearch, t.Elasticsearch)
		t.Elasticsearch = defaults.Elasticsearch
		t.Kubernetes.Kubeconfig = expandHome(t.Kubernetes.Kubeconfig)
		t.Elasticsearch.CACert = expandHome(t.Elasticsearch.CACert)
		if err := validateTarget(t); err != nil {
			return err
		}
		o.Targets = append(o.Targets, t)
	}
	return nil
}

// validateTarget checks what can be checked without connecting.
func validateTarget(t Target) error {
	es := t.Elasticsearch
	if es.Username != "" && !es.Password.IsSet() {
		return fmt.Errorf("target %q: elasticsearch username is set but password has no reference ({env: VAR}, {file: PATH} or {command: CMD})", t.Name)
	}
	if es.Password.IsSet() && es.Username == "" {
		return fmt.Errorf("target %q: elasticsearch password is set but username is not", t.Name)
	}
	if _, err := ParseBytes(es.ShardSizeLimit); err != nil {
		return fmt.Errorf("target %q: elasticsearch shard_size_limit: %w", t.Name, err)
	}
	return nil
}

// CheckSecrets verifies that the target's secret references resolve (env
// variables set, files present). It runs for the target the console starts
// on; other targets report the problem in :ctx when chosen.
func CheckSecrets(t Target) error {
	for what, ref := range map[string]SecretRef{"elasticsearch api_key": t.Elasticsearch.APIKey, "elasticsearch password": t.Elasticsearch.Password} {
		if err := ref.Check(); err != nil {
			return fmt.Errorf("target %s: %s: %w", t.DisplayName(), what, err)
		}
	}
	return nil
}

func applyServe(s *Serve, f *serveFile) error {
	setIf(&s.Listen, f.Listen)
	setIf(&s.HostKey, expandHome(f.HostKey))
	setIf(&s.AuthorizedKeys, expandHome(f.AuthorizedKeys))
	if err := setDuration(&s.IdleTimeout, "serve.idle_timeout", f.IdleTimeout); err != nil {
		return err
	}
	return setDuration(&s.MaxSession, "serve.max_session", f.MaxSession)
}

func setDuration(dst *time.Duration, name, v string) error {
	if v == "" {
		return nil
	}
	d, err := parsePositiveDuration(name, v)
	if err != nil {
		return err
	}
	*dst = d
	return nil
}

func mergeES(dst *Elasticsearch, src Elasticsearch) {
	if len(src.URLs) > 0 {
		dst.URLs = src.URLs
	}
	setIf(&dst.CloudID, src.CloudID)
	setIf(&dst.Username, src.Username)
	setIf(&dst.CACert, src.CACert)
	setIf(&dst.ShardSizeLimit, src.ShardSizeLimit)
	if src.APIKey.IsSet() {
		dst.APIKey = src.APIKey
	}
	if src.Password.IsSet() {
		dst.Password = src.Password
	}
}

func mergeK8s(dst *Kubernetes, src Kubernetes) {
	setIf(&dst.Kubeconfig, src.Kubeconfig)
	setIf(&dst.Context, src.Context)
	setIf(&dst.Namespace, src.Namespace)
	setIf(&dst.Selector, src.Selector)
}

func setIf(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}

func parsePositiveDuration(name, v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s: %q is not a positive duration (for example 5s, 1m)", name, v)
	}
	return d, nil
}

// friendlyYAMLError rewrites yaml.v3's type errors into the file's words.
func friendlyYAMLError(err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return err
	}
	msgs := make([]string, 0, len(te.Errors))
	for _, e := range te.Errors {
		if m := fieldNotFound.FindStringSubmatch(e); m != nil {
			section := sectionNames[m[3]]
			if section == "" {
				section = m[3]
			}
			msgs = append(msgs, fmt.Sprintf("line %s: unknown key %q in %s settings", m[1], m[2], section))
			continue
		}
		msgs = append(msgs, e)
	}
	return errors.New(strings.Join(msgs, "; "))
}
