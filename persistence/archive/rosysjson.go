package archive

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/gorosys/rosys/persistence/internal/modfile"
	"github.com/gorosys/rosys/persistence/vfs"
)

// RoSys' export.json (rosys backup export --format rosys-json, GET
// /api/export?format=rosys-json) is one JSON object {key: data}, indented
// by four spaces as RoSys' export_all writes it, NaN and infinities as
// Python's bare tokens. RoSys' import_all restores every registered module
// whose key it finds and skips the rest.
//
// RoSys keeps no schema versions. So that a rosys-go robot importing the
// file again does not migrate current data, the versions go into one more
// entry, MetaKey, which RoSys' import_all skips (no module has that key).

// MetaKey is the export.json entry with this program's schema versions.
const MetaKey = "_rosys_go"

const rosysJSONFormat = "rosys-go-export/1"

type rosysJSONMeta struct {
	Format         string         `json:"format"`
	Robot          string         `json:"robot,omitempty"`
	CreatedAt      time.Time      `json:"created_at"`
	SchemaVersions map[string]int `json:"schema_versions"`
}

// WriteRoSysJSON writes module files (key → file as stored) as RoSys'
// export.json. A file that cannot be decoded fails the export, naming it.
func WriteRoSysJSON(w io.Writer, files map[string][]byte, robot string, now time.Time) error {
	meta := rosysJSONMeta{Format: rosysJSONFormat, Robot: robot, CreatedAt: now.UTC(), SchemaVersions: map[string]int{}}
	var body bytes.Buffer
	body.WriteString("{")
	for i, key := range slices.Sorted(maps.Keys(files)) {
		st, err := modfile.Decode(key, files[key])
		if err != nil {
			return fmt.Errorf("module %q: %w", key, err)
		}
		meta.SchemaVersions[key] = st.SchemaVersion
		if i > 0 {
			body.WriteString(",")
		}
		writeEntry(&body, key, st.Data)
	}
	mb, err := json.Marshal(meta)
	if err != nil {
		return err
	}
	if len(files) > 0 {
		body.WriteString(",")
	}
	writeEntry(&body, MetaKey, mb)
	body.WriteString("\n}")
	_, err = w.Write(modfile.NonFiniteToTokens(body.Bytes()))
	return err
}

func writeEntry(body *bytes.Buffer, key string, data []byte) {
	k, _ := json.Marshal(key)
	body.WriteString("\n    ")
	body.Write(k)
	body.WriteString(": ")
	if err := json.Indent(body, data, "    ", "    "); err != nil {
		body.Write(data) // Decode gave valid JSON; never reached
	}
}

// ExportDirRoSysJSON is ExportDir writing RoSys' export.json.
func ExportDirRoSysJSON(dir string, w io.Writer, robot string, now time.Time) (int, error) {
	lock, err := LockDir(vfs.OS{}, dir, now)
	if err != nil {
		return 0, err
	}
	defer lock.Close()
	files, err := modfile.ReadDir(vfs.OS{}, dir, modfile.DefaultMaxBytes)
	if err != nil {
		return 0, err
	}
	return len(files), WriteRoSysJSON(w, files, robot, now)
}

// rosysJSONVersions takes MetaKey out of a RoSys export object: the
// schema versions of a file this program wrote, or nil for RoSys' own.
func rosysJSONVersions(obj map[string]json.RawMessage) map[string]int {
	raw, ok := obj[MetaKey]
	if !ok {
		return nil
	}
	var m rosysJSONMeta
	if json.Unmarshal(raw, &m) != nil || m.Format != rosysJSONFormat {
		return nil // a RoSys module that happens to use the key
	}
	delete(obj, MetaKey)
	return m.SchemaVersions
}
