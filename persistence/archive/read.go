package archive

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/gorosys/rosys/persistence/internal/modfile"
)

// Limits bound what Read accepts, so a hostile or broken upload
// cannot exhaust memory (a gzip bomb) or disk.
type Limits struct {
	MaxTotal   int64 // all module files together, uncompressed
	MaxFile    int64 // one file
	MaxEntries int
}

// DefaultLimits suit a robot's settings and calibrations.
var DefaultLimits = Limits{MaxTotal: 64 << 20, MaxFile: 16 << 20, MaxEntries: 10000}

// Archive is a validated archive, ready to import.
type Archive struct {
	Manifest Manifest
	// Files maps each key to its module file, as stored (RoSys data is
	// wrapped in this package's file format).
	Files map[string][]byte
	// RoSys is set for a RoSys export.json.
	RoSys bool
}

// Read reads and validates a whole archive before anything is
// imported: a .tar.gz written by Export, or a RoSys export.json (one JSON
// object {key: data}). Every problem is an error wrapping
// ErrInvalid and naming the entry.
func Read(r io.Reader, lim Limits) (*Archive, error) {
	br := bufio.NewReader(r)
	head, _ := br.Peek(2)
	if len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		return readTarGz(br, lim)
	}
	return readRoSysExport(br, lim)
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// ErrTooLarge is wrapped, beside ErrInvalid, by the errors
// of an archive over Limits (the HTTP API answers 413 for it).
var ErrTooLarge = errors.New("archive over the size limits")

func tooLarge(format string, args ...any) error {
	return fmt.Errorf("%w: %w: %s", ErrInvalid, ErrTooLarge, fmt.Sprintf(format, args...))
}

func readTarGz(r io.Reader, lim Limits) (*Archive, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, invalid("not gzip: %v", err)
	}
	// Headers cost 512 bytes or more each; the bound stops a gzip bomb
	// however its bytes are spread.
	budget := lim.MaxTotal + int64(lim.MaxEntries+2)*1024 + 1<<20
	lr := &io.LimitedReader{R: gz, N: budget}
	tr := tar.NewReader(lr)
	raw := map[string][]byte{}
	var total int64
	for n := 0; ; n++ {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if lr.N <= 0 {
				return nil, tooLarge("archive expands beyond %d bytes", budget)
			}
			return nil, invalid("corrupt tar after %d entries: %v", n, err)
		}
		if n >= lim.MaxEntries {
			return nil, tooLarge("more than %d entries", lim.MaxEntries)
		}
		name := h.Name
		if err := checkEntryName(name); err != nil {
			return nil, invalid("entry %q: %v", name, err)
		}
		if h.Typeflag != tar.TypeReg {
			return nil, invalid("entry %q is a %s; only regular files are allowed", name, typeName(h.Typeflag))
		}
		if _, dup := raw[name]; dup {
			return nil, invalid("entry %q appears twice", name)
		}
		if h.Size > lim.MaxFile {
			return nil, tooLarge("entry %q is %d bytes, more than the %d allowed", name, h.Size, lim.MaxFile)
		}
		if total += h.Size; total > lim.MaxTotal {
			return nil, tooLarge("files add up to more than %d bytes", lim.MaxTotal)
		}
		b, err := io.ReadAll(io.LimitReader(tr, lim.MaxFile+1))
		if err != nil || int64(len(b)) != h.Size {
			return nil, invalid("entry %q is truncated", name)
		}
		raw[name] = b
	}
	if _, err := io.Copy(io.Discard, lr); err != nil {
		return nil, invalid("corrupt gzip stream: %v", err)
	}
	mb, ok := raw[archiveManifest]
	if !ok {
		return nil, invalid("no %s", archiveManifest)
	}
	var m Manifest
	if err := json.Unmarshal(mb, &m); err != nil {
		return nil, invalid("%s: %v", archiveManifest, err)
	}
	if m.Format != Format {
		return nil, invalid("%s: format %q, want %q", archiveManifest, m.Format, Format)
	}
	a := &Archive{Manifest: m, Files: map[string][]byte{}}
	for _, f := range m.Files {
		if err := modfile.ValidateKey(f.Key); err != nil {
			return nil, invalid("%s: %v", archiveManifest, err)
		}
		if f.Path != archiveModules+f.Key+".json" {
			return nil, invalid("%s: module %q has path %q", archiveManifest, f.Key, f.Path)
		}
		if _, dup := a.Files[f.Key]; dup {
			return nil, invalid("%s: module %q listed twice", archiveManifest, f.Key)
		}
		b, ok := raw[f.Path]
		if !ok {
			return nil, invalid("entry %q is in the manifest but not in the archive", f.Path)
		}
		sum := sha256.Sum256(b)
		if int64(len(b)) != f.Size || hex.EncodeToString(sum[:]) != f.SHA256 {
			return nil, invalid("entry %q does not match its checksum in the manifest", f.Path)
		}
		st, err := modfile.Decode(f.Key, b)
		if err != nil {
			return nil, invalid("entry %q: %v", f.Path, err)
		}
		if err := checkDuplicateKeys(b); err != nil {
			return nil, invalid("entry %q: %v", f.Path, err)
		}
		if st.SchemaVersion != f.SchemaVersion {
			return nil, invalid("entry %q has schema version %d, the manifest says %d", f.Path, st.SchemaVersion, f.SchemaVersion)
		}
		a.Files[f.Key] = b
	}
	for name := range raw {
		if key, ok := strings.CutPrefix(name, archiveModules); ok {
			if _, listed := a.Files[strings.TrimSuffix(key, ".json")]; !listed {
				return nil, invalid("entry %q is not in the manifest", name)
			}
		}
	}
	return a, nil
}

// checkEntryName allows only manifest.json and modules/<key>.json: no
// absolute paths, no "..", nothing that could land outside the data
// directory or overwrite anything but a module file.
func checkEntryName(name string) error {
	switch {
	case strings.HasPrefix(name, "/"):
		return errors.New("absolute path")
	case slices.Contains(strings.Split(name, "/"), ".."), strings.Contains(name, `\`):
		return errors.New(`path with ".." or "\"`)
	case path.Clean(name) != strings.TrimSuffix(name, "/") && name != archiveModules:
		return errors.New("path is not clean")
	case name == archiveManifest, name == archiveModules:
		return nil
	}
	key, ok := strings.CutPrefix(name, archiveModules)
	key, ok2 := strings.CutSuffix(key, ".json")
	if !ok || !ok2 || modfile.ValidateName(key) != nil {
		return errors.New("not manifest.json or modules/<key>.json")
	}
	// A safe name, but a key the store keeps for its own files: say which
	// and why, not only that the name is wrong.
	return modfile.ValidateKey(key)
}

func typeName(t byte) string {
	switch t {
	case tar.TypeSymlink:
		return "symbolic link"
	case tar.TypeLink:
		return "hard link"
	case tar.TypeChar, tar.TypeBlock:
		return "device"
	case tar.TypeDir:
		return "directory"
	case tar.TypeFifo:
		return "named pipe"
	}
	return fmt.Sprintf("tar type %q", t)
}

// readRoSysExport reads RoSys' export.json: {key: data, ...}.
func readRoSysExport(r io.Reader, lim Limits) (*Archive, error) {
	b, err := io.ReadAll(io.LimitReader(r, lim.MaxTotal+1))
	if err != nil {
		return nil, fmt.Errorf("%w: read: %w", ErrInvalid, err)
	}
	if int64(len(b)) > lim.MaxTotal {
		return nil, tooLarge("more than %d bytes", lim.MaxTotal)
	}
	if t := bytes.TrimSpace(b); len(t) == 0 || t[0] != '{' {
		return nil, invalid("neither a .tar.gz export nor a RoSys export.json (a JSON object)")
	}
	// Python writes NaN and infinities as bare tokens (modfile's rule).
	if b, err = modfile.NonFiniteToStrings(b); err != nil {
		return nil, invalid("RoSys export.json: %v", err)
	}
	var head modfile.Head
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, invalid("RoSys export.json: %v", err)
	}
	if f, ours := head.Ours(); ours {
		// A module file, a manifest or an archive manifest of ours (any
		// version) is not a RoSys export: read as one, its fields would
		// become modules named "format", "key" and "data".
		return nil, invalid("a rosys-go file (format %q), not a .tar.gz export nor a RoSys export.json", f)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil {
		return nil, invalid("RoSys export.json: %v", err)
	}
	if err := checkDuplicateKeys(b); err != nil {
		return nil, invalid("RoSys export.json: %v", err)
	}
	a := &Archive{RoSys: true, Files: map[string][]byte{}}
	now := time.Now()
	versions := rosysJSONVersions(obj)
	for _, key := range slices.Sorted(maps.Keys(obj)) {
		if err := modfile.ValidateKey(key); err != nil {
			return nil, invalid("RoSys export.json: %v", err)
		}
		if string(obj[key]) == "null" {
			return nil, invalid("RoSys export.json: module %q has no data", key)
		}
		if err := json.Unmarshal(obj[key], &head); err == nil {
			if f, ours := head.Ours(); ours {
				return nil, invalid("RoSys export.json: module %q holds a rosys-go file (format %q), not RoSys data", key, f)
			}
		}
		version := 1 // RoSys data has no schema version
		if v, ok := versions[key]; ok && v >= 1 {
			version = v
		}
		f, err := modfile.Encode(key, version, now, obj[key])
		if err != nil {
			return nil, invalid("RoSys export.json: module %q: %v", key, err)
		}
		a.Files[key] = f
	}
	a.Manifest = Describe(a.Files, "", now)
	return a, nil
}
