package ops

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Outcome values of an audit entry (DESIGN.md §4).
const (
	OutcomeApplied   = "applied"
	OutcomeFailed    = "failed"
	OutcomeRefused   = "refused"
	OutcomeCancelled = "cancelled"
)

// Entry is one line of the audit log. The field names are part of the
// contract: tooling reads them.
type Entry struct {
	Time        time.Time         `json:"time"`
	User        string            `json:"user"`
	Host        string            `json:"host"`
	Target      string            `json:"target"`
	Environment string            `json:"environment"`
	Action      string            `json:"action"`
	Resource    string            `json:"resource"`
	Params      map[string]string `json:"params"`
	Request     string            `json:"request"`
	CLI         string            `json:"cli"`
	Outcome     string            `json:"outcome"`
	Error       string            `json:"error"`
	DurationMS  int64             `json:"duration_ms"`
}

// AuditLog appends entries to a JSON-lines file, one write and one fsync per
// entry, so an entry is on disk before the operator is told it happened.
// One AuditLog is safe for concurrent use (every SSH session shares one), and
// O_APPEND keeps lines whole when several processes share the file.
type AuditLog struct {
	mu   sync.Mutex
	path string
	f    *os.File
}

// OpenAudit opens (creating if needed) the audit log at path with mode 0600
// and its directory with 0700. An existing file readable by others is
// tightened to 0600, since it names people, hosts and resources.
func OpenAudit(path string) (*AuditLog, error) {
	if path == "" {
		return nil, errors.New("audit log path is empty")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("audit log: cannot create directory for %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit log: cannot open %s for appending: %w", path, err)
	}
	if st, err := f.Stat(); err == nil && st.Mode().Perm()&0o077 != 0 {
		if err := f.Chmod(0o600); err != nil {
			f.Close()
			return nil, fmt.Errorf("audit log: %s is readable by others and cannot be made private: %w", path, err)
		}
	}
	return &AuditLog{path: path, f: f}, nil
}

// Path is where the log is written.
func (l *AuditLog) Path() string { return l.path }

// Write appends one entry and syncs it to disk. The error is the caller's to
// report: an action whose audit entry could not be written must say so.
func (l *AuditLog) Write(e Entry) error {
	line, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("audit log: cannot encode entry: %w", err)
	}
	line = append(line, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return fmt.Errorf("audit log %s is closed", l.path)
	}
	if _, err := l.f.Write(line); err != nil {
		return fmt.Errorf("audit log: write to %s failed: %w", l.path, err)
	}
	if err := l.f.Sync(); err != nil {
		return fmt.Errorf("audit log: fsync of %s failed: %w", l.path, err)
	}
	return nil
}

// Close closes the file; later writes fail loudly.
func (l *AuditLog) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// ReadAudit reads the newest max entries of an audit log (all when max <= 0).
// Lines that do not parse are skipped and counted, not fatal: a half-written
// last line after a crash must not hide the rest of the history.
func ReadAudit(path string, max int) (entries []Entry, skipped int, err error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, 0, nil
		}
		return nil, 0, err
	}
	defer f.Close()
	return parseAudit(f, max)
}

func parseAudit(r io.Reader, max int) ([]Entry, int, error) {
	var entries []Entry
	skipped := 0
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var e Entry
		if err := json.Unmarshal(line, &e); err != nil {
			skipped++
			continue
		}
		entries = append(entries, e)
		if max > 0 && len(entries) > 2*max {
			entries = append(entries[:0], entries[len(entries)-max:]...)
		}
	}
	if max > 0 && len(entries) > max {
		entries = entries[len(entries)-max:]
	}
	return entries, skipped, sc.Err()
}
