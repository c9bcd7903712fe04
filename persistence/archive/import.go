package archive

import (
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
}

// ImportDir imports a into the data directory dir of a robot that is not
// running (it takes the directory lock). The current state is kept as a
// rollback archive first; each module file is then written atomically.
func ImportDir(dir string, a *Archive, now time.Time) (ImportResult, error) {
	return ImportDirFS(vfs.OS{}, dir, a, now)
}

// ImportDirFS is ImportDir on fsys (tests model power cuts with it).
func ImportDirFS(fsys vfs.FS, dir string, a *Archive, now time.Time) (ImportResult, error) {
	if err := ValidateKeys(a.Files); err != nil {
		return ImportResult{}, err
	}
	if err := atomicfile.MkdirDurable(fsys, dir); err != nil {
		return ImportResult{}, err
	}
	lock, err := fsys.Lock(dir)
	if err != nil {
		return ImportResult{}, err
	}
	defer lock.Close()
	current, err := modfile.ReadDir(fsys, dir, modfile.DefaultMaxBytes)
	if err != nil {
		return ImportResult{}, err
	}
	var res ImportResult
	res.Imported, res.Unknown = SplitKnown(a.Files, func(key string) bool { _, ok := current[key]; return ok })
	if !Changes(current, a.Files) {
		return res, nil // the same state: nothing to write, no rollback
	}
	if res.Rollback, err = WriteRollback(fsys, dir, current, now); err != nil {
		return res, err
	}
	return res, modfile.WriteDirAs(fsys, dir, a.Files, now)
}
