package persistence

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// encodeFile's one-pass output is byte for byte what MarshalIndent of the
// envelope gives, for values of every JSON shape and keys needing escapes.
func TestEncodeFileMatchesMarshalIndent(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 89, time.FixedZone("x", 3600))
	for _, v := range []any{
		nil, 1.5, "text with \"quotes\" and <html> & \u2028", []int{}, map[string]any{},
		map[string]any{"a": []any{1, map[string]any{"b": nil}, "c"}, "pose": []float64{1, -2.5}},
		struct {
			X [2][]int `json:"x"`
		}{},
	} {
		for _, key := range []string{"m", "odometry.v2"} {
			got, err := encodeFile(key, 3, at, v)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := json.Marshal(v)
			want, _ := json.MarshalIndent(envelope{Format: fileFormat, Key: key, SchemaVersion: 3, SavedAt: at.UTC(), Data: data}, "", "  ")
			want = append(want, '\n')
			if !bytes.Equal(got, want) {
				t.Fatalf("value %#v:\n%s\nwant\n%s", v, got, want)
			}
		}
	}
}
