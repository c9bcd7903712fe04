package backend

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/gorosys/rosys/persistence/internal/atomicfile"
	"github.com/gorosys/rosys/persistence/vfs"
)

// Filesystem is a Backend in a directory, with the same durable atomic
// writes as module files.
type Filesystem struct {
	root string
	fs   vfs.FS
	mu   sync.Mutex // serialises conditional writes within this process
}

var _ Backend = (*Filesystem)(nil)

// NewFilesystem stores objects under root ("~" expands) on fsys (vfs.OS{}
// for the disk; tests model power cuts with another).
func NewFilesystem(fsys vfs.FS, root string) (*Filesystem, error) {
	r, err := vfs.ExpandHome(root)
	if err != nil {
		return nil, err
	}
	if err := atomicfile.MkdirDurable(fsys, r); err != nil {
		return nil, fmt.Errorf("filesystem backend: %w", err)
	}
	return &Filesystem{root: r, fs: fsys}, nil
}

// Root is the directory of a filesystem backend.
func (f *Filesystem) Root() string { return f.root }

func (f *Filesystem) String() string { return "filesystem:" + f.root }

func (f *Filesystem) path(name string) (string, error) {
	if err := ValidateName(name); err != nil {
		return "", err
	}
	return filepath.Join(f.root, filepath.FromSlash(name)), nil
}

func contentVersion(b []byte) Version {
	s := sha256.Sum256(b)
	return Version(hex.EncodeToString(s[:16]))
}

// Get implements Backend.
func (f *Filesystem) Get(_ context.Context, name string) ([]byte, Version, error) {
	p, err := f.path(name)
	if err != nil {
		return nil, "", err
	}
	b, err := f.fs.ReadFile(p, MaxObjectBytes)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "", fmt.Errorf("%s: %s: %w", f, name, ErrNotFound)
	} else if err != nil {
		return nil, "", err
	}
	return b, contentVersion(b), nil
}

// Put implements Backend. Conditions are checked and the rename done under
// a process-wide lock; the store's directory lock keeps other processes out.
func (f *Filesystem) Put(_ context.Context, name string, data []byte, cond Condition) (Version, error) {
	p, err := f.path(name)
	if err != nil {
		return "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if cond.IfAbsent || cond.IfMatch != "" {
		cur, err := f.fs.ReadFile(p, MaxObjectBytes)
		exists := err == nil
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		if cond.IfAbsent && exists {
			return "", fmt.Errorf("%s: %s exists: %w", f, name, ErrConflict)
		}
		if cond.IfMatch != "" && (!exists || contentVersion(cur) != cond.IfMatch) {
			return "", fmt.Errorf("%s: %s is not at version %s: %w", f, name, cond.IfMatch, ErrConflict)
		}
	}
	dir := filepath.Dir(p)
	if err := atomicfile.MkdirDurable(f.fs, dir); err != nil {
		return "", err
	}
	w := atomicfile.Writer{FS: f.fs, Dir: dir}
	if err := w.Write(filepath.Base(p), data); err != nil {
		return "", err
	}
	if err := w.Sync(); err != nil {
		return "", err
	}
	return contentVersion(data), nil
}

// List implements Backend.
func (f *Filesystem) List(_ context.Context, prefix string) ([]ObjectInfo, error) {
	var out []ObjectInfo
	var walk func(dir string) error
	walk = func(dir string) error {
		entries, err := f.fs.ReadDir(dir)
		if err != nil {
			return err
		}
		for _, d := range entries {
			p := filepath.Join(dir, d.Name())
			if d.IsDir() {
				if err := walk(p); err != nil {
					return err
				}
				continue
			}
			if !d.Type().IsRegular() || atomicfile.IsTemporary(d.Name()) || d.Name() == ".lock" {
				continue
			}
			rel, _ := filepath.Rel(f.root, p)
			name := filepath.ToSlash(rel)
			if !strings.HasPrefix(name, prefix) || ValidateName(name) != nil {
				continue
			}
			b, err := f.fs.ReadFile(p, MaxObjectBytes)
			if err != nil {
				return err
			}
			out = append(out, ObjectInfo{Name: name, Size: int64(len(b)), Version: contentVersion(b)})
		}
		return nil
	}
	err := walk(f.root)
	slices.SortFunc(out, func(a, b ObjectInfo) int { return strings.Compare(a.Name, b.Name) })
	return out, err
}

// Delete implements Backend.
func (f *Filesystem) Delete(_ context.Context, name string) error {
	p, err := f.path(name)
	if err != nil {
		return err
	}
	if err := f.fs.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return f.fs.SyncDir(filepath.Dir(p))
}
