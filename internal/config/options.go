// Package config turns flags, environment variables and the YAML config file
// into one Options struct. Precedence, lowest first: built-in defaults, the
// config file, environment variables, flags.
package config

import (
	"os"
	"path/filepath"
	"time"
)

// AWS holds the settings of the Kinesis/CloudWatch backend.
type AWS struct {
	Profile            string `yaml:"profile"`
	Region             string `yaml:"region"`
	KinesisEndpoint    string `yaml:"kinesis_endpoint"`
	CloudWatchEndpoint string `yaml:"cloudwatch_endpoint"`
}

// Configured reports whether anything points at an AWS account. The SDK's
// own chain (AWS_PROFILE, AWS_REGION...) counts: an SRE with a working
// `aws` CLI should see streams without repeating themselves.
func (a AWS) Configured() bool {
	if a.Profile != "" || a.Region != "" || a.KinesisEndpoint != "" {
		return true
	}
	for _, v := range []string{"AWS_ACCESS_KEY_ID", "AWS_CONFIG_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE"} {
		if os.Getenv(v) != "" {
			return true
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		if _, err := os.Stat(filepath.Join(home, ".aws", "config")); err == nil {
			return true
		}
	}
	return false
}

// Elasticsearch holds the settings of the Elasticsearch backend. Secrets are
// references, never values (see SecretRef).
type Elasticsearch struct {
	URLs     []string  `yaml:"urls"`
	CloudID  string    `yaml:"cloud_id"`
	APIKey   SecretRef `yaml:"api_key"`
	Username string    `yaml:"username"`
	Password SecretRef `yaml:"password"`
	CACert   string    `yaml:"ca_cert"`
	// ShardSizeLimit is the primary-shard size above which a shard is
	// flagged, "50gb" by default.
	ShardSizeLimit string `yaml:"shard_size_limit"`
}

// Configured reports whether a cluster address is known.
func (e Elasticsearch) Configured() bool { return len(e.URLs) > 0 || e.CloudID != "" }

// Kubernetes holds the settings of the CoreDNS backend.
type Kubernetes struct {
	Kubeconfig string `yaml:"kubeconfig"`
	Context    string `yaml:"context"`
	Namespace  string `yaml:"coredns_namespace"`
	Selector   string `yaml:"coredns_selector"`
}

// Configured reports whether a kubeconfig is known or the console runs in a
// pod. KUBECONFIG and ~/.kube/config count, as they do for kubectl.
func (k Kubernetes) Configured() bool {
	if k.Kubeconfig != "" || k.Context != "" {
		return true
	}
	if os.Getenv("KUBERNETES_SERVICE_HOST") != "" {
		return true
	}
	if home, err := os.UserHomeDir(); err == nil {
		if _, err := os.Stat(filepath.Join(home, ".kube", "config")); err == nil {
			return true
		}
	}
	return false
}

// Target is one named set of backends: an AWS account/region, an
// Elasticsearch cluster and a Kubernetes context, with an environment label
// that drives the production guard rails.
type Target struct {
	Name        string `yaml:"name"`
	Environment string `yaml:"environment"`
	// ReadOnly makes the target refuse mutations unless --write is given.
	ReadOnly bool `yaml:"read_only"`
	// Locked makes the target read-only whatever the flags say.
	Locked bool `yaml:"locked"`

	AWS           AWS           `yaml:"aws"`
	Elasticsearch Elasticsearch `yaml:"elasticsearch"`
	Kubernetes    Kubernetes    `yaml:"kubernetes"`

	// Demo marks the built-in simulated targets.
	Demo bool `yaml:"-"`
}

// DisplayName is the name shown in the header: unnamed targets made from
// flags show as "(flags)".
func (t Target) DisplayName() string {
	if t.Name == "" {
		return "(flags)"
	}
	return t.Name
}

// Serve holds the `serve` subcommand's settings.
type Serve struct {
	Listen         string        `yaml:"listen"`
	HostKey        string        `yaml:"host_key"`
	AuthorizedKeys string        `yaml:"authorized_keys"`
	IdleTimeout    time.Duration `yaml:"idle_timeout"`
	MaxSession     time.Duration `yaml:"max_session"`
}

// Options is everything the console was told, merged.
type Options struct {
	Demo     bool
	ReadOnly bool
	Write    bool
	// TargetName is the target chosen with --target (or the config file's
	// default_target); empty means the unnamed target made from flags.
	TargetName string
	AuditLog   string
	ConfigFile string
	LogFile    string
	Refresh    time.Duration
	// Keys remaps actions to keys (see internal/ui/keys).
	Keys map[string][]string
	// TailReadsPerSecond is the record tail's GetRecords rate per shard
	// (1 by default, at most 5, the per-shard limit shared with production
	// consumers).
	TailReadsPerSecond int
	// RecordBuffer is the number of decoded events a records pane keeps.
	RecordBuffer int
	// RunbookDir holds user runbooks.
	RunbookDir string

	// Flags is the unnamed target made from flags and environment.
	Flags Target
	// Targets are the named targets of the config file (and the demo's).
	Targets []Target

	Serve Serve

	// Command is the subcommand ("" for the console) and Args its positional
	// arguments; Format, Params are the decode/runbook subcommands' flags.
	Command string
	Args    []string
	Format  string
	Params  []string
}

// Defaults returns the built-in defaults, with XDG paths resolved.
func Defaults() Options {
	return Options{
		AuditLog:           filepath.Join(stateHome(), "opsconsole", "audit.jsonl"),
		ConfigFile:         filepath.Join(configHome(), "opsconsole", "config.yaml"),
		LogFile:            filepath.Join(stateHome(), "opsconsole", "opsconsole.log"),
		RunbookDir:         filepath.Join(configHome(), "opsconsole", "runbooks"),
		Refresh:            5 * time.Second,
		TailReadsPerSecond: 1,
		RecordBuffer:       10000,
		Flags: Target{
			Kubernetes:    Kubernetes{Namespace: "kube-system", Selector: "k8s-app=kube-dns"},
			Elasticsearch: Elasticsearch{ShardSizeLimit: "50gb"},
		},
		Serve: Serve{IdleTimeout: 30 * time.Minute, MaxSession: 12 * time.Hour},
	}
}

func configHome() string {
	if d := os.Getenv("XDG_CONFIG_HOME"); d != "" {
		return d
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".config")
}

func stateHome() string {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return d
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".local", "state")
}

// Target returns the named target, or false.
func (o *Options) Target(name string) (Target, bool) {
	for _, t := range o.Targets {
		if t.Name == name {
			return t, true
		}
	}
	return Target{}, false
}

// StartTarget is the target the console opens on.
func (o *Options) StartTarget() Target {
	if o.TargetName != "" {
		if t, ok := o.Target(o.TargetName); ok {
			return t
		}
	}
	return o.Flags
}
