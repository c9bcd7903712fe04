package vfs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrLocked is returned by Lock when another process holds the directory.
var ErrLocked = errors.New("data directory is in use by another process")

// OS is the real file system.
type OS struct{}

var _ FS = OS{}

func (OS) MkdirAll(dir string, perm fs.FileMode) error { return os.MkdirAll(dir, perm) }

func (OS) CreateTemp(dir, pattern string) (File, error) { return os.CreateTemp(dir, pattern) }

func (OS) CreateExclusive(name string) (File, error) {
	return os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY|os.O_APPEND, 0o644)
}

func (OS) ReadFile(name string, limit int64) ([]byte, error) { return readRegular(name, limit) }
func (OS) ReadDir(dir string) ([]fs.DirEntry, error)         { return os.ReadDir(dir) }
func (OS) Lstat(name string) (fs.FileInfo, error)            { return os.Lstat(name) }
func (OS) Link(oldpath, newpath string) error                { return os.Link(oldpath, newpath) }
func (OS) Remove(name string) error                          { return os.Remove(name) }

func (OS) Truncate(name string, size int64) error {
	// Through the opened descriptor, so a symbolic link or a FIFO put in
	// place of a segment is refused, not followed or waited on.
	f, _, err := openRegular(name, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		return err
	}
	return f.Sync()
}

func (OS) SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open directory for fsync: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("fsync directory %s: %w", dir, err)
	}
	return nil
}

func (OS) Lock(dir string) (io.Closer, error) { return lockDir(filepath.Join(dir, ".lock")) }
