package store_test

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/history"
	"github.com/gorosys/rosys/persistence/store"
)

// Garbage of a backup cycle in steady state (issue 28, goal 1: no
// collection in steady state). The goal is at most 1 KB of garbage per
// cycle per 100 modules whose encoded size does not grow. These tests
// pin what the cycle makes now, so that a change that makes more fails
// here, not in a 30 s bench run; the limits say where it stands
// against the goal.
//
// Not timed: testing.AllocsPerRun counts allocations and
// runtime.MemStats the bytes, over cycles of real files on the real
// file system (vfs.OS, fsyncs and all). Skipped under the race detector,
// whose sync.Pool drops a quarter of what is put back on purpose (make
// test-short and test-arm64 run them).

// cycleGarbage commits the modules runs times after warming up (the
// first cycles create the spares and grow the reused lists and buffers;
// with the history, the first Keep cycles only add versions)
// and returns the allocations and bytes per cycle.
func cycleGarbage(t *testing.T, s *store.Store, values []*persistence.Value[blob], settle bool, warm, runs int) (allocs, bytes float64) {
	t.Helper()
	ctx := context.Background()
	cycle := func() {
		for _, v := range values {
			v.RequestBackup()
		}
		if err := s.BackupRequested(ctx); err != nil {
			t.Fatal(err)
		}
		if settle {
			if err := s.HistorySettled(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	for range warm {
		cycle()
	}
	allocs = testing.AllocsPerRun(runs, cycle)
	// The bytes, with the program's own GOMAXPROCS, in three windows: a
	// collection during one empties sync.Pools (encoding/json's encoder
	// state among them) and the next cycle grows a buffer anew, which is
	// the runtime's doing, not the cycle's. The least window counts.
	bytes = math.Inf(1)
	for range 3 {
		var before, after runtimeMem
		before.read()
		for range runs {
			cycle()
		}
		after.read()
		b := float64(after.bytes-before.bytes) / float64(runs)
		t.Logf("window: %.0f bytes, %.1f allocations per cycle (GOMAXPROCS %d)", b, float64(after.mallocs-before.mallocs)/float64(runs), runtime.GOMAXPROCS(0))
		bytes = min(bytes, b)
	}
	return allocs, bytes
}

func openAllocStore(t *testing.T, modules, size int, opts ...store.Option) (*store.Store, []*persistence.Value[blob]) {
	t.Helper()
	s, err := store.Open(t.TempDir(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	values := make([]*persistence.Value[blob], modules)
	for i := range values {
		values[i] = persistence.NewValue(blob{Text: strings.Repeat("x", size)})
		if err := s.Register(fmt.Sprintf("m%05d", i), values[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Restore(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s, values
}

// TestBackupCycleGarbage: a cycle of 100 modules of 10 KiB.
//
// Measured (linux/amd64, go1.25, 2 cores): 4 allocations, 170–870 bytes
// per cycle: the goal (≤ 1 KB per 100 modules) is met, and pinned here
// at the goal itself. What is left: the writers' start (a closure per
// goroutine, 4 × 16 bytes), and the buffers that a collection takes from
// sync.Pools (encoding/json's encoder state) grown again. Before issue
// 28's work: 3347 allocations, 236 KB.
func TestBackupCycleGarbage(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation figures mean nothing under the race detector")
	}
	s, values := openAllocStore(t, 100, 10<<10)
	allocs, bytes := cycleGarbage(t, s, values, false, 5, 20)
	t.Logf("backup cycle of 100 modules of 10 KiB: %.0f allocations, %.0f bytes", allocs, bytes)
	if allocs > maxCycleAllocs {
		t.Errorf("%.0f allocations per cycle of 100 modules, want at most %d", allocs, maxCycleAllocs)
	}
	if bytes > maxCycleBytes {
		t.Errorf("%.0f bytes of garbage per cycle of 100 modules, want at most %d", bytes, maxCycleBytes)
	}

	// Ten modules of 1 MiB, encoded ahead of the writers: measured 5
	// allocations, 130–770 bytes (a collection that empties
	// encoding/json's pool costs a 1 MiB buffer grown again, which the
	// least window leaves out). Before: 361 allocations, 24–167 KB.
	s, values = openAllocStore(t, 10, 1<<20)
	allocs, bytes = cycleGarbage(t, s, values, false, 5, 10)
	t.Logf("backup cycle of 10 modules of 1 MiB: %.0f allocations, %.0f bytes", allocs, bytes)
	if allocs > maxCycleAllocs || bytes > maxCycleBytes {
		t.Errorf("%.0f allocations, %.0f bytes per cycle of 10 modules of 1 MiB, want at most %d, %d", allocs, bytes, maxCycleAllocs, maxCycleBytes)
	}
}

type runtimeMem struct{ bytes, mallocs uint64 }

func (m *runtimeMem) read() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m.bytes, m.mallocs = ms.TotalAlloc, ms.Mallocs
}

// The limits pinned: what was measured, with room for the runtime's
// noise (a collection during the runs regrows a pooled buffer).
const (
	maxCycleAllocs = 8
	maxCycleBytes  = 1024 // issue 28's goal
)

// TestHistoryRecordGarbage: the same cycle with the history on (bounded
// by count, as a robot is: every cycle prunes), its record included.
//
// Measured (linux/amd64, go1.25, 2 cores): about 1,420 allocations and
// 112 KB per cycle of 100 modules, of which the commit itself is the
// few of TestBackupCycleGarbage: the goal (≤ 1 KB per 100 modules) is
// NOT met for the history. Per module and cycle (about 14 allocations)
// the record still builds the new and the pruned version's paths as
// strings (copied again for the system calls of CreateNew's link and
// unlink and the pruning's rename), keeps each version in the index
// with its sha256 as a hex string, and allocates its per-batch lists.
// Before issue 28's work: 4680 allocations, 1.47 MB.
func TestHistoryRecordGarbage(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation figures mean nothing under the race detector")
	}
	s, values := openAllocStore(t, 100, 10<<10, store.WithHistory(history.Config{Default: history.Bounds{
		Keep: 20, MaxAge: history.DefaultBounds.MaxAge, MaxBytes: history.DefaultBounds.MaxBytes,
	}}))
	// Warmed past the bound (Keep 20), so that every cycle prunes and
	// recycles.
	allocs, bytes := cycleGarbage(t, s, values, true, 25, 5)
	t.Logf("backup cycle and history record of 100 modules of 10 KiB: %.0f allocations, %.0f bytes", allocs, bytes)
	if allocs > maxHistoryAllocs {
		t.Errorf("%.0f allocations per cycle and record of 100 modules, want at most %d", allocs, maxHistoryAllocs)
	}
	if bytes > maxHistoryBytes {
		t.Errorf("%.0f bytes of garbage per cycle and record of 100 modules, want at most %d", bytes, maxHistoryBytes)
	}
}

// The history's limits pinned: what was measured, and about a tenth
// more.
const (
	maxHistoryAllocs = 1600
	maxHistoryBytes  = 135 << 10
)
