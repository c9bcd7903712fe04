package history

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/gorosys/rosys/persistence/internal/atomicfile"
	"github.com/gorosys/rosys/persistence/internal/modfile"
	"github.com/gorosys/rosys/persistence/vfs"
)

// Dir is the history's directory inside a data directory.
const Dir = "history"

var (
	// ErrNotFound: no such version, or no version at or before the time.
	ErrNotFound = errors.New("no such version in the history")
	// ErrDamaged: a version file does not match its index entry.
	ErrDamaged = errors.New("history version damaged")
)

// Version is one committed version of a module.
type Version struct {
	Version uint64    `json:"version"`
	SavedAt time.Time `json:"saved_at"`
	Size    int64     `json:"size"`
	SHA256  string    `json:"sha256"`
}

// Selector picks a version: by number, or the newest at or before At.
type Selector struct {
	Version uint64
	At      time.Time
}

// History keeps the versions of every module of one data directory. The
// caller holds the data directory's lock; one History per directory.
type History struct {
	fs      vfs.FS
	dir     string
	cfg     Config
	now     func() time.Time
	maxFile int64

	mu    sync.Mutex
	index map[string][]Version // loaded indexes, oldest first
}

// New opens the history of dataDir. Nothing is read until a key is used.
// maxFile bounds every file read (version files and the index).
func New(fsys vfs.FS, dataDir string, cfg Config, now func() time.Time, maxFile int64) *History {
	if cfg.Default == (Bounds{}) {
		cfg.Default = DefaultBounds
	}
	return &History{fs: fsys, dir: filepath.Join(dataDir, Dir), cfg: cfg, now: now,
		maxFile: maxFile, index: map[string][]Version{}}
}

// SetBounds sets one module's bounds (a Go option of its registration).
func (h *History) SetBounds(key string, b Bounds) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cfg.Modules == nil {
		h.cfg.Modules = map[string]Bounds{}
	}
	h.cfg.Modules[key] = b
}

func (h *History) keyDir(key string) string { return filepath.Join(h.dir, key) }

func versionName(n uint64) string { return fmt.Sprintf("%d.json", n) }

// Record adds the committed module file at path, written at at, as the
// module's newest version, and prunes what the bounds no longer allow.
// The file must be durable already and never be rewritten in place (the
// store's commits replace it by rename). size and sum describe its bytes.
func (h *History) Record(key, path string, at time.Time, size int64, sum [32]byte) (Version, error) {
	if err := modfile.ValidateKey(key); err != nil {
		return Version{}, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	vs, err := h.loadLocked(key)
	if err != nil {
		return Version{}, err
	}
	var next uint64 = 1
	if len(vs) > 0 {
		next = vs[len(vs)-1].Version + 1
	}
	kd := h.keyDir(key)
	if err := atomicfile.MkdirDurable(h.fs, kd); err != nil {
		return Version{}, fmt.Errorf("history of %q: %w", key, err)
	}
	name := versionName(next)
	dst := filepath.Join(kd, name)
	_ = h.fs.Remove(dst) // a leftover the index never listed; it is not a version
	if err := h.fs.Link(path, dst); err != nil {
		// No hard links here (FAT): copy, atomically and fsynced.
		data, rerr := h.fs.ReadFile(path, h.maxFile)
		if rerr != nil {
			return Version{}, fmt.Errorf("history of %q: read committed file: %w", key, rerr)
		}
		if werr := (atomicfile.Writer{FS: h.fs, Dir: kd}).Write(name, data); werr != nil {
			return Version{}, fmt.Errorf("history of %q: copy committed file: %w", key, werr)
		}
	}
	v := Version{Version: next, SavedAt: at.UTC(), Size: size, SHA256: fmt.Sprintf("%x", sum)}
	all := append(append([]Version(nil), vs...), v)
	drop := h.cfg.bounds(key).prune(all, h.now())
	kept := all[drop:]
	// The index is a cache (see the package doc): written, not fsynced.
	_ = h.writeIndex(kd, kept)
	if err := h.fs.SyncDir(kd); err != nil {
		delete(h.index, key) // reload from the files next time
		return Version{}, fmt.Errorf("history of %q: fsync directory: %w", key, err)
	}
	for _, old := range all[:drop] {
		_ = h.fs.Remove(filepath.Join(kd, versionName(old.Version))) // a survivor is pruned again
	}
	h.index[key] = kept
	return v, nil
}

// List returns the module's versions, oldest first.
func (h *History) List(key string) ([]Version, error) {
	if err := modfile.ValidateKey(key); err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	vs, err := h.loadLocked(key)
	return append([]Version(nil), vs...), err
}

// Find picks one version. A version number that is not kept, or a time
// before the first kept version, is ErrNotFound.
func (h *History) Find(key string, sel Selector) (Version, error) {
	vs, err := h.List(key)
	if err != nil {
		return Version{}, err
	}
	if sel.Version > 0 {
		for _, v := range vs {
			if v.Version == sel.Version {
				return v, nil
			}
		}
		return Version{}, fmt.Errorf("%w: module %q has no version %d", ErrNotFound, key, sel.Version)
	}
	for i := len(vs) - 1; i >= 0; i-- {
		if !vs[i].SavedAt.After(sel.At) {
			return vs[i], nil
		}
	}
	return Version{}, fmt.Errorf("%w: module %q has no version at or before %s", ErrNotFound, key, sel.At.Format(time.RFC3339))
}

// Read returns a version's bytes after checking them against the index.
func (h *History) Read(key string, v Version) ([]byte, error) {
	if err := modfile.ValidateKey(key); err != nil {
		return nil, err
	}
	b, err := h.fs.ReadFile(filepath.Join(h.keyDir(key), versionName(v.Version)), h.maxFile)
	if err != nil {
		return nil, fmt.Errorf("module %q version %d: %w", key, v.Version, err)
	}
	if int64(len(b)) != v.Size || sha(b) != v.SHA256 {
		return nil, fmt.Errorf("%w: module %q version %d does not match its checksum", ErrDamaged, key, v.Version)
	}
	return b, nil
}
