package persistence

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/gorosys/rosys/persistence/internal/modfile"
	"github.com/gorosys/rosys/persistence/vfs"
)

// An export archive is a .tar.gz holding manifest.json first, then one
// modules/<key>.json per module, byte for byte as stored.
const (
	ArchiveFormat   = "rosys-go-archive/1"
	archiveManifest = "manifest.json"
	archiveModules  = "modules/"
)

// ArchiveManifest describes an archive.
type ArchiveManifest struct {
	Format    string        `json:"format"`
	Robot     string        `json:"robot"`
	CreatedAt time.Time     `json:"created_at"`
	Files     []ArchiveFile `json:"files"`
}

// ArchiveFile is one module file in an archive.
type ArchiveFile struct {
	Key           string `json:"key"`
	Path          string `json:"path"`
	Size          int64  `json:"size"`
	SHA256        string `json:"sha256"`
	SchemaVersion int    `json:"schema_version"`
}

// buildManifest describes files (key → content) for an archive.
func buildManifest(files map[string][]byte, robot string, created time.Time) ArchiveManifest {
	m := ArchiveManifest{Format: ArchiveFormat, Robot: robot, CreatedAt: created.UTC(), Files: []ArchiveFile{}}
	for _, k := range slices.Sorted(maps.Keys(files)) {
		sum := sha256.Sum256(files[k])
		version := 1
		if st, err := modfile.Decode(k, files[k]); err == nil {
			version = st.SchemaVersion
		}
		m.Files = append(m.Files, ArchiveFile{Key: k, Path: archiveModules + k + ".json", Size: int64(len(files[k])),
			SHA256: hex.EncodeToString(sum[:]), SchemaVersion: version})
	}
	return m
}

// writeArchive writes the manifest and the files it names.
func writeArchive(w io.Writer, m ArchiveManifest, files map[string][]byte) error {
	mb, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	add := func(name string, b []byte) error {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(b)), ModTime: m.CreatedAt, Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		_, err := tw.Write(b)
		return err
	}
	if err := add(archiveManifest, mb); err != nil {
		return err
	}
	for _, f := range m.Files {
		if err := add(f.Path, files[f.Key]); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

// ExportDir writes an archive of the module files in dir, for a robot that
// is not running: it takes the directory's lock, so it refuses (ErrLocked)
// while rosys runs there — use the running robot's GET /api/export then.
func ExportDir(dir string, w io.Writer, robot string, now time.Time) (ArchiveManifest, error) {
	lock, err := vfs.OS{}.Lock(dir)
	if err != nil {
		return ArchiveManifest{}, err
	}
	defer lock.Close()
	files, err := modfile.ReadDir(vfs.OS{}, dir, DefaultMaxFileBytes)
	if err != nil {
		return ArchiveManifest{}, err
	}
	m := buildManifest(files, robot, now)
	return m, writeArchive(w, m, files)
}

// Export flushes every module and writes an archive of all module files
// in the store's directory (also those of modules not registered now).
// Backup cycles wait meanwhile, so the archive is one consistent state.
func (s *Store) Export(ctx context.Context, w io.Writer, robot string) (ArchiveManifest, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	files, err := s.snapshotFilesLocked(ctx)
	if err != nil {
		return ArchiveManifest{}, err
	}
	m := buildManifest(files, robot, s.now())
	return m, writeArchive(w, m, files)
}

// snapshotFilesLocked flushes every module and reads all module files.
// The caller holds writeMu.
func (s *Store) snapshotFilesLocked(ctx context.Context) (map[string][]byte, error) {
	if err := s.commitLocked(ctx, true); err != nil {
		return nil, fmt.Errorf("flush before export: %w", err)
	}
	return modfile.ReadDir(s.fs, s.dir, s.maxFile)
}

// ErrInvalidArchive is wrapped by every error of ReadArchive.
var ErrInvalidArchive = errors.New("invalid archive")
