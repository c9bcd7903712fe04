package persistence

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// fileFormat marks a file written by this package. A JSON object without it
// is taken for a plain RoSys file, whose whole content is the data object.
const fileFormat = "rosys-go/1"

// envelope is what a module file holds: readable JSON that names its key,
// schema version and save time, so a person can inspect and copy it.
type envelope struct {
	Format        string          `json:"format"`
	Key           string          `json:"key"`
	SchemaVersion int             `json:"schema_version"`
	SavedAt       time.Time       `json:"saved_at"`
	Data          json.RawMessage `json:"data"`
}

// stored is a decoded module file.
type stored struct {
	Data          json.RawMessage
	SchemaVersion int
	SavedAt       time.Time // zero for plain RoSys files
	Plain         bool
}

// indentLimit is the largest encoded snapshot whose data is indented.
// Larger data is written compact: indenting is a second pass over every
// byte (a third of the cost of a 64 KiB module) for text nobody reads by
// eye; the envelope around it stays indented either way.
const indentLimit = 16 << 10

// encodeBuffers are reused across writes: a backup cycle of large modules
// otherwise allocates several times their size per cycle, and the garbage
// collector's work competes with the control loop for the CPU.
var encodeBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// encodeFile renders the file for one module snapshot into a new slice.
func encodeFile(key string, version int, savedAt time.Time, snapshot any) ([]byte, error) {
	var out bytes.Buffer
	if err := encodeFileTo(&out, key, version, savedAt, snapshot); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// encodeFileTo renders the file for one module snapshot into out. Data is
// encoded first so that a value that cannot be encoded fails here, on the
// backup goroutine, and never produces a partial file.
//
// For data up to indentLimit the output is what json.MarshalIndent of the
// envelope gives (a test holds it to that), built in one pass over the
// data instead of three.
func encodeFileTo(out *bytes.Buffer, key string, version int, savedAt time.Time, snapshot any) error {
	buf := encodeBuffers.Get().(*bytes.Buffer)
	defer encodeBuffers.Put(buf)
	buf.Reset()
	if err := json.NewEncoder(buf).Encode(snapshot); err != nil {
		return fmt.Errorf("encode snapshot: %w", err)
	}
	data := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	k, err := json.Marshal(key)
	if err != nil {
		return fmt.Errorf("encode file: %w", err)
	}
	at, err := savedAt.UTC().MarshalJSON()
	if err != nil {
		return fmt.Errorf("encode file: %w", err)
	}
	out.Grow(len(data) + len(data)/8 + 160)
	out.WriteString("{\n  \"format\": \"" + fileFormat + "\",\n  \"key\": ")
	out.Write(k)
	out.WriteString(",\n  \"schema_version\": ")
	out.WriteString(strconv.Itoa(version))
	out.WriteString(",\n  \"saved_at\": ")
	out.Write(at)
	out.WriteString(",\n  \"data\": ")
	if len(data) <= indentLimit {
		if err := json.Indent(out, data, "  ", "  "); err != nil {
			return fmt.Errorf("encode file: %w", err)
		}
	} else {
		out.Write(data)
	}
	out.WriteString("\n}\n")
	return nil
}

// ownPrefix is how every file encodeFileTo writes begins, and dataMarker
// what comes before its data, the last field.
const (
	ownPrefix  = "{\n  \"format\": \"" + fileFormat + "\",\n"
	dataMarker = ",\n  \"data\": "
)

// decodeFile parses a module file written by this package or by RoSys.
// Files as this package writes them take a faster path (decodeOwnFile);
// anything else, and any file the fast path has a doubt about, is parsed
// by decodeFileSlow, so both give the same result for every input (a
// fuzz target holds them to it).
func decodeFile(key string, b []byte) (stored, error) {
	if st, ok := decodeOwnFile(key, bytes.TrimSpace(b)); ok {
		return st, nil
	}
	return decodeFileSlow(key, b)
}

// decodeOwnFile parses a file laid out as encodeFileTo writes it with one
// pass over its data (json.Valid) instead of two: the small header before
// the data is decoded on its own. A literal newline cannot occur inside a
// JSON string, so the first dataMarker is the data field's. It reports
// false, and the caller falls back, for any other layout and for every
// file that does not restore (the slow path then names the error).
func decodeOwnFile(key string, b []byte) (stored, bool) {
	if !bytes.HasPrefix(b, []byte(ownPrefix)) || b[len(b)-1] != '}' {
		return stored{}, false
	}
	i := bytes.Index(b, []byte(dataMarker))
	if i < 0 {
		return stored{}, false
	}
	data := bytes.Trim(b[i+len(dataMarker):len(b)-1], " \t\r\n") // JSON's whitespace only
	if !json.Valid(data) {
		return stored{}, false
	}
	head := append(b[:i:i], '}') // a copy: the capacity ends at i
	var raw rawEnvelope
	if err := json.Unmarshal(head, &raw); err != nil || raw.Data != nil {
		return stored{}, false
	}
	raw.Data = data
	st, err := raw.stored(key)
	return st, err == nil
}

// rawEnvelope is a file's top-level fields, each as raw JSON.
type rawEnvelope struct {
	Format        json.RawMessage `json:"format"`
	Key           json.RawMessage `json:"key"`
	SchemaVersion json.RawMessage `json:"schema_version"`
	SavedAt       json.RawMessage `json:"saved_at"`
	Data          json.RawMessage `json:"data"`
}

// decodeFileSlow parses any module file.
//
// One json.Unmarshal captures every envelope field as raw JSON (which
// accepts any value, so a plain RoSys data object with a "format" or "key"
// field of its own still parses), and only the small fields are decoded
// again: restoring reads each file's bytes twice (validate, then decode)
// instead of four times, the larger part of start-up with many modules.
func decodeFileSlow(key string, b []byte) (stored, error) {
	trimmed := bytes.TrimSpace(b)
	if len(trimmed) == 0 {
		return stored{}, errors.New("file is empty")
	}
	if trimmed[0] != '{' {
		return stored{}, errors.New("file does not hold a JSON object")
	}
	var raw rawEnvelope
	if err := json.Unmarshal(trimmed, &raw); err != nil {
		return stored{}, fmt.Errorf("parse JSON: %w", err)
	}
	if string(raw.Format) != `"`+fileFormat+`"` {
		return stored{Data: json.RawMessage(trimmed), SchemaVersion: 1, Plain: true}, nil
	}
	return raw.stored(key)
}

// stored checks and decodes the envelope of a rosys-go file.
func (raw rawEnvelope) stored(key string) (stored, error) {
	if string(raw.Format) != `"`+fileFormat+`"` {
		return stored{}, fmt.Errorf("format %s is not %q", raw.Format, fileFormat)
	}
	var env envelope
	for _, f := range []struct {
		name string
		raw  json.RawMessage
		dst  any
	}{{"key", raw.Key, &env.Key}, {"schema_version", raw.SchemaVersion, &env.SchemaVersion}, {"saved_at", raw.SavedAt, &env.SavedAt}} {
		if len(f.raw) == 0 {
			continue // absent: the zero value, as a struct field would keep
		}
		if err := json.Unmarshal(f.raw, f.dst); err != nil {
			return stored{}, fmt.Errorf("parse %s envelope: field %s: %w", fileFormat, f.name, err)
		}
	}
	env.Data = raw.Data
	switch {
	case env.Key != key:
		return stored{}, fmt.Errorf("file holds module %q, not %q", env.Key, key)
	case env.SchemaVersion < 1:
		return stored{}, fmt.Errorf("schema_version %d is not a version (they start at 1)", env.SchemaVersion)
	case len(env.Data) == 0 || string(env.Data) == "null":
		return stored{}, errors.New(`file has no "data"`)
	}
	return stored{Data: env.Data, SchemaVersion: env.SchemaVersion, SavedAt: env.SavedAt}, nil
}
