package history

import (
	"cmp"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"time"

	"github.com/gorosys/rosys/persistence/internal/atomicfile"
	"github.com/gorosys/rosys/persistence/internal/modfile"
)

// Commit is one module file a commit made durable, to be recorded.
type Commit struct {
	Key  string
	Path string   // the committed file; never rewritten in place
	Size int64    // its size
	Sum  [32]byte // its sha256
	// SchemaVersion of the data (kept in the index for plain files).
	SchemaVersion int
	// Recycle, if set, is where one pruned version of the key goes,
	// instead of being deleted, for the next commit of the key to write
	// over (atomicfile.RecyclePath): deleting a file frees its blocks,
	// and on a file system mounted with -o discard every freed block is
	// discarded, which the next commit's fsyncs wait for.
	Recycle string
}

// Record adds one committed file as the module's newest version (see
// RecordBatch).
func (h *History) Record(key, path string, at time.Time, size int64, sum [32]byte) (Version, error) {
	vs, errs := h.RecordBatch(at, []Commit{{Key: key, Path: path, Size: size, Sum: sum}})
	return vs[0], errs[0]
}

// RecordBatch adds the files of one commit, written at at, each as its
// module's newest version, and prunes what the bounds no longer allow.
// Every file must be durable already and never be rewritten in place
// (the store's commits replace module files by rename, so a hard link
// keeps the bytes). All versions share one directory, so one fsync of
// it makes the whole batch durable, as one fsync of the data directory
// does for the commit itself. It returns one version and one error per
// commit; an error here never touches the committed files.
func (h *History) RecordBatch(at time.Time, cs []Commit) ([]Version, []error) {
	out := make([]Version, len(cs))
	errs := make([]error, len(cs))
	// Keys locked in a fixed order, for the whole batch: a reader sees a
	// key's versions before or after the batch, never a version whose
	// link is not durable yet.
	order := make([]int, len(cs))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(cs[a].Key, cs[b].Key) })
	for i, j := range order {
		if i > 0 && cs[order[i-1]].Key == cs[j].Key {
			errs[j] = fmt.Errorf("history of %q: recorded twice in one batch", cs[j].Key)
			continue
		}
		if err := modfile.ValidateKey(cs[j].Key); err != nil {
			errs[j] = err
			continue
		}
		defer h.lockKey(cs[j].Key)()
	}
	if err := atomicfile.MkdirDurable(h.fs, h.dir); err != nil {
		return out, fill(errs, fmt.Errorf("history: %w", err))
	}
	lists := make([][]Version, len(cs))
	linked := false
	for i, c := range cs {
		if errs[i] != nil {
			continue
		}
		vs, err := h.loadLocked(c.Key)
		if err != nil {
			errs[i] = err
			continue
		}
		var next uint64 = 1
		if len(vs) > 0 {
			next = vs[len(vs)-1].Version + 1
		}
		if err := h.place(c, next); err != nil {
			errs[i] = fmt.Errorf("history of %q: %w", c.Key, err)
			continue
		}
		linked = true
		out[i] = Version{Version: next, SavedAt: at.UTC(), Size: c.Size, SHA256: hex.EncodeToString(c.Sum[:]), SchemaVersion: c.SchemaVersion}
		// In place: the cached slice keeps its length, so nobody sees the
		// new version until it is set below, and List hands out copies.
		lists[i] = append(vs, out[i])
	}
	if !linked {
		return out, errs
	}
	// Pruned before the directory fsync, so that the unlinks (and the
	// freeing of the pruned files' blocks, with the discards a file
	// system mounted with -o discard issues at its journal commit) are
	// made durable by this fsync, off the commit's path. Left after it,
	// they would wait in the journal for the next commit's first fsync
	// and lengthen the next cycle. A crash before the fsync may keep the
	// unlinks and lose the new links: the versions lost then are only
	// ones the bounds had dropped and the one not yet recorded.
	now := h.now()
	keep := make([][]Version, len(cs))
	recycled := make([]bool, len(cs))
	for i, c := range cs {
		if errs[i] != nil {
			continue
		}
		h.mu.Lock()
		bounds := h.cfg.bounds(c.Key)
		h.mu.Unlock()
		drop := bounds.prune(lists[i], now)
		for j, old := range lists[i][:drop] {
			p := h.path(c.Key, old.Version)
			// The newest pruned one is recycled: likely the size of
			// the next commit's file. Renamed out of the history, it
			// is gone from it as durably as a deleted one (this fsync).
			if j == drop-1 && c.Recycle != "" && h.fs.Rename(p, c.Recycle) == nil {
				recycled[i] = true
				continue
			}
			_ = h.fs.Remove(p) // a survivor of a crash is pruned again
		}
		keep[i] = lists[i][drop:]
	}
	if err := h.fs.SyncDir(h.dir); err != nil {
		err = fmt.Errorf("history: fsync %s: %w", h.dir, err)
		for i, c := range cs {
			if recycled[i] {
				// Its name may still be in the history on the disk: never
				// to be written over, then.
				_ = h.fs.Remove(c.Recycle)
			}
			if errs[i] == nil {
				errs[i] = err
				h.setIndex(c.Key, nil) // rescan the files next time
			}
		}
		return out, errs
	}
	for i, c := range cs {
		if errs[i] != nil {
			continue
		}
		h.setIndex(c.Key, keep[i])
		h.mu.Lock()
		h.dirty[c.Key] = true // the index on disk is written at Close
		h.mu.Unlock()
	}
	return out, errs
}

// place links (else copies) the committed file as version n.
func (h *History) place(c Commit, n uint64) error {
	dst := h.path(c.Key, n)
	err := h.fs.Link(c.Path, dst)
	if errors.Is(err, fs.ErrExist) {
		// A file the scan did not take as a version (torn, foreign).
		_ = h.fs.Remove(dst)
		err = h.fs.Link(c.Path, dst)
	}
	if err == nil {
		return nil
	}
	// No hard links here (FAT): copy, atomically and fsynced.
	data, rerr := h.fs.ReadFile(c.Path, h.maxFile)
	if rerr != nil {
		return fmt.Errorf("read committed file: %w", rerr)
	}
	if werr := (atomicfile.Writer{FS: h.fs, Dir: h.dir}).Write(filepath.Base(dst), data); werr != nil {
		return fmt.Errorf("copy committed file: %w", werr)
	}
	return nil
}

func fill(errs []error, err error) []error {
	for i := range errs {
		if errs[i] == nil {
			errs[i] = err
		}
	}
	return errs
}
