//go:build !unix

package sshd

import "os"

// inode is not available here; size, mtime and mode still detect changes.
func inode(os.FileInfo) uint64 { return 0 }
