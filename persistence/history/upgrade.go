package history

import (
	"path/filepath"
	"slices"

	"github.com/gorosys/rosys/persistence/internal/atomicfile"
)

// The upgrade of data directories of earlier versions, whose history
// versions were hard links of the module files.

// CheckShared loads now every key that has a version file sharing its
// inode with another name (a data directory of an earlier version, whose
// newest version was a hard link of the module file): each is checked and
// copied out into a file of its own, or listed as damaged (see unshare),
// before anyone can edit the module file in place. It returns the keys
// it loaded. The store calls it at open; otherwise a key's first use does
// the same.
func (h *History) CheckShared() ([]string, error) {
	if err := h.primeOnce(); err != nil {
		return nil, err
	}
	var keys []string
	h.primeMu.Lock()
	for key, files := range h.primed.files {
		for _, fi := range files {
			if fi.shared {
				keys = append(keys, key)
				break
			}
		}
	}
	h.primeMu.Unlock()
	slices.Sort(keys)
	for _, key := range keys {
		unlock := h.lockKey(key)
		_, err := h.loadLocked(key)
		unlock()
		if err != nil {
			return keys, err
		}
	}
	return keys, nil
}

// unshare gives a version that shares its inode with another name (a
// data directory of an earlier version hard-linked the committed module
// file into the history, and an edit of that file in place rewrote the
// version) a file of its own: its bytes, checked, go to a new temporary
// file, fsynced, renamed over the version's name, and the directory is
// fsynced. The one rename over a version's name there is: the bytes
// are the same (checked just before, with the directory locked), so a
// crash at any step leaves the version as it was, shared or not.
func (h *History) unshare(key string, n uint64, b []byte) error {
	w := atomicfile.Writer{FS: h.fs, Dir: h.dir}
	if err := w.Write(filepath.Base(h.path(key, n)), b); err != nil {
		return err
	}
	return w.Sync()
}
