package modfile

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// Encode's one-pass output is byte for byte what MarshalIndent of the
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
			got, err := Encode(key, 3, at, v)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := json.Marshal(v)
			want, _ := json.MarshalIndent(envelope{Format: Format, Key: key, SchemaVersion: 3, SavedAt: at.UTC(), Data: data}, "", "  ")
			want = append(want, '\n')
			if !bytes.Equal(got, want) {
				t.Fatalf("value %#v:\n%s\nwant\n%s", v, got, want)
			}
		}
	}
}

// Data above indentLimit is written compact, inside the same envelope, and
// reads back.
func TestLargeDataIsCompact(t *testing.T) {
	v := map[string]any{"text": strings.Repeat("x", indentLimit), "n": []int{1, 2}}
	b, err := Encode("big", 1, time.Unix(0, 0), v)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(`"data": {"n":[1,2],"text":"xxx`)) || !bytes.HasPrefix(b, []byte("{\n  \"format\": ")) {
		t.Fatalf("not compact data in an indented envelope: %.120s", b)
	}
	st, err := Decode("big", b)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(st.Data, &got); err != nil || len(got["text"].(string)) != indentLimit {
		t.Fatalf("decoded %v, %v", err, len(got))
	}
}
