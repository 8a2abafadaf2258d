package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Subcommands of the CLI contract (DESIGN.md §3).
var Subcommands = []string{"serve", "decode", "runbook", "version", "help"}

// subcommandFlags are accepted only with their subcommand.
var subcommandFlags = map[string][]string{
	"listen": {"serve"}, "host-key": {"serve"}, "authorized-keys": {"serve"},
	"idle-timeout": {"serve"}, "max-session": {"serve"},
	"format": {"decode", "runbook"}, "param": {"runbook"},
}

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// flagValues receives every flag; which ones were set decides what overrides
// the config file and environment.
type flagValues struct {
	demo, readOnly, write                                    bool
	target, auditLog, configFile, logFile, refresh           string
	profile, region, kinesisEndpoint, cloudwatchEndpoint     string
	esURLs                                                   stringList
	esAPIKey, esUsername, esPassword, esCACert, esCloudID    string
	kubeconfig, kubeContext, corednsNamespace, corednsSel    string
	tailRate, recordBuffer                                   int
	runbookDir                                               string
	listen, hostKey, authorizedKeys, idleTimeout, maxSession string
	format                                                   string
	params                                                   stringList
}

func newFlagSet(v *flagValues) *flag.FlagSet {
	fs := flag.NewFlagSet("opsconsole", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.BoolVar(&v.demo, "demo", false, "use the built-in simulated fleet; no credentials, no network")
	fs.BoolVar(&v.readOnly, "read-only", false, "refuse every mutating action")
	fs.BoolVar(&v.write, "write", false, "lift a target's configured read-only (not one marked locked)")
	fs.StringVar(&v.target, "target", "", "start on a named target from the config file")
	fs.StringVar(&v.auditLog, "audit-log", "", "JSON-lines audit log (default $XDG_STATE_HOME/opsconsole/audit.jsonl)")
	fs.StringVar(&v.configFile, "config", "", "config file (default $XDG_CONFIG_HOME/opsconsole/config.yaml)")
	fs.StringVar(&v.logFile, "log-file", "", "diagnostics log (default $XDG_STATE_HOME/opsconsole/opsconsole.log)")
	fs.StringVar(&v.refresh, "refresh", "", "pane poll interval (default 5s)")
	fs.StringVar(&v.profile, "profile", "", "AWS profile")
	fs.StringVar(&v.region, "region", "", "AWS region")
	fs.StringVar(&v.kinesisEndpoint, "kinesis-endpoint", "", "Kinesis endpoint override, e.g. a local emulator")
	fs.StringVar(&v.cloudwatchEndpoint, "cloudwatch-endpoint", "", "CloudWatch endpoint override")
	fs.Var(&v.esURLs, "es-url", "Elasticsearch URL (repeat or comma-separate for several; env ELASTICSEARCH_URL)")
	fs.StringVar(&v.esAPIKey, "es-api-key", "", "Elasticsearch API key (env ELASTICSEARCH_API_KEY; prefer the env var)")
	fs.StringVar(&v.esUsername, "es-username", "", "Elasticsearch user (env ELASTICSEARCH_USERNAME)")
	fs.StringVar(&v.esPassword, "es-password", "", "Elasticsearch password (env ELASTICSEARCH_PASSWORD; prefer the env var)")
	fs.StringVar(&v.esCACert, "es-ca-cert", "", "CA certificate (PEM) for Elasticsearch")
	fs.StringVar(&v.esCloudID, "es-cloud-id", "", "Elastic Cloud ID (env ELASTIC_CLOUD_ID)")
	fs.StringVar(&v.kubeconfig, "kubeconfig", "", "kubeconfig file (env KUBECONFIG)")
	fs.StringVar(&v.kubeContext, "context", "", "kubeconfig context")
	fs.StringVar(&v.corednsNamespace, "coredns-namespace", "", "CoreDNS namespace (default kube-system)")
	fs.StringVar(&v.corednsSel, "coredns-selector", "", "CoreDNS pod label selector (default k8s-app=kube-dns)")
	fs.IntVar(&v.tailRate, "tail-rate", 0, "record tail GetRecords calls per second per shard, 1-5 (default 1)")
	fs.IntVar(&v.recordBuffer, "record-buffer", 0, "decoded events kept per records pane (default 10000)")
	fs.StringVar(&v.runbookDir, "runbook-dir", "", "directory of user runbooks")
	fs.StringVar(&v.listen, "listen", "", "serve: address to listen on, e.g. :2222")
	fs.StringVar(&v.hostKey, "host-key", "", "serve: host key file (generated once if missing)")
	fs.StringVar(&v.authorizedKeys, "authorized-keys", "", "serve: authorized_keys file with per-key roles")
	fs.StringVar(&v.idleTimeout, "idle-timeout", "", "serve: close a session idle this long (default 30m)")
	fs.StringVar(&v.maxSession, "max-session", "", "serve: maximum session length (default 12h)")
	fs.StringVar(&v.format, "format", "", "decode: text|json; runbook: markdown|json")
	fs.Var(&v.params, "param", "runbook run: parameter k=v (repeatable)")
	return fs
}

// Usage is the text printed by `opsconsole help` and on a flag error.
func Usage() string {
	var b strings.Builder
	b.WriteString(`Usage:
  opsconsole [global flags]                      the interactive console
  opsconsole serve --listen ADDR --host-key FILE --authorized-keys FILE [global flags]
  opsconsole decode [--format text|json] [FILE|-]
  opsconsole runbook list | show ID | run ID [--format markdown|json] [--param k=v]...
  opsconsole version

Flags (before or after the subcommand):
`)
	var v flagValues
	newFlagSet(&v).VisitAll(func(f *flag.Flag) {
		name := "--" + f.Name
		if _, isBool := f.Value.(interface{ IsBoolFlag() bool }); !isBool {
			name += " VALUE"
		}
		fmt.Fprintf(&b, "  %-28s %s\n", name, f.Usage)
	})
	return b.String()
}

// ErrHelp is returned for -h/--help.
var ErrHelp = errors.New("help requested")

// Parse merges defaults, the config file, the environment and args (without
// the program name). getenv is os.Getenv in production.
func Parse(args []string, getenv func(string) string) (Options, error) {
	var v flagValues
	fs := newFlagSet(&v)
	var positional []string
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return Options{}, ErrHelp
			}
			msg := err.Error()
			if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
				msg = "unknown flag --" + name
			}
			return Options{}, fmt.Errorf("%s (see opsconsole help)", msg)
		}
		rest = fs.Args()
		if len(rest) == 0 {
			break
		}
		positional = append(positional, rest[0])
		rest = rest[1:]
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	o := Defaults()
	if len(positional) > 0 {
		o.Command = positional[0]
		o.Args = positional[1:]
		if !isSubcommand(o.Command) {
			return Options{}, fmt.Errorf("unknown command %q; commands are %s (see opsconsole help)", o.Command, strings.Join(Subcommands, ", "))
		}
	}
	for name := range set {
		if cmds, ok := subcommandFlags[name]; ok && !contains(cmds, o.Command) {
			return Options{}, fmt.Errorf("--%s belongs to `opsconsole %s`", name, strings.Join(cmds, "`/`opsconsole "))
		}
	}

	cfgPath := o.ConfigFile
	if v.configFile != "" {
		cfgPath = expandHome(v.configFile)
	} else if p := getenv("OPSCONSOLE_CONFIG"); p != "" {
		cfgPath = p
	}
	o.ConfigFile = cfgPath
	if !v.demo {
		if err := loadFile(&o, cfgPath, set["config"]); err != nil {
			return Options{}, err
		}
	}
	applyEnv(&o, getenv)
	if err := applyFlags(&o, &v, set); err != nil {
		return Options{}, err
	}
	if err := finish(&o); err != nil {
		return Options{}, err
	}
	return o, nil
}

func applyEnv(o *Options, getenv func(string) string) {
	t := &o.Flags
	if u := getenv("ELASTICSEARCH_URL"); u != "" {
		t.Elasticsearch.URLs = splitList(u)
	}
	setIf(&t.Elasticsearch.CloudID, getenv("ELASTIC_CLOUD_ID"))
	setIf(&t.Elasticsearch.Username, getenv("ELASTICSEARCH_USERNAME"))
	if k := getenv("ELASTICSEARCH_API_KEY"); k != "" {
		t.Elasticsearch.APIKey = Literal(k)
	}
	if p := getenv("ELASTICSEARCH_PASSWORD"); p != "" {
		t.Elasticsearch.Password = Literal(p)
	}
	setIf(&t.Kubernetes.Kubeconfig, getenv("KUBECONFIG"))
	// AWS_PROFILE/AWS_REGION are read by the SDK itself; they are copied
	// here so the header can show them.
	setIf(&t.AWS.Profile, getenv("AWS_PROFILE"))
	if r := getenv("AWS_REGION"); r != "" {
		t.AWS.Region = r
	} else {
		setIf(&t.AWS.Region, getenv("AWS_DEFAULT_REGION"))
	}
}

func applyFlags(o *Options, v *flagValues, set map[string]bool) error {
	t := &o.Flags
	o.Demo = v.demo
	o.ReadOnly = o.ReadOnly || v.readOnly
	o.Write = v.write
	setIf(&o.TargetName, v.target)
	setIf(&o.AuditLog, expandHome(v.auditLog))
	setIf(&o.LogFile, expandHome(v.logFile))
	setIf(&o.RunbookDir, expandHome(v.runbookDir))
	if v.refresh != "" {
		d, err := parsePositiveDuration("--refresh", v.refresh)
		if err != nil {
			return err
		}
		o.Refresh = d
	}
	setIf(&t.AWS.Profile, v.profile)
	setIf(&t.AWS.Region, v.region)
	setIf(&t.AWS.KinesisEndpoint, v.kinesisEndpoint)
	setIf(&t.AWS.CloudWatchEndpoint, v.cloudwatchEndpoint)
	if len(v.esURLs) > 0 {
		var urls []string
		for _, u := range v.esURLs {
			urls = append(urls, splitList(u)...)
		}
		t.Elasticsearch.URLs = urls
	}
	if v.esAPIKey != "" {
		t.Elasticsearch.APIKey = Literal(v.esAPIKey)
	}
	setIf(&t.Elasticsearch.Username, v.esUsername)
	if v.esPassword != "" {
		t.Elasticsearch.Password = Literal(v.esPassword)
	}
	setIf(&t.Elasticsearch.CACert, expandHome(v.esCACert))
	setIf(&t.Elasticsearch.CloudID, v.esCloudID)
	setIf(&t.Kubernetes.Kubeconfig, expandHome(v.kubeconfig))
	setIf(&t.Kubernetes.Context, v.kubeContext)
	setIf(&t.Kubernetes.Namespace, v.corednsNamespace)
	setIf(&t.Kubernetes.Selector, v.corednsSel)
	if set["tail-rate"] {
		o.TailReadsPerSecond = v.tailRate
	}
	if set["record-buffer"] {
		o.RecordBuffer = v.recordBuffer
	}
	setIf(&o.Serve.Listen, v.listen)
	setIf(&o.Serve.HostKey, expandHome(v.hostKey))
	setIf(&o.Serve.AuthorizedKeys, expandHome(v.authorizedKeys))
	if err := setDuration(&o.Serve.IdleTimeout, "--idle-timeout", v.idleTimeout); err != nil {
		return err
	}
	if err := setDuration(&o.Serve.MaxSession, "--max-session", v.maxSession); err != nil {
		return err
	}
	o.Format = v.format
	o.Params = v.params
	return nil
}

// finish validates the merged options and fills in the demo targets.
func finish(o *Options) error {
	if o.ReadOnly && o.Write {
		return errors.New("--read-only and --write contradict each other; pick one")
	}
	if o.TailReadsPerSecond < 1 || o.TailReadsPerSecond > 5 {
		return fmt.Errorf("tail rate %d: must be 1 to 5 GetRecords calls per second per shard (the per-shard limit is 5, shared with production consumers)", o.TailReadsPerSecond)
	}
	if o.RecordBuffer < 100 || o.RecordBuffer > 1_000_000 {
		return fmt.Errorf("record buffer %d: must be between 100 and 1000000 events", o.RecordBuffer)
	}
	if o.Demo {
		o.Targets = DemoTargets()
		if o.TargetName == "" {
			o.TargetName = "demo-staging"
		}
	}
	if o.TargetName != "" {
		t, ok := o.Target(o.TargetName)
		if !ok {
			names := make([]string, len(o.Targets))
			for i, t := range o.Targets {
				names[i] = t.Name
			}
			if len(names) == 0 {
				return fmt.Errorf("--target %s: the config file %s defines no targets", o.TargetName, o.ConfigFile)
			}
			return fmt.Errorf("--target %s: no such target; known targets: %s", o.TargetName, strings.Join(names, ", "))
		}
		if err := CheckSecrets(t); err != nil {
			return err
		}
	} else if err := CheckSecrets(o.Flags); err != nil {
		return err
	}
	if _, err := ParseBytes(o.Flags.Elasticsearch.ShardSizeLimit); err != nil {
		return fmt.Errorf("shard size limit: %w", err)
	}
	return nil
}

// DemoTargets are the two targets of the simulated fleet (DESIGN.md §5): the
// same fleet, but prod carries the production guard rails.
func DemoTargets() []Target {
	base := Defaults().Flags
	staging := base
	staging.Name, staging.Environment, staging.Demo = "demo-staging", "staging", true
	prod := base
	prod.Name, prod.Environment, prod.Demo = "demo-prod", "prod", true
	return []Target{staging, prod}
}

func isSubcommand(s string) bool { return contains(Subcommands, s) }

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// ReadOnlyReasons lists why the console must refuse mutations on target t.
// A locked target is read-only whatever the flags say; a read_only target
// can be lifted with --write.
func (o *Options) ReadOnlyReasons(t Target) []string {
	var r []string
	if o.ReadOnly {
		r = append(r, "started with --read-only")
	}
	switch {
	case t.Locked:
		r = append(r, fmt.Sprintf("target %s is locked read-only in the config file", t.DisplayName()))
	case t.ReadOnly && !o.Write:
		r = append(r, fmt.Sprintf("target %s is read-only in the config file (start with --write to lift it)", t.DisplayName()))
	}
	return r
}
