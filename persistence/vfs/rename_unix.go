//go:build unix

package vfs

import (
	"os"
	"syscall"
)

// Rename is rename(2) and nothing more. os.Rename first Lstats the new
// name, to refuse renaming onto a directory on every platform alike: one
// more system call and a heap-allocated FileInfo for every file the
// store writes (two renames each), which the backup cycle's garbage and
// time did not need. rename(2) refuses a file onto a directory itself
// (EISDIR); the only directory the store may rename is a module path that
// is one, moved aside to a name checked to be free.
func (OS) Rename(oldpath, newpath string) error {
	for {
		err := syscall.Rename(oldpath, newpath)
		if err == syscall.EINTR {
			continue // as os.Rename: FUSE and CIFS mounts may interrupt it
		}
		if err != nil {
			return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: err}
		}
		return nil
	}
}
