package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/internal/atomicfile"
	"github.com/gorosys/rosys/persistence/internal/modfile"
	"go.uber.org/zap"
)

// Restore restores every registered module that has not been restored yet,
// in registration order. It never fails because of a stored file: for each
// module it uses the first usable of
//
//  1. <key>.json
//  2. <key>.json.prev, the previous generation (the module is then marked
//     for backup, so a good current file is written again)
//  3. the module's defaults (its state before Restore)
//
// and every file it cannot use is moved aside as <file>.corrupt-<time>,
// logged at error level with the reason, and listed in the module's status.
// The returned error is the context's, or ErrCommittedOverLimit: a file
// the store committed itself is over max_file_bytes (lowered since), and
// Restore stops there, moving nothing, rather than replace the robot's
// own state with defaults. A foreign oversized file is moved aside.
func (s *Store) Restore(ctx context.Context) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.waitHistory() // the last cycle's links name the files this may replace
	var todo []*entry
	for _, e := range s.snapshotEntries() {
		if e.restored.Load() {
			continue
		}
		if !s.persisted(e) || s.access == AccessRecord {
			// Memory only, or recording afresh: the module keeps its
			// defaults, and stored files are neither read nor moved.
			e.stMu.Lock()
			e.st.RestoredFrom = persistence.FromDefaults
			e.stMu.Unlock()
			e.saved.Store(e.generation())
			e.restored.Store(true)
			continue
		}
		todo = append(todo, e)
	}
	if s.access == AccessRecord {
		s.log.Info("record mode: every module starts from its defaults")
	}
	if s.ReadOnly() {
		s.log.Info("replay mode: stored state is read, nothing is ever written")
	}
	remote := map[string]bool{}
	if s.mirror != nil && s.access != AccessRecord {
		var missing []string
		for _, e := range todo {
			if !s.exists(s.Path(e.key)) && !s.exists(s.Path(e.key)+".prev") {
				missing = append(missing, e.key)
			}
		}
		for _, k := range s.mirror.Recover(ctx, missing) {
			remote[k] = true
		}
	}
	var keys []string
	pre := s.prefetch(todo)
	defer pre.stop()
	for i, e := range todo {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := s.restoreEntry(e, pre.get(i))
		pre.release(i)
		if err != nil {
			return err
		}
		keys = append(keys, e.key)
		if remote[e.key] {
			e.stMu.Lock()
			if e.st.RestoredFrom == persistence.FromFile {
				e.st.RestoredFrom = persistence.FromRemote
			}
			e.stMu.Unlock()
		}
	}
	if s.mirror != nil && !s.ReadOnly() {
		s.mirror.MarkDiffering(keys)
	}
	return nil
}

func (s *Store) exists(path string) bool {
	_, err := s.fs.Lstat(path)
	return err == nil
}

// restoreEntry restores e from its main file, read and decoded ahead as
// pre, or from its previous generation, or leaves its defaults. Its only
// error is ErrCommittedOverLimit: then nothing is restored or moved.
func (s *Store) restoreEntry(e *entry, pre *prefetched) error {
	main := s.Path(e.key)
	prev := main + ".prev"
	from := persistence.FromDefaults
	log := s.log.With(zap.String("module", e.key))
	if s.format == FormatRoSys {
		s.loadGenerations(e)
	}
	mainErr := s.use(e, main, pre)
	if errors.Is(mainErr, ErrCommittedOverLimit) {
		return mainErr
	}
	var prevErr error
	if mainErr != nil {
		if prevErr = s.use(e, prev, nil); errors.Is(prevErr, ErrCommittedOverLimit) {
			return prevErr
		}
	}
	switch {
	case mainErr == nil:
		from = persistence.FromFile
	case prevErr == nil:
		from = persistence.FromPrevious
		log.Warn("restored the previous generation", zap.String("path", prev))
	case errors.Is(mainErr, fs.ErrNotExist):
		log.Info("nothing stored yet; keeping defaults", zap.String("path", main))
	default:
		log.Warn("keeping defaults: no usable stored state")
	}
	e.stMu.Lock()
	e.st.RestoredFrom = from
	e.stMu.Unlock()
	e.saved.Store(e.generation())
	if from == persistence.FromPrevious {
		e.requests.Add(1)
	}
	e.restored.Store(true)
	return nil
}

// use restores e from path, or from pre (path read and decoded already)
// if it is not nil. A file that exists but cannot be used is moved aside;
// if even that fails, writes to the module are blocked so the file is
// never replaced.
func (s *Store) use(e *entry, path string, pre *prefetched) error {
	err := s.restoreFrom(e, path, pre)
	if err == nil || errors.Is(err, fs.ErrNotExist) {
		return err
	}
	log := s.log.With(zap.String("module", e.key), zap.String("path", path))
	if over := modfile.CheckOverLimit(s.fs, s.dir, e.key, path, s.maxFile, err); errors.Is(over, ErrCommittedOverLimit) {
		// The store's own state over a limit lowered since: never set
		// aside for defaults. Writes stay refused, so nothing replaces it.
		log.Error("committed module file over the size limit; not setting it aside", zap.Error(over))
		e.stMu.Lock()
		e.blocked = over
		e.st.RestoreError = over.Error()
		e.stMu.Unlock()
		return over
	}
	aside, mvErr := atomicfile.MoveAside(s.fs, path, s.now())
	e.stMu.Lock()
	defer e.stMu.Unlock()
	if mvErr != nil {
		e.blocked = fmt.Errorf("%s cannot be read (%v) nor moved aside (%v); not writing over it", path, err, mvErr)
		log.Error("cannot use stored state, nor move it aside", zap.Error(err), zap.NamedError("move_error", mvErr))
		e.st.RestoreError = e.blocked.Error()
		return err
	}
	log.Error("cannot use stored state; moved it aside", zap.Error(err), zap.String("moved_to", aside))
	e.st.RestoreError = fmt.Sprintf("%s: %v (moved to %s)", path, err, aside)
	e.st.MovedAside = append(e.st.MovedAside, aside)
	return err
}

// readStored reads and decodes one module file. Restore runs it on
// several goroutines at once (prefetch): it must not touch the module.
func (s *Store) readStored(key, path string) ([]byte, modfile.Stored, error) {
	b, err := s.fs.ReadFile(path, s.maxFile)
	if err != nil {
		return nil, modfile.Stored{}, err
	}
	st, err := modfile.Decode(key, b)
	return b, st, err
}

// restoreFrom reads and decodes one file (unless pre holds it read and
// decoded), migrates it and restores the module from it.
func (s *Store) restoreFrom(e *entry, path string, pre *prefetched) error {
	var b []byte
	var st modfile.Stored
	var err error
	if pre != nil {
		b, st, err = pre.b, pre.st, pre.err
	} else {
		b, st, err = s.readStored(e.key, path)
	}
	if err != nil {
		return err
	}
	if st.Plain {
		// Format rosys, or a file RoSys wrote: the sidecar, if it names
		// this very file, knows its schema version.
		if g, ok := s.plainVersion(e.key, b); ok {
			st.SchemaVersion = g.SchemaVersion
		}
	}
	data := st.Data
	if st.SchemaVersion > e.version {
		return fmt.Errorf("%w: file is version %d, this program writes %d", ErrNewerSchema, st.SchemaVersion, e.version)
	}
	for v := st.SchemaVersion; v < e.version; v++ {
		// A module below version 2 never needs a migration, so the type
		// assertion holds whenever the loop runs.
		data, err = e.mod.(persistence.Versioned).Migrate(v, data)
		if err != nil {
			return fmt.Errorf("migrate from schema version %d: %w", v, err)
		}
	}
	if err := s.restoreInto(e, data); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	e.fileSize.Store(int64(len(b)))
	if st.SchemaVersion < e.version {
		s.log.Info("migrated stored state", zap.String("module", e.key),
			zap.Int("from", st.SchemaVersion), zap.Int("to", e.version))
	}
	return nil
}

// restoreInto restores e's module from data and remembers how data spelled
// its numbers, so that the module's next file spells them alike: a float
// RoSys wrote stays a float, an int an int (see modfile.KeepFloats).
func (s *Store) restoreInto(e *entry, data json.RawMessage) error {
	if err := restoreModule(e.mod, data); err != nil {
		return err
	}
	k := modfile.ReadNumberKinds(data)
	e.kinds.Store(&k)
	return nil
}

// restoreModule calls Restore, turning a panic in module code into an error
// so that one bad module cannot stop start-up.
func restoreModule(p persistence.Persistable, data json.RawMessage) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic in Restore: %v", r)
		}
	}()
	return p.Restore(data)
}
