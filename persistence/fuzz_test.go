package persistence

import (
	"encoding/json"
	"testing"

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
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := modfile.Decode("m", b)
		if err != nil {
			return
		}
		v := NewValue(map[string]float64{"value": 1}, WithSchema[map[string]float64](3, map[int]Migration{
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
