package store

import (
	"github.com/gorosys/rosys/persistence/internal/modfile"
	"github.com/gorosys/rosys/persistence/vfs"
	"go.uber.org/zap"
)

// findReserved notes the module files in the data directory whose keys
// are now reserved (ValidateKey): an earlier version let such keys be
// written (an import of calib.tmp-2024, say). They are never swept,
// moved or written over, and no module can be registered under them, so
// they are only reported: in the log and in ReservedFiles (the runtime's
// status shows them), for a person to rename.
func (s *Store) findReserved() {
	paths, err := modfile.ReservedFiles(s.fs, s.dir)
	if err != nil {
		s.log.Warn("cannot list the data directory for files under reserved names", zap.Error(err))
		return
	}
	s.reserved = paths
	for _, p := range paths {
		s.log.Warn("module file under a name now reserved: kept as it is, not restored; rename it (and its key) to use it",
			zap.String("path", p))
	}
}

// ReservedFiles lists the module files found at open whose keys are now
// reserved (see ValidateKey): kept untouched, never restored.
func (s *Store) ReservedFiles() []string { return append([]string(nil), s.reserved...) }

// ReservedFilesDir is ReservedFiles for a data directory no store has
// open (the offline commands report them: an export leaves them out).
func ReservedFilesDir(dir string) ([]string, error) { return modfile.ReservedFiles(vfs.OS{}, dir) }
