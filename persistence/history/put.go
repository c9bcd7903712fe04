package history

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/gorosys/rosys/persistence/internal/atomicfile"
	"github.com/gorosys/rosys/persistence/internal/modfile"
)

// Put stores data as version n of key, as fetched from remote storage
// onto a fresh disk (a replaced board), so its history goes on where the
// old board's ended. The data must be a module file of key no larger than
// the read limit; a version already held (any file under its name) is
// left as it is, never written over. The write is atomic, exclusive and
// durable (fsync, link, directory fsync).
func (h *History) Put(key string, n uint64, data []byte) error {
	if err := modfile.ValidateKey(key); err != nil {
		return err
	}
	if n == 0 || n > MaxVersion {
		return fmt.Errorf("history of %q: %w: %d is not from 1 to %d", key, ErrBadVersion, n, MaxVersion)
	}
	if int64(len(data)) > h.maxFile {
		return fmt.Errorf("history of %q: version %d is %d bytes, more than the %d allowed", key, n, len(data), h.maxFile)
	}
	if _, err := modfile.Decode(key, data); err != nil {
		return fmt.Errorf("history of %q: version %d is no module file of it: %w", key, n, err)
	}
	defer h.lockKey(key)()
	path := h.path(key, n)
	if _, err := h.fs.Lstat(path); err == nil {
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := atomicfile.MkdirDurable(h.fs, h.dir); err != nil {
		return fmt.Errorf("history: %w", err)
	}
	// Created exclusively: a name that appeared since the check above
	// (nothing of ours: the directory is locked) is left as it is.
	w := atomicfile.Writer{FS: h.fs, Dir: h.dir}
	if err := w.CreateNew(filepath.Base(path), "", data); errors.Is(err, atomicfile.ErrExists) {
		return nil
	} else if err != nil {
		return fmt.Errorf("history of %q: %w", key, err)
	}
	if err := w.Sync(); err != nil {
		return fmt.Errorf("history of %q: %w", key, err)
	}
	// The next load lists the directory afresh and reads the new file.
	h.primeMu.Lock()
	if h.taken != nil {
		h.taken[key] = true
	}
	h.primeMu.Unlock()
	h.setIndex(key, nil)
	return nil
}
