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
	// The bounds walk follows aliases and merges: cycles, merges and
	// expansions (issue 21.8).
	f.Add([]byte("persistence: &p\n  <<: *p\n"))
	f.Add([]byte("persistence:\n  <<: [{snapshot_interval: 1ns}, {max_file_bytes: 64}]\n"))
	f.Add([]byte("a: &a [1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c]\n"))
	f.Add([]byte("control_period: 1ns\npersistence:\n  journal: {segment_bytes: 0, max_bytes: -1}\n  history: {modules: {../../etc: {keep: 1}}}\nhttp_token: \" \"\n"))
	f.Add([]byte("hardware:\n  lizard:\n    modules:\n      - {type: bumper, pins: {front: 49}}\n"))
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
