package archive

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gorosys/rosys/persistence/internal/atomicfile"
	"github.com/gorosys/rosys/persistence/internal/modfile"
	"github.com/gorosys/rosys/persistence/vfs"
)

// RollbackDir is the directory, inside the data directory, that keeps the
// state from before each import; the newest rollbackKeep are kept.
const (
	RollbackDir  = "rollback"
	rollbackKeep = 10
)

// WriteRollback archives files into <dir>/rollback and keeps the newest
// rollbackKeep archives.
func WriteRollback(fsys vfs.FS, dir string, files map[string][]byte, now time.Time) (string, error) {
	rdir := filepath.Join(dir, RollbackDir)
	if err := atomicfile.MkdirDurable(fsys, rdir); err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := Write(&buf, Describe(files, "rollback", now), files); err != nil {
		return "", err
	}
	name := "rollback-" + now.UTC().Format("20060102T150405.000Z") + ".tar.gz"
	w := atomicfile.Writer{FS: fsys, Dir: rdir}
	if err := w.Write(name, buf.Bytes()); err != nil {
		return "", fmt.Errorf("write rollback archive: %w", err)
	}
	if err := w.Sync(); err != nil {
		return "", err
	}
	if err := dropDuplicateRollbacks(fsys, rdir, name, stateDigest(files)); err != nil {
		return "", err
	}
	if err := rotate(fsys, rdir, "rollback-", rollbackKeep); err != nil {
		return "", err
	}
	return filepath.Join(rdir, name), nil
}

// stateDigest identifies a set of module files by what they hold: each
// key with its schema version and compacted data, not the save time that
// every flush renews. Two rollback archives with one digest keep the same
// state, and an import whose files have the digest of the current ones
// changes nothing.
func stateDigest(files map[string][]byte) string {
	h := sha256.New()
	for _, k := range slices.Sorted(maps.Keys(files)) {
		h.Write([]byte(k))
		h.Write([]byte{0})
		h.Write(fileContent(k, files[k]))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// fileContent is the part of a module file that is state: version and
// compacted data for a file that decodes, the raw bytes otherwise.
func fileContent(key string, file []byte) []byte {
	st, err := modfile.Decode(key, file)
	if err != nil {
		return file
	}
	var buf bytes.Buffer
	if json.Compact(&buf, st.Data) != nil {
		return file
	}
	return append([]byte{byte(st.SchemaVersion), byte(st.SchemaVersion >> 8)}, dropPointZero(buf.Bytes())...)
}

// dropPointZero writes integral numbers without their ".0" (7.0 as 7):
// both are the same state of a Go module, though Python types them apart
// (module files keep the spelling; see modfile.KeepFloats).
func dropPointZero(b []byte) []byte {
	out := b[:0:0]
	inString, esc := false, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case inString:
			if esc {
				esc = false
			} else if c == '\\' {
				esc = true
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
		case c == '.':
			j := i + 1
			for j < len(b) && b[j] == '0' {
				j++
			}
			if j > i+1 && (j == len(b) || (b[j] != 'e' && b[j] != 'E' && (b[j] < '0' || b[j] > '9'))) {
				i = j - 1
				continue
			}
		}
		out = append(out, c)
	}
	return out
}

// Changes reports whether writing files over current would change any
// module's state.
func Changes(current, files map[string][]byte) bool {
	for k, f := range files {
		cur, ok := current[k]
		if !ok || !bytes.Equal(fileContent(k, cur), fileContent(k, f)) {
			return true
		}
	}
	return false
}

// dropDuplicateRollbacks removes the rollback archives in rdir, other than
// keep, that hold the state with digest: the slots keep distinct states,
// so a run of imports back and forth cannot push every other state out.
// An archive that cannot be read is left alone.
func dropDuplicateRollbacks(fsys vfs.FS, rdir, keep, digest string) error {
	entries, err := fsys.ReadDir(rdir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := e.Name()
		if name == keep || !e.Type().IsRegular() || !strings.HasPrefix(name, "rollback-") || !strings.HasSuffix(name, ".tar.gz") {
			continue
		}
		b, err := fsys.ReadFile(filepath.Join(rdir, name), DefaultLimits.MaxTotal)
		if err != nil {
			continue
		}
		a, err := Read(bytes.NewReader(b), DefaultLimits)
		if err != nil || stateDigest(a.Files) != digest {
			continue
		}
		if err := fsys.Remove(filepath.Join(rdir, name)); err != nil {
			return err
		}
	}
	return nil
}
