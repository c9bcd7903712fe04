package history

import (
	"cmp"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gorosys/rosys/persistence/internal/atomicfile"
	"github.com/gorosys/rosys/persistence/internal/modfile"
	"github.com/gorosys/rosys/persistence/vfs"
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

// fileInfo is what the listing says of one version file.
type fileInfo struct {
	size    int64
	regular bool
	// shared: the file has more names than this one (a data directory of
	// an earlier version linked the committed module file into the
	// history; editing that file in place rewrote the version).
	shared bool
}

// listing is the history directory as listed once.
type listing struct {
	files map[string]map[uint64]fileInfo // by key, then version
	// ignored: names that look like a version of a key but are none
	// (a malformed or out-of-range number, not a regular file), by key,
	// each with the reason; they are never read, listed or replaced.
	ignored map[string][]string
}

// parseName reads "<key>@<n>.json". ok is false for what is no version
// name at all (an index, a temporary, a spare, another file); err says
// why a name of that shape is still no version (ParseVersion's rule, or
// no module key before the '@').
func parseName(name string) (key string, n uint64, ok bool, err error) {
	if strings.Contains(name, atomicfile.TmpMarker) || strings.HasSuffix(name, indexSuffix) {
		return "", 0, false, nil
	}
	s, isJSON := strings.CutSuffix(name, ".json")
	at := strings.LastIndexByte(s, '@')
	if !isJSON || at < 0 {
		return "", 0, false, nil
	}
	key = s[:at]
	if err := modfile.ValidateKey(key); err != nil {
		return key, 0, true, err
	}
	n, err = ParseVersion(s[at+1:], 0)
	return key, n, true, err
}

// listDir lists the version files of the directory by key, with their
// sizes: regular files only, never following a link. Names of a
// version's shape that are no version are collected as ignored.
func (h *History) listDir() (listing, error) {
	l := listing{files: map[string]map[uint64]fileInfo{}, ignored: map[string][]string{}}
	entries, err := h.fs.ReadDir(h.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return l, nil
	} else if err != nil {
		return l, fmt.Errorf("history: %w", err)
	}
	if len(entries) > maxFiles {
		return l, fmt.Errorf("history: %d files in %s, more than the %d allowed", len(entries), h.dir, maxFiles)
	}
	for _, e := range entries {
		key, n, ok, err := parseName(e.Name())
		if !ok {
			continue
		}
		if err != nil {
			l.ignored[key] = append(l.ignored[key], e.Name()+": "+err.Error())
			continue
		}
		info, lerr := h.fs.Lstat(filepath.Join(h.dir, e.Name()))
		if lerr != nil {
			continue // gone since the listing
		}
		if l.files[key] == nil {
			l.files[key] = map[uint64]fileInfo{}
		}
		fi := fileInfo{size: info.Size(), regular: info.Mode().IsRegular()}
		if ino, ok := vfs.InodeOf(info); ok && fi.regular && ino.Links > 1 {
			fi.shared = true
		}
		l.files[key][n] = fi
	}
	return l, nil
}

// files returns the key's version files. The directory is listed once
// for all keys (a robot has many): a key's first load takes its part of
// that listing; a key loaded again (after a failed fsync, a name in the
// way) lists afresh.
func (h *History) files(key string) (map[uint64]fileInfo, error) {
	if err := h.primeOnce(); err != nil {
		return nil, err
	}
	h.primeMu.Lock()
	if h.primed.files != nil && !h.taken[key] {
		h.taken[key] = true
		got := h.primed.files[key]
		delete(h.primed.files, key)
		h.primeMu.Unlock()
		return got, nil
	}
	h.primeMu.Unlock()
	l, err := h.listDir()
	if err != nil {
		return nil, err
	}
	h.primeMu.Lock()
	h.ignored[key] = l.ignored[key]
	h.primeMu.Unlock()
	return l.files[key], nil
}

// primeOnce lists the directory the first time any key is used: spares
// and temporaries of writes a crash cut short are dealt with first (no
// write runs yet), and the names that are no version are noted.
func (h *History) primeOnce() error {
	var err error
	h.prime.Do(func() {
		// Temporaries a crash left are removed; the spare (a pruned
		// version kept to be written over) is kept, and the directory
		// fsynced so that no power cut can give it back its version name
		// before anything is written over it.
		if kerr := atomicfile.KeepSpares(h.fs, h.dir); kerr != nil && !errors.Is(kerr, fs.ErrNotExist) {
			_ = atomicfile.RemoveTemporaries(h.fs, h.dir) // not durable: no spare is written over
		}
		var l listing
		l, err = h.listDir()
		h.primeMu.Lock()
		h.primed, h.taken, h.ignored = l, map[string]bool{}, l.ignored
		h.primeMu.Unlock()
	})
	return err
}

// Ignored lists the names in the history directory that have the shape
// of a version of key but are none (a malformed or out-of-range number,
// not a regular file), each with why: never read, listed or replaced.
func (h *History) Ignored(key string) []string {
	if h.primeOnce() != nil {
		return nil
	}
	h.primeMu.Lock()
	defer h.primeMu.Unlock()
	return slices.Clone(h.ignored[key])
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
// Every number a name holds is listed, a file that is no good version
// as damaged, so that the next version goes past every name there is.
func (h *History) scan(key string) ([]Version, error) {
	files, err := h.files(key)
	if err != nil {
		return nil, err
	}
	known := map[uint64]Version{}
	if b, err := h.fs.ReadFile(filepath.Join(h.dir, key+indexSuffix), int64(len(files)+1)*1024); err == nil {
		var idx indexFile
		if json.Unmarshal(b, &idx) == nil && idx.Key == key {
			for _, v := range idx.Versions {
				if _, ok := files[v.Version]; ok && len(v.SHA256) == 64 {
					known[v.Version] = v
				}
			}
		}
	}
	// Versions far from the module's others were planted: set aside
	// (reported, never read, listed or counted), so that one near
	// MaxVersion cannot leave the history full.
	var anchor uint64
	for n := range known {
		anchor = max(anchor, n)
	}
	if _, far := Run(slices.Sorted(maps.Keys(files)), anchor); len(far) > 0 {
		h.primeMu.Lock()
		for _, n := range far {
			h.ignored[key] = append(h.ignored[key], fmt.Sprintf("%s@%d.json: version %d is more than %d from the module's other versions: ignored",
				key, n, n, MaxGap))
			delete(files, n)
		}
		h.primeMu.Unlock()
	}
	vs := make([]Version, 0, len(files))
	changed := false
	for n, fi := range files {
		v, ok := known[n]
		switch {
		case !fi.regular:
			v = Version{Version: n, Damaged: "not a regular file"}
		case ok && v.Damaged != "":
			// Stays damaged: its bytes are not the ones recorded.
		case ok && fi.size != v.Size:
			v.Damaged = fmt.Sprintf("its file is %d bytes, %d were recorded (changed since)", fi.size, v.Size)
		case ok && !fi.shared:
			// Trusted by its size; Read checks the bytes every time.
		default:
			v = h.checkVersion(key, n, fi, v, ok)
		}
		if v != known[n] {
			changed = true
		}
		vs = append(vs, v)
	}
	slices.SortFunc(vs, func(a, b Version) int { return cmp.Compare(a.Version, b.Version) })
	if changed || len(known) != len(files) {
		_ = h.writeIndex(key, vs)
	}
	return vs, nil
}

// checkVersion reads a version file the index does not know, or one
// that shares its inode with another name (see unshare), and says
// whether it is a good version. want is the index's entry, if known.
func (h *History) checkVersion(key string, n uint64, fi fileInfo, want Version, known bool) Version {
	v, b, err := h.readVersion(key, n)
	switch {
	case err != nil && known:
		want.Damaged = err.Error()
		return want
	case err != nil:
		return Version{Version: n, Size: fi.size, Damaged: err.Error()}
	case known && (v.SHA256 != want.SHA256 || v.Size != want.Size):
		want.Damaged = "its bytes no longer match the checksum recorded (the file was changed)"
		return want
	}
	if known {
		v.SavedAt, v.SchemaVersion = want.SavedAt, want.SchemaVersion
	}
	if fi.shared {
		if err := h.unshare(key, n, b); err != nil {
			v.Damaged = "shares its file with another name and could not be copied out: " + err.Error()
		}
	}
	return v
}

// readVersion describes a version file from its bytes: its time is the
// save time in the file, else the file's modification time. A file that
// is no module file of key (torn, foreign) is an error.
func (h *History) readVersion(key string, n uint64) (Version, []byte, error) {
	path := h.path(key, n)
	b, err := h.fs.ReadFile(path, h.maxFile)
	if err != nil {
		return Version{}, nil, err
	}
	st, err := modfile.Decode(key, b)
	if err != nil {
		return Version{}, nil, fmt.Errorf("no module file of %q: %w", key, err)
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
	return v, b, nil
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
