package vfs

import (
	"io/fs"
	"strings"
)

// Name is a path prepared once for the file-system operations a store
// repeats on it every backup cycle: a module's file, its .prev, its
// spares. Passing a string path to a system call copies it into a new
// NUL-terminated byte slice each time (syscall.ByteSliceFromString), and
// opening an *os.File allocates the File and a FileInfo; a Name holds
// its NUL-terminated bytes and, for the OS, the state of the one file
// open on it, so the same operations allocate nothing. File systems that
// do not take Names (crashfs, faultfs) get the string: the seam is the
// same FS interface.
//
// A Name is for one writer at a time: at most one file opened by
// OpenOverwriteName is open on it at once (the store writes each
// module's files from one goroutine per cycle).
type Name struct {
	s string
	z []byte // s and a NUL
	f nameFile
}

// NewName prepares path. A path holding a NUL byte cannot name a file;
// its operations fail as the string ones do.
func NewName(path string) *Name {
	n := &Name{s: path}
	if !strings.ContainsRune(path, 0) {
		n.z = append([]byte(path), 0)
	}
	return n
}

// String is the path.
func (n *Name) String() string { return n.s }

// NameFS is a file system whose operations can take prepared Names (OS
// on Linux). Each method is its FS counterpart on the names' paths.
type NameFS interface {
	LinkName(oldname, newname *Name) error
	RenameName(oldname, newname *Name) error
	RemoveName(name *Name) error
	OpenOverwriteName(name *Name) (OverwriteFile, error)
	SyncDirName(dir *Name) error
	// ReadFileName is ReadFile (and its guards) into buf's array when
	// the file fits (see ReadFileBuf).
	ReadFileName(name *Name, limit int64, buf []byte) ([]byte, error)
}

// nameFS is fsys's NameFS, if it has one and it takes these names.
func nameFS(fsys FS, names ...*Name) (NameFS, bool) {
	nf, ok := fsys.(NameFS)
	if !ok {
		return nil, false
	}
	for _, n := range names {
		if n.z == nil {
			return nil, false
		}
	}
	return nf, true
}

// LinkName is fsys.Link on two prepared names.
func LinkName(fsys FS, oldname, newname *Name) error {
	if nf, ok := nameFS(fsys, oldname, newname); ok {
		return nf.LinkName(oldname, newname)
	}
	return fsys.Link(oldname.s, newname.s)
}

// RenameName is fsys.Rename on two prepared names.
func RenameName(fsys FS, oldname, newname *Name) error {
	if nf, ok := nameFS(fsys, oldname, newname); ok {
		return nf.RenameName(oldname, newname)
	}
	return fsys.Rename(oldname.s, newname.s)
}

// RemoveName is fsys.Remove on a prepared name.
func RemoveName(fsys FS, name *Name) error {
	if nf, ok := nameFS(fsys, name); ok {
		return nf.RemoveName(name)
	}
	return fsys.Remove(name.s)
}

// SyncDirName is fsys.SyncDir on a prepared name.
func SyncDirName(fsys FS, dir *Name) error {
	if nf, ok := nameFS(fsys, dir); ok {
		return nf.SyncDirName(dir)
	}
	return fsys.SyncDir(dir.s)
}

// ReadFileNameBuf is ReadFileBuf on a prepared name.
func ReadFileNameBuf(fsys FS, name *Name, limit int64, buf []byte) ([]byte, error) {
	if nf, ok := nameFS(fsys, name); ok {
		return nf.ReadFileName(name, limit, buf)
	}
	return ReadFileBuf(fsys, name.s, limit, buf)
}

// OpenOverwriter is a file system that can write over an existing file
// (OS, crashfs; faultfs when what it wraps can).
type OpenOverwriter interface {
	OpenOverwrite(name string) (OverwriteFile, error)
}

// OpenOverwriteName is o.OpenOverwrite on a prepared name. The file it
// returns may be the Name's own (see Name): it must be closed before the
// name is opened again.
func OpenOverwriteName(o OpenOverwriter, name *Name) (OverwriteFile, error) {
	if nf, ok := o.(NameFS); ok && name.z != nil {
		return nf.OpenOverwriteName(name)
	}
	return o.OpenOverwrite(name.s)
}

// pathErr is the error of a failed operation on a name.
func pathErr(op string, n *Name, err error) error {
	return &fs.PathError{Op: op, Path: n.s, Err: err}
}
