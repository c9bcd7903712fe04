package archive

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
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
	Format          = "rosys-go-archive/1"
	archiveManifest = "manifest.json"
	archiveModules  = "modules/"
)

// Manifest describes an archive.
type Manifest struct {
	Format    string    `json:"format"`
	Robot     string    `json:"robot"`
	CreatedAt time.Time `json:"created_at"`
	Files     []File    `json:"files"`
}

// File is one module file in an archive.
type File struct {
	Key           string `json:"key"`
	Path          string `json:"path"`
	Size          int64  `json:"size"`
	SHA256        string `json:"sha256"`
	SchemaVersion int    `json:"schema_version"`
}

// Describe describes files (key → content) for an archive.
func Describe(files map[string][]byte, robot string, created time.Time) Manifest {
	m := Manifest{Format: Format, Robot: robot, CreatedAt: created.UTC(), Files: []File{}}
	for _, k := range slices.Sorted(maps.Keys(files)) {
		sum := sha256.Sum256(files[k])
		version := 1
		if st, err := modfile.Decode(k, files[k]); err == nil {
			version = st.SchemaVersion
		}
		m.Files = append(m.Files, File{Key: k, Path: archiveModules + k + ".json", Size: int64(len(files[k])),
			SHA256: hex.EncodeToString(sum[:]), SchemaVersion: version})
	}
	return m
}

// Write writes the manifest and the files it names.
func Write(w io.Writer, m Manifest, files map[string][]byte) error {
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
func ExportDir(dir string, w io.Writer, robot string, now time.Time) (Manifest, error) {
	lock, err := LockDir(vfs.OS{}, dir, now)
	if err != nil {
		return Manifest{}, err
	}
	defer lock.Close()
	files, err := modfile.ReadDir(vfs.OS{}, dir, modfile.DefaultMaxBytes)
	if err != nil {
		return Manifest{}, err
	}
	m := Describe(files, robot, now)
	return m, Write(w, m, files)
}

// ErrInvalid is wrapped by every error of Read.
var ErrInvalid = errors.New("invalid archive")
