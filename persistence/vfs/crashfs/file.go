package crashfs

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/gorosys/rosys/persistence/vfs"
)

// handle is an open file; writes append, or, on a file opened to be
// written over (OpenOverwrite), go at the offset, from 0.
type handle struct {
	fs        *FS
	name      string
	f         *file
	closed    bool
	overwrite bool
	off       int
}

func (h *handle) Name() string { return h.name }

func (h *handle) Write(p []byte) (int, error) {
	h.fs.mu.Lock()
	defer h.fs.mu.Unlock()
	if h.closed {
		return 0, perr("write", h.name, fs.ErrClosed)
	}
	if h.overwrite {
		if end := h.off + len(p); end > len(h.f.data) {
			h.f.data = append(h.f.data, make([]byte, end-len(h.f.data))...)
		}
		h.off += copy(h.f.data[h.off:], p)
	} else {
		h.f.data = append(h.f.data, p...)
	}
	h.f.mtime = h.fs.Now()
	h.fs.done("write", h.name)
	return len(p), nil
}

// Truncate cuts or extends the open file, without syncing it (unlike
// FS.Truncate, which is vfs.FS's durable truncate).
func (h *handle) Truncate(size int64) error {
	h.fs.mu.Lock()
	defer h.fs.mu.Unlock()
	if h.closed {
		return perr("truncate", h.name, fs.ErrClosed)
	}
	if size < int64(len(h.f.data)) {
		h.f.data = slices.Clone(h.f.data[:size])
	} else {
		h.f.data = append(h.f.data, make([]byte, int(size)-len(h.f.data))...)
	}
	h.f.mtime = h.fs.Now()
	h.fs.done("truncate", h.name)
	return nil
}

// OpenOverwrite opens a file with one name to be written over from its
// start, as vfs.OS does. Until its fsync a power cut leaves the old
// bytes, the new ones, or (GarbageTail, Random) a torn mix of both.
func (f *FS) OpenOverwrite(p string) (vfs.OverwriteFile, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	nf, err := f.lookupFile("open", p)
	if err != nil {
		return nil, err
	}
	if links(f.root, nf) != 1 {
		return nil, perr("open", p, vfs.ErrShared)
	}
	return &handle{fs: f, name: p, f: nf, overwrite: true}, nil
}

// links counts the names of a file, as processes see them.
func links(d *dirNode, nf *file) int {
	n := 0
	for _, e := range d.entries {
		switch e := e.(type) {
		case *file:
			if e == nf {
				n++
			}
		case *dirNode:
			n += links(e, nf)
		}
	}
	return n
}

func (h *handle) Sync() error {
	h.fs.mu.Lock()
	defer h.fs.mu.Unlock()
	if h.closed {
		return perr("sync", h.name, fs.ErrClosed)
	}
	h.f.durable = slices.Clone(h.f.data)
	h.fs.done("fsync", h.name)
	return nil
}

func (h *handle) Close() error {
	h.fs.mu.Lock()
	defer h.fs.mu.Unlock()
	if h.closed {
		return perr("close", h.name, fs.ErrClosed)
	}
	h.closed = true
	return nil
}

func (f *FS) create(op, p string) (vfs.File, error) {
	d, name, err := f.parent(op, p)
	if err != nil {
		return nil, err
	}
	if d.entries[name] != nil {
		return nil, perr(op, p, fs.ErrExist)
	}
	nf := &file{mtime: f.Now()}
	d.apply(dirOp{set: map[string]any{name: nf}})
	f.done("create", p)
	return &handle{fs: f, name: p, f: nf}, nil
}

// CreateTemp implements vfs.FS. Names are deterministic (a counter), so
// runs are repeatable.
func (f *FS) CreateTemp(dir, pattern string) (vfs.File, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.temps++
	name := strings.Replace(pattern, "*", fmt.Sprint(f.temps), 1)
	if !strings.Contains(pattern, "*") {
		name += fmt.Sprint(f.temps)
	}
	return f.create("create", path.Join(dir, name))
}

// CreateExclusive implements vfs.FS.
func (f *FS) CreateExclusive(name string) (vfs.File, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.create("create", name)
}
