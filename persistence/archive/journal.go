package archive

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"time"

	"github.com/gorosys/rosys/persistence/internal/atomicfile"
	"github.com/gorosys/rosys/persistence/internal/modfile"
	"github.com/gorosys/rosys/persistence/vfs"
)

// An import is all or nothing, across SIGKILL and power loss, online and
// offline. The import journal, <data dir>/rollback/imports.json, is its
// write-ahead record:
//
//  1. The state before is written as a rollback archive R, fsynced, and
//     rollback/ fsynced (WriteRollback).
//  2. The journal gets a record {outcome: applying, rollback: R, created:
//     the keys the archive adds} (BeginImport), written atomically and
//     durably (temporary file, fsync, rename, fsync of rollback/). Nothing
//     of the data directory has changed yet: a crash before the rename is
//     durable leaves no record and the state before, untouched.
//  3. The module files are written, each atomically, and the data
//     directory fsynced. A crash anywhere here leaves the record saying
//     applying: at the next open (Store.Open, or LockDir for offline
//     commands: ImportDir, ExportDir, history restore)
//     RecoverImport rolls back. That is the direction that can be proved:
//     R is complete and durable (step 1 before step 2), while the new
//     files of a roll forward would have to be checked one by one.
//  4. The record becomes applied (FinishImport), again one atomic rename
//     and an fsync: the commit point. Every module file was durable before
//     it, so once it is on disk the whole import is; until it is, the
//     record says applying and the import is rolled back as a whole.
//
// Rolling back writes every file of R whose state differs from what the
// directory holds (atomically, KeepPrev as any import), removes the files
// of the keys the import created, fsyncs the directory and then records
// "rolled back". A crash during the roll back leaves "applying": it runs
// again, and running it twice writes the same files. It does not undo
// what is not module state: <key>.json.prev then holds the imported file,
// and history versions a running robot recorded for the import stay
// listed (they were committed, and are checked like any version).
//
// Nothing may be committed over the state before while a record says
// applying, or a crash would roll that commit back too: the robot rolls
// back at Open before it restores anything, an offline command in LockDir
// before it reads anything, and a running robot whose import failed
// commits nothing until its roll back is recorded (ErrImportUnresolved).
//
// A client cut off by a shutdown or a crash learns the outcome from the
// journal: the record names the archive (ID, robot, creation time) and
// its outcome (status, `rosys backup list`).

// ImportJournal is the file of the import journal in RollbackDir.
const ImportJournal = "imports.json"

// Outcomes of an import in its record.
const (
	OutcomeApplying   = "applying"    // under way, or cut off: rolled back at the next open
	OutcomeApplied    = "applied"     // every module of the archive is durable
	OutcomeRolledBack = "rolled back" // nothing of the archive is left (the rollback archive reinstated)
	// OutcomeStuck: the roll back could not be done (the rollback archive
	// is gone or damaged); the error says why and the files are as found.
	OutcomeStuck = "roll back failed"
)

// importJournalKeep is how many records the journal keeps.
const importJournalKeep = rollbackKeep

// ImportRecord is one import in the journal.
type ImportRecord struct {
	// ID identifies the archive by what it holds: see ArchiveID.
	ID string `json:"id"`
	// Robot and CreatedAt are the archive's own (its manifest).
	Robot     string    `json:"robot,omitempty"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	Modules   int       `json:"modules"`
	Started   time.Time `json:"started"`
	Finished  time.Time `json:"finished,omitzero"`
	Outcome   string    `json:"outcome"`
	// Rollback is the file name of the rollback archive in RollbackDir.
	Rollback string `json:"rollback,omitempty"`
	// Created are the keys the import adds (no file before): a roll back
	// removes them. Kept only while the import is applying.
	Created []string `json:"created,omitempty"`
	Error   string   `json:"error,omitempty"`
}

type importJournal struct {
	Imports []ImportRecord `json:"imports"`
}

// ArchiveID is the hex SHA-256 of the archive's files list: for each key
// in sorted order, the key, a NUL, the hex SHA-256 of its file (as in the
// archive's manifest.json) and a newline. A client that sent an archive
// can compute it from the manifest, and compare it with the journal.
func ArchiveID(files map[string][]byte) string {
	h := sha256.New()
	for _, k := range slices.Sorted(maps.Keys(files)) {
		sum := sha256.Sum256(files[k])
		fmt.Fprintf(h, "%s\x00%s\n", k, hex.EncodeToString(sum[:]))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// NewImportRecord describes an import of a over current (the files before).
func NewImportRecord(a *Archive, current map[string][]byte, rollback string, now time.Time) ImportRecord {
	rec := ImportRecord{ID: ArchiveID(a.Files), Robot: a.Manifest.Robot, CreatedAt: a.Manifest.CreatedAt,
		Modules: len(a.Files), Started: now.UTC(), Outcome: OutcomeApplying, Rollback: filepath.Base(rollback)}
	for _, k := range slices.Sorted(maps.Keys(a.Files)) {
		if _, ok := current[k]; !ok {
			rec.Created = append(rec.Created, k)
		}
	}
	return rec
}

// Imports reads the import journal of the data directory dir, oldest
// first; none if there is no journal yet.
func Imports(fsys vfs.FS, dir string) ([]ImportRecord, error) {
	b, err := fsys.ReadFile(filepath.Join(dir, RollbackDir, ImportJournal), DefaultLimits.MaxFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("read the import journal: %w", err)
	}
	var j importJournal
	if err := json.Unmarshal(b, &j); err != nil {
		return nil, fmt.Errorf("import journal %s: %w", filepath.Join(dir, RollbackDir, ImportJournal), err)
	}
	return j.Imports, nil
}

// writeImports replaces the journal atomically and durably.
func writeImports(fsys vfs.FS, dir string, recs []ImportRecord) error {
	if len(recs) > importJournalKeep {
		recs = recs[len(recs)-importJournalKeep:]
	}
	b, err := json.MarshalIndent(importJournal{Imports: recs}, "", "  ")
	if err != nil {
		return err
	}
	rdir := filepath.Join(dir, RollbackDir)
	if err := atomicfile.MkdirDurable(fsys, rdir); err != nil {
		return err
	}
	w := atomicfile.Writer{FS: fsys, Dir: rdir}
	if err := w.Write(ImportJournal, append(b, '\n')); err != nil {
		return fmt.Errorf("write the import journal: %w", err)
	}
	if err := w.Sync(); err != nil {
		return fmt.Errorf("write the import journal: %w", err)
	}
	return nil
}

// BeginImport durably records rec (outcome applying) before the first
// module file of the import changes (step 2 above).
func BeginImport(fsys vfs.FS, dir string, rec ImportRecord) error {
	recs, err := Imports(fsys, dir)
	if err != nil {
		// A damaged journal must not block imports: it is rebuilt with
		// this record (what it said of finished imports is history only).
		recs = nil
	}
	if n := len(recs); n > 0 && recs[n-1].Outcome == OutcomeApplying {
		return fmt.Errorf("an earlier import (%s) was cut off and is not rolled back yet", recs[n-1].ID)
	}
	rec.Outcome = OutcomeApplying
	return writeImports(fsys, dir, append(recs, rec))
}

// FinishImport durably records the outcome of the import under way (the
// newest record, which must be applying). With OutcomeApplied this is the
// import's commit point.
func FinishImport(fsys vfs.FS, dir, outcome string, cause error, now time.Time) error {
	recs, err := Imports(fsys, dir)
	if err != nil {
		return err
	}
	n := len(recs)
	if n == 0 || recs[n-1].Outcome != OutcomeApplying {
		return errors.New("no import under way in the import journal")
	}
	recs[n-1].Outcome, recs[n-1].Finished, recs[n-1].Created = outcome, now.UTC(), nil
	if cause != nil {
		recs[n-1].Error = cause.Error()
	}
	return writeImports(fsys, dir, recs)
}

// RecoverImport rolls back an import that was cut off (its record still
// says applying; see the crash reasoning above). It returns that record
// with its new outcome, or nil if there was none. The caller holds the
// directory's lock. A roll back that cannot be done (the rollback archive
// is gone or damaged) is recorded as OutcomeStuck and returned with the
// error; the files stay as found.
func RecoverImport(fsys vfs.FS, dir string, now time.Time) (*ImportRecord, error) {
	rdir := filepath.Join(dir, RollbackDir)
	if _, err := fsys.Lstat(rdir); err != nil {
		return nil, nil // no import ever ran here
	}
	// A journal or rollback archive cut off before its rename.
	if err := atomicfile.RemoveTemporaries(fsys, rdir); err != nil {
		return nil, fmt.Errorf("remove temporary files in %s: %w", rdir, err)
	}
	recs, err := Imports(fsys, dir)
	if err != nil {
		// Written atomically, so never torn by a crash: damaged by someone
		// else. It is kept aside, and imports start a new one; start-up
		// does not fail because of it.
		path := filepath.Join(rdir, ImportJournal)
		aside, mvErr := atomicfile.MoveAside(fsys, path, now)
		if mvErr != nil {
			return nil, fmt.Errorf("%w: %v; cannot move it aside: %v", ErrJournalDamaged, err, mvErr)
		}
		return nil, fmt.Errorf("%w: %v; kept aside as %s", ErrJournalDamaged, err, aside)
	}
	if len(recs) == 0 || recs[len(recs)-1].Outcome != OutcomeApplying {
		return nil, nil
	}
	rec := recs[len(recs)-1]
	if rbErr := RollBackImport(fsys, dir, rec, now); rbErr != nil {
		if errors.Is(rbErr, ErrRollbackMissing) {
			if err := FinishImport(fsys, dir, OutcomeStuck, rbErr, now); err != nil {
				return &rec, errors.Join(rbErr, err)
			}
			rec.Outcome = OutcomeStuck
		}
		return &rec, rbErr
	}
	if err := FinishImport(fsys, dir, OutcomeRolledBack, errors.New("cut off before it was complete"), now); err != nil {
		return &rec, err
	}
	rec.Outcome, rec.Finished, rec.Created = OutcomeRolledBack, now.UTC(), nil
	return &rec, nil
}

// ErrJournalDamaged: the import journal does not read; it was moved
// aside (nothing of an import under way can be learnt from it).
var ErrJournalDamaged = errors.New("the import journal is damaged")

// ErrRollbackMissing: the rollback archive a cut-off import names is gone
// or does not read, so it cannot be rolled back.
var ErrRollbackMissing = errors.New("the rollback archive of a cut-off import is missing or damaged")

// RollBackImport puts the data directory back to the rollback archive of
// rec: files whose state differs are written again, the keys the import
// created are removed, and the directory is fsynced. It leaves the
// journal as it is (the caller records the outcome after it returned).
func RollBackImport(fsys vfs.FS, dir string, rec ImportRecord, now time.Time) error {
	path := filepath.Join(dir, RollbackDir, rec.Rollback)
	b, err := fsys.ReadFile(path, DefaultLimits.MaxTotal)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrRollbackMissing, path, err)
	}
	before, err := Read(bytes.NewReader(b), DefaultLimits)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrRollbackMissing, path, err)
	}
	for _, k := range rec.Created {
		if _, ok := before.Files[k]; ok {
			continue
		}
		if err := fsys.Remove(filepath.Join(dir, k+".json")); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove %s.json, which the import added: %w", k, err)
		}
	}
	if err := fsys.SyncDir(dir); err != nil {
		return err
	}
	differ := map[string][]byte{}
	for k, f := range before.Files {
		cur, err := fsys.ReadFile(filepath.Join(dir, k+".json"), DefaultLimits.MaxFile+1)
		if err == nil && !Changes(map[string][]byte{k: modfile.WithVersion(fsys, dir, k, cur)}, map[string][]byte{k: f}) {
			continue
		}
		differ[k] = f
	}
	if err := modfile.WriteDirAs(fsys, dir, differ, now); err != nil {
		return fmt.Errorf("roll back: %w", err)
	}
	return nil
}

// LockDir takes the lock of a data directory no robot is using, and rolls
// back an import that was cut off there (RecoverImport), so that no
// offline command reads or builds on a half-applied import. Every offline
// command that opens a data directory goes through it; Store.Open runs
// RecoverImport itself.
func LockDir(fsys vfs.FS, dir string, now time.Time) (io.Closer, error) {
	lock, err := fsys.Lock(dir)
	if err != nil {
		return nil, err
	}
	// A damaged journal (kept aside) or a missing rollback archive (the
	// record says so) cannot be helped by refusing to work.
	if _, err := RecoverImport(fsys, dir, now); err != nil && !errors.Is(err, ErrJournalDamaged) && !errors.Is(err, ErrRollbackMissing) {
		lock.Close()
		return nil, fmt.Errorf("an import into %s was cut off and could not be rolled back: %w", dir, err)
	}
	return lock, nil
}
