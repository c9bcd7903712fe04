package persistence

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"

	"github.com/gorosys/rosys/persistence/archive"
	"github.com/gorosys/rosys/persistence/internal/modfile"
	"go.uber.org/zap"
)

// Import imports a into a running robot, under the store's write lock:
//  1. every module is flushed and the state kept as a rollback archive;
//  2. every file for a registered module is decoded and migrated, and an
//     archive from a newer program is refused, before any module changes;
//  3. the modules are restored; if one refuses its data, those already
//     restored get their previous state back and nothing is written;
//  4. every module is written at once (RoSys forgets this step: an
//     imported state that only lives in memory is lost by a power cut).
func (s *Store) Import(ctx context.Context, a *archive.Archive) (archive.ImportResult, error) {
	if s.ReadOnly() {
		return archive.ImportResult{}, ErrReadOnly
	}
	if err := archive.ValidateKeys(a.Files); err != nil {
		return archive.ImportResult{}, err
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.waitHistory() // the last cycle's links name the files this may replace
	before, err := s.snapshotFilesLocked(ctx)
	if err != nil {
		return archive.ImportResult{}, err
	}
	var res archive.ImportResult
	type prepared struct {
		e    *entry
		data json.RawMessage
	}
	var ready []prepared
	var known []string
	known, res.Unknown = archive.SplitKnown(a.Files, func(key string) bool { _, err := s.entry(key); return err == nil })
	unknown := map[string][]byte{}
	for _, key := range res.Unknown {
		unknown[key] = a.Files[key]
	}
	for _, key := range known {
		e, err := s.entry(key)
		if err != nil {
			return res, err
		}
		data, err := s.migrated(e, a.Files[key])
		if err != nil {
			return res, fmt.Errorf("import module %q: %w; nothing changed", key, err)
		}
		ready = append(ready, prepared{e, data})
	}
	if !archive.Changes(before, a.Files) {
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
	if res.Rollback, err = archive.WriteRollback(s.fs, s.dir, before, s.now()); err != nil {
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
				_ = s.fs.SyncDir(filepath.Join(s.dir, archive.RollbackDir))
			}
			return res, fmt.Errorf("import module %q: %w; previous state restored, nothing written", p.e.key, err)
		}
		p.e.restored.Store(true)
		res.Imported = append(res.Imported, p.e.key)
	}
	if err := s.commitLocked(ctx, true); err != nil {
		return res, fmt.Errorf("write imported state: %w", err)
	}
	if err := s.writeUnknown(unknown); err != nil {
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

// writeUnknown writes the files of keys no module is registered under,
// in the store's format.
func (s *Store) writeUnknown(files map[string][]byte) error {
	if s.format == FormatRoSys {
		return modfile.WriteDirPlain(s.fs, s.dir, files, s.now())
	}
	return modfile.WriteDir(s.fs, s.dir, files)
}
