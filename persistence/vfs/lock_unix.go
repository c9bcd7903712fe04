//go:build unix

package vfs

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockDir takes an exclusive advisory lock on path, so two runtimes never
// write the same directory (their renames would silently replace each
// other's state). The kernel drops the lock when the process dies, even by
// SIGKILL, so a crash never leaves the directory locked.
func lockDir(path string) (*os.File, error) {
	// Only a regular file is a lock: a FIFO, device or symbolic link put
	// there is refused without blocking (ErrNotRegular), so the caller can
	// move it aside.
	f, _, err := openRegular(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s", ErrLocked, path)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return f, nil
}
