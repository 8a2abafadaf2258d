package sshd

import (
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// KeyFile is the authorized-keys file, re-read when it changes.
//
// Why a stat per lookup rather than a watcher or a poll: the file is looked
// up only when someone authenticates or a session starts, so one stat(2)
// there costs nothing measurable, needs no goroutine and no fsnotify, and a
// removed key is refused from the very next attempt instead of a poll
// interval later. The file is re-parsed only when its size, mtime (ns),
// inode or mode changed; an editor's rename-into-place changes the inode,
// an in-place edit the mtime.
type KeyFile struct {
	path string
	log  *slog.Logger
	loc  *time.Location

	mu  sync.Mutex
	sig fileSig
	set *KeySet
}

type fileSig struct {
	size  int64
	mtime int64
	ino   uint64
	mode  os.FileMode
	ok    bool
}

// OpenKeyFile reads the authorized-keys file. A file that is missing,
// unreadable or writable by others is a startup error; bad lines are logged
// with their line numbers and skipped.
func OpenKeyFile(path string, log *slog.Logger) (*KeyFile, error) {
	f := &KeyFile{path: path, log: log, loc: time.Local}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("authorized keys: %w (create it with one public key per line; see README \"Serving the console over SSH\")", err)
	}
	set, err := f.load(st)
	if err != nil {
		return nil, err
	}
	f.sig, f.set = sigOf(st), set
	if set.Len() == 0 {
		log.Warn("authorized keys file lists no usable key: every login will be refused until one is added", "file", path)
	}
	return f, nil
}

// Keys returns the current key set, re-reading the file if it changed.
// When the file has become missing, unreadable or unsafe, every key is
// refused (fail closed) until it is fixed, and the reason is logged once.
func (f *KeyFile) Keys() *KeySet {
	f.mu.Lock()
	defer f.mu.Unlock()
	st, err := os.Stat(f.path)
	if err != nil {
		if f.sig.ok {
			f.log.Error("authorized keys file unreadable: refusing every key until it is back", "file", f.path, "err", err)
		}
		f.sig, f.set = fileSig{}, &KeySet{}
		return f.set
	}
	sig := sigOf(st)
	if sig == f.sig {
		return f.set
	}
	set, err := f.load(st)
	f.sig = sig
	if err != nil {
		f.log.Error("authorized keys file rejected: refusing every key until it is fixed", "err", err)
		f.set = &KeySet{}
		return f.set
	}
	f.set = set
	f.log.Info("authorized keys re-read", "file", f.path, "keys", set.Len())
	return f.set
}

func (f *KeyFile) load(st os.FileInfo) (*KeySet, error) {
	// Anyone who can write this file can make themselves an operator, so a
	// group- or world-writable file is not trusted (sshd's StrictModes).
	if st.Mode().Perm()&0o022 != 0 {
		return nil, fmt.Errorf("authorized keys %s is writable by group or others (mode %04o); anyone who can write it can grant themselves the operator role: run chmod go-w %s", f.path, st.Mode().Perm(), f.path)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("authorized keys %s is not a regular file", f.path)
	}
	data, err := os.ReadFile(f.path)
	if err != nil {
		return nil, fmt.Errorf("authorized keys: %w", err)
	}
	set, bad := ParseAuthorizedKeys(data, f.loc)
	for _, b := range bad {
		f.log.Warn("authorized keys: line skipped", "file", f.path, "line", b.Line, "reason", b.Err.Error())
	}
	return set, nil
}

func sigOf(st os.FileInfo) fileSig {
	return fileSig{size: st.Size(), mtime: st.ModTime().UnixNano(), ino: inode(st), mode: st.Mode(), ok: true}
}
