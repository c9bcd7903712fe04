package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/archive"
	"github.com/gorosys/rosys/persistence/internal/modfile"
	"go.uber.org/zap"
)

// Import imports a into a running robot, under the store's write lock,
// all or nothing (the crash reasoning is in archive/journal.go):
//  1. every module is flushed and the state read, to keep as a rollback
//     archive;
//  2. every file for a registered module is decoded and migrated, and an
//     archive from a newer program is refused, before any module changes;
//  3. the modules are restored in memory; if one refuses its data, those
//     already restored get their previous state back and nothing is
//     written;
//  4. the rollback archive is written, then the import journal records
//     the import as applying;
//  5. every module is written at once (RoSys forgets this step: an
//     imported state that only lives in memory is lost by a power cut),
//     then the files of unknown keys;
//  6. the journal records the import as applied: its commit point. A
//     failure before it rolls the files and the modules back; a crash
//     before it leaves the record applying, and Open rolls back.
//
// The mirror uploads nothing from step 4 until the outcome is recorded,
// so no manifest names a half-applied import.
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
	res.ID = archive.ArchiveID(a.Files)
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
	undo := func(restored []prepared) {
		for _, q := range restored {
			s.undoRestore(q.e, before[q.e.key])
		}
	}
	// Restored in memory first: a module that refuses its data stops the
	// import before anything is written (no rollback archive, no record).
	// No backup cycle runs meanwhile (writeMu), so nothing of it reaches
	// a file before the journal says applying.
	for i, p := range ready {
		if err := s.restoreInto(p.e, p.data); err != nil {
			undo(ready[:i])
			return res, fmt.Errorf("import module %q: %w; previous state restored, nothing written", p.e.key, err)
		}
	}
	if s.mirror != nil {
		// Held from before the first file changes until the outcome is
		// durable: an upload reads the local files as they are then.
		release := s.mirror.Hold()
		defer release()
	}
	// The state before is kept before any file changes: a power cut
	// after the first changed file still leaves the way back.
	if res.Rollback, err = archive.WriteRollback(s.fs, s.dir, before, s.now()); err != nil {
		undo(ready)
		return res, fmt.Errorf("%w; previous state restored, nothing written", err)
	}
	rec := archive.NewImportRecord(a, before, res.Rollback, s.now())
	if err := archive.BeginImport(s.fs, s.dir, rec); err != nil {
		undo(ready)
		return res, fmt.Errorf("%w; previous state restored, nothing written", err)
	}
	defer s.refreshImports() // whatever the outcome
	for _, p := range ready {
		p.e.restored.Store(true)
		res.Imported = append(res.Imported, p.e.key)
	}
	fail := func(cause error) (archive.ImportResult, error) {
		s.waitHistory() // it links files by path: before they are written over
		undo(ready)
		err := archive.AbortImport(s.fs, s.dir, rec, cause, s.now())
		if errors.Is(err, archive.ErrImportUnresolved) {
			s.unresolved = &rec // retried before the next commit (commitLocked)
		}
		s.log.Error("import failed", zap.String("archive", res.ID), zap.Error(err))
		// The modules hold the state before again; their files too (or
		// they will at the next open). A later commit writes them as
		// they are, whatever generation they reached meanwhile.
		for _, p := range ready {
			p.e.requests.Add(1)
		}
		res.Imported = nil
		return res, err
	}
	if err := s.commitLocked(ctx, true); err != nil {
		return fail(fmt.Errorf("write imported state: %w", err))
	}
	if err := s.writeUnknown(ctx, unknown); err != nil {
		return fail(err)
	}
	if err := archive.FinishImport(s.fs, s.dir, archive.OutcomeApplied, nil, s.now()); err != nil {
		return fail(fmt.Errorf("record the import as applied: %w", err))
	}
	if s.mirror != nil && len(unknown) > 0 {
		s.mirror.Committed(slices.Sorted(maps.Keys(unknown)))
	}
	if len(res.Unknown) > 0 {
		s.log.Warn("imported modules that this robot does not have; their files are kept", zap.Strings("keys", res.Unknown))
	}
	s.log.Info("import done", zap.String("archive", res.ID), zap.Strings("modules", res.Imported), zap.String("rollback", res.Rollback))
	return res, nil
}

// Imports lists the newest imports of the data directory's journal,
// oldest first: each archive (ID, robot, creation time) and its outcome.
// A client cut off from an import's answer (a shutdown, a crash) learns
// here whether its archive was applied or rolled back. It is read at
// Open and after each import, not on every call (status asks often).
func (s *Store) Imports() []archive.ImportRecord {
	p := s.imports.Load()
	if p == nil {
		return nil
	}
	return slices.Clone(*p)
}

// refreshImports rereads the import journal for Imports, without the
// keys an import under way created (thousands, of no use to a reader).
func (s *Store) refreshImports() {
	recs, err := archive.Imports(s.fs, s.dir)
	if err != nil {
		s.log.Warn("import journal unreadable; the next import writes it afresh", zap.Error(err))
		return
	}
	for i := range recs {
		recs[i].Created = nil
	}
	s.imports.Store(&recs)
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
		if data, err = e.mod.(persistence.Versioned).Migrate(v, data); err != nil {
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
		err = s.restoreInto(e, data)
	}
	if err != nil {
		s.log.Error("could not put back a module's state after a failed import; the rollback archive has it",
			zap.String("module", e.key), zap.Error(err))
	}
}

// writeUnknown writes the files of keys no module is registered under,
// in the store's format, a batch at a time: an import can bring thousands,
// and a cancelled one (a shutdown) stops between batches to be rolled back.
func (s *Store) writeUnknown(ctx context.Context, files map[string][]byte) error {
	const batch = 64
	keys := slices.Sorted(maps.Keys(files))
	for len(keys) > 0 {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("write the files of unknown keys: %w", err)
		}
		n := min(batch, len(keys))
		part := make(map[string][]byte, n)
		for _, k := range keys[:n] {
			part[k] = files[k]
		}
		keys = keys[n:]
		var err error
		if s.format == FormatRoSys {
			err = modfile.WriteDirPlain(s.fs, s.dir, part, s.now())
		} else {
			err = modfile.WriteDir(s.fs, s.dir, part)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// resolveImportLocked finishes the roll back of a failed import whose
// roll back or record failed (ErrImportUnresolved), before anything is
// committed over the state before it: until its record says rolled back,
// a crash rolls back to that state and would undo such a commit. The
// modules hold the state before (Import undid them), so the files it
// writes are theirs. The caller holds writeMu.
func (s *Store) resolveImportLocked() error {
	if s.unresolved == nil {
		return nil
	}
	if err := archive.RollBackImport(s.fs, s.dir, *s.unresolved, s.now()); err != nil {
		return fmt.Errorf("%w: %w", archive.ErrImportUnresolved, err)
	}
	if err := archive.FinishImport(s.fs, s.dir, archive.OutcomeRolledBack, errors.New("failed; rolled back after the disk recovered"), s.now()); err != nil {
		return fmt.Errorf("%w: %w", archive.ErrImportUnresolved, err)
	}
	s.log.Info("roll back of a failed import recorded", zap.String("archive", s.unresolved.ID))
	s.unresolved = nil
	s.refreshImports()
	return nil
}
