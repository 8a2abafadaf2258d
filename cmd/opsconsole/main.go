// Command opsconsole is the terminal operations console: Kinesis,
// Elasticsearch and CoreDNS in one screen, with previewed, confirmed and
// audited remediations. See README.md and DESIGN.md for the CLI contract.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"runtime/debug"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/opsconsole/opsconsole/internal/config"
	"github.com/opsconsole/opsconsole/internal/decodecli"
	"github.com/opsconsole/opsconsole/internal/ops"
	"github.com/opsconsole/opsconsole/internal/ui"
	"k8s.io/klog/v2"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = ""

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is main without os.Exit, so tests can drive it. Exit codes: 0 fine,
// 1 a check failed (runbook run), 2 usage or runtime error.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	opts, err := config.Parse(args, os.Getenv)
	if errors.Is(err, config.ErrHelp) {
		fmt.Fprint(stdout, config.Usage())
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "opsconsole:", err)
		return 2
	}
	switch opts.Command {
	case "version":
		fmt.Fprintln(stdout, "opsconsole", versionString())
		return 0
	case "help":
		fmt.Fprint(stdout, config.Usage())
		return 0
	case "serve":
		return runServe(&opts, stderr)
	case "decode":
		return runDecode(&opts, stdin, stdout, stderr)
	case "runbook":
		return runRunbook(&opts, stdout, stderr)
	case "":
		return runConsole(&opts, stderr)
	}
	fmt.Fprintf(stderr, "opsconsole: %s is not available in this build\n", opts.Command)
	return 2
}

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		rev, dirty := "", false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if rev != "" {
			if dirty {
				rev += "-dirty"
			}
			return "dev (" + rev + ", " + bi.GoVersion + ")"
		}
		return "dev (" + bi.GoVersion + ")"
	}
	return "dev"
}

// openLog opens the diagnostics log. The console's own messages go there,
// never to the screen.
func openLog(path string) (*slog.Logger, io.Closer) {
	if path == "" {
		return slog.New(slog.NewTextHandler(io.Discard, nil)), io.NopCloser(nil)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err == nil {
		if f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600); err == nil {
			return slog.New(slog.NewTextHandler(f, nil)), f
		}
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil)), io.NopCloser(nil)
}

// runDecode is `opsconsole decode [--format text|json] [FILE|-]`.
func runDecode(opts *config.Options, stdin io.Reader, stdout, stderr io.Writer) int {
	var args []string
	if opts.Format != "" {
		args = append(args, "--format", opts.Format)
	}
	return decodecli.Main(context.Background(), append(args, opts.Args...), stdin, stdout, stderr)
}

// localIdentity is the audit identity of a local run.
func localIdentity() ops.Identity {
	id := ops.Identity{User: "unknown"}
	if u, err := user.Current(); err == nil {
		id.User = u.Username
	}
	id.Host, _ = os.Hostname()
	return id
}

// quietLibraries sends what libraries log (client-go's klog, the standard
// logger) to the diagnostics log: a line on stderr would tear the screen.
func quietLibraries(logger *slog.Logger) {
	klog.SetSlogLogger(logger)
	log.SetOutput(slog.NewLogLogger(logger.Handler(), slog.LevelWarn).Writer())
}

func runConsole(opts *config.Options, stderr io.Writer) int {
	logger, closeLog := openLog(opts.LogFile)
	defer closeLog.Close()
	quietLibraries(logger)
	audit, auditErr := ops.OpenAudit(opts.AuditLog)
	if auditErr != nil {
		// The console still opens for looking; every action will be refused
		// until the audit log can be written.
		logger.Error("audit log", "err", auditErr)
	} else {
		defer audit.Close()
	}
	app, err := ui.New(ui.Session{
		Options:  opts,
		Identity: localIdentity(),
		Audit:    audit,
		Output:   os.Stdout,
		Log:      logger,
		StartupWarning: func() string {
			if auditErr != nil {
				return auditErr.Error() + " — actions will be refused"
			}
			return ""
		}(),
	})
	if err != nil {
		fmt.Fprintln(stderr, "opsconsole:", err)
		return 2
	}
	logger.Info("start", "version", versionString(), "target", opts.StartTarget().DisplayName(), "demo", opts.Demo)
	if _, err := tea.NewProgram(app, tea.WithAltScreen()).Run(); err != nil {
		fmt.Fprintln(stderr, "opsconsole:", err)
		return 2
	}
	return 0
}
