package history

import (
	"cmp"
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

// indexSuffix names a key's index: history/<key>@index.json.
const indexSuffix = "@index.json"

// maxFiles bounds how many entries the history directory may hold before
// it is trusted (and so the size of every index).
const maxFiles = 1_000_000

type indexFile struct {
	Key      string    `json:"key"`
	Versions []Version `json:"versions"`
}

func sha(b []byte) string { return fmt.Sprintf("%x", sha256.Sum256(b)) }

// parseName reads "<key>@<n>.json", refusing anything else (leading
// zeros, temporaries, indexes, names that are no key).
func parseName(name string) (string, uint64, bool) {
	s, ok := strings.CutSuffix(name, ".json")
	if !ok {
		return "", 0, false
	}
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return "", 0, false
	}
	key, num := s[:at], s[at+1:]
	n, err := strconv.ParseUint(num, 10, 64)
	if err != nil || n == 0 || strconv.FormatUint(n, 10) != num || modfile.ValidateKey(key) != nil {
		return "", 0, false
	}
	return key, n, true
}

// listDir lists the version files of the directory by key, with their
// sizes: regular files only, never following a link.
func (h *History) listDir() (map[string]map[uint64]int64, error) {
	entries, err := h.fs.ReadDir(h.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]map[uint64]int64{}, nil
	} else if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	if len(entries) > maxFiles {
		return nil, fmt.Errorf("history: %d files in %s, more than the %d allowed", len(entries), h.dir, maxFiles)
	}
	out := map[string]map[uint64]int64{}
	for _, e := range entries {
		key, n, ok := parseName(e.Name())
		if !ok || !e.Type().IsRegular() {
			continue
		}
		info, err := h.fs.Lstat(filepath.Join(h.dir, e.Name()))
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		if out[key] == nil {
			out[key] = map[uint64]int64{}
		}
		out[key][n] = info.Size()
	}
	return out, nil
}

// files returns the key's version files. The directory is listed once
// for all keys (a robot has many): a key's first load takes its part of
// that listing; a key loaded again (after a failed fsync) lists afresh.
func (h *History) files(key string) (map[uint64]int64, error) {
	var err error
	h.prime.Do(func() {
		// Temporaries from writes a crash cut short; no write runs yet.
		_ = atomicfile.RemoveTemporaries(h.fs, h.dir)
		var l map[string]map[uint64]int64
		l, err = h.listDir()
		h.primeMu.Lock()
		h.primed, h.taken = l, map[string]bool{}
		h.primeMu.Unlock()
	})
	if err != nil {
		return nil, err
	}
	h.primeMu.Lock()
	if h.primed != nil && !h.taken[key] {
		h.taken[key] = true
		got := h.primed[key]
		delete(h.primed, key)
		h.primeMu.Unlock()
		return got, nil
	}
	h.primeMu.Unlock()
	l, err := h.listDir()
	if err != nil {
		return nil, err
	}
	return l[key], nil
}

// loadLocked returns the key's versions, loading and checking the index
// against the files on first use. The caller holds the key's lock.
func (h *History) loadLocked(key string) ([]Version, error) {
	h.mu.Lock()
	vs, ok := h.index[key]
	h.mu.Unlock()
	if ok {
		return vs, nil
	}
	vs, err := h.scan(key)
	if err != nil {
		return nil, err
	}
	if vs == nil {
		vs = []Version{}
	}
	h.setIndex(key, vs)
	return vs, nil
}

// scan builds the key's versions from its files, taking from the index
// what still matches a file and reading the files it does not know.
func (h *History) scan(key string) ([]Version, error) {
	sizes, err := h.files(key)
	if err != nil {
		return nil, err
	}
	known := map[uint64]Version{}
	if b, err := h.fs.ReadFile(filepath.Join(h.dir, key+indexSuffix), int64(len(sizes)+1)*512); err == nil {
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
	slices.SortFunc(vs, func(a, b Version) int { return cmp.Compare(a.Version, b.Version) })
	if len(known) != len(sizes) {
		_ = h.writeIndex(key, vs)
	}
	return vs, nil
}

// readVersion describes a version file the index does not know: its time
// is the save time in the file, else the file's modification time.
func (h *History) readVersion(key string, n uint64) (Version, error) {
	path := h.path(key, n)
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
	v := Version{Version: n, SavedAt: at.UTC(), Size: int64(len(b)), SHA256: sha(b)}
	if !st.Plain {
		v.SchemaVersion = st.SchemaVersion
	}
	return v, nil
}

// writeIndex replaces a key's index by rename, without fsync: a lost or
// torn index is rebuilt from the files.
func (h *History) writeIndex(key string, vs []Version) error {
	b, err := json.Marshal(indexFile{Key: key, Versions: vs})
	if err != nil {
		return err
	}
	if len(vs) == 0 {
		if err := h.fs.Remove(filepath.Join(h.dir, key+indexSuffix)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	f, err := h.fs.CreateTemp(h.dir, key+indexSuffix+atomicfile.TmpMarker+"*")
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
	if err := h.fs.Rename(tmp, filepath.Join(h.dir, key+indexSuffix)); err != nil {
		_ = h.fs.Remove(tmp)
		return err
	}
	return nil
}
