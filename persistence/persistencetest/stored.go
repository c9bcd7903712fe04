package persistencetest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// StoredValue reads what reached the disk for a module in the reference's
// {"value": float} shape (the demo's "model"): the "value" of key's file
// in dir, whether the file is an envelope ({"format", "key", "data"}) or
// a plain RoSys file. A missing or unreadable file fails the test.
func StoredValue(t testing.TB, dir, key string) float64 {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, key+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Format string          `json:"format"`
		Data   json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("%s.json: %v", key, err)
	}
	data := b // a plain RoSys file is the data object itself
	if f.Format != "" {
		data = f.Data
	}
	var v struct {
		Value *float64 `json:"value"`
	}
	if err := json.Unmarshal(data, &v); err != nil || v.Value == nil {
		t.Fatalf("%s.json holds no number \"value\" (%v): %.200s", key, err, b)
	}
	return *v.Value
}
