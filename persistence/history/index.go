package history

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/gorosys/rosys/persistence/internal/atomicfile"
	"github.com/gorosys/rosys/persistence/internal/modfile"
)

// IndexFile is the cache of a key's versions, beside them.
const IndexFile = "index.json"

// maxVersions bounds how many version files a key's directory may hold
// before it is trusted (and so the index's size).
const maxVersions = 100_000

type indexFile struct {
	Key      string    `json:"key"`
	Versions []Version `json:"versions"`
}

func sha(b []byte) string { return fmt.Sprintf("%x", sha256.Sum256(b)) }

// parseVersionName reads "<n>.json", refusing anything else (leading
// zeros, temporaries, the index).
func parseVersionName(name string) (uint64, bool) {
	s, ok := strings.CutSuffix(name, ".json")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n == 0 || strconv.FormatUint(n, 10) != s {
		return 0, false
	}
	return n, true
}

// loadLocked returns the key's versions, loading and checking the index
// against the files on first use.
func (h *History) loadLocked(key string) ([]Version, error) {
	if vs, ok := h.index[key]; ok {
		return vs, nil
	}
	vs, err := h.scan(key)
	if err != nil {
		return nil, err
	}
	h.index[key] = vs
	return vs, nil
}

// scan builds the key's versions from its directory, taking from the
// index what still matches a file and reading the files it does not know.
func (h *History) scan(key string) ([]Version, error) {
	kd := h.keyDir(key)
	_ = atomicfile.RemoveTemporaries(h.fs, kd) // index writes a crash cut short
	entries, err := h.fs.ReadDir(kd)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("history of %q: %w", key, err)
	}
	if len(entries) > maxVersions {
		return nil, fmt.Errorf("history of %q: %d files, more than the %d allowed", key, len(entries), maxVersions)
	}
	sizes := map[uint64]int64{}
	for _, e := range entries {
		n, ok := parseVersionName(e.Name())
		if !ok || !e.Type().IsRegular() { // only regular files are versions
			continue
		}
		info, err := h.fs.Lstat(filepath.Join(kd, e.Name()))
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		sizes[n] = info.Size()
	}
	known := map[uint64]Version{}
	if b, err := h.fs.ReadFile(filepath.Join(kd, IndexFile), int64(maxVersions)*256); err == nil {
		var idx indexFile
		if json.Unmarshal(b, &idx) == nil && idx.Key == key {
			for _, v := range idx.Versions {
				if size, ok := sizes[v.Version]; ok && size == v.Size && len(v.SHA256) == 64 {
					known[v.Version] = v
				}
			}
		}
	}
	vs := make([]Version, 0, len(sizes))
	changed := len(known) != len(sizes)
	for n := range sizes {
		if v, ok := known[n]; ok {
			vs = append(vs, v)
			continue
		}
		v, err := h.readVersion(key, n)
		if err != nil {
			continue // unreadable: not listed, and never offered for restore
		}
		vs = append(vs, v)
	}
	slices.SortFunc(vs, func(a, b Version) int { return cmpUint(a.Version, b.Version) })
	if changed {
		_ = h.writeIndex(kd, vs)
	}
	return vs, nil
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// readVersion describes a version file the index does not know: its time
// is the save time in the file, else the file's modification time.
func (h *History) readVersion(key string, n uint64) (Version, error) {
	path := filepath.Join(h.keyDir(key), versionName(n))
	b, err := h.fs.ReadFile(path, h.maxFile)
	if err != nil {
		return Version{}, err
	}
	st, err := modfile.Decode(key, b)
	if err != nil {
		return Version{}, err // torn or foreign: not a version
	}
	at := st.SavedAt
	if at.IsZero() {
		if info, err := h.fs.Lstat(path); err == nil {
			at = info.ModTime()
		}
	}
	return Version{Version: n, SavedAt: at.UTC(), Size: int64(len(b)), SHA256: sha(b)}, nil
}

// writeIndex replaces the index by rename, without fsync: a lost or torn
// index is rebuilt from the files.
func (h *History) writeIndex(kd string, vs []Version) error {
	b, err := json.Marshal(indexFile{Key: filepath.Base(kd), Versions: vs})
	if err != nil {
		return err
	}
	f, err := h.fs.CreateTemp(kd, IndexFile+atomicfile.TmpMarker+"*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if _, err := f.Write(b); err != nil {
		_ = f.Close()
		_ = h.fs.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		_ = h.fs.Remove(tmp)
		return err
	}
	if err := h.fs.Rename(tmp, filepath.Join(kd, IndexFile)); err != nil {
		_ = h.fs.Remove(tmp)
		return err
	}
	return nil
}
