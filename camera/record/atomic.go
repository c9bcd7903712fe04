package record

import (
	"os"
	"path/filepath"
)

// writeAtomic writes b as dir/name durably and atomically, the store's
// pattern (persistence/internal/atomicfile, which this package cannot
// import): a temporary file in the same directory, written, fsynced and
// closed, renamed over the name, then the directory fsynced so that the
// rename itself survives a power cut. A crash before the rename leaves a
// temporary that Open removes; after it, the whole image.
func writeAtomic(dir, name string, b []byte) (err error) {
	f, err := os.CreateTemp(dir, tmpPrefix+"*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = os.Remove(tmp)
		}
	}()
	if _, err = f.Write(b); err != nil {
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
	if err = os.Chmod(tmp, 0o644); err != nil {
		return err
	}
	if err = os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
