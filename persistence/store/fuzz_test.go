package store

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/internal/modfile"
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
	f.Add([]byte(`{"value": NaN, "l": [Infinity, -Infinity], "NaN": "NaN"}`))
	f.Add([]byte(`{"value": -Infinity}`))
	f.Add([]byte(`{"value": "x\\"NaN", "y": Nan}`))
	f.Add([]byte(`{"format":"rosys-go/1","key":"m","schema_version":1,"data":{"value":NaN}}`))
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	for _, v := range []any{map[string]float64{"value": 2}, []int{1, 2}, "s", strings.Repeat("x", 20<<10)} {
		b, err := modfile.Encode("m", 2, at, v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := modfile.Decode("m", b)
		if err != nil {
			return
		}
		if st.Plain && json.Valid(st.Data) {
			// What format rosys writes back reads as the same data.
			again, err := modfile.Decode("m", modfile.NonFiniteToTokens(st.Data))
			if err != nil || !bytes.Equal(again.Data, st.Data) {
				t.Fatalf("written back as RoSys data, %s reads as %s (%v)", st.Data, again.Data, err)
			}
		}
		v := persistence.NewValue(map[string]float64{"value": 1}, persistence.WithSchema[map[string]float64](3, map[int]persistence.Migration{
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
