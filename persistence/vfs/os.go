package vfs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ErrLocked is returned by Lock when another process holds the directory.
var ErrLocked = errors.New("data directory is in use by another process")

// OS is the real file system.
type OS struct{}

var _ FS = OS{}

func (OS) MkdirAll(dir string, perm fs.FileMode) error { return os.MkdirAll(dir, perm) }

// CreateTemp is os.CreateTemp, except that the file is created with mode
// 0666 less the umask, as Python's open() creates RoSys's files (0644
// under the usual umask 022), not 0600: RoSys tools running as another
// user read the data directory. A tighter umask (077) keeps it private.
func (OS) CreateTemp(dir, pattern string) (File, error) {
	prefix, suffix := pattern, ""
	if i := strings.LastIndexByte(pattern, '*'); i >= 0 {
		prefix, suffix = pattern[:i], pattern[i+1:]
	}
	for range 10000 {
		name := filepath.Join(dir, prefix+strconv.FormatUint(uint64(rand.Uint32()), 10)+suffix)
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, err
	}
	return nil, &fs.PathError{Op: "createtemp", Path: filepath.Join(dir, pattern), Err: fs.ErrExist}
}

func (OS) CreateExclusive(name string) (File, error) {
	return os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY|os.O_APPEND, 0o644)
}

func (OS) ReadFile(name string, limit int64) ([]byte, error) { return readRegular(name, limit, nil) }
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
