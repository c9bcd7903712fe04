package modfile

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// FuzzDecodeFastPath holds the fast path for files as EncodeTo writes them
// (decodeOwn) to the general parser (decodeSlow): on every input Decode
// gives what decodeSlow gives, value and error alike.
func FuzzDecodeFastPath(f *testing.F) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	for _, v := range []any{map[string]float64{"value": 2}, []int{1, 2}, "s", nil, strings.Repeat("x", 20<<10)} {
		b, err := Encode("m", 2, at, v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(bytes.Replace(b, []byte(`"key": "m"`), []byte(`"key": "n"`), 1))
		f.Add(bytes.Replace(b, []byte(`"schema_version": 2`), []byte(`"schema_version": 0`), 1))
	}
	f.Add([]byte("{\n  \"format\": \"rosys-go/1\",\n  \"key\": \"m\",\n  \"schema_version\": 1,\n  \"saved_at\": \"2026-01-02T03:04:05Z\",\n  \"data\": {\"v\": NaN}\n}"))
	f.Add([]byte("{\n  \"format\": \"rosys-go/1\",\n  \"key\": \"m\",\n  \"data\": 1,\n  \"data\": 2\n}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := Decode("m", b)
		slow, slowErr := decodeSlow("m", b)
		if (err == nil) != (slowErr == nil) || (err != nil && err.Error() != slowErr.Error()) ||
			!bytes.Equal(st.Data, slow.Data) || st.SchemaVersion != slow.SchemaVersion || !st.SavedAt.Equal(slow.SavedAt) || st.Plain != slow.Plain {
			t.Fatalf("Decode = %+v, %v; decodeSlow = %+v, %v", st, err, slow, slowErr)
		}
	})
}

// TestDecodeTakesTheFastPath: every file EncodeTo writes (indented and
// compact data) is decoded by decodeOwn, so start-up reads them in one pass.
func TestDecodeTakesTheFastPath(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	for _, v := range []any{map[string]float64{"value": 2}, []int{1, 2}, "s", strings.Repeat("x", 20<<10)} {
		b, err := Encode("m", 3, at, v)
		if err != nil {
			t.Fatal(err)
		}
		st, ok := decodeOwn("m", bytes.TrimSpace(b))
		slow, err := decodeSlow("m", b)
		if !ok || err != nil || !bytes.Equal(st.Data, slow.Data) || st.SchemaVersion != 3 || !st.SavedAt.Equal(at) {
			t.Fatalf("%T: fast %v %+v, slow %+v %v", v, ok, st, slow, err)
		}
	}
}
