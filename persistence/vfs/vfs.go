// Package vfs is the small file-system interface the persistence layer
// writes through. Production uses OS; tests put a model of the page cache
// (crashfs) or an error injector (faultfs) underneath, so crash and fault
// behaviour can be tested operation by operation instead of hoped for.
//
// The interface holds exactly the operations the store needs, and each is
// one step a crash can fall between.
package vfs

import (
	"io"
	"io/fs"
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
	ReadFile(name string) ([]byte, error)
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
