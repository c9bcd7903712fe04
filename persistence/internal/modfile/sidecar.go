package modfile

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"time"

	"github.com/gorosys/rosys/persistence/internal/atomicfile"
	"github.com/gorosys/rosys/persistence/vfs"
)

// Format rosys (robot.yaml persistence.format: rosys) writes <key>.json as
// RoSys does, the data object alone, and keeps what the file cannot say in
// a sidecar, <dir>/.rosys-go/<key>.meta.json. RoSys never looks there.

// SidecarDir is the directory of the sidecars inside a data directory. A
// data directory that has it is in format rosys.
const SidecarDir = ".rosys-go"

// SidecarFormat marks a sidecar file.
const SidecarFormat = "rosys-go/meta/1"

// SidecarKeep is how many generations a sidecar names: the file being
// written, the current one and the one before (which may be the .prev).
const SidecarKeep = 3

// MaxSidecarBytes bounds a sidecar read.
const MaxSidecarBytes = 16 << 10

// Sidecar is what a data file of format rosys alone cannot say: the
// schema version and save time of each recent generation, identified by
// the SHA-256 of the data file's bytes, newest first.
type Sidecar struct {
	Format      string       `json:"format"`
	Key         string       `json:"key"`
	Generations []Generation `json:"generations"`
}

// Generation is one data file a sidecar names.
type Generation struct {
	SHA256        string    `json:"sha256"`
	SchemaVersion int       `json:"schema_version"`
	SavedAt       time.Time `json:"saved_at"`
	Size          int       `json:"size"`
}

// Sum is the checksum a sidecar names a data file by.
func Sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// SidecarPath is the sidecar of key in the data directory dir.
func SidecarPath(dir, key string) string { return filepath.Join(dir, SidecarDir, key+".meta.json") }

// ReadSidecar reads and checks key's sidecar in dir.
func ReadSidecar(fsys vfs.FS, dir, key string) (Sidecar, error) {
	path := SidecarPath(dir, key)
	b, err := fsys.ReadFile(path, MaxSidecarBytes)
	if err != nil {
		return Sidecar{}, err
	}
	var sc Sidecar
	if err := json.Unmarshal(b, &sc); err != nil {
		return Sidecar{}, fmt.Errorf("sidecar %s: %w", path, err)
	}
	if sc.Format != SidecarFormat || sc.Key != key {
		return Sidecar{}, fmt.Errorf("sidecar %s: format %q key %q, expected %q for %q", path, sc.Format, sc.Key, SidecarFormat, key)
	}
	if len(sc.Generations) > SidecarKeep {
		sc.Generations = sc.Generations[:SidecarKeep]
	}
	return sc, nil
}

// Find is the generation whose data file is b.
func (sc Sidecar) Find(b []byte) (Generation, bool) {
	sum := Sum(b)
	for _, g := range sc.Generations {
		if g.SHA256 == sum && g.SchemaVersion >= 1 {
			return g, true
		}
	}
	return Generation{}, false
}

// EncodeSidecar renders key's sidecar naming gens (newest first, at most
// SidecarKeep kept).
func EncodeSidecar(key string, gens []Generation) ([]byte, error) {
	if len(gens) > SidecarKeep {
		gens = gens[:SidecarKeep]
	}
	return json.MarshalIndent(Sidecar{Format: SidecarFormat, Key: key, Generations: gens}, "", "  ")
}

// EncodePlain renders a snapshot as RoSys writes it: the data object
// alone, the strings "NaN", "Infinity" and "-Infinity" as Python's bare
// tokens (see nonfinite.go).
func EncodePlain(snap any) ([]byte, error) { return EncodePlainKinds(snap, nil) }

// EncodePlainKinds is EncodePlain keeping the number kinds of the data the
// module was restored from (see KeepFloats).
func EncodePlainKinds(snap any, kinds NumberKinds) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(snap); err != nil {
		return nil, fmt.Errorf("encode snapshot: %w", err)
	}
	data := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	data = KeepFloats(snap, data, false, kinds) // 7.0 stays 7.0, as RoSys wrote it
	if len(data) == 0 || data[0] != '{' {
		// RoSys' backup returns a dict; anything else RoSys, and we on
		// the next start, would take for a damaged file.
		return nil, fmt.Errorf("format rosys: module data must be a JSON object, got %.20s", data)
	}
	return NonFiniteToTokens(data), nil
}

// IsRoSysDir reports whether dir is written in format rosys: it has the
// sidecar directory.
func IsRoSysDir(fsys vfs.FS, dir string) bool {
	fi, err := fsys.Lstat(filepath.Join(dir, SidecarDir))
	return err == nil && fi.IsDir()
}

// WriteDirPlain writes module files (as Decode reads them: envelopes or
// RoSys data) into dir in format rosys: every sidecar first, made durable,
// then the data files, then the directory. A crash between the two steps
// leaves data files their sidecars still name (the generations before are
// kept), so no file is ever read at the wrong schema version.
func WriteDirPlain(fsys vfs.FS, dir string, files map[string][]byte, now time.Time) error {
	if err := validateKeys(files); err != nil {
		return err
	}
	if len(files) == 0 {
		return nil
	}
	side := atomicfile.Writer{FS: fsys, Dir: filepath.Join(dir, SidecarDir)}
	if err := atomicfile.MkdirDurable(fsys, side.Dir); err != nil {
		return err
	}
	keys := slices.Sorted(maps.Keys(files))
	plain := make(map[string][]byte, len(files))
	for _, key := range keys {
		st, err := Decode(key, files[key])
		if err != nil {
			return fmt.Errorf("module %q: %w", key, err)
		}
		var data any = json.RawMessage(st.Data)
		b, err := EncodePlain(data)
		if err != nil {
			return fmt.Errorf("module %q: %w", key, err)
		}
		plain[key] = b
		var gens []Generation
		if sc, err := ReadSidecar(fsys, dir, key); err == nil {
			gens = sc.Generations
		}
		at := st.SavedAt
		if at.IsZero() {
			at = now
		}
		g := Generation{SHA256: Sum(b), SchemaVersion: st.SchemaVersion, SavedAt: at.UTC(), Size: len(b)}
		sb, err := EncodeSidecar(key, append([]Generation{g}, gens...))
		if err != nil {
			return err
		}
		if err := side.Write(key+".meta.json", sb); err != nil {
			return fmt.Errorf("write sidecar of %q: %w", key, err)
		}
	}
	if err := side.Sync(); err != nil {
		return err
	}
	w := atomicfile.Writer{FS: fsys, Dir: dir, KeepPrev: true}
	for _, key := range keys {
		if err := w.Write(key+".json", plain[key]); err != nil {
			return fmt.Errorf("write module %q: %w", key, err)
		}
	}
	return w.Sync()
}
