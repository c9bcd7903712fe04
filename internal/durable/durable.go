// Package durable writes files that survive a power cut whole or not at
// all, on the operating system's file system: for the deployment and the
// camera's recordings. (The store writes through persistence's own
// internal/atomicfile, on a vfs.FS.)
package durable

import (
	"os"
	"path/filepath"
)

// WriteFile writes data as path, atomically and durably: a temporary
// file in path's directory (named by os.CreateTemp from tmpPattern),
// written, given mode, fsynced and closed, renamed over path, then the
// directory fsynced so that the rename itself survives a power cut. On
// an error the temporary is removed; a crash can leave one, which the
// caller recognises by tmpPattern.
func WriteFile(path string, data []byte, mode os.FileMode, tmpPattern string) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, tmpPattern)
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err = f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if err = f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	return SyncDir(dir)
}

// SyncDir fsyncs a directory, so that the names created, renamed or
// removed in it are on disk.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
