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
	if err := s.takeExportTurn(ctx); err != nil {
		return archive.Manifest{}, err
	}
	defer s.giveExportTurn()
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
	if err := s.takeExportTurn(ctx); err != nil {
		return 0, err
	}
	defer s.giveExportTurn()
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	files, err := s.snapshotFilesLocked(ctx)
	if err != nil {
		return 0, err
	}
	return len(files), archive.WriteRoSysJSON(w, files, robot, s.now())
}

// takeExportTurn waits until no other export runs (or ctx ends). An
// export holds writeMu through a flush of every module (fsyncs included),
// and commits that must be quick need writeMu too: a press of the soft
// e-stop is answered once durable. Were every export request to wait on
// writeMu itself, a few hundred of them would queue ahead of that commit
// (4 to 9 s per press with 300 clients exporting, measured on the real
// binary); taking turns here first, a commit waits for one export at most.
func (s *Store) takeExportTurn(ctx context.Context) error {
	select {
	case s.exportTurn <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("export: waiting for the export before it: %w", ctx.Err())
	}
}

func (s *Store) giveExportTurn() { <-s.exportTurn }
