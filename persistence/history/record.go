package history

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"time"

	"github.com/gorosys/rosys/persistence/internal/atomicfile"
	"github.com/gorosys/rosys/persistence/internal/modfile"
	"github.com/gorosys/rosys/persistence/vfs"
)

// Commit is one module file a commit made durable, to be recorded.
type Commit struct {
	Key  string
	Path string // the committed file, read and checked against Size and Sum
	// Name is Path prepared (vfs.Name), if the caller has it: read
	// without copying the path or opening an os.File.
	Name *vfs.Name
	Size int64    // its size
	Sum  [32]byte // its sha256
	// SchemaVersion of the data (kept in the index for plain files).
	SchemaVersion int
}

// ErrChanged: the committed file's bytes are not the ones committed (the
// file was edited in place before its version was kept); the version is
// not kept, since its bytes are not known.
var ErrChanged = errors.New("module file changed since it was committed")

// Record adds one committed file as the module's newest version (see
// RecordBatch).
func (h *History) Record(key, path string, at time.Time, size int64, sum [32]byte) (Version, error) {
	vs, errs := h.RecordBatch(at, []Commit{{Key: key, Path: path, Size: size, Sum: sum}})
	return vs[0], errs[0]
}

// RecordBatch adds the files of one commit, written at at, each as its
// module's newest version, and prunes what the bounds no longer allow.
// Each version is a file of its own, never a link to the module file:
// users edit module files in place (an editor, open(p, "w")), and a
// shared inode would rewrite the version with them. Its bytes are read
// from the committed file and checked against the commit's size and
// checksum (ErrChanged if an edit came first), then created exclusively
// (atomicfile.CreateNew: fsynced under a temporary name, then linked to
// its name, which fails if the name is taken: ErrInTheWay, never a
// replace). All versions share one directory, so one fsync of it makes
// the whole batch durable, as one fsync of the data directory does for
// the commit itself. It returns one version and one error per commit; an
// error here never touches the committed files.
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
	// A spare (a pruned version renamed to the key's spare name) is
	// written over only once no power cut can give it back its version
	// name: after a directory fsync that succeeded since.
	h.mu.Lock()
	spareOK := !h.sparesInDoubt
	h.mu.Unlock()
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
			if vs[len(vs)-1].Version >= MaxVersion {
				errs[i] = fmt.Errorf("history of %q: %w (%d); nothing more is recorded", c.Key, ErrFull, MaxVersion)
				continue
			}
			next = vs[len(vs)-1].Version + 1
		}
		if err := h.place(c, next, spareOK); err != nil {
			errs[i] = fmt.Errorf("history of %q: %w", c.Key, err)
			if errors.Is(err, ErrInTheWay) {
				h.setIndex(c.Key, nil) // the next load counts the name and goes past it
			}
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
			// The newest pruned one is kept as the key's spare: likely
			// the size of the next version, which is written over it
			// instead of a new file. Renamed out of the history, it is
			// gone from it as durably as a deleted one (this fsync).
			// One that shares its inode stays out of it (OpenOverwrite
			// refuses it then), and a damaged one is no good spare.
			if j == drop-1 && old.Damaged == "" && h.canRecycle {
				if h.fs.Rename(p, h.spareName(c.Key).String()) == nil {
					recycled[i] = true
					continue
				}
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
				if rerr := h.fs.Remove(h.sparePath(c.Key)); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
					h.mu.Lock()
					h.sparesInDoubt = true
					h.mu.Unlock()
				}
			}
			if errs[i] == nil {
				errs[i] = err
				h.setIndex(c.Key, nil) // rescan the files next time
			}
		}
		return out, errs
	}
	h.mu.Lock()
	h.sparesInDoubt = false // the directory as it is now is durable
	h.mu.Unlock()
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

// place creates version n of c.Key as a file of its own: the committed
// file's bytes, checked, created exclusively (over the key's spare when
// spareOK). Cost against the hard link of earlier versions: the file's
// bytes read back (from the page cache) and written once more, one fsync
// of them (the directory fsync stays one for the whole batch), and
// about a dozen system calls (open, fstat, read, close; open, fstat,
// ftruncate, write, fsync, close, link, unlink) instead of one (link).
func (h *History) place(c Commit, n uint64, spareOK bool) error {
	buf := h.readBuf()
	var data []byte
	var err error
	if c.Name != nil {
		data, err = vfs.ReadFileNameBuf(h.fs, c.Name, h.maxFile, buf)
	} else {
		data, err = vfs.ReadFileBuf(h.fs, c.Path, h.maxFile, buf)
	}
	defer h.putReadBuf(data)
	if err != nil {
		return fmt.Errorf("read committed file: %w", err)
	}
	if int64(len(data)) != c.Size || sha256.Sum256(data) != c.Sum {
		return fmt.Errorf("%w: %s is not the file committed (%d bytes, %d committed); version %d is not kept",
			ErrChanged, c.Path, len(data), c.Size, n)
	}
	var spare *vfs.Name
	if spareOK && h.canRecycle {
		spare = h.spareName(c.Key)
	}
	err = atomicfile.Writer{FS: h.fs, Dir: h.dir}.CreateNewName(filepath.Base(h.path(c.Key, n)), spare, data)
	if errors.Is(err, atomicfile.ErrExists) {
		return fmt.Errorf("%w: %s is there already and is not replaced; version %d is not kept",
			ErrInTheWay, h.path(c.Key, n), n)
	}
	return err
}

// sparePath is the key's spare in the history directory: a pruned version
// kept to be written over by the next (atomicfile.RecyclePath).
func (h *History) sparePath(key string) string { return atomicfile.RecyclePath(h.dir, key+".json") }

// spareName is sparePath prepared once per key (vfs.Name): written over
// by the key's next version, under the key's lock.
func (h *History) spareName(key string) *vfs.Name {
	h.mu.Lock()
	defer h.mu.Unlock()
	n, ok := h.spares[key]
	if !ok {
		if h.spares == nil {
			h.spares = map[string]*vfs.Name{}
		}
		n = vfs.NewName(h.sparePath(key))
		h.spares[key] = n
	}
	return n
}

func fill(errs []error, err error) []error {
	for i := range errs {
		if errs[i] == nil {
			errs[i] = err
		}
	}
	return errs
}

// readBufs keep the buffers place reads committed files into, for the
// next record: a history of modules whose size does not change reads
// every cycle into the same arrays. Up to keptReadBufs of at most
// keptReadBufMax bytes are kept (a record is one goroutine; imports and
// Put may run beside it).
const (
	keptReadBufs   = 2
	keptReadBufMax = 4 << 20
)

func (h *History) readBuf() []byte {
	select {
	case b := <-h.readBufs:
		return b
	default:
		return nil
	}
}

// putReadBuf keeps b's array for the next readBuf, once place is done
// with its bytes (CreateNew has written and fsynced them).
func (h *History) putReadBuf(b []byte) {
	if cap(b) == 0 || cap(b) > keptReadBufMax {
		return
	}
	select {
	case h.readBufs <- b[:0]:
	default:
	}
}
