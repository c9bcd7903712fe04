package crashfs

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/gorosys/rosys/persistence/vfs"
)

// handle is an open file; writes append.
type handle struct {
	fs     *FS
	name   string
	f      *file
	closed bool
}

func (h *handle) Name() string { return h.name }

func (h *handle) Write(p []byte) (int, error) {
	h.fs.mu.Lock()
	defer h.fs.mu.Unlock()
	if h.closed {
		return 0, perr("write", h.name, fs.ErrClosed)
	}
	h.f.data = append(h.f.data, p...)
	h.f.mtime = h.fs.Now()
	h.fs.done("write", h.name)
	return len(p), nil
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
