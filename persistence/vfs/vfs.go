// Package vfs is the small file-system interface the persistence layer
// writes through. Production uses OS; tests put a model of the page cache
// (crashfs) or an error injector (faultfs) underneath, so crash and fault
// behaviour can be tested operation by operation instead of hoped for.
//
// The interface holds exactly the operations the store needs, and each is
// one step a crash can fall between.
package vfs

import (
	"errors"
	"io"
	"io/fs"
)

// Errors of ReadFile that callers branch on (wrapped in *fs.PathError).
var (
	// ErrNotRegular: the name is a symbolic link, FIFO, device, socket or
	// directory, which the persistence layer never reads.
	ErrNotRegular = errors.New("not a regular file")
	// ErrTooLarge: the file is larger than the reader allows.
	ErrTooLarge = errors.New("file larger than allowed")
)

// File is a file open for writing.
type File interface {
	Name() string
	Write(p []byte) (int, error)
	// Sync makes the file's data durable (fsync).
	Sync() error
	Close() error
}

// FS is a file system.
type FS interface {
	MkdirAll(dir string, perm fs.FileMode) error
	// CreateTemp creates a new file in dir, named from pattern as
	// os.CreateTemp does.
	CreateTemp(dir, pattern string) (File, error)
	// CreateExclusive creates a new file for appending; it fails if the
	// name exists.
	CreateExclusive(name string) (File, error)
	// ReadFile reads a whole regular file of at most limit bytes. It
	// never follows a symbolic link and never blocks on what is not a
	// regular file (a FIFO, a device, a socket): those fail with
	// ErrNotRegular, a larger file with ErrTooLarge, before any of it is
	// held in memory.
	ReadFile(name string, limit int64) ([]byte, error)
	ReadDir(dir string) ([]fs.DirEntry, error)
	Lstat(name string) (fs.FileInfo, error)
	Rename(oldpath, newpath string) error
	Link(oldpath, newpath string) error
	Remove(name string) error
	// Truncate cuts name to size and makes that durable.
	Truncate(name string, size int64) error
	// SyncDir makes the creations, renames and removals in dir durable.
	SyncDir(dir string) error
	// Lock takes the exclusive lock on dir/.lock that keeps a second
	// process out of a data directory.
	Lock(dir string) (io.Closer, error)
}

// OverwriteFile is a file opened for writing over its old bytes.
type OverwriteFile interface {
	File
	Truncate(size int64) error
}

// ErrShared: a file to be written over has other names (hard links).
var ErrShared = errors.New("file has more than one name")
