package modfile

import (
	"strings"
	"testing"
)

// BenchmarkEncodePlain encodes the module of BenchmarkEncodeFile as format
// rosys writes it (data alone, non-finite strings turned into tokens):
// compare the two in the same run.
func BenchmarkEncodePlain(b *testing.B) {
	snap := map[string]any{"text": strings.Repeat("x", 64<<10), "pose": []float64{1.5, -2.25, 0.125}, "nan": "NaN"}
	b.SetBytes(64 << 10)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := EncodePlain(snap); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNonFiniteToStrings reads a 64 KiB RoSys file with a NaN in it.
func BenchmarkNonFiniteToStrings(b *testing.B) {
	file := []byte(`{"text": "` + strings.Repeat("x", 64<<10) + `", "value": NaN}`)
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NonFiniteToStrings(file); err != nil {
			b.Fatal(err)
		}
	}
}
