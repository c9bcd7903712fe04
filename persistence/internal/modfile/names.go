package modfile

import (
	"path/filepath"
	"slices"
	"strings"

	"github.com/gorosys/rosys/persistence/internal/atomicfile"
	"github.com/gorosys/rosys/persistence/vfs"
)

// Ext ends every module file name: <key>.json.
const Ext = ".json"

// FileName is the name of key's module file in a data directory.
func FileName(key string) string { return key + Ext }

// Kind is what a name in a data directory is to the store.
type Kind int

// The kinds of names in a data directory (Classify).
const (
	// KindOther is not the store's: left alone, never listed.
	KindOther Kind = iota
	// KindModule is <key>.json of a valid key: restored, listed, exported.
	KindModule
	// KindTemporary is swept when a store opens (atomicfile.IsTemporary).
	KindTemporary
	// KindPrevious is a previous generation, <key>.json.prev.
	KindPrevious
	// KindMovedAside is a file that could not be used, <file>.corrupt-<time>.
	KindMovedAside
	// KindOwn is one of the store's own names: .lock, .rosys-go/, history/,
	// journal/, rollback/.
	KindOwn
	// KindReserved is <key>.json of a key that is now reserved: a module
	// file an earlier version let such a key write. It is kept (never
	// swept, never moved), not restored, and reported (ReservedFiles).
	KindReserved
)

// ownNames are the data directory's entries that belong to the store.
var ownNames = []string{".lock", SidecarDir, "history", "journal", "rollback"}

// Classify says what name, an entry of a data directory, is to the store,
// and for a module file its key. It is the one rule behind the listing
// of module files (Paths, so restore and export), the sweep at open
// (its first test is the sweep's, atomicfile.IsTemporary) and
// ValidateKey: a key is valid only if its file name classifies as that
// key's module file, so no accepted key is ever swept or hidden.
func Classify(name string) (key string, kind Kind) {
	if atomicfile.IsTemporary(name) {
		return "", KindTemporary
	}
	if k, ok := strings.CutSuffix(name, Ext); ok {
		switch {
		case ValidateName(k) != nil:
			return "", KindOther
		case reservedReason(k) != "":
			return k, KindReserved
		}
		return k, KindModule
	}
	switch {
	case strings.HasSuffix(name, atomicfile.PrevSuffix):
		return "", KindPrevious
	case strings.Contains(name, atomicfile.CorruptMarker):
		return "", KindMovedAside
	case slices.Contains(ownNames, name):
		return "", KindOwn
	}
	return "", KindOther
}

// reservedReason says why key may not name a module, or "" if it may:
// the fragments of the names the store gives its own files. Each would
// let a module file be taken for one of them (an earlier version swept
// every name holding ".tmp-"), or a file of the store for a module's.
func reservedReason(key string) string {
	switch {
	case strings.Contains(key, atomicfile.TmpMarker):
		return `it holds ".tmp-", the mark of temporary files, which the store deletes when it opens`
	case strings.Contains(key, atomicfile.CorruptMarker):
		return `it holds ".corrupt-", the mark of files moved aside (<file>.corrupt-<time>)`
	case strings.HasSuffix(key, atomicfile.PrevSuffix) || strings.Contains(key, atomicfile.PrevSuffix+"."):
		return `it has the part ".prev", the mark of previous generations (<key>.json.prev)`
	case strings.HasPrefix(key, "."):
		return "it starts with a dot: such names are the store's own (.lock, " + SidecarDir + "/) and hidden from listings"
	}
	return ""
}

// ReservedFiles lists the module files in dir whose keys are now
// reserved (KindReserved), by path: written by an earlier version, kept
// as they are and reported, never restored, swept or moved.
func ReservedFiles(fsys vfs.FS, dir string) ([]string, error) {
	entries, err := fsys.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if _, kind := Classify(e.Name()); kind == KindReserved && e.Type().IsRegular() {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	return out, nil
}
