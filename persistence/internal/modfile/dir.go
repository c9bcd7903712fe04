package modfile

import (
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"time"

	"github.com/gorosys/rosys/persistence/internal/atomicfile"
	"github.com/gorosys/rosys/persistence/vfs"
)

// DefaultMaxBytes bounds one module file read (and its .prev) unless the
// store is told otherwise (store.WithMaxFileBytes).
const DefaultMaxBytes int64 = 64 << 20

// Paths lists the module files in dir (Classify's KindModule): <key>.json
// with a valid key, not the .prev, .corrupt-* or temporary files beside
// them, nor files of keys now reserved (ReservedFiles).
func Paths(fsys vfs.FS, dir string) (map[string]string, error) {
	entries, err := fsys.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, e := range entries {
		key, kind := Classify(e.Name())
		if kind != KindModule || !e.Type().IsRegular() {
			continue
		}
		out[key] = filepath.Join(dir, e.Name())
	}
	return out, nil
}

// ReadDir reads every module file in dir (key → content), each bounded by
// limit.
func ReadDir(fsys vfs.FS, dir string, limit int64) (map[string][]byte, error) {
	paths, err := Paths(fsys, dir)
	if err != nil {
		return nil, err
	}
	files := make(map[string][]byte, len(paths))
	for k, p := range paths {
		b, err := fsys.ReadFile(p, limit)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, CheckOverLimit(fsys, dir, k, p, limit, err))
		}
		files[k] = WithVersion(fsys, dir, k, b)
	}
	return files, nil
}

// WithVersion turns a data file of format rosys that its sidecar names
// into this package's envelope, so an export or rollback archive keeps its
// schema version and save time. Any other file is returned as it is.
func WithVersion(fsys vfs.FS, dir, key string, b []byte) []byte {
	st, err := Decode(key, b)
	if err != nil || !st.Plain {
		return b
	}
	sc, err := ReadSidecar(fsys, dir, key)
	if err != nil {
		return b
	}
	g, ok := sc.Find(b)
	if !ok {
		return b
	}
	env, err := Encode(key, g.SchemaVersion, g.SavedAt, json.RawMessage(st.Data))
	if err != nil {
		return b
	}
	return env
}

// WriteDirAs writes module files in the format dir is written in: format
// rosys (WriteDirPlain) if it has the sidecar directory, else WriteDir.
func WriteDirAs(fsys vfs.FS, dir string, files map[string][]byte, now time.Time) error {
	if err := validateKeys(files); err != nil {
		return err
	}
	if IsRoSysDir(fsys, dir) {
		return WriteDirPlain(fsys, dir, files, now)
	}
	return WriteDir(fsys, dir, files)
}

// WriteDir writes module files atomically, one directory fsync for all.
func WriteDir(fsys vfs.FS, dir string, files map[string][]byte) error {
	if err := validateKeys(files); err != nil {
		return err
	}
	if len(files) == 0 {
		return nil
	}
	w := atomicfile.Writer{FS: fsys, Dir: dir, KeepPrev: true}
	for _, key := range slices.Sorted(maps.Keys(files)) {
		if err := w.Write(key+".json", files[key]); err != nil {
			return fmt.Errorf("write module %q: %w", key, err)
		}
	}
	return w.Sync()
}

// validateKeys refuses the whole set of files if one key is no key: the
// last check before a key becomes a file name ("../x" would be written
// outside dir), whatever the caller checked (an archive, a bucket's
// manifest).
func validateKeys(files map[string][]byte) error {
	for _, key := range slices.Sorted(maps.Keys(files)) {
		if err := ValidateKey(key); err != nil {
			return fmt.Errorf("module %q: %w; nothing written", key, err)
		}
	}
	return nil
}
