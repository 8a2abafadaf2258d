package recordsui

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/opsconsole/opsconsole/internal/decode"
	"github.com/opsconsole/opsconsole/internal/ui/pane"
)

// The flags :export hands to the pane through pane.OpenMsg (see Commands).
const (
	exportFlag = "export"
	forceFlag  = "force"
)

// exportReq is an :export waiting for the pane's Init.
type exportReq struct {
	path  string
	force bool
}

// runExport snapshots the events in view (the filter's, when one is set)
// and writes them off the UI goroutine.
func (p *Pane) runExport(req exportReq) tea.Cmd {
	if p.c.Runner != nil && p.c.Runner.Who.KeyFingerprint != "" {
		return pane.Toast(":export writes a file on the host this console runs on, so it is not available over SSH; copy single messages with c", true)
	}
	evs := make([]decode.Event, 0, p.buf.viewLen())
	p.buf.each(func(e *decode.Event) { evs = append(evs, *e) })
	what := "buffered events"
	if p.buf.f != nil {
		what = "events matching \"" + pane.OneLine(p.buf.f.raw) + "\""
	}
	if len(evs) == 0 {
		return pane.Toast("nothing to export: no "+what+" (open :records STREAM first, or clear the filter)", true)
	}
	return func() tea.Msg {
		path, err := writeNDJSON(req.path, req.force, evs)
		if err != nil {
			return pane.ToastMsg{Text: "export failed: " + pane.OneLine(err.Error()), Error: true}
		}
		return pane.ToastMsg{Text: fmt.Sprintf("exported %d %s to %s", len(evs), what, pane.OneLine(path))}
	}
}

// writeNDJSON writes one decode.Event JSON object per line to path, with
// mode 0600 (payloads may hold personal data). It writes a temporary file
// in the same directory and moves it into place, so a reader never sees
// half a file; without force an existing file is never replaced (the move
// is a hard link, which fails if the name exists, so there is no race).
// It returns the absolute path written.
func writeNDJSON(path string, force bool, evs []decode.Event) (string, error) {
	if strings.TrimSpace(path) == "" {
		return "", errors.New("no file name given: usage :export FILE [--force]")
	}
	if rest, ok := strings.CutPrefix(path, "~/"); ok {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("cannot expand ~: %v", err)
		}
		path = filepath.Join(home, rest)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	exists := func() error {
		return fmt.Errorf("%s already exists; add --force to replace it", abs)
	}
	if !force {
		if _, err := os.Lstat(abs); err == nil {
			return "", exists()
		}
	}
	dir := filepath.Dir(abs)
	f, err := os.CreateTemp(dir, "."+filepath.Base(abs)+".*.tmp") // mode 0600
	if err != nil {
		return "", fmt.Errorf("cannot write in %s: %v", dir, reason(err))
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op once moved into place
	w := bufio.NewWriterSize(f, 1<<20)
	var line []byte
	for i := range evs {
		line = append(evs[i].AppendJSON(line[:0]), '\n')
		if _, err := w.Write(line); err != nil {
			f.Close()
			return "", fmt.Errorf("cannot write %s: %v", abs, reason(err))
		}
	}
	if err := w.Flush(); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("cannot write %s: %v", abs, reason(err))
	}
	if force {
		err = os.Rename(tmp, abs)
	} else if err = os.Link(tmp, abs); errors.Is(err, fs.ErrExist) {
		return "", exists()
	} else if err != nil {
		// No hard links here (some network and FAT file systems): check,
		// then move.
		if _, serr := os.Lstat(abs); serr == nil {
			return "", exists()
		}
		err = os.Rename(tmp, abs)
	}
	if err != nil {
		return "", fmt.Errorf("cannot create %s: %v", abs, reason(err))
	}
	return abs, nil
}

// reason is an OS error without the operation and path the message
// already names.
func reason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err.Error()
	}
	return err.Error()
}
