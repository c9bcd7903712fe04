package store

import (
	"context"
	"fmt"
	"io"

	"github.com/gorosys/rosys/persistence/archive"
	"github.com/gorosys/rosys/persistence/internal/modfile"
)

// Export flushes every module and writes an archive of all module files
// in the store's directory (also those of modules not registered now).
// Backup cycles wait meanwhile, so the archive is one consistent state.
func (s *Store) Export(ctx context.Context, w io.Writer, robot string) (archive.Manifest, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	files, err := s.snapshotFilesLocked(ctx)
	if err != nil {
		return archive.Manifest{}, err
	}
	m := archive.Describe(files, robot, s.now())
	return m, archive.Write(w, m, files)
}

// snapshotFilesLocked flushes every module and reads all module files.
// The caller holds writeMu.
func (s *Store) snapshotFilesLocked(ctx context.Context) (map[string][]byte, error) {
	if err := s.commitLocked(ctx, true); err != nil {
		return nil, fmt.Errorf("flush before export: %w", err)
	}
	return modfile.ReadDir(s.fs, s.dir, s.maxFile)
}

// ExportRoSysJSON flushes every module and writes RoSys' export.json
// (archive.WriteRoSysJSON) of all module files, as Export does.
func (s *Store) ExportRoSysJSON(ctx context.Context, w io.Writer, robot string) (int, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	files, err := s.snapshotFilesLocked(ctx)
	if err != nil {
		return 0, err
	}
	return len(files), archive.WriteRoSysJSON(w, files, robot, s.now())
}
