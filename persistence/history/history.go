package history

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
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
	// SchemaVersion is the module's schema version of the data. A file of
	// format rosys (plain data) does not say it, so the index does; 0:
	// not known (a plain file found without an index entry).
	SchemaVersion int `json:"schema_version,omitempty"`
	// Damaged says why a version's file is no good version (its bytes
	// no longer match the checksum recorded, it is torn or no module
	// file, it is no regular file). It is listed so that its number is
	// never given again, but never read, restored or uploaded.
	Damaged string `json:"damaged,omitempty"`
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
	now     func() time.Time
	maxFile int64

	prime   sync.Once
	primeMu sync.Mutex          // guards primed, taken and ignored
	primed  listing             // the directory as first listed
	taken   map[string]bool     // keys whose part of primed was used
	ignored map[string][]string // names of a key's that are no version, with why

	// readBufs: see readBuf.
	readBufs chan []byte
	// spares are the keys' spare names, prepared (spareName); guarded by mu.
	spares map[string]*vfs.Name

	// canRecycle: the file system can write over a file (the key's
	// spare, a pruned version) instead of creating a new one.
	canRecycle bool

	mu sync.Mutex // guards cfg.Modules, index, keys, dirty, verified and sparesInDoubt
	// sparesInDoubt: a spare could not be removed after a failed fsync,
	// so the disk may still list it as a version; no spare is written
	// over until a directory fsync succeeds.
	sparesInDoubt bool
	cfg           Config
	index         map[string][]Version // loaded indexes, oldest first
	keys          map[string]*sync.Mutex
	dirty         map[string]bool // keys whose index on disk is behind
	verified      map[string]bool // keys whose versions' bytes were all checked (List)
}

// New opens the history of dataDir. Nothing is read until a key is used.
// maxFile bounds every file read (version files and the index).
func New(fsys vfs.FS, dataDir string, cfg Config, now func() time.Time, maxFile int64) *History {
	if cfg.Default == (Bounds{}) {
		cfg.Default = DefaultBounds
	}
	return &History{fs: fsys, dir: filepath.Join(dataDir, Dir), cfg: cfg, now: now, maxFile: maxFile, readBufs: make(chan []byte, keptReadBufs),
		canRecycle: atomicfile.CanRecycle(fsys), verified: map[string]bool{},
		index: map[string][]Version{}, keys: map[string]*sync.Mutex{}, dirty: map[string]bool{}}
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

// lockKey serialises the work on one key.
func (h *History) lockKey(key string) func() {
	h.mu.Lock()
	m, ok := h.keys[key]
	if !ok {
		m = new(sync.Mutex)
		h.keys[key] = m
	}
	h.mu.Unlock()
	m.Lock()
	return m.Unlock
}

func (h *History) setIndex(key string, vs []Version) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if vs == nil {
		delete(h.index, key)
		delete(h.verified, key)
		return
	}
	h.index[key] = vs
}

// path is the file of one version: history/<key>@<n>.json. '@' is in no
// key, so the name parses back unambiguously.
func (h *History) path(key string, n uint64) string {
	return filepath.Join(h.dir, key+"@"+FormatVersion(n, 0)+".json")
}

// List returns the module's versions, oldest first.
func (h *History) List(key string) ([]Version, error) {
	if err := modfile.ValidateKey(key); err != nil {
		return nil, err
	}
	defer h.lockKey(key)()
	vs, err := h.loadLocked(key)
	if err != nil {
		return nil, err
	}
	vs = h.verifyLocked(key, vs)
	return append([]Version(nil), vs...), nil
}

// verifyLocked checks, once per run and key, the bytes of every version
// against its checksum, so that a version changed at its own size (the
// listing trusts the index by size: loading must stay cheap for a record)
// is listed as damaged before anyone picks it. Each read is bounded by
// the read limit, all of them by the key's bounds (max_bytes). The
// caller holds the key's lock.
func (h *History) verifyLocked(key string, vs []Version) []Version {
	h.mu.Lock()
	done := h.verified[key]
	h.mu.Unlock()
	if done {
		return vs
	}
	for _, v := range vs {
		if v.Damaged != "" {
			continue
		}
		b, err := h.fs.ReadFile(h.path(key, v.Version), h.maxFile)
		switch {
		case err != nil:
			h.markDamaged(key, v.Version, "unreadable: "+err.Error())
		case int64(len(b)) != v.Size || sha(b) != v.SHA256:
			h.markDamaged(key, v.Version, "its bytes no longer match the checksum recorded (the file was changed)")
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.verified[key] = true
	return h.index[key]
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
	if v.Damaged != "" {
		return nil, fmt.Errorf("%w: module %q version %d: %s; it is not used (pick another version)", ErrDamaged, key, v.Version, v.Damaged)
	}
	b, err := h.fs.ReadFile(h.path(key, v.Version), h.maxFile)
	if err != nil {
		return nil, fmt.Errorf("module %q version %d: %w", key, v.Version, err)
	}
	if int64(len(b)) != v.Size || sha(b) != v.SHA256 {
		h.markDamaged(key, v.Version, "its bytes no longer match the checksum recorded (the file was changed)")
		return nil, fmt.Errorf("%w: module %q version %d does not match its checksum; it is not used (pick another version)", ErrDamaged, key, v.Version)
	}
	return b, nil
}

// markDamaged lists a version found damaged on reading as damaged from
// now on (and in the index written at Close).
func (h *History) markDamaged(key string, n uint64, why string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	vs := h.index[key]
	for i := range vs {
		if vs[i].Version == n && vs[i].Damaged == "" {
			// A copy: List handed out copies of the old slice's values,
			// and a reader may hold the slice itself.
			vs = slices.Clone(vs)
			vs[i].Damaged = why
			h.index[key] = vs
			h.dirty[key] = true
			return
		}
	}
}

// Close writes the index of every key recorded since it was loaded. It
// is not needed for correctness (after a crash the files the index does
// not list are read), only for a quick start.
func (h *History) Close() error {
	h.mu.Lock()
	keys := make([]string, 0, len(h.dirty))
	for k := range h.dirty {
		keys = append(keys, k)
	}
	h.mu.Unlock()
	var errs []error
	for _, k := range keys {
		unlock := h.lockKey(k)
		h.mu.Lock()
		vs := h.index[k]
		delete(h.dirty, k)
		h.mu.Unlock()
		if vs != nil {
			errs = append(errs, h.writeIndex(k, vs))
		}
		unlock()
	}
	return errors.Join(errs...)
}
