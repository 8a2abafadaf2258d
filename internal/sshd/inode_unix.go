//go:build unix

package sshd

import (
	"os"
	"syscall"
)

// inode tells a file replaced by rename from the same file edited in place.
func inode(st os.FileInfo) uint64 {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return uint64(s.Ino) //nolint:unconvert // uint32 on some BSDs
	}
	return 0
}
