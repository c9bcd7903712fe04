package persistence

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// FuzzDecodeFile: a module file in any state (including a RoSys file and
// migrations from older schemas) never crashes the restore path; it is
// used or rejected.
func FuzzDecodeFile(f *testing.F) {
	f.Add([]byte(`{"format":"rosys-go/1","key":"m","schema_version":1,"data":{"value":1}}`))
	f.Add([]byte(`{"format":"rosys-go/1","key":"m","schema_version":2,"data":{"v":1}}`))
	f.Add([]byte(`{"value": 4.2}`))
	f.Add([]byte(`{"format": 3}`))
	f.Add([]byte(`[1,2]`))
	f.Add([]byte{})
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	for _, v := range []any{map[string]float64{"value": 2}, []int{1, 2}, "s", strings.Repeat("x", 20<<10)} {
		b, err := encodeFile("m", 2, at, v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := decodeFile("m", b)
		// The fast path for files as this package writes them must agree
		// with the general parser on every input.
		slow, slowErr := decodeFileSlow("m", b)
		if (err == nil) != (slowErr == nil) || (err != nil && err.Error() != slowErr.Error()) ||
			!bytes.Equal(st.Data, slow.Data) || st.SchemaVersion != slow.SchemaVersion || !st.SavedAt.Equal(slow.SavedAt) || st.Plain != slow.Plain {
			t.Fatalf("decodeFile = %+v, %v; decodeFileSlow = %+v, %v", st, err, slow, slowErr)
		}
		if err != nil {
			return
		}
		v := NewValue(map[string]float64{"value": 1}, WithSchema(3, map[int]Migration{
			1: func(d json.RawMessage) (json.RawMessage, error) { return d, nil },
			2: func(d json.RawMessage) (json.RawMessage, error) { return d, nil },
		}))
		data := st.Data
		for ver := st.SchemaVersion; ver < 3; ver++ {
			if data, err = v.Migrate(ver, data); err != nil {
				return
			}
		}
		_ = v.Restore(data)
	})
}

// FuzzReadJournal: a segment of any bytes never crashes the reader.
func FuzzReadJournal(f *testing.F) {
	good := append([]byte(segmentMagic), appendRecord(nil, JournalRecord{Kind: RecordInput, Source: "lizard", Data: []byte("core 1 2 3")})...)
	f.Add(good)
	f.Add(good[:len(good)-3])
	f.Add([]byte(segmentMagic + "\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := t.TempDir()
		if err := WriteFileAtomic(dir+"/0000000000000001.seg", b); err != nil {
			t.Fatal(err)
		}
		_ = ReadJournal(context.Background(), dir, func(JournalRecord) error { return nil })
	})
}

// FuzzReadArchive: no upload crashes the importer or gets past it without
// being a valid archive within the limits.
func FuzzReadArchive(f *testing.F) {
	files := map[string][]byte{"model": []byte(`{"format":"rosys-go/1","key":"model","schema_version":1,"data":{"value":1}}`)}
	var buf bytes.Buffer
	_ = writeArchive(&buf, buildManifest(files, "x", fixedTime), files)
	f.Add(buf.Bytes())
	f.Add([]byte(`{"model": {"value": 1}}`))
	f.Add([]byte("\x1f\x8b\x08\x00"))
	lim := Limits{MaxTotal: 1 << 20, MaxFile: 256 << 10, MaxEntries: 64}
	f.Fuzz(func(t *testing.T, b []byte) {
		start := time.Now()
		a, err := ReadArchive(bytes.NewReader(b), lim)
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("an upload of %d bytes took %v to judge", len(b), d)
		}
		if err != nil {
			return
		}
		var total int
		for k, f := range a.Files {
			if ValidateKey(k) != nil {
				t.Fatalf("accepted key %q", k)
			}
			total += len(f)
		}
		if int64(total) > lim.MaxTotal {
			t.Fatalf("accepted %d bytes", total)
		}
	})
}

var fixedTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
