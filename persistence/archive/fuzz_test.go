package archive

import (
	"bytes"
	"testing"
	"time"

	"github.com/gorosys/rosys/persistence/internal/modfile"
)

// FuzzReadArchive: no upload crashes the importer or gets past it without
// being a valid archive within the limits.
func FuzzReadArchive(f *testing.F) {
	files := map[string][]byte{"model": []byte(`{"format":"rosys-go/1","key":"model","schema_version":1,"data":{"value":1}}`)}
	var buf bytes.Buffer
	_ = Write(&buf, Describe(files, "x", fixedTime), files)
	f.Add(buf.Bytes())
	f.Add([]byte(`{"model": {"value": 1}}`))
	f.Add([]byte("\x1f\x8b\x08\x00"))
	lim := Limits{MaxTotal: 1 << 20, MaxFile: 256 << 10, MaxEntries: 64}
	f.Fuzz(func(t *testing.T, b []byte) {
		start := time.Now()
		a, err := Read(bytes.NewReader(b), lim)
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("an upload of %d bytes took %v to judge", len(b), d)
		}
		if err != nil {
			return
		}
		var total int
		for k, f := range a.Files {
			if modfile.ValidateKey(k) != nil {
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
