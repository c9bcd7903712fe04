// Package crashfs is an in-memory file system that models what a power cut
// leaves behind, for testing crash consistency operation by operation.
//
// It keeps two states of everything: what processes see, and what is
// durable. A file's data becomes durable when the file is fsynced; a
// directory's entries (creations, renames, links, removals) when the
// directory is fsynced. Crash builds the disk a power cut at this instant
// could leave, under a Policy: the unsynced changes lost, kept, or kept in
// part (directory changes in order up to some point, appended data as
// garbage). This is the model the ALICE study (Pillai et al., OSDI 2014)
// found applications break under: a rename that reaches the disk before
// the data it names, a newly created name that vanishes because its
// directory was never synced.
//
// Every mutating operation is counted and reported to OnOp, so a test can
// take a crash image after each one.
package crashfs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gorosys/rosys/persistence/vfs"
)

// file is an inode: hard links share it.
type file struct {
	data    []byte // what reads see
	durable []byte // as of the last fsync
	mtime   time.Time
}

// dirNode is a directory.
type dirNode struct {
	entries map[string]any // *file or *dirNode, what lookups see
	durable map[string]any // as of the last fsync of the directory
	log     []dirOp        // changes since that fsync, in order
	mtime   time.Time
}

// dirOp is one atomic change to a directory: a rename both removes and
// sets a name, and reaches the disk whole or not at all.
type dirOp struct {
	del []string
	set map[string]any
}

func newDir(now time.Time) *dirNode {
	return &dirNode{entries: map[string]any{}, durable: map[string]any{}, mtime: now}
}

// applyTo makes the change to a directory's entries.
func (op dirOp) applyTo(entries map[string]any) {
	for _, n := range op.del {
		delete(entries, n)
	}
	maps.Copy(entries, op.set)
}

// apply makes the change visible and logs it as not yet durable.
func (d *dirNode) apply(op dirOp) {
	op.applyTo(d.entries)
	d.log = append(d.log, op)
}

// FS is the file system. The zero value is not usable; call New.
type FS struct {
	mu    sync.Mutex
	root  *dirNode
	ops   int
	temps int
	locks map[string]bool
	// inodes numbers files for Lstat (vfs.Inode).
	inodes map[*file]uint64
	// Now stamps modification times (default time.Now).
	Now func() time.Time
	// OnOp, if set, is called after every mutating operation (create,
	// write, fsync, rename, link, remove, truncate, mkdir, directory
	// fsync) with its running number, outside the file system's lock, so
	// it may call Crash.
	OnOp func(n int, op, path string)
}

var _ vfs.FS = (*FS)(nil)

// New returns an empty file system whose root directory is durable.
func New() *FS {
	return &FS{root: newDir(time.Time{}), locks: map[string]bool{}, Now: time.Now}
}

// Ops is the number of mutating operations so far.
func (f *FS) Ops() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.ops
}

func (f *FS) done(op, p string) {
	f.ops++
	n, hook := f.ops, f.OnOp
	f.mu.Unlock()
	if hook != nil {
		hook(n, op, p)
	}
	f.mu.Lock()
}

func split(p string) []string {
	p = path.Clean("/" + p)
	if p == "/" {
		return nil
	}
	return strings.Split(p[1:], "/")
}

func perr(op, p string, err error) error { return &fs.PathError{Op: op, Path: p, Err: err} }

// lookupDir returns the directory at p.
func (f *FS) lookupDir(op, p string) (*dirNode, error) {
	d := f.root
	for _, name := range split(p) {
		next, ok := d.entries[name].(*dirNode)
		if !ok {
			if d.entries[name] == nil {
				return nil, perr(op, p, fs.ErrNotExist)
			}
			return nil, perr(op, p, errors.New("not a directory"))
		}
		d = next
	}
	return d, nil
}

// parent returns the directory holding p and p's last element.
func (f *FS) parent(op, p string) (*dirNode, string, error) {
	parts := split(p)
	if len(parts) == 0 {
		return nil, "", perr(op, p, errors.New("is the root"))
	}
	d, err := f.lookupDir(op, "/"+strings.Join(parts[:len(parts)-1], "/"))
	return d, parts[len(parts)-1], err
}

// MkdirAll implements vfs.FS.
func (f *FS) MkdirAll(p string, _ fs.FileMode) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	d := f.root
	walked := ""
	for _, name := range split(p) {
		walked += "/" + name
		switch next := d.entries[name].(type) {
		case *dirNode:
			d = next
		case nil:
			nd := newDir(f.Now())
			d.apply(dirOp{set: map[string]any{name: nd}})
			f.done("mkdir", walked)
			d = nd
		default:
			return perr("mkdir", walked, errors.New("not a directory"))
		}
	}
	return nil
}

func (f *FS) lookupFile(op, p string) (*file, error) {
	d, name, err := f.parent(op, p)
	if err != nil {
		return nil, err
	}
	switch e := d.entries[name].(type) {
	case *file:
		return e, nil
	case nil:
		return nil, perr(op, p, fs.ErrNotExist)
	default:
		return nil, perr(op, p, errors.New("is a directory"))
	}
}

// ReadFile implements vfs.FS. The model holds only regular files and
// directories, so the limit is the only check beyond existence.
func (f *FS) ReadFile(name string, limit int64) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	nf, err := f.lookupFile("open", name)
	if err != nil {
		return nil, err
	}
	if int64(len(nf.data)) > limit {
		return nil, perr("read", name, fmt.Errorf("%w: %d bytes, the limit is %d", vfs.ErrTooLarge, len(nf.data), limit))
	}
	return slices.Clone(nf.data), nil
}

// ReadHead implements vfs.HeadReader.
func (f *FS) ReadHead(name string, n int) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	nf, err := f.lookupFile("open", name)
	if err != nil {
		return nil, err
	}
	return slices.Clone(nf.data[:min(n, len(nf.data))]), nil
}

// ReadDir implements vfs.FS: entries sorted by name.
func (f *FS) ReadDir(p string) ([]fs.DirEntry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, err := f.lookupDir("open", p)
	if err != nil {
		return nil, err
	}
	var out []fs.DirEntry
	for _, name := range slices.Sorted(maps.Keys(d.entries)) {
		out = append(out, fs.FileInfoToDirEntry(info(name, d.entries[name])))
	}
	return out, nil
}

// Lstat implements vfs.FS.
func (f *FS) Lstat(p string) (fs.FileInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	parts := split(p)
	if len(parts) == 0 {
		return info("/", f.root), nil
	}
	d, name, err := f.parent("lstat", p)
	if err != nil {
		return nil, err
	}
	e := d.entries[name]
	if e == nil {
		return nil, perr("lstat", p, fs.ErrNotExist)
	}
	fi := info(name, e)
	if nf, ok := e.(*file); ok {
		i := fi.(fileInfo)
		i.sys = vfs.Inode{Ino: f.inode(nf), Links: uint64(links(f.root, nf))}
		fi = i
	}
	return fi, nil
}

// inode numbers a file by its first Lstat, so that two names of one file
// have one number (vfs.InodeOf).
func (f *FS) inode(nf *file) uint64 {
	if f.inodes == nil {
		f.inodes = map[*file]uint64{}
	}
	n, ok := f.inodes[nf]
	if !ok {
		n = uint64(len(f.inodes) + 1)
		f.inodes[nf] = n
	}
	return n
}

// Rename implements vfs.FS. Within one directory it is one atomic change.
func (f *FS) Rename(oldpath, newpath string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	od, oname, err := f.parent("rename", oldpath)
	if err != nil {
		return err
	}
	nd, nname, err := f.parent("rename", newpath)
	if err != nil {
		return err
	}
	e := od.entries[oname]
	if e == nil {
		return perr("rename", oldpath, fs.ErrNotExist)
	}
	if _, isDir := nd.entries[nname].(*dirNode); isDir {
		return perr("rename", newpath, errors.New("is a directory"))
	}
	if od == nd {
		od.apply(dirOp{del: []string{oname}, set: map[string]any{nname: e}})
	} else {
		od.apply(dirOp{del: []string{oname}})
		nd.apply(dirOp{set: map[string]any{nname: e}})
	}
	f.done("rename", oldpath+" -> "+newpath)
	return nil
}

// Link implements vfs.FS.
func (f *FS) Link(oldpath, newpath string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	nf, err := f.lookupFile("link", oldpath)
	if err != nil {
		return err
	}
	nd, nname, err := f.parent("link", newpath)
	if err != nil {
		return err
	}
	if nd.entries[nname] != nil {
		return perr("link", newpath, fs.ErrExist)
	}
	nd.apply(dirOp{set: map[string]any{nname: nf}})
	f.done("link", newpath)
	return nil
}

// Remove implements vfs.FS.
func (f *FS) Remove(p string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, name, err := f.parent("remove", p)
	if err != nil {
		return err
	}
	switch e := d.entries[name].(type) {
	case nil:
		return perr("remove", p, fs.ErrNotExist)
	case *dirNode:
		if len(e.entries) > 0 {
			return perr("remove", p, errors.New("directory not empty"))
		}
	}
	d.apply(dirOp{del: []string{name}})
	f.done("remove", p)
	return nil
}

// Truncate implements vfs.FS; like vfs.OS it syncs the file.
func (f *FS) Truncate(p string, size int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	nf, err := f.lookupFile("truncate", p)
	if err != nil {
		return err
	}
	if size < int64(len(nf.data)) {
		nf.data = nf.data[:size]
	} else {
		nf.data = append(nf.data, make([]byte, int(size)-len(nf.data))...)
	}
	nf.durable = slices.Clone(nf.data)
	nf.mtime = f.Now()
	f.done("truncate", p)
	return nil
}

// SyncDir implements vfs.FS.
func (f *FS) SyncDir(p string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, err := f.lookupDir("fsync", p)
	if err != nil {
		return err
	}
	d.durable = maps.Clone(d.entries)
	d.log = nil
	f.done("dirsync", p)
	return nil
}

type unlock struct {
	fs  *FS
	dir string
}

func (u unlock) Close() error {
	u.fs.mu.Lock()
	defer u.fs.mu.Unlock()
	delete(u.fs.locks, u.dir)
	return nil
}

// Lock implements vfs.FS with an in-memory lock per directory.
func (f *FS) Lock(dir string) (io.Closer, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := f.lookupDir("lock", dir); err != nil {
		return nil, err
	}
	dir = path.Clean(dir)
	if f.locks[dir] {
		return nil, fmt.Errorf("%w: %s", vfs.ErrLocked, dir)
	}
	f.locks[dir] = true
	return unlock{f, dir}, nil
}
