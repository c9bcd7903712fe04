package persistence

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"time"

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
const SidecarDir = ".rosys-go"

const sidecarFormat = "rosys-go/meta/1"

// sidecarKeep is how many generations a sidecar describes: the file being
// written, the current one and the one before (which may be <key>.json.prev).
const sidecarKeep = 3

// maxSidecarBytes bounds a sidecar read: three records of a few hundred bytes.
const maxSidecarBytes = 16 << 10

// sidecar is .rosys-go/<key>.meta.json: what the data file alone cannot
// say. Generations are identified by the SHA-256 of the data file's bytes,
// newest first.
type sidecar struct {
	Format      string       `json:"format"`
	Key         string       `json:"key"`
	Generations []generation `json:"generations"`
}

type generation struct {
	SHA256        string    `json:"sha256"`
	SchemaVersion int       `json:"schema_version"`
	SavedAt       time.Time `json:"saved_at"`
	Size          int       `json:"size"`
}

func fileSum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func (s *Store) sidecarPath(key string) string {
	return filepath.Join(s.dir, SidecarDir, key+".meta.json")
}

// readSidecar reads a key's sidecar; a missing or unreadable one is no
// sidecar (the data files are then read as RoSys wrote them: version 1).
func (s *Store) readSidecar(key string) (sidecar, error) {
	b, err := s.fs.ReadFile(s.sidecarPath(key), maxSidecarBytes)
	if err != nil {
		return sidecar{}, err
	}
	var sc sidecar
	if err := json.Unmarshal(b, &sc); err != nil {
		return sidecar{}, fmt.Errorf("sidecar %s: %w", s.sidecarPath(key), err)
	}
	if sc.Format != sidecarFormat || sc.Key != key {
		return sidecar{}, fmt.Errorf("sidecar %s: format %q key %q, expected %q for %q", s.sidecarPath(key), sc.Format, sc.Key, sidecarFormat, key)
	}
	return sc, nil
}

// plainVersion finds the generation of a plain data file (format rosys)
// in its sidecar by checksum. A file the sidecar does not name was written
// by RoSys (or by hand) and is version 1, as every RoSys file.
func (s *Store) plainVersion(key string, b []byte) (generation, bool) {
	sc, err := s.readSidecar(key)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			s.log.Warn("sidecar unreadable; reading the data file as RoSys data (schema version 1)", zap.Error(err))
		}
		return generation{}, false
	}
	sum := fileSum(b)
	for _, g := range sc.Generations {
		if g.SHA256 == sum && g.SchemaVersion >= 1 {
			return g, true
		}
	}
	return generation{}, false
}

// encodeRoSys renders a snapshot as RoSys writes it: the data object
// alone, non-finite strings as Python's bare tokens.
func encodeRoSys(snap any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(snap); err != nil {
		return nil, fmt.Errorf("encode snapshot: %w", err)
	}
	data := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if len(data) == 0 || data[0] != '{' {
		// RoSys' backup() returns a dict; anything else would be
		// quarantined by RoSys and by us on the next start.
		return nil, fmt.Errorf("format rosys: module data must be a JSON object, got %.20s", data)
	}
	return modfile.NonFiniteToTokens(data), nil
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
	if len(gens) > sidecarKeep {
		gens = gens[:sidecarKeep]
	}
	b, err := json.MarshalIndent(sidecar{Format: sidecarFormat, Key: e.key, Generations: gens}, "", "  ")
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
	sc, err := s.readSidecar(e.key)
	if err != nil {
		return
	}
	e.stMu.Lock()
	e.gens = sc.Generations[:min(len(sc.Generations), sidecarKeep)]
	e.stMu.Unlock()
}
