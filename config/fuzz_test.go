package config

import "testing"

// FuzzParse: no robot.yaml crashes the loader; it is a config or an error.
func FuzzParse(f *testing.F) {
	f.Add([]byte("name: demo\nboard: sim\ncontrol_period: 10ms\n"))
	f.Add([]byte("persistence:\n  backend:\n    s3: {bucket: b, tls: false}\n"))
	f.Add([]byte("hardware:\n  lizard: {port: /dev/x, core_fields: [a:3]}\n"))
	f.Add([]byte("name: [\n"))
	f.Add([]byte("&a [*a]"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = Parse(b)
	})
}
