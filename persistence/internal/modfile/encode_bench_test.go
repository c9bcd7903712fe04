package modfile

import (
	"strings"
	"testing"
	"time"
)

// BenchmarkEncodeFile encodes one 64 KiB module into its file envelope:
// the CPU part of every backup write.
func BenchmarkEncodeFile(b *testing.B) {
	snap := map[string]any{"text": strings.Repeat("x", 64<<10), "pose": []float64{1.5, -2.25, 0.125}}
	at := time.Unix(1700000000, 0)
	b.SetBytes(64 << 10)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Encode("calibration", 1, at, snap); err != nil {
			b.Fatal(err)
		}
	}
}
