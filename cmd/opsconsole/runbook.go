package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/opsconsole/opsconsole/internal/config"
	"github.com/opsconsole/opsconsole/internal/runbook"
)

// runRunbook is `opsconsole runbook list | show ID | run ID [--param k=v]...
// [--format markdown|json]` against the target the global flags choose.
// run checks only: it never applies a fix. Exit codes: 0 all checks
// passed, 1 a check failed, 2 an error.
func runRunbook(opts *config.Options, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cli := &runbook.CLI{Options: opts, Who: localIdentity().AuditUser(), Stdout: stdout, Stderr: stderr}
	return cli.Main(ctx)
}
