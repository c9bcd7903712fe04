package archive

import (
	"errors"
	"fmt"
	"time"

	"github.com/gorosys/rosys/persistence/internal/atomicfile"
	"github.com/gorosys/rosys/persistence/internal/modfile"
	"github.com/gorosys/rosys/persistence/vfs"
)

// ImportResult says what an import did.
type ImportResult struct {
	// Imported modules were restored (running robot) or written over an
	// existing file (offline).
	Imported []string `json:"imported"`
	// Unknown keys are not known to the robot (see SplitKnown): no module
	// registered (online), no file in the data directory (offline). Their
	// files are written anyway, so nothing is lost: a module registered
	// under that key later restores them.
	Unknown []string `json:"unknown,omitempty"`
	// Rollback is an archive of the state before the import.
	Rollback string `json:"rollback"`
	// ID identifies the archive (ArchiveID); the import journal
	// (Imports, status) names the import's outcome under it.
	ID string `json:"id,omitempty"`
}

// ImportDir imports a into the data directory dir of a robot that is not
// running (it takes the directory lock) on fsys (vfs.OS{} for the disk),
// all or nothing (see the crash
// reasoning in journal.go): the current state is kept as a rollback
// archive, the import journal records the import, each module file is
// written atomically, and the record becomes applied only once all are
// durable. An import cut off earlier is rolled back first.
func ImportDir(fsys vfs.FS, dir string, a *Archive, now time.Time) (ImportResult, error) {
	if err := ValidateKeys(a.Files); err != nil {
		return ImportResult{}, err
	}
	if err := atomicfile.MkdirDurable(fsys, dir); err != nil {
		return ImportResult{}, err
	}
	lock, err := LockDir(fsys, dir, now) // an import cut off earlier is rolled back first
	if err != nil {
		return ImportResult{}, err
	}
	defer lock.Close()
	current, err := modfile.ReadDir(fsys, dir, modfile.DefaultMaxBytes)
	if err != nil {
		return ImportResult{}, err
	}
	var res ImportResult
	res.ID = ArchiveID(a.Files)
	res.Imported, res.Unknown = SplitKnown(a.Files, func(key string) bool { _, ok := current[key]; return ok })
	if !Changes(current, a.Files) {
		return res, nil // the same state: nothing to write, no rollback
	}
	if res.Rollback, err = WriteRollback(fsys, dir, current, now); err != nil {
		return res, err
	}
	rec := NewImportRecord(a, current, res.Rollback, now)
	if err := BeginImport(fsys, dir, rec); err != nil {
		return res, fmt.Errorf("%w; nothing changed", err)
	}
	if err := modfile.WriteDirAs(fsys, dir, a.Files, now); err != nil {
		return res, AbortImport(fsys, dir, rec, err, now)
	}
	if err := FinishImport(fsys, dir, OutcomeApplied, nil, now); err != nil {
		return res, AbortImport(fsys, dir, rec, err, now)
	}
	return res, nil
}

// ErrImportUnresolved: an import failed and could not be rolled back, or
// its roll back not recorded: its record still says applying, so the next
// open rolls back to the state before it. Nothing may be committed over
// that state until RollBackImport and FinishImport succeed (a running
// store retries them before its next commit), or a crash would undo it.
var ErrImportUnresolved = errors.New("the import's roll back is not recorded yet")

// AbortImport rolls back the import of rec after cause made it fail, and
// records that. The error it returns names cause and says what became of
// the files; it wraps ErrImportUnresolved if the record still says
// applying.
func AbortImport(fsys vfs.FS, dir string, rec ImportRecord, cause error, now time.Time) error {
	if err := RollBackImport(fsys, dir, rec, now); err != nil {
		return fmt.Errorf("import failed: %w; rolling back failed too (%v): %w", cause, err, ErrImportUnresolved)
	}
	if err := FinishImport(fsys, dir, OutcomeRolledBack, cause, now); err != nil {
		return fmt.Errorf("import failed: %w; rolled back, the state before is back, but recording that failed (%v): %w", cause, err, ErrImportUnresolved)
	}
	return fmt.Errorf("import failed: %w; rolled back, the state before is back", cause)
}
