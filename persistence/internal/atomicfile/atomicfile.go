package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"time"

	"github.com/gorosys/rosys/persistence/vfs"
)

// Writer writes files atomically and durably into one directory.
//
// Crash reasoning for Write, then Sync:
//  1. The new content goes to a temporary file in the same directory (rename
//     is only atomic within one file system) and is fsynced before it gets
//     its final name: after a power cut a renamed file must never turn out
//     empty or partial, which ext4 and others allow for data not yet synced.
//  2. The current file is hard-linked to <name>.prev, so the previous good
//     generation survives; the link goes through its own temporary name and
//     a rename, so <name>.prev is itself always complete.
//  3. rename(tmp, name) swaps the name atomically: a reader, or a restart
//     after SIGKILL, sees the old or the new file, never a mix.
//  4. Renames live in the directory, not in the file; until the directory is
//     fsynced, a power cut may undo them (or lose a newly created name). Sync
//     does that once for a whole batch, and only after it returns is any file
//     of the batch reported durable.
type Writer struct {
	FS       vfs.FS
	Dir      string
	KeepPrev bool
	// Recycle writes over the file at RecyclePath(Dir, name), when there
	// is one, instead of a new temporary file (see RecyclePath).
	Recycle bool
	// RecyclePrev keeps the generation that a new .prev replaces, instead
	// of freeing it, for the next Write of the name to write over (see
	// keepPrevious). Only where nothing else links .prev (no history), and
	// only on a file system that can write over a file (CanRecycle).
	RecyclePrev bool
}

// RecyclePath is where a file no longer needed (a version the history
// pruned) may be put for the next Write of name to write over. It is a
// temporary name: never the committed state of anything, swept at open
// like any other. A file system mounted with -o discard (as many SSD and
// virtual disks are) discards every freed block, and that costs the
// fsyncs that come after it; a file written over frees nothing and
// allocates nothing while its size stays the same.
func RecyclePath(dir, name string) string { return filepath.Join(dir, name+TmpMarker+"recycled") }

// prevSlot is RecyclePrev's second recycle name. Write writes into one
// slot while keepPrevious puts the replaced generation into the other, so
// the two alternate: the slot written into is freed by the final rename.
func prevSlot(dir, name string) string { return filepath.Join(dir, name+TmpMarker+"recycled-prev") }

// overwriter is a file system that can write over an existing file
// (vfs.OS, crashfs); others always get a new temporary file.
type overwriter interface {
	OpenOverwrite(name string) (vfs.OverwriteFile, error)
}

// CanRecycle says whether a Writer on fsys can write over a recycled
// file; where it cannot, nothing should be put at RecyclePath. A wrapper
// (faultfs) has OpenOverwrite whatever it wraps and says with
// CanOverwrite whether what it wraps can.
func CanRecycle(fsys vfs.FS) bool {
	_, ok := overwriterOf(fsys)
	return ok
}

func overwriterOf(fsys vfs.FS) (overwriter, bool) {
	o, ok := fsys.(overwriter)
	if !ok {
		return nil, false
	}
	if c, ok := fsys.(interface{ CanOverwrite() bool }); ok && !c.CanOverwrite() {
		return nil, false
	}
	return o, true
}

// Names are the names one file's Write works on, prepared once
// (vfs.Name) so that writing the file every cycle builds no path
// strings and, on the OS, copies none for the system calls: the file,
// its .prev, the link that becomes .prev, and its two spares. Names are
// for one writer at a time (the store writes each module from one
// goroutine per cycle). Make them with Writer.Names.
type Names struct {
	path, prev, prevLink, recycle, recyclePrev *vfs.Name
	// first is the spare the next write tries first: the one the last
	// write put the replaced generation into (see keepPrevious).
	first *vfs.Name
	// pattern is CreateTemp's pattern, for a write that finds no spare.
	pattern string
}

// Names prepares the names of a file called name in the directory.
func (w Writer) Names(name string) *Names {
	path := filepath.Join(w.Dir, name)
	return &Names{
		path:        vfs.NewName(path),
		prev:        vfs.NewName(path + PrevSuffix),
		prevLink:    vfs.NewName(path + PrevSuffix + TmpMarker + "link"),
		recycle:     vfs.NewName(RecyclePath(w.Dir, name)),
		recyclePrev: vfs.NewName(prevSlot(w.Dir, name)),
		pattern:     name + TmpMarker + "*",
	}
}

// Path is the file the names are for.
func (n *Names) Path() string { return n.path.String() }

// PathName is Path prepared (for reading the file back).
func (n *Names) PathName() *vfs.Name { return n.path }

// Write stores data under name. It is durable only after Sync.
func (w Writer) Write(name string, data []byte) error {
	return w.WriteNames(w.Names(name), data)
}

// WriteNames is Write on names prepared by Names: the same steps, the
// same crash reasoning.
func (w Writer) WriteNames(n *Names, data []byte) (err error) {
	f, slot, err := w.temporary(n, len(data))
	if err != nil {
		return fmt.Errorf("create temporary file: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil { // never the committed state; a leftover is swept at open
			if slot != nil {
				_ = vfs.RemoveName(w.FS, slot)
			} else {
				_ = w.FS.Remove(tmp)
			}
		}
	}()
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("fsync %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp, err)
	}
	if w.KeepPrev {
		var free *vfs.Name
		if w.RecyclePrev && CanRecycle(w.FS) {
			free = n.recycle
			if slot == free {
				free = n.recyclePrev
			}
			n.first = free
		}
		w.keepPrevious(n, free)
	}
	if slot != nil {
		err = vfs.RenameName(w.FS, slot, n.path)
	} else {
		err = w.FS.Rename(tmp, n.path.String())
	}
	if err != nil {
		return fmt.Errorf("rename into place: %w", err)
	}
	return nil
}

// temporary opens the file Write writes data into before it is renamed
// into place: a spare of the file if there is one it may write over, cut
// to size, else a new file. slot is the spare it opened, if any. The
// spare the last write left is tried first: in steady state the other
// one does not exist.
func (w Writer) temporary(n *Names, size int) (f vfs.File, slot *vfs.Name, err error) {
	var slots [2]*vfs.Name
	if w.Recycle || w.RecyclePrev {
		slots[0] = n.recycle
		if w.RecyclePrev {
			slots[1] = n.recyclePrev
			if n.first == n.recyclePrev {
				slots[0], slots[1] = slots[1], slots[0]
			}
		}
	}
	if f, slot := w.overwriteSpare(slots, size); f != nil {
		return f, slot, nil
	}
	f, err = w.FS.CreateTemp(w.Dir, n.pattern)
	return f, nil, err
}

// overwriteSpare opens the first of slots it may write over (a spare
// with no other name), cut to size; nil if none.
func (w Writer) overwriteSpare(slots [2]*vfs.Name, size int) (vfs.File, *vfs.Name) {
	o, ok := overwriterOf(w.FS)
	if !ok {
		return nil, nil
	}
	for _, rp := range slots {
		if rp == nil {
			continue
		}
		f, err := vfs.OpenOverwriteName(o, rp)
		if err == nil {
			if err = f.Truncate(int64(size)); err == nil {
				return f, rp
			}
			_ = f.Close()
		}
		if !errors.Is(err, fs.ErrNotExist) {
			// Shared with another name, or not a regular file: never
			// written over; the name goes, whatever else it is.
			_ = vfs.RemoveName(w.FS, rp)
		}
	}
	return nil, nil
}

// ErrExists: CreateNew found the name taken; nothing was replaced.
var ErrExists = errors.New("name already exists; not replaced")

// CreateNew writes data under name, which must not exist yet: a file is
// never written over, whatever is in the way (ErrExists). The data is
// written and fsynced under a temporary name first (spare, when given
// and it has no other name: written over, as Write does with recycled
// files; else a new temporary file), then linked to name, and link(2)
// fails if the name exists; the temporary name is then removed. So name
// appears only with its complete bytes, and only where nothing was. A
// crash leaves at most the temporary name too (swept, or unshared, at
// open). It is durable only after Sync. On a file system without hard
// links (FAT) the last step is a rename after a check that the name is
// free: the caller holds the directory's lock, so nothing of ours races.
func (w Writer) CreateNew(name, spare string, data []byte) (err error) {
	var sp *vfs.Name
	if spare != "" {
		sp = vfs.NewName(spare)
	}
	return w.CreateNewName(name, sp, data)
}

// CreateNewName is CreateNew with the spare prepared (nil: none), for a
// caller that writes over the same spare again and again. A spare Name
// is for one writer at a time (see vfs.Name).
func (w Writer) CreateNewName(name string, spare *vfs.Name, data []byte) (err error) {
	path := filepath.Join(w.Dir, name)
	var slots [2]*vfs.Name
	slots[0] = spare
	f, _ := w.overwriteSpare(slots, len(data))
	if f == nil {
		if f, err = w.FS.CreateTemp(w.Dir, name+TmpMarker+"*"); err != nil {
			return fmt.Errorf("create temporary file: %w", err)
		}
	}
	tmp := f.Name()
	linked := false
	defer func() {
		if err != nil && !linked {
			_ = w.FS.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("fsync %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp, err)
	}
	err = w.FS.Link(tmp, path)
	switch {
	case errors.Is(err, fs.ErrExist):
		return fmt.Errorf("%w: %s", ErrExists, path)
	case err != nil:
		// No hard links here: rename, to a name checked to be free.
		if _, lerr := w.FS.Lstat(path); !errors.Is(lerr, fs.ErrNotExist) {
			return fmt.Errorf("%w: %s", ErrExists, path)
		}
		if err := w.FS.Rename(tmp, path); err != nil {
			return fmt.Errorf("rename into place: %w", err)
		}
		return nil
	}
	linked = true
	// The file now has its own name; the temporary one goes. If this
	// fails, the sweep at open removes it (a temporary, never written
	// over while the version shares it: OpenOverwrite refuses that).
	_ = w.FS.Remove(tmp)
	return nil
}

// keepPrevious links the current file to <path>.prev. It is best effort: a
// file system without hard links (FAT boot partitions) just keeps no
// previous generation, and a missing current file has none to keep.
//
// With free set (RecyclePrev), the generation .prev named is first given
// that second, temporary name, so that replacing .prev does not free it
// (on a file system mounted with -o discard, freeing costs the fsyncs
// after it) and the next Write writes over it. Every name stays complete
// at every step: .prev is replaced by one rename, as without free, and
// the old generation merely keeps a temporary name too, which a crash
// leaves to the sweep at open. A generation is written over only once
// the directory fsync that gave it the temporary name as its only name
// succeeded; a failed Sync removes the slots (ForgetRecycled).
func (w Writer) keepPrevious(n *Names, free *vfs.Name) {
	// The temporary name only exists after a crash (Open sweeps it), so it
	// is removed only when the link finds it: os.Remove of a missing name
	// costs two failed system calls (unlink, then rmdir), on every write.
	err := vfs.LinkName(w.FS, n.path, n.prevLink)
	if errors.Is(err, fs.ErrExist) {
		_ = vfs.RemoveName(w.FS, n.prevLink)
		err = vfs.LinkName(w.FS, n.path, n.prevLink)
	}
	if err != nil {
		return
	}
	if free != nil {
		// Missing .prev (the first write) or a slot still taken: the old
		// generation is freed as without recycling.
		_ = vfs.LinkName(w.FS, n.prev, free)
	}
	if err := vfs.RenameName(w.FS, n.prevLink, n.prev); err != nil {
		_ = vfs.RemoveName(w.FS, n.prevLink)
	}
}

// ForgetRecycled removes name's recycle slots. After a Sync that failed,
// the directory on disk may still give a slot's file the name it had
// before (.prev, a history version): it must not be written over then.
// The error says that a slot could not be removed (a missing one is no
// error): the caller must then not let a Write of the directory write
// over a spare until a Sync has succeeded (see KeepSpares: after it, no
// power cut can give a spare back an earlier name).
func (w Writer) ForgetRecycled(name string) error {
	var errs []error
	for _, rp := range []string{RecyclePath(w.Dir, name), prevSlot(w.Dir, name)} {
		if err := w.FS.Remove(rp); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Sync makes every rename and creation in the directory durable.
func (w Writer) Sync() error { return w.FS.SyncDir(w.Dir) }

// SyncName is Sync on the directory prepared as a vfs.Name (dir must be
// w.Dir's): no path copied for the system calls.
func (w Writer) SyncName(dir *vfs.Name) error { return vfs.SyncDirName(w.FS, dir) }

// MoveAside renames a file that cannot be used to <path>.corrupt-<time>,
// adding -2, -3, ... rather than ever replacing an earlier one. It returns
// the new path. The caller holds the directory lock, so no other process
// races for the name.
func MoveAside(fsys vfs.FS, path string, now time.Time) (string, error) {
	base := path + CorruptMarker + now.UTC().Format("20060102T150405.000Z")
	dst := base
	for i := 2; ; i++ {
		if _, err := fsys.Lstat(dst); errors.Is(err, fs.ErrNotExist) {
			break
		} else if err != nil {
			return "", fmt.Errorf("check %s: %w", dst, err)
		}
		dst = fmt.Sprintf("%s-%d", base, i)
	}
	if err := fsys.Rename(path, dst); err != nil {
		return "", fmt.Errorf("move aside: %w", err)
	}
	if err := fsys.SyncDir(filepath.Dir(path)); err != nil {
		return dst, err
	}
	return dst, nil
}

// RemoveTemporaries deletes files left by writes that a crash interrupted.
func RemoveTemporaries(fsys vfs.FS, dir string) error {
	_, err := removeTemporaries(fsys, dir, false)
	return err
}

// KeepSpares deletes what RemoveTemporaries does except the spare files
// kept for writing over (RecyclePrev's and the history's), and then
// fsyncs dir if it kept any. Deleting them would free their blocks at
// every start (10 000 modules: 10 000 discards, most of a second on a
// disk mounted with -o discard), and reusing them is safe once the
// directory as it is now is durable: a spare is written over only while
// it has no other name (OpenOverwrite), and after the fsync no power cut
// can give it back an earlier one.
func KeepSpares(fsys vfs.FS, dir string) error {
	kept, err := removeTemporaries(fsys, dir, true)
	if err != nil || kept == 0 {
		return err
	}
	return fsys.SyncDir(dir)
}

// IsSpare says whether a file name in a directory is a spare kept for
// writing over (RecyclePath, or RecyclePrev's second name).
func IsSpare(name string) bool {
	return strings.HasSuffix(name, TmpMarker+"recycled") || strings.HasSuffix(name, TmpMarker+"recycled-prev")
}

func removeTemporaries(fsys vfs.FS, dir string, keepSpares bool) (kept int, err error) {
	entries, err := fsys.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || !IsTemporary(e.Name()) {
			continue
		}
		if keepSpares && IsSpare(e.Name()) {
			kept++
			continue
		}
		if err := fsys.Remove(filepath.Join(dir, e.Name())); err != nil {
			return kept, err
		}
	}
	return kept, nil
}

// WriteFile writes data to path with the same guarantees as module
// files: the old or the new complete file survives any crash.
func WriteFile(path string, data []byte) error {
	w := Writer{FS: vfs.OS{}, Dir: filepath.Dir(path)}
	if err := w.Write(filepath.Base(path), data); err != nil {
		return err
	}
	return w.Sync()
}

// MkdirDurable creates dir and any missing parents, and fsyncs the parent
// of each directory it created: a new directory is a name in its parent,
// and until the parent is synced a power cut may take it, and everything
// later written and synced inside it, away.
func MkdirDurable(fsys vfs.FS, dir string) error {
	if info, err := fsys.Lstat(dir); err == nil {
		if !info.IsDir() {
			return &fs.PathError{Op: "mkdir", Path: dir, Err: errors.New("not a directory")}
		}
		return nil
	}
	var created []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := fsys.Lstat(d); err == nil {
			break
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		created = append(created, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	if len(created) == 0 {
		return nil
	}
	if err := fsys.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, d := range created {
		if err := fsys.SyncDir(filepath.Dir(d)); err != nil {
			return err
		}
	}
	return nil
}
