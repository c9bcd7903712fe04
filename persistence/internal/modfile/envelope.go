package modfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Format marks a file written by this package. A JSON object without it
// is taken for a plain RoSys file, whose whole content is the data object.
const Format = "rosys-go/1"

// envelope is what a module file holds: readable JSON that names its key,
// schema version and save time, so a person can inspect and copy it.
type envelope struct {
	Format        string          `json:"format"`
	Key           string          `json:"key"`
	SchemaVersion int             `json:"schema_version"`
	SavedAt       time.Time       `json:"saved_at"`
	Data          json.RawMessage `json:"data"`
}

// Head is what decides a file's kind: a plain RoSys data object,
// or one of this package's files.
type Head struct {
	Format        json.RawMessage `json:"format"`
	Key           json.RawMessage `json:"key"`
	SchemaVersion json.RawMessage `json:"schema_version"`
	Data          json.RawMessage `json:"data"`
}

// FormatPrefix starts every format string this project writes (module
// files, manifests, archives), whatever their version.
const FormatPrefix = "rosys-go"

// Ours reports whether a file that is not Format was still written by
// this project: its format names one of ours (any version), or it has the
// envelope's shape (a string format beside key, schema_version and data),
// which no RoSys data object is expected to have.
func (h Head) Ours() (string, bool) {
	var f string
	if len(h.Format) == 0 || json.Unmarshal(h.Format, &f) != nil {
		return "", false // no format, or not a string: RoSys data
	}
	if strings.HasPrefix(f, FormatPrefix) {
		return f, true
	}
	return f, h.Key != nil && h.SchemaVersion != nil && h.Data != nil
}

// Stored is a decoded module file.
type Stored struct {
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

// buffers are reused across writes: a backup cycle of large modules
// otherwise allocates several times their size per cycle, and the garbage
// collector's work competes with the control loop for the CPU. The first
// keptBuffers given back are kept in a free list, which (unlike a
// sync.Pool, emptied by every second collection) survives collections:
// a cycle after a collection would otherwise grow its buffers anew. A
// buffer over keptBufferMax goes to the pool, so what is kept for good
// stays bounded (keptBuffers × keptBufferMax at most).
var (
	freeBuffers = make(chan *bytes.Buffer, keptBuffers)
	buffers     = sync.Pool{New: func() any { return new(bytes.Buffer) }}
)

const (
	// keptBuffers covers a cycle's buffers in flight: the default 4
	// writers, as many encoders, and an indent buffer each.
	keptBuffers   = 16
	keptBufferMax = 4 << 20
)

// encoders are json.Encoders kept with the writer they encode into, set
// for each use: json.NewEncoder allocates.
var encoders = sync.Pool{New: func() any {
	e := &encoder{}
	e.enc = json.NewEncoder(&e.to)
	return e
}}

type encoder struct {
	to  toBuffer
	enc *json.Encoder
}

// toBuffer writes into a buffer set for each use.
type toBuffer struct{ b *bytes.Buffer }

func (t *toBuffer) Write(p []byte) (int, error) { return t.b.Write(p) }

// Encode renders the file for one module snapshot into a new slice.
func Encode(key string, version int, savedAt time.Time, snapshot any) ([]byte, error) {
	var out bytes.Buffer
	if err := EncodeTo(&out, key, version, savedAt, snapshot); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// EncodeTo appends the file for one module snapshot to out. A value that
// cannot be encoded fails here, on the backup goroutine, and leaves out as
// it was: a file is only ever written from a complete encoding.
//
// The data is encoded straight into out, after the envelope's head, so a
// large module is copied once (from encoding/json's buffer into out), not
// twice. For data up to indentLimit the output is what json.MarshalIndent
// of the envelope gives (a test holds it to that), built in one pass over
// the data instead of three.
func EncodeTo(out *bytes.Buffer, key string, version int, savedAt time.Time, snapshot any) error {
	return EncodeToKinds(out, key, version, savedAt, snapshot, nil)
}

// EncodeToKinds is EncodeTo keeping the number kinds of the data the
// module was restored from (see KeepFloats).
func EncodeToKinds(out *bytes.Buffer, key string, version int, savedAt time.Time, snapshot any, kinds NumberKinds) error {
	at := savedAt.UTC()
	if y := at.Year(); y < 0 || y > 9999 {
		// As time.Time.MarshalJSON refuses it.
		return fmt.Errorf("encode file: saved_at year %d outside of [0,9999]", y)
	}
	start := out.Len()
	out.WriteString("{\n  \"format\": \"" + Format + "\",\n  \"key\": ")
	if err := appendJSONString(out, key); err != nil {
		out.Truncate(start)
		return fmt.Errorf("encode file: %w", err)
	}
	out.WriteString(",\n  \"schema_version\": ")
	out.Write(strconv.AppendInt(out.AvailableBuffer(), int64(version), 10))
	out.WriteString(",\n  \"saved_at\": ")
	// time.Time.MarshalJSON's form (RFC 3339 with nanoseconds, quoted),
	// appended in place instead of into a new slice.
	out.Write(append(at.AppendFormat(append(out.AvailableBuffer(), '"'), time.RFC3339Nano), '"'))
	out.WriteString(",\n  \"data\": ")
	head := out.Len()
	e := encoders.Get().(*encoder)
	e.to.b = out
	err := e.enc.Encode(snapshot)
	e.to.b = nil
	encoders.Put(e)
	if err != nil {
		out.Truncate(start)
		return fmt.Errorf("encode snapshot: %w", err)
	}
	out.Truncate(out.Len() - 1) // the Encoder's newline
	// Floats stay floats: 7.0, not 7 (see KeepFloats).
	if kept := KeepFloats(snapshot, out.Bytes()[head:], true, kinds); len(kept) != out.Len()-head {
		kept = bytes.Clone(kept)
		out.Truncate(head)
		out.Write(kept)
	}
	if n := out.Len() - head; n <= indentLimit {
		buf := GetBuffer()
		defer PutBuffer(buf)
		buf.Reset()
		buf.Write(out.Bytes()[head:])
		out.Truncate(head)
		if err := json.Indent(out, buf.Bytes(), "  ", "  "); err != nil {
			out.Truncate(start)
			return fmt.Errorf("encode file: %w", err)
		}
	}
	out.WriteString("\n}\n")
	return nil
}

// Decode parses a module file written by this package or by RoSys.
func Decode(key string, b []byte) (Stored, error) {
	if st, ok := decodeOwn(key, bytes.TrimSpace(b)); ok {
		return st, nil
	}
	return decodeSlow(key, b)
}

// ownPrefix is how every file EncodeTo writes begins, and dataMarker what
// comes before its data, the last field.
const (
	ownPrefix  = "{\n  \"format\": \"" + Format + "\",\n"
	dataMarker = ",\n  \"data\": "
)

// decodeOwn parses a file laid out as EncodeTo writes it with one pass over
// its data (json.Valid) instead of three (the non-finite scan, the head,
// the envelope): only the small header before the data is decoded. A
// literal newline cannot occur inside a JSON string, so the first
// dataMarker is the data field's. It reports false, and Decode falls back
// to decodeSlow, for any other layout and for every file that does not
// restore cleanly (bare NaN tokens make the data invalid JSON, so they
// take the slow path too); the slow path then names the error. A fuzz
// target holds the two to the same result on every input.
func decodeOwn(key string, b []byte) (Stored, bool) {
	if !bytes.HasPrefix(b, []byte(ownPrefix)) || b[len(b)-1] != '}' {
		return Stored{}, false
	}
	i := bytes.Index(b, []byte(dataMarker))
	if i < 0 {
		return Stored{}, false
	}
	data := bytes.Trim(b[i+len(dataMarker):len(b)-1], " \t\r\n") // JSON's whitespace only
	if len(data) == 0 || string(data) == "null" || !json.Valid(data) {
		return Stored{}, false
	}
	head := append(b[:i:i], '}') // a copy: the capacity ends at i
	var env envelope
	var raw Head
	if json.Unmarshal(head, &raw) != nil || raw.Data != nil || json.Unmarshal(head, &env) != nil {
		return Stored{}, false
	}
	if env.Format != Format || env.Key != key || env.SchemaVersion < 1 {
		return Stored{}, false
	}
	return Stored{Data: data, SchemaVersion: env.SchemaVersion, SavedAt: env.SavedAt}, true
}

// decodeSlow parses any module file: ours, ours of an unknown format, or a
// plain RoSys data object (with Python's non-finite tokens).
func decodeSlow(key string, b []byte) (Stored, error) {
	trimmed := bytes.TrimSpace(b)
	if len(trimmed) == 0 {
		return Stored{}, errors.New("file is empty")
	}
	if trimmed[0] != '{' {
		return Stored{}, errors.New("file does not hold a JSON object")
	}
	// Python's json writes NaN, Infinity and -Infinity as bare tokens;
	// they become strings here (see nonfinite.go for the rule).
	trimmed, err := NonFiniteToStrings(trimmed)
	if err != nil {
		return Stored{}, fmt.Errorf("parse JSON: %w", err)
	}
	// Format is decoded as raw JSON so that a plain RoSys data object that
	// happens to have a non-string "format" field still restores.
	var head Head
	if err = json.Unmarshal(trimmed, &head); err != nil {
		return Stored{}, fmt.Errorf("parse JSON: %w", err)
	}
	if string(head.Format) != `"`+Format+`"` {
		if f, ours := head.Ours(); ours {
			// Ours, but a format or version this program does not know
			// (a newer program wrote it): never guessed to be plain data,
			// which would restore defaults and overwrite it.
			return Stored{}, fmt.Errorf("%w: format %q, this program reads %q", ErrUnknownFormat, f, Format)
		}
		return Stored{Data: json.RawMessage(trimmed), SchemaVersion: 1, Plain: true}, nil
	}
	var env envelope
	if err := json.Unmarshal(trimmed, &env); err != nil {
		return Stored{}, fmt.Errorf("parse %s envelope: %w", Format, err)
	}
	switch {
	case env.Key != key:
		return Stored{}, fmt.Errorf("file holds module %q, not %q", env.Key, key)
	case env.SchemaVersion < 1:
		return Stored{}, fmt.Errorf("schema_version %d is not a version (they start at 1)", env.SchemaVersion)
	case len(env.Data) == 0 || string(env.Data) == "null":
		return Stored{}, errors.New(`file has no "data"`)
	}
	return Stored{Data: env.Data, SchemaVersion: env.SchemaVersion, SavedAt: env.SavedAt}, nil
}

// GetBuffer takes a buffer from the pool EncodeTo uses; give it back with
// PutBuffer.
func GetBuffer() *bytes.Buffer {
	select {
	case b := <-freeBuffers:
		return b
	default:
		return buffers.Get().(*bytes.Buffer)
	}
}

// PutBuffer returns a buffer taken with GetBuffer.
func PutBuffer(b *bytes.Buffer) {
	if b.Cap() <= keptBufferMax {
		select {
		case freeBuffers <- b:
			return
		default:
		}
	}
	buffers.Put(b)
}

// appendJSONString appends s as json.Marshal writes it. Module keys are
// plain ASCII (ValidateKey), written as they are; anything else goes
// through json.Marshal.
func appendJSONString(out *bytes.Buffer, s string) error {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, err := json.Marshal(s)
			if err != nil {
				return err
			}
			out.Write(b)
			return nil
		}
	}
	out.WriteByte('"')
	out.WriteString(s)
	out.WriteByte('"')
	return nil
}
