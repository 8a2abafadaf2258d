package config

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// SecretRef points at a secret without holding it: an environment variable,
// a file, or a helper command (a keychain or password-manager CLI). A secret
// written in clear in the config file is rejected at load.
type SecretRef struct {
	Env     string `yaml:"env"`
	File    string `yaml:"file"`
	Command string `yaml:"command"`
	// value is set only for secrets given by flag or environment variable,
	// which never come from the config file.
	value string
}

// Literal wraps a secret given on the command line or by environment
// variable (ELASTICSEARCH_API_KEY).
func Literal(v string) SecretRef { return SecretRef{value: v} }

// IsSet reports whether any source is configured.
func (s SecretRef) IsSet() bool {
	return s.Env != "" || s.File != "" || s.Command != "" || s.value != ""
}

// Describe says where the secret comes from, never what it is.
func (s SecretRef) Describe() string {
	switch {
	case s.Env != "":
		return "env " + s.Env
	case s.File != "":
		return "file " + s.File
	case s.Command != "":
		return "command"
	case s.value != "":
		return "flag/env"
	}
	return "none"
}

// String hides the value from fmt, logs and panics.
func (s SecretRef) String() string { return "<secret " + s.Describe() + ">" }

// UnmarshalYAML accepts only a mapping with exactly one of env, file, command.
func (s *SecretRef) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		return fmt.Errorf("line %d: a secret is written in clear; reference it instead: {env: VAR}, {file: PATH} or {command: \"pass show ...\"}", n.Line)
	}
	type plain struct {
		Env     string `yaml:"env"`
		File    string `yaml:"file"`
		Command string `yaml:"command"`
	}
	var p plain
	dec := n
	if err := dec.Decode(&p); err != nil {
		return err
	}
	set := 0
	for _, v := range []string{p.Env, p.File, p.Command} {
		if v != "" {
			set++
		}
	}
	if set != 1 {
		return fmt.Errorf("line %d: a secret reference needs exactly one of env, file or command", n.Line)
	}
	*s = SecretRef{Env: p.Env, File: expandHome(p.File), Command: p.Command}
	return nil
}

// Check verifies the reference can be resolved without running a command
// (commands may prompt; they run when the backend connects).
func (s SecretRef) Check() error {
	switch {
	case s.Env != "":
		if _, ok := os.LookupEnv(s.Env); !ok {
			return fmt.Errorf("environment variable %s is not set", s.Env)
		}
	case s.File != "":
		if _, err := os.Stat(s.File); err != nil {
			return fmt.Errorf("secret file %s: %w", s.File, errors.Unwrap(err))
		}
	}
	return nil
}

// Resolve returns the secret's value. Errors name the source, never the value.
func (s SecretRef) Resolve(ctx context.Context) (string, error) {
	switch {
	case s.value != "":
		return s.value, nil
	case s.Env != "":
		v, ok := os.LookupEnv(s.Env)
		if !ok || v == "" {
			return "", fmt.Errorf("environment variable %s is not set or empty", s.Env)
		}
		return v, nil
	case s.File != "":
		b, err := os.ReadFile(s.File)
		if err != nil {
			return "", fmt.Errorf("cannot read secret file %s: %w", s.File, errors.Unwrap(err))
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	case s.Command != "":
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, "sh", "-c", s.Command)
		cmd.Stdin = nil
		out, err := cmd.Output()
		if err != nil {
			// The command's stderr may hold the secret in some helpers' error
			// output; report only the exit status.
			return "", fmt.Errorf("secret helper command failed: %v", exitSummary(err))
		}
		return strings.TrimRight(string(out), "\r\n"), nil
	}
	return "", nil
}

func exitSummary(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ProcessState.String()
	}
	return err.Error()
}

func expandHome(p string) string {
	if strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return home + p[1:]
		}
	}
	return p
}
