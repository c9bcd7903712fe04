// Package faultfs wraps a vfs.FS and makes chosen operations fail with
// chosen errors (ENOSPC, EIO, EROFS, EACCES, ...), to test that every
// failure is reported, loses nothing and is retried.
package faultfs

import (
	"errors"
	"io"
	"io/fs"
	"strings"
	"sync"

	"github.com/gorosys/rosys/persistence/vfs"
)

// Op names an operation that can be made to fail.
type Op string

// The operations, as the store performs them.
const (
	Create  Op = "create" // CreateTemp, CreateExclusive
	Write   Op = "write"  // File.Write; FS.Truncate (a durable write of the size)
	Fsync   Op = "fsync"  // File.Sync
	Rename  Op = "rename"
	DirSync Op = "dirsync"
	Link    Op = "link"
	Remove  Op = "remove"
	Mkdir   Op = "mkdir"
	Read    Op = "read" // ReadFile, ReadDir
	// Open is OpenOverwrite: opening an existing file (a recycled spare)
	// to write over it. It has its own name, not Create's: a write into a
	// spare creates nothing, so a Create rule lets it through, as a full
	// disk lets a write over blocks a file already has through.
	Open Op = "open"
	// Truncate is the Truncate of a file OpenOverwrite opened (cutting a
	// spare to the new size before it is written over), and FS.Truncate,
	// which Write rules fail too, as they did before this name existed.
	// A Write rule does not fail a spare's Truncate: a fault on the
	// write into a spare must reach that write.
	Truncate Op = "truncate"
	// Close is File.Close, of every file this FS opened. The file is
	// closed underneath anyway (as close(2) frees the descriptor even when
	// it reports an error); only the error is injected.
	Close Op = "close"
)

// Ops lists the operations a write path goes through, in order.
var Ops = []Op{Create, Write, Fsync, Rename, DirSync}

// OverwriteOps lists the operations a write into a recycled spare goes
// through, in order (OpenOverwrite instead of CreateTemp, then Truncate).
var OverwriteOps = []Op{Open, Truncate, Write, Fsync, Close, Rename, DirSync}

type rule struct {
	op    Op
	match string
	err   error
	skip  int // matching operations still let through (FailAfter)
}

// FS is the wrapper. The zero value is not usable; call New.
type FS struct {
	inner vfs.FS
	mu    sync.Mutex
	rules []rule
	hits  int
}

var _ vfs.FS = (*FS)(nil)

// New wraps inner with no faults.
func New(inner vfs.FS) *FS { return &FS{inner: inner} }

// Fail makes every op on a path containing match (all paths if empty)
// fail with err, until Clear.
func (f *FS) Fail(op Op, match string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = append(f.rules, rule{op: op, match: match, err: err})
}

// FailAfter is Fail, letting the first skip matching operations through:
// a fault at the second write of a file, not the first.
func (f *FS) FailAfter(op Op, match string, skip int, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = append(f.rules, rule{op, match, err, skip})
}

// Clear removes every fault.
func (f *FS) Clear() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = nil
}

// Hits is how many operations have failed so far.
func (f *FS) Hits() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hits
}

func (f *FS) check(op Op, path string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.rules {
		r := &f.rules[i]
		if r.op == op && strings.Contains(path, r.match) {
			if r.skip > 0 {
				r.skip--
				continue
			}
			f.hits++
			return &fs.PathError{Op: string(op), Path: path, Err: r.err}
		}
	}
	return nil
}

type file struct {
	vfs.File
	fs *FS
}

func (h file) Write(p []byte) (int, error) {
	if err := h.fs.check(Write, h.Name()); err != nil {
		return 0, err
	}
	return h.File.Write(p)
}

func (h file) Sync() error {
	if err := h.fs.check(Fsync, h.Name()); err != nil {
		return err
	}
	return h.File.Sync()
}

func (h file) Close() error {
	err := h.File.Close()
	if ferr := h.fs.check(Close, h.Name()); ferr != nil {
		return ferr
	}
	return err
}

// overwriteFile is a file OpenOverwrite opened: file's faults, and
// Truncate's.
type overwriteFile struct {
	file
	trunc func(size int64) error
}

func (h overwriteFile) Truncate(size int64) error {
	if err := h.fs.check(Truncate, h.Name()); err != nil {
		return err
	}
	return h.trunc(size)
}

// overwriter is a file system that can write over an existing file
// (vfs.OS, crashfs), as atomicfile looks for it.
type overwriter interface {
	OpenOverwrite(name string) (vfs.OverwriteFile, error)
}

// CanOverwrite says whether the wrapped FS can write over an existing
// file, that is whether OpenOverwrite can ever succeed. FS has the method
// OpenOverwrite whatever it wraps; atomicfile.CanRecycle asks this, so
// that a store on faultfs recycles exactly when it would on the wrapped
// FS alone.
func (f *FS) CanOverwrite() bool {
	_, ok := f.inner.(overwriter)
	return ok
}

// OpenOverwrite opens name, an existing file, to be written over, through
// the wrapped FS; the file's Write, Truncate, Sync and Close fail as the
// rules say. Where the wrapped FS cannot write over a file it fails with
// errors.ErrUnsupported (CanOverwrite is false, and atomicfile never
// calls it then).
func (f *FS) OpenOverwrite(name string) (vfs.OverwriteFile, error) {
	o, ok := f.inner.(overwriter)
	if !ok {
		return nil, &fs.PathError{Op: string(Open), Path: name, Err: errors.ErrUnsupported}
	}
	if err := f.check(Open, name); err != nil {
		return nil, err
	}
	h, err := o.OpenOverwrite(name)
	if err != nil {
		return nil, err
	}
	return overwriteFile{file{h, f}, h.Truncate}, nil
}

func (f *FS) wrap(h vfs.File, err error) (vfs.File, error) {
	if err != nil {
		return nil, err
	}
	return file{h, f}, nil
}

func (f *FS) MkdirAll(dir string, perm fs.FileMode) error {
	if err := f.check(Mkdir, dir); err != nil {
		return err
	}
	return f.inner.MkdirAll(dir, perm)
}

func (f *FS) CreateTemp(dir, pattern string) (vfs.File, error) {
	if err := f.check(Create, dir+"/"+pattern); err != nil {
		return nil, err
	}
	return f.wrap(f.inner.CreateTemp(dir, pattern))
}

func (f *FS) CreateExclusive(name string) (vfs.File, error) {
	if err := f.check(Create, name); err != nil {
		return nil, err
	}
	return f.wrap(f.inner.CreateExclusive(name))
}

func (f *FS) ReadFile(name string, limit int64) ([]byte, error) {
	if err := f.check(Read, name); err != nil {
		return nil, err
	}
	return f.inner.ReadFile(name, limit)
}

// ReadHead implements vfs.HeadReader (a Read fault applies to it too).
func (f *FS) ReadHead(name string, n int) ([]byte, error) {
	if err := f.check(Read, name); err != nil {
		return nil, err
	}
	return vfs.ReadHead(f.inner, name, n)
}

func (f *FS) ReadDir(dir string) ([]fs.DirEntry, error) {
	if err := f.check(Read, dir); err != nil {
		return nil, err
	}
	return f.inner.ReadDir(dir)
}

func (f *FS) Lstat(name string) (fs.FileInfo, error) { return f.inner.Lstat(name) }

func (f *FS) Rename(oldpath, newpath string) error {
	if err := f.check(Rename, newpath); err != nil {
		return err
	}
	return f.inner.Rename(oldpath, newpath)
}

func (f *FS) Link(oldpath, newpath string) error {
	if err := f.check(Link, newpath); err != nil {
		return err
	}
	return f.inner.Link(oldpath, newpath)
}

func (f *FS) Remove(name string) error {
	if err := f.check(Remove, name); err != nil {
		return err
	}
	return f.inner.Remove(name)
}

func (f *FS) Truncate(name string, size int64) error {
	if err := f.check(Truncate, name); err != nil {
		return err
	}
	if err := f.check(Write, name); err != nil {
		return err
	}
	return f.inner.Truncate(name, size)
}

func (f *FS) SyncDir(dir string) error {
	if err := f.check(DirSync, dir); err != nil {
		return err
	}
	return f.inner.SyncDir(dir)
}

func (f *FS) Lock(dir string) (io.Closer, error) { return f.inner.Lock(dir) }
