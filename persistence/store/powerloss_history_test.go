package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/history"
	"github.com/gorosys/rosys/persistence/internal/modfile"
	"github.com/gorosys/rosys/persistence/vfs/crashfs"
)

// plHistory keeps three versions, so that the cycles below prune too.
var plHistory = history.Config{Default: history.Bounds{Keep: 3, MaxAge: 1000 * time.Hour, MaxBytes: 1 << 30}}

// historyAllowed tracks, per module, every generation ever attempted (a
// version may hold any of them) and the newest one whose commit and
// history record both returned (it must be listed after any power cut).
type historyAllowed struct {
	mu       sync.Mutex
	ever     map[string][]int
	recorded map[string]int
}

// checkHistoryRecovery is checkRecovery with history on, then checks the
// history: every listed version's file is there, complete and matches
// its checksum, holds a generation that was committed, the newest
// recorded version is listed, and a new commit is recorded again.
func checkHistoryRecovery(t *testing.T, img *crashfs.FS, a *allowed, h *historyAllowed) error {
	s, vals, err := plStoreAt(t, img, "/robot/data", WithHistory(plHistory))
	if err != nil {
		return fmt.Errorf("open after power cut: %w", err)
	}
	defer s.Close()
	for _, m := range s.Status() {
		g := vals[m.Key].Get().Gen
		if ok, want := a.ok(m.Key, g); !ok {
			return fmt.Errorf("module %s restored generation %d (from %s), want one of %s", m.Key, g, m.RestoredFrom, want)
		}
		if len(m.MovedAside) > 0 || m.RestoredFrom == persistence.FromPrevious {
			return fmt.Errorf("module %s: damaged or fell back (%s)", m.Key, m.RestoreError)
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, k := range plKeys {
		vs, err := s.History(k)
		if err != nil {
			return fmt.Errorf("history of %s: %w", k, err)
		}
		if len(vs) > plHistory.Default.Keep+1 { // one pruned file may survive a cut, until the next record
			return fmt.Errorf("history of %s lists %d versions, bound %d", k, len(vs), plHistory.Default.Keep)
		}
		var gens []int
		for i, v := range vs {
			if i > 0 && v.Version <= vs[i-1].Version {
				return fmt.Errorf("history of %s: versions out of order: %v", k, vs)
			}
			b, err := s.hist.Read(k, v)
			if err != nil {
				return fmt.Errorf("history of %s lists version %d, but: %w", k, v.Version, err)
			}
			st, err := modfile.Decode(k, b)
			if err != nil {
				return fmt.Errorf("history of %s version %d does not decode: %w", k, v.Version, err)
			}
			var p plPayload
			if err := json.Unmarshal(st.Data, &p); err != nil {
				return fmt.Errorf("history of %s version %d: %w", k, v.Version, err)
			}
			if !slices.Contains(h.ever[k], p.Gen) {
				return fmt.Errorf("history of %s version %d holds generation %d, never committed", k, v.Version, p.Gen)
			}
			gens = append(gens, p.Gen)
		}
		if g, ok := h.recorded[k]; ok && !slices.Contains(gens, g) {
			return fmt.Errorf("history of %s lost generation %d, recorded before the cut (lists %v)", k, g, gens)
		}
	}
	vals[plKeys[0]].Set(plValue(777))
	if err := s.BackupRequested(context.Background()); err != nil {
		return fmt.Errorf("commit after recovery: %w", err)
	}
	if st, _ := s.ModuleStatus(plKeys[0]); st.HistoryError != "" {
		return fmt.Errorf("history after recovery: %s", st.HistoryError)
	}
	return nil
}

// TestPowerLossBackupCyclesWithHistory is TestPowerLossBackupCycles with
// history on (three versions kept, so pruning runs too).
func TestPowerLossBackupCyclesWithHistory(t *testing.T) {
	crashTest(t)
	a := &allowed{durable: map[string]int{}}
	h := &historyAllowed{ever: map[string][]int{}, recorded: map[string]int{}}
	for _, k := range plKeys {
		h.ever[k] = []int{0}
	}
	ops, images := powerLoss(t, nil, func(fsys *crashfs.FS) {
		s, vals, err := plStoreAt(t, fsys, "/robot/data", WithHistory(plHistory))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		ctx := context.Background()
		cycle := func(gen int, keys []string, flush bool) {
			attempt := map[string]int{}
			for _, k := range keys {
				vals[k].Set(plValue(gen))
				attempt[k] = gen
			}
			if flush {
				for _, k := range plKeys {
					if _, ok := attempt[k]; !ok {
						attempt[k] = vals[k].Get().Gen
					}
				}
			}
			h.mu.Lock()
			for k, g := range attempt {
				h.ever[k] = append(h.ever[k], g)
			}
			h.mu.Unlock()
			a.set(attempt)
			if flush {
				err = s.Flush(ctx)
			} else {
				err = s.BackupRequested(ctx)
			}
			if err != nil {
				t.Fatal(err)
			}
			a.commit()
			// The history is recorded after the cycle returned; a version
			// counts as recorded once that is done without error.
			if err := s.HistorySettled(ctx); err != nil {
				t.Fatal(err)
			}
			h.mu.Lock()
			for k, g := range attempt {
				if st, _ := s.ModuleStatus(k); st.HistoryError == "" {
					h.recorded[k] = g
				}
			}
			h.mu.Unlock()
		}
		cycle(1, plKeys, true)
		cycle(2, plKeys[:2], false)
		cycle(3, plKeys[1:], false)
		cycle(4, plKeys[:2], false)
		cycle(5, plKeys, false) // the fifth version of two modules: pruning
		cycle(6, plKeys[2:], true)
	}, func(img *crashfs.FS) error { return checkHistoryRecovery(t, img, a, h) })
	t.Logf("power cut after each of %d operations, %d disk images recovered and checked", ops, images)
	if ops < 100 {
		t.Fatalf("only %d operations were covered; the workload did not run", ops)
	}
}
