package store

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/gorosys/rosys/persistence/internal/atomicfile"
	"github.com/gorosys/rosys/persistence/internal/modfile"
	"go.uber.org/zap"
)

// FileFormat is how module files are written (robot.yaml
// persistence.format). Both formats are always read.
type FileFormat string

// The module file formats.
const (
	// FormatRoSysGo writes the envelope of internal/modfile: key, schema
	// version and save time beside the data, in one file. The default.
	FormatRoSysGo FileFormat = "rosys-go"
	// FormatRoSys writes each <key>.json exactly as RoSys does: the data
	// object and nothing else (NaN, Infinity and -Infinity as Python's
	// json writes them), so RoSys can open the directory. The metadata
	// goes to a sidecar, .rosys-go/<key>.meta.json.
	FormatRoSys FileFormat = "rosys"
)

// FileFormats lists the formats (for validation).
func FileFormats() []FileFormat { return []FileFormat{FormatRoSysGo, FormatRoSys} }

// WithFormat sets the format module files are written in (default
// FormatRoSysGo).
func WithFormat(f FileFormat) Option {
	return func(s *Store) {
		if f != "" {
			s.format = f
		}
	}
}

// SidecarDir is the directory, inside the data directory, of the sidecar
// files of format rosys. RoSys never looks at it.
const SidecarDir = modfile.SidecarDir

type generation = modfile.Generation

// plainVersion finds the generation of a plain data file (format rosys)
// in its sidecar by checksum. A file the sidecar does not name was written
// by RoSys (or by hand) and is version 1, as every RoSys file.
func (s *Store) plainVersion(key string, b []byte) (generation, bool) {
	sc, err := modfile.ReadSidecar(s.fs, s.dir, key)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			s.log.Warn("sidecar unreadable; reading the data file as RoSys data (schema version 1)", zap.Error(err))
		}
		return generation{}, false
	}
	return sc.Find(b)
}

// writeSidecar records the generation about to be written, before its
// data file is renamed into place. Crash order (the caller syncs the
// sidecar directory before any data file is renamed):
//
//   - crash before the sidecar is durable: old sidecar, old data file, and
//     the old sidecar names the old file;
//   - crash after it, before the data rename is durable: the new sidecar
//     still names the old file (the generations before the new one are
//     kept), so its schema version is known;
//   - after both: the new sidecar names the new file.
//
// So a data file this program wrote is always found by its checksum.
func (s *Store) writeSidecar(w atomicfile.Writer, e *entry, g generation) error {
	e.stMu.Lock()
	gens := append([]generation{g}, e.gens...)
	e.stMu.Unlock()
	b, err := modfile.EncodeSidecar(e.key, gens)
	if err != nil {
		return err
	}
	if err := w.Write(e.key+".meta.json", b); err != nil {
		return fmt.Errorf("write sidecar: %w", err)
	}
	return nil
}

// loadGenerations remembers what a key's sidecar names, so the next write
// keeps naming the file it replaces.
func (s *Store) loadGenerations(e *entry) {
	sc, err := modfile.ReadSidecar(s.fs, s.dir, e.key)
	if err != nil {
		return
	}
	e.stMu.Lock()
	e.gens = sc.Generations
	e.stMu.Unlock()
}
