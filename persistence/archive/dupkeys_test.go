package archive_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/gorosys/rosys/persistence/archive"
)

// A key twice in an imported file is refused, as PUT refuses it: before,
// RoSys' export.json {"model": {...}, "model": {...}} and module data
// {"value": 3, "value": 5} were imported with the last value, without a
// word.
func TestImportRefusesAKeyTwice(t *testing.T) {
	tgz := func(data string) []byte {
		f := moduleFile("model", 1, data)
		return build([]entry{{name: "manifest.json", body: manifestFor(map[string]string{"model": f}, nil)}, {name: "modules/model.json", body: f}})
	}
	for name, tc := range map[string]struct {
		data []byte
		want string
	}{
		"export.json, a module twice":   {[]byte(`{"model": {"value": 3.0}, "model": {"value": 4.0}}`), `key "model" appears twice in $`},
		"export.json, a field twice":    {[]byte(`{"model": {"value": 3.0, "value": 5.0}}`), `key "value" appears twice in $.model`},
		"export.json, nested in a list": {[]byte(`{"waypoints": {"points": [{"x": 1, "y": 2, "x": 9}]}}`), `key "x" appears twice in $.waypoints.points[0]`},
		"archive, a field twice":        {tgz(`{"value": 3, "value": 5}`), `key "value" appears twice in $.data`},
		"archive, nested twice":         {tgz(`{"a": {"b": 1, "b": 2}}`), `key "b" appears twice in $.data.a`},
	} {
		_, err := archive.Read(bytes.NewReader(tc.data), archive.DefaultLimits)
		if !errors.Is(err, archive.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want ErrInvalid with %q", name, err, tc.want)
		}
	}
	for _, ok := range [][]byte{[]byte(`{"model": {"value": 3.0}, "waypoints": {"points": [{"x": 1, "y": 2}, {"x": 1, "y": 2}]}}`), tgz(`{"value": 3, "other": {"value": 3}}`)} {
		if _, err := archive.Read(bytes.NewReader(ok), archive.DefaultLimits); err != nil {
			t.Errorf("%.60s: %v", ok, err)
		}
	}
}
