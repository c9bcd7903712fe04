package modfile

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gorosys/rosys/persistence/internal/atomicfile"
	"github.com/gorosys/rosys/persistence/vfs"
)

// DefaultMaxBytes bounds one module file read (and its .prev) unless the
// store is told otherwise (persistence.WithMaxFileBytes).
const DefaultMaxBytes int64 = 64 << 20

// Paths lists the module files in dir: <key>.json with a valid key, not
// the .prev, .corrupt-* or temporary files beside them.
func Paths(fsys vfs.FS, dir string) (map[string]string, error) {
	entries, err := fsys.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, e := range entries {
		key, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || !e.Type().IsRegular() || ValidateKey(key) != nil || strings.Contains(e.Name(), atomicfile.TmpMarker) {
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
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
		files[k] = b
	}
	return files, nil
}

// WriteDir writes module files atomically, one directory fsync for all.
func WriteDir(fsys vfs.FS, dir string, files map[string][]byte) error {
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
