package store

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/internal/atomicfile"
	"github.com/gorosys/rosys/persistence/vfs/crashfs"
)

// Power-loss simulation: the persistence layer runs on crashfs, and after
// every single file-system operation the disk a power cut would leave is
// built under each crash policy, recovered, and checked. SIGKILL (the kill
// tests) only ever shows the KeepAll image; these tests cover the others.

// randomSeeds is how many Random images are taken per operation: 4 in
// make test, more with ROSYS_POWERLOSS_SEEDS (make test-crash: 64).
var randomSeeds = func() int {
	if n, err := strconv.Atoi(os.Getenv("ROSYS_POWERLOSS_SEEDS")); err == nil && n > 0 {
		return n
	}
	return 4
}()

// crashImages returns the disks a power cut now could leave.
func crashImages(f *crashfs.FS, op int) map[string]*crashfs.FS {
	out := map[string]*crashfs.FS{}
	for _, p := range crashfs.Policies {
		if p == crashfs.Random {
			for s := range uint64(randomSeeds) {
				out[fmt.Sprintf("random/%d", s)] = f.Crash(p, uint64(op)*1000+s)
			}
			continue
		}
		out[p.String()] = f.Crash(p, 0)
	}
	return out
}

// plPayload is big enough to take several writes' worth of pages in a
// real file system; here it makes torn files easy to tell apart.
type plPayload struct {
	Gen int    `json:"gen"`
	Pad string `json:"pad"`
}

func plValue(gen int) plPayload { return plPayload{Gen: gen, Pad: strings.Repeat("x", 2048)} }

var plKeys = []string{"odometry", "calibration", "settings"}

// plStore opens a store on fsys with the three modules at generation 0.
func plStore(t *testing.T, fsys *crashfs.FS) (*Store, map[string]*persistence.Value[plPayload], error) {
	return plStoreAt(t, fsys, "/robot/data")
}

// plStoreAt is plStore in dir, with more options.
func plStoreAt(t *testing.T, fsys *crashfs.FS, dir string, opts ...Option) (*Store, map[string]*persistence.Value[plPayload], error) {
	t.Helper()
	// One writer, so that every operation is taken in order; with several
	// the images are the same states, only labelled less exactly.
	opts = append([]Option{WithFS(fsys), WithWriters(1), WithClock(func() time.Time { return time.Unix(1700000000, 0) })}, opts...)
	s, err := Open(dir, opts...)
	if err != nil {
		return nil, nil, err
	}
	vals := map[string]*persistence.Value[plPayload]{}
	for _, k := range plKeys {
		vals[k] = persistence.NewValue(plValue(0))
		if err := s.Register(k, vals[k]); err != nil {
			t.Fatal(err)
		}
	}
	return s, vals, s.Restore(context.Background())
}

// allowed is, per module, the generations a recovery may show: the last
// one reported durable and the one being written.
type allowed struct {
	mu      sync.Mutex
	durable map[string]int
	attempt map[string]int
}

func (a *allowed) set(attempt map[string]int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.attempt = attempt
}

func (a *allowed) commit() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for k, g := range a.attempt {
		a.durable[k] = g
	}
	a.attempt = nil
}

func (a *allowed) ok(key string, gen int) (bool, string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	want := []int{a.durable[key]}
	if g, ok := a.attempt[key]; ok {
		want = append(want, g)
	}
	return slices.Contains(want, gen), fmt.Sprint(want)
}

// checkRecovery opens a store on a crash image and checks the invariants:
// the store opens, no temporary file but a spare survives the open, every module is
// restored from its own file (never moved aside, never the previous
// generation, never defaults once something was durable) to a generation
// that was committed, and the store can commit again.
func checkRecovery(t *testing.T, img *crashfs.FS, a *allowed) error {
	s, vals, err := plStore(t, img)
	if err != nil {
		return fmt.Errorf("open after power cut: %w", err)
	}
	defer s.Close()
	entries, _ := img.ReadDir("/robot/data")
	for _, e := range entries {
		// Spares kept for writing over survive on purpose (KeepSpares);
		// they are written over only while they have no other name.
		if strings.Contains(e.Name(), atomicfile.TmpMarker) && !atomicfile.IsSpare(e.Name()) {
			return fmt.Errorf("temporary file %s survived Open", e.Name())
		}
	}
	for _, m := range s.Status() {
		g := vals[m.Key].Get().Gen
		if ok, want := a.ok(m.Key, g); !ok {
			return fmt.Errorf("module %s restored generation %d (from %s), want one of %s", m.Key, g, m.RestoredFrom, want)
		}
		if len(m.MovedAside) > 0 || m.RestoreError != "" {
			return fmt.Errorf("module %s: a file was damaged: %s", m.Key, m.RestoreError)
		}
		if m.RestoredFrom == persistence.FromPrevious {
			return fmt.Errorf("module %s fell back to the previous generation", m.Key)
		}
		if g != 0 && m.RestoredFrom != persistence.FromFile {
			return fmt.Errorf("module %s: generation %d restored from %s", m.Key, g, m.RestoredFrom)
		}
	}
	vals[plKeys[0]].Set(plValue(777))
	if err := s.BackupRequested(context.Background()); err != nil {
		return fmt.Errorf("commit after recovery: %w", err)
	}
	return nil
}

// powerLoss runs work on a fresh crashfs and checks every image after
// every operation with check. It returns the number of operations.
func powerLoss(t *testing.T, prepare func(*crashfs.FS), work func(*crashfs.FS), check func(img *crashfs.FS) error) (ops, images int) {
	t.Helper()
	fsys := crashfs.New()
	fsys.Now = func() time.Time { return time.Unix(1700000000, 0) }
	if prepare != nil {
		prepare(fsys)
	}
	var failed atomic.Bool
	var mu sync.Mutex
	fsys.OnOp = func(n int, op, path string) {
		if failed.Load() {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		ops++
		for name, img := range crashImages(fsys, n) {
			images++
			if err := check(img); err != nil {
				failed.Store(true)
				t.Errorf("power cut after operation %d (%s %s), %s image: %v", n, op, path, name, err)
				return
			}
		}
	}
	work(fsys)
	fsys.OnOp = nil
	return ops, images
}

// TestPowerLossBackupCycles cuts power after every operation of a first
// flush on an empty disk, then of three backup cycles (two of three
// modules asking each time), then of a flush at shutdown.
func TestPowerLossBackupCycles(t *testing.T) {
	crashTest(t)
	a := &allowed{durable: map[string]int{}}
	ops, images := powerLoss(t, nil, func(fsys *crashfs.FS) {
		s, vals, err := plStore(t, fsys)
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
			if flush { // writes every module; unchanged ones keep their generation
				for _, k := range plKeys {
					if _, ok := attempt[k]; !ok {
						attempt[k] = vals[k].Get().Gen
					}
				}
			}
			a.set(attempt)
			var err error
			if flush {
				err = s.Flush(ctx)
			} else {
				err = s.BackupRequested(ctx)
			}
			if err != nil {
				t.Fatal(err)
			}
			a.commit()
		}
		cycle(1, plKeys, true)
		cycle(2, plKeys[:2], false)
		cycle(3, plKeys[1:], false)
		cycle(4, plKeys[:2], false)
		cycle(5, plKeys[2:], true)
	}, func(img *crashfs.FS) error { return checkRecovery(t, img, a) })
	t.Logf("power cut after each of %d operations, %d disk images recovered and checked", ops, images)
	if ops < 50 {
		t.Fatalf("only %d operations were covered; the workload did not run", ops)
	}
}

// crashTest skips a crash or power-loss test under -short (make
// test-short); make test and make test-crash run it.
func crashTest(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: a crash or power-loss test (make test runs it)")
	}
}
