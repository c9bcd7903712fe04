package archive_test

import (
	"testing"

	"github.com/gorosys/rosys/persistence/archive"
)

// 7.0 and 7 are the same state of a module (module files keep Python's
// spelling, but an import of either changes nothing); 7.5 is not.
func TestChangesIgnoresPointZero(t *testing.T) {
	cur := map[string][]byte{"model": []byte(`{"value": 1.0, "limits": [2.00, 3e2], "label": "1.0"}`)}
	for files, want := range map[string]bool{
		`{"value": 1, "limits": [2, 3e2], "label": "1.0"}`:   false,
		`{"value": 1.5, "limits": [2, 3e2], "label": "1.0"}`: true,
		`{"value": 1, "limits": [2, 3e2], "label": "1"}`:     true,
		`{"value": 10, "limits": [2, 3e2], "label": "1.0"}`:  true,
		`{"value": 1, "limits": [2, 300], "label": "1.0"}`:   true,
	} {
		if got := archive.Changes(cur, map[string][]byte{"model": []byte(files)}); got != want {
			t.Errorf("%s: Changes %v, want %v", files, got, want)
		}
	}
}
