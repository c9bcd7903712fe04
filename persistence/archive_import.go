package persistence

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gorosys/rosys/persistence/internal/atomicfile"
	"github.com/gorosys/rosys/persistence/internal/modfile"
	"github.com/gorosys/rosys/persistence/vfs"
	"go.uber.org/zap"
)

// RollbackDir is the directory, inside the data directory, that keeps the
// state from before each import; the newest rollbackKeep are kept.
const (
	RollbackDir  = "rollback"
	rollbackKeep = 10
)

// ImportResult says what an import did.
type ImportResult struct {
	// Imported modules were restored (running robot) or written (offline).
	Imported []string `json:"imported"`
	// Unknown keys have no module registered in the running robot. Their
	// files are written anyway, so nothing is lost: a module registered
	// under that key later restores them.
	Unknown []string `json:"unknown,omitempty"`
	// Rollback is an archive of the state before the import.
	Rollback string `json:"rollback"`
}

// ImportDir imports a into the data directory dir of a robot that is not
// running (it takes the directory lock). The current state is kept as a
// rollback archive first; each module file is then written atomically.
func ImportDir(dir string, a *Archive, now time.Time) (ImportResult, error) {
	return importDir(vfs.OS{}, dir, a, now)
}

func importDir(fsys vfs.FS, dir string, a *Archive, now time.Time) (ImportResult, error) {
	if err := atomicfile.MkdirDurable(fsys, dir); err != nil {
		return ImportResult{}, err
	}
	lock, err := fsys.Lock(dir)
	if err != nil {
		return ImportResult{}, err
	}
	defer lock.Close()
	current, err := modfile.ReadDir(fsys, dir, DefaultMaxFileBytes)
	if err != nil {
		return ImportResult{}, err
	}
	res := ImportResult{Imported: slices.Sorted(maps.Keys(a.Files))}
	if !changes(current, a.Files) {
		return res, nil // the same state: nothing to write, no rollback
	}
	if res.Rollback, err = writeRollback(fsys, dir, current, now); err != nil {
		return res, err
	}
	return res, modfile.WriteDir(fsys, dir, a.Files)
}

// Import imports a into a running robot, under the store's write lock:
//  1. every module is flushed and the state kept as a rollback archive;
//  2. every file for a registered module is decoded and migrated, and an
//     archive from a newer program is refused, before any module changes;
//  3. the modules are restored; if one refuses its data, those already
//     restored get their previous state back and nothing is written;
//  4. every module is written at once (RoSys forgets this step: an
//     imported state that only lives in memory is lost by a power cut).
func (s *Store) Import(ctx context.Context, a *Archive) (ImportResult, error) {
	if s.ReadOnly() {
		return ImportResult{}, ErrReadOnly
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	before, err := s.snapshotFilesLocked(ctx)
	if err != nil {
		return ImportResult{}, err
	}
	var res ImportResult
	type prepared struct {
		e    *entry
		data json.RawMessage
	}
	var ready []prepared
	unknown := map[string][]byte{}
	for _, key := range slices.Sorted(maps.Keys(a.Files)) {
		e, err := s.entry(key)
		if err != nil {
			unknown[key] = a.Files[key]
			res.Unknown = append(res.Unknown, key)
			continue
		}
		data, err := s.migrated(e, a.Files[key])
		if err != nil {
			return res, fmt.Errorf("import module %q: %w; nothing changed", key, err)
		}
		ready = append(ready, prepared{e, data})
	}
	if !changes(before, a.Files) {
		// Every module already holds what the archive has: nothing to
		// restore or write, and no rollback archive of an unchanged state.
		for _, p := range ready {
			res.Imported = append(res.Imported, p.e.key)
		}
		s.log.Info("import changed nothing", zap.Strings("modules", res.Imported))
		return res, nil
	}
	// The state before is kept before any module changes: a power cut
	// after the first changed file still leaves the way back.
	if res.Rollback, err = writeRollback(s.fs, s.dir, before, s.now()); err != nil {
		return res, err
	}
	for i, p := range ready {
		if err := restoreModule(p.e.mod, p.data); err != nil {
			for _, q := range ready[:i] {
				s.undoRestore(q.e, before[q.e.key])
			}
			// Nothing changed, so no rollback slot is spent on it.
			if rmErr := s.fs.Remove(res.Rollback); rmErr == nil {
				res.Rollback = ""
				_ = s.fs.SyncDir(filepath.Join(s.dir, RollbackDir))
			}
			return res, fmt.Errorf("import module %q: %w; previous state restored, nothing written", p.e.key, err)
		}
		p.e.restored.Store(true)
		res.Imported = append(res.Imported, p.e.key)
	}
	if err := s.commitLocked(ctx, true); err != nil {
		return res, fmt.Errorf("write imported state: %w", err)
	}
	if err := modfile.WriteDir(s.fs, s.dir, unknown); err != nil {
		return res, err
	}
	if s.mirror != nil && len(unknown) > 0 {
		s.mirror.Committed(slices.Sorted(maps.Keys(unknown)))
	}
	if len(res.Unknown) > 0 {
		s.log.Warn("imported modules that this robot does not have; their files are kept", zap.Strings("keys", res.Unknown))
	}
	s.log.Info("import done", zap.Strings("modules", res.Imported), zap.String("rollback", res.Rollback))
	return res, nil
}

// migrated decodes a module file and migrates its data to the module's
// schema version, without touching the module.
func (s *Store) migrated(e *entry, file []byte) (json.RawMessage, error) {
	st, err := modfile.Decode(e.key, file)
	if err != nil {
		return nil, err
	}
	if st.SchemaVersion > e.version {
		return nil, fmt.Errorf("%w: archive has version %d, this program writes %d", ErrNewerSchema, st.SchemaVersion, e.version)
	}
	data := st.Data
	for v := st.SchemaVersion; v < e.version; v++ {
		if data, err = e.mod.(Versioned).Migrate(v, data); err != nil {
			return nil, fmt.Errorf("migrate from schema version %d: %w", v, err)
		}
	}
	return data, nil
}

// undoRestore puts back a module's state from before a failed import.
func (s *Store) undoRestore(e *entry, file []byte) {
	if file == nil {
		return
	}
	data, err := s.migrated(e, file)
	if err == nil {
		err = restoreModule(e.mod, data)
	}
	if err != nil {
		s.log.Error("could not put back a module's state after a failed import; the rollback archive has it",
			zap.String("module", e.key), zap.Error(err))
	}
}

// writeRollback archives files into <dir>/rollback and keeps the newest
// rollbackKeep archives.
func writeRollback(fsys vfs.FS, dir string, files map[string][]byte, now time.Time) (string, error) {
	rdir := filepath.Join(dir, RollbackDir)
	if err := atomicfile.MkdirDurable(fsys, rdir); err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := writeArchive(&buf, buildManifest(files, "rollback", now), files); err != nil {
		return "", err
	}
	name := "rollback-" + now.UTC().Format("20060102T150405.000Z") + ".tar.gz"
	w := atomicfile.Writer{FS: fsys, Dir: rdir}
	if err := w.Write(name, buf.Bytes()); err != nil {
		return "", fmt.Errorf("write rollback archive: %w", err)
	}
	if err := w.Sync(); err != nil {
		return "", err
	}
	if err := dropDuplicateRollbacks(fsys, rdir, name, stateDigest(files)); err != nil {
		return "", err
	}
	if err := rotate(fsys, rdir, "rollback-", rollbackKeep); err != nil {
		return "", err
	}
	return filepath.Join(rdir, name), nil
}

// rotate deletes the oldest files named <prefix>...tar.gz in dir beyond
// keep (names sort by time).
func rotate(fsys vfs.FS, dir, prefix string, keep int) error {
	entries, err := fsys.ReadDir(dir)
	if err != nil {
		return err
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && strings.HasPrefix(e.Name(), prefix) && strings.HasSuffix(e.Name(), ".tar.gz") {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	for len(names) > keep {
		if err := fsys.Remove(filepath.Join(dir, names[0])); err != nil {
			return err
		}
		names = names[1:]
	}
	return nil
}
