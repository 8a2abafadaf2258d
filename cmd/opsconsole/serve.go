package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/opsconsole/opsconsole/internal/config"
	"github.com/opsconsole/opsconsole/internal/ops"
	"github.com/opsconsole/opsconsole/internal/sshd"
)

// shutdownDeadline bounds a graceful stop: sessions are warned, closed
// after the notice, and whatever is left is dropped at the deadline (well
// inside systemd's default 90s stop timeout).
const shutdownDeadline = 20 * time.Second

// runServe is `opsconsole serve`: the console over SSH, one console per
// session, with the same global flags as the local console. Its log goes
// to stderr (the journal under systemd).
func runServe(opts *config.Options, stderr io.Writer) int {
	if err := sshd.CheckSettings(opts.Serve); err != nil {
		fmt.Fprintln(stderr, "opsconsole serve:", err)
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	audit, err := ops.OpenAudit(opts.AuditLog)
	if err != nil {
		// Unlike the local console, a shared server does not start
		// without its audit trail.
		fmt.Fprintln(stderr, "opsconsole serve:", err)
		return 2
	}
	defer audit.Close()
	srv, err := sshd.New(sshd.Config{Options: opts, Audit: audit, Log: log})
	if err != nil {
		fmt.Fprintln(stderr, "opsconsole serve:", err)
		return 2
	}
	ln, err := srv.Listen()
	if err != nil {
		fmt.Fprintln(stderr, "opsconsole serve:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		fmt.Fprintln(stderr, "opsconsole serve:", err)
		return 2
	case <-ctx.Done():
	}
	stop() // a second Ctrl+C kills at once
	log.Info("signal received; closing sessions (send it again to stop at once)")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownDeadline)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("shutdown", "err", err)
	}
	if err := <-served; err != nil {
		log.Warn("serve", "err", err)
	}
	log.Info("stopped")
	return 0
}
