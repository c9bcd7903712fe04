package persistencetest_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gorosys/rosys/persistence/persistencetest"
)

func TestStoredValueReadsBothFormats(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "model.json"), []byte(`{"format": "rosys-go/1", "key": "model", "schema_version": 1, "data": {"value": 3.5}}`), 0o644)
	os.WriteFile(filepath.Join(dir, "plain.json"), []byte(`{"value": -2}`), 0o644)
	if v := persistencetest.StoredValue(t, dir, "model"); v != 3.5 {
		t.Errorf("envelope: %v, want 3.5", v)
	}
	if v := persistencetest.StoredValue(t, dir, "plain"); v != -2 {
		t.Errorf("plain: %v, want -2", v)
	}
}
