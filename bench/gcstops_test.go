package main

import (
	"runtime"
	"testing"
)

// The stop-the-world pauses of the GCs between two MemStats, read from
// the circular buffers: GC number k at (k+255)%256.
func TestGCStopsBetween(t *testing.T) {
	var before, now runtime.MemStats
	before.NumGC = 3
	now.NumGC = 5 // GCs 4 and 5 happened in between: indexes 3 and 4
	now.PauseEnd[3], now.PauseNs[3] = 1000, 10
	now.PauseEnd[4], now.PauseNs[4] = 2000, 20
	now.PauseEnd[2], now.PauseNs[2] = 500, 5 // GC 3: before the mark
	got := gcStopsBetween(&before, &now)
	want := [][2]int64{{990, 1000}, {1980, 2000}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("stops %v, want %v", got, want)
	}
}

// More than 256 collections in between: only the last 256 are kept.
func TestGCStopsBetweenWrapped(t *testing.T) {
	var before, now runtime.MemStats
	before.NumGC = 10
	now.NumGC = 1000
	for i := range now.PauseEnd {
		now.PauseEnd[i], now.PauseNs[i] = uint64(1000+i), 1
	}
	got := gcStopsBetween(&before, &now)
	if len(got) != 256 {
		t.Fatalf("%d stops, want the 256 the buffers keep", len(got))
	}
	// GC 1000, the newest, is at (1000+255)%256 = 231.
	if last := got[len(got)-1]; last != [2]int64{1000 + 231 - 1, 1000 + 231} {
		t.Fatalf("newest stop %v, want GC 1000's", last)
	}
}
