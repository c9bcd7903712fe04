package main

import (
	"runtime"
	"testing"
	"time"
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

// A missed tick counts as in a collection when its interval overlaps the
// final pause, and as near one when it overlaps the gcLead before the
// final pause ended.
func TestMissedInGC(t *testing.T) {
	period := time.Millisecond
	base := time.Unix(100, 0)
	ts := []time.Time{
		base,
		base.Add(3 * time.Millisecond),  // missed 2, interval [0, 3 ms]
		base.Add(4 * time.Millisecond),  // on time
		base.Add(50 * time.Millisecond), // missed 45, interval [4, 50 ms]
		base.Add(51 * time.Millisecond),
	}
	at := func(ms int) int64 { return base.Add(time.Duration(ms) * time.Millisecond).UnixNano() }
	// A final pause inside the first interval; one ending 10 ms after the
	// second interval's start, so its lead overlaps the second.
	stops := [][2]int64{{at(1), at(2)}, {at(13) - 1000, at(13)}}
	final, lead := missedInGC(ts, period, stops)
	if final != 2+45 {
		// the second interval [4, 50] holds the final pause ending at 13 ms too
		t.Fatalf("in final pauses %d, want 47", final)
	}
	if lead != 47 {
		t.Fatalf("near collections %d, want 47", lead)
	}
	// A pause that ended well before: in neither.
	final, lead = missedInGC(ts[3:], period, [][2]int64{{at(10), at(11)}})
	if final != 0 || lead != 0 {
		t.Fatalf("a pause before the interval counted: %d, %d", final, lead)
	}
	// A pause ending 15 ms after the interval started, 30 ms before it ended.
	final, lead = missedInGC([]time.Time{base.Add(100 * time.Millisecond), base.Add(110 * time.Millisecond)}, period, [][2]int64{{at(125) - 1000, at(125)}})
	if final != 0 || lead != 9 {
		t.Fatalf("lead-only: %d, %d; want 0, 9", final, lead)
	}
}
