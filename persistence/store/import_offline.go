package store

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/gorosys/rosys/persistence/archive"
	"github.com/gorosys/rosys/persistence/history"
	"github.com/gorosys/rosys/persistence/internal/modfile"
	"github.com/gorosys/rosys/persistence/vfs"
)

// ImportedDir is what ImportDir did.
type ImportedDir struct {
	archive.ImportResult
	// Versions are the history versions the import became, by key.
	Versions map[string]uint64 `json:"versions,omitempty"`
	// HistoryError says why some written module is not in the history.
	// The import itself stands, as on a running robot, where a history
	// fault never fails a commit.
	HistoryError error `json:"-"`
}

// ImportDir imports a into the data directory dir of a robot that is not
// running (archive.ImportDir: the directory's lock, a rollback archive,
// atomic files), and then records every module it wrote as a new
// history version, as an import into a running robot does, unless hcfg
// is nil (persistence.history off). Every key is checked first
// (ValidateKey): one the store would not keep refuses the whole archive.
func ImportDir(dir string, a *archive.Archive, now time.Time, hcfg *history.Config) (ImportedDir, error) {
	res, err := archive.ImportDir(vfs.OS{}, dir, a, now)
	out := ImportedDir{ImportResult: res}
	if err != nil || res.Rollback == "" || hcfg == nil {
		return out, err // failed, or nothing written: no new version
	}
	out.Versions, out.HistoryError = recordImported(dir, slices.Concat(res.Imported, res.Unknown), a, now, *hcfg)
	return out, nil
}

// recordImported records the files of keys just imported into dir as
// new versions, in one batch (one fsync of history/).
func recordImported(dir string, keys []string, a *archive.Archive, now time.Time, cfg history.Config) (map[string]uint64, error) {
	fsys := vfs.OS{}
	lock, err := fsys.Lock(dir)
	if err != nil {
		return nil, fmt.Errorf("history not recorded: %w", err)
	}
	defer lock.Close()
	h := history.New(fsys, dir, cfg, func() time.Time { return now }, DefaultMaxFileBytes)
	defer h.Close()
	var errs []error
	var cs []history.Commit
	for _, key := range keys {
		path := filepath.Join(dir, modfile.FileName(key))
		b, err := fsys.ReadFile(path, DefaultMaxFileBytes)
		if err != nil {
			errs = append(errs, fmt.Errorf("history of %q: %w", key, err))
			continue
		}
		c := history.Commit{Key: key, Path: path, Size: int64(len(b)), Sum: sha256.Sum256(b), SchemaVersion: 1}
		if st, err := modfile.Decode(key, a.Files[key]); err == nil {
			c.SchemaVersion = st.SchemaVersion
		}
		cs = append(cs, c)
	}
	vs, recErrs := h.RecordBatch(now, cs)
	versions := map[string]uint64{}
	for i, c := range cs {
		if recErrs[i] != nil {
			errs = append(errs, recErrs[i])
			continue
		}
		versions[c.Key] = vs[i].Version
	}
	return versions, errors.Join(errs...)
}
