package config

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse: no robot.yaml crashes the loader; it is a config or an error.
func FuzzParse(f *testing.F) {
	f.Add([]byte("name: demo\nboard: sim\ncontrol_period: 10ms\n"))
	f.Add([]byte("persistence:\n  backend:\n    s3: {bucket: b, tls: false}\n"))
	f.Add([]byte("hardware:\n  lizard: {port: /dev/x, core_fields: [a:3]}\n"))
	f.Add([]byte("name: [\n"))
	f.Add([]byte("&a [*a]"))
	// Every shipped example is a seed too; the committed corpus is in
	// testdata/fuzz/FuzzParse.
	examples, _ := filepath.Glob("../examples/*.yaml")
	for _, p := range examples {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = Parse(b)
	})
}
