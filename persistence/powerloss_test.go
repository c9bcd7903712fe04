package persistence

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorosys/rosys/persistence/archive"
	"github.com/gorosys/rosys/persistence/backend"
	"github.com/gorosys/rosys/persistence/internal/atomicfile"
	"github.com/gorosys/rosys/persistence/internal/modfile"
	"github.com/gorosys/rosys/persistence/journal"
	"github.com/gorosys/rosys/persistence/mirror"
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
func plStore(t *testing.T, fsys *crashfs.FS) (*Store, map[string]*Value[plPayload], error) {
	return plStoreAt(t, fsys, "/robot/data")
}

// plStoreAt is plStore in dir, with more options.
func plStoreAt(t *testing.T, fsys *crashfs.FS, dir string, opts ...Option) (*Store, map[string]*Value[plPayload], error) {
	t.Helper()
	// One writer, so that every operation is taken in order; with several
	// the images are the same states, only labelled less exactly.
	opts = append([]Option{WithFS(fsys), WithWriters(1), WithClock(func() time.Time { return time.Unix(1700000000, 0) })}, opts...)
	s, err := Open(dir, opts...)
	if err != nil {
		return nil, nil, err
	}
	vals := map[string]*Value[plPayload]{}
	for _, k := range plKeys {
		vals[k] = NewValue(plValue(0))
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
// the store opens, no temporary file survives the open, every module is
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
		if strings.Contains(e.Name(), atomicfile.TmpMarker) {
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
		if m.RestoredFrom == FromPrevious {
			return fmt.Errorf("module %s fell back to the previous generation", m.Key)
		}
		if g != 0 && m.RestoredFrom != FromFile {
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

// TestPowerLossImport cuts power after every operation of an import into
// a running store: each module is either as before or as imported, and as
// soon as any module is imported the rollback archive of the state before
// is durable and readable.
func TestPowerLossImport(t *testing.T) {
	a := &allowed{durable: map[string]int{}}
	var incoming *archive.Archive
	prepare := func(fsys *crashfs.FS) {
		s, vals, err := plStore(t, fsys)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range plKeys {
			vals[k].Set(plValue(1))
			a.durable[k] = 1
		}
		if err := s.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		s.Close()
		files := map[string][]byte{}
		for _, k := range plKeys {
			files[k], _ = modfile.Encode(k, 1, time.Unix(1700000000, 0), plValue(50))
		}
		var buf bytes.Buffer
		if err := archive.Write(&buf, archive.Describe(files, "other", time.Unix(1700000000, 0)), files); err != nil {
			t.Fatal(err)
		}
		if incoming, err = archive.Read(&buf, archive.DefaultLimits); err != nil {
			t.Fatal(err)
		}
	}
	check := func(img *crashfs.FS) error {
		imported := false
		for _, k := range plKeys {
			if b, err := img.ReadFile(filepath.Join("/robot/data", k+".json"), 1<<30); err == nil && bytes.Contains(b, []byte(`"gen":50`)) {
				imported = true
			}
		}
		if imported {
			if err := checkRollback(img); err != nil {
				return err
			}
		}
		return checkRecovery(t, img, a)
	}
	running := func(fsys *crashfs.FS) error {
		s, _, err := plStore(t, fsys)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		_, err = s.Import(context.Background(), incoming)
		return err
	}
	offline := func(fsys *crashfs.FS) error {
		_, err := archive.ImportDirFS(fsys, "/robot/data", incoming, time.Unix(1700000000, 0))
		return err
	}
	for name, imp := range map[string]func(*crashfs.FS) error{"running": running, "offline": offline} {
		t.Run(name, func(t *testing.T) {
			a.durable, a.attempt = map[string]int{}, nil
			ops, images := powerLoss(t, prepare, func(fsys *crashfs.FS) {
				a.set(map[string]int{"odometry": 50, "calibration": 50, "settings": 50})
				if err := imp(fsys); err != nil {
					t.Fatal(err)
				}
				a.commit()
			}, check)
			t.Logf("power cut after each of %d operations of an import, %d disk images checked", ops, images)
			if ops < 20 {
				t.Fatalf("only %d operations were covered", ops)
			}
		})
	}
}

// checkRollback: the newest rollback archive exists, reads, and holds
// generation 1 of every module.
func checkRollback(img *crashfs.FS) error {
	entries, err := img.ReadDir("/robot/data/rollback")
	if err != nil || len(entries) == 0 {
		return fmt.Errorf("a module is imported but no rollback archive survived (%v)", err)
	}
	b, err := img.ReadFile(filepath.Join("/robot/data/rollback", entries[len(entries)-1].Name()), 1<<30)
	if err != nil {
		return err
	}
	ar, err := archive.Read(bytes.NewReader(b), archive.DefaultLimits)
	if err != nil {
		return fmt.Errorf("rollback archive: %w", err)
	}
	for _, k := range plKeys {
		if !bytes.Contains(ar.Files[k], []byte(`"gen":1`)) {
			return fmt.Errorf("rollback archive lacks generation 1 of %s", k)
		}
	}
	return nil
}

// TestPowerLossJournal cuts power after every operation of journal
// appends, explicit syncs and segment rotations: the journal reopens
// (cutting a torn tail), what it reads back is a prefix of what was
// recorded, in order, and holds at least every record synced before.
func TestPowerLossJournal(t *testing.T) {
	const records = 40
	var synced atomic.Int64
	data := func(i int) []byte { return []byte(fmt.Sprintf("line %03d of telemetry", i)) }
	cfg := func(fsys *crashfs.FS) journal.Config {
		return journal.Config{Dir: "/robot/data/journal", FS: fsys, SegmentSize: 400, SyncEvery: time.Hour,
			Now: func() time.Time { return time.Unix(1700000000, 0) }}
	}
	check := func(img *crashfs.FS) error {
		j, err := journal.Open(cfg(img))
		if err != nil {
			return fmt.Errorf("reopen: %w", err)
		}
		j.Close()
		n := 0
		err = journal.ReadFS(context.Background(), img, "/robot/data/journal", func(r journal.Record) error {
			if !bytes.Equal(r.Data, data(n)) {
				return fmt.Errorf("record %d is %q, want %q", n, r.Data, data(n))
			}
			n++
			return nil
		})
		if err != nil {
			return err
		}
		if min := synced.Load(); int64(n) < min {
			return fmt.Errorf("%d records read back, but %d were synced", n, min)
		}
		return nil
	}
	ops, images := powerLoss(t, nil, func(fsys *crashfs.FS) {
		j, err := journal.Open(cfg(fsys))
		if err != nil {
			t.Fatal(err)
		}
		for i := range records {
			j.Record("lizard", journal.RecordInput, data(i))
			if i%5 == 4 {
				if err := j.Sync(); err != nil {
					t.Fatal(err)
				}
				synced.Store(int64(i + 1))
			}
		}
		j.Close()
		synced.Store(records)
	}, check)
	t.Logf("power cut after each of %d journal operations, %d disk images checked", ops, images)
	if ops < records {
		t.Fatalf("only %d operations were covered", ops)
	}
}

// plMirror opens the remote side of a crash image: manifests and objects on
// filesystem backends under /remote.
func plMirror(t *testing.T, fsys *crashfs.FS) *mirror.Mirror {
	t.Helper()
	meta, err := backend.NewFilesystemFS(fsys, "/remote/meta")
	if err != nil {
		t.Fatal(err)
	}
	snap, err := backend.NewFilesystemFS(fsys, "/remote/snap")
	if err != nil {
		t.Fatal(err)
	}
	m, err := mirror.New(mirror.Config{Metadata: meta, Snapshots: snap, Robot: "pl", Host: "host-a", BootID: "boot",
		KeepGenerations: 2, RetryMin: time.Nanosecond, RetryMax: time.Nanosecond,
		Now: func() time.Time { return time.Unix(1700000000, 0) }})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// checkRemote: the newest manifest parses and every object it names is
// there with its checksum; and a robot on a fresh disk recovers, from the
// remote side alone, for every module the last generation a finished sync
// uploaded or the one being uploaded.
func checkRemote(t *testing.T, img *crashfs.FS, remote *allowed) error {
	ctx := context.Background()
	meta, _ := backend.NewFilesystemFS(img, "/remote/meta")
	snap, _ := backend.NewFilesystemFS(img, "/remote/snap")
	names, err := meta.List(ctx, "manifests/")
	if err != nil {
		return err
	}
	if len(names) > 0 {
		b, _, err := meta.Get(ctx, names[len(names)-1].Name)
		if err != nil {
			return err
		}
		var man mirror.Manifest
		if err := json.Unmarshal(b, &man); err != nil {
			return fmt.Errorf("newest manifest %s: %w", names[len(names)-1].Name, err)
		}
		for k, e := range man.Modules {
			ob, _, err := snap.Get(ctx, e.Object)
			if err != nil {
				return fmt.Errorf("manifest %s names %s for %s: %w", names[len(names)-1].Name, e.Object, k, err)
			}
			if sum := sha256.Sum256(ob); hex.EncodeToString(sum[:]) != e.SHA256 {
				return fmt.Errorf("object %s does not match its manifest's checksum", e.Object)
			}
		}
	}
	s, vals, err := plStoreAt(t, img, "/fresh/data", WithMirror(plMirror(t, img)))
	if err != nil {
		return err
	}
	defer s.Close()
	for _, k := range plKeys {
		if ok, want := remote.ok(k, vals[k].Get().Gen); !ok {
			return fmt.Errorf("fresh disk recovered %s at generation %d from remote storage, want one of %s", k, vals[k].Get().Gen, want)
		}
	}
	return nil
}

// TestPowerLossMirror cuts power after every operation of backup cycles
// whose commits are mirrored to filesystem backends on the same disk (the
// "split" layout with a local metadata directory), old generations being
// collected on the way.
func TestPowerLossMirror(t *testing.T) {
	local := &allowed{durable: map[string]int{}}
	remote := &allowed{durable: map[string]int{}}
	ops, images := powerLoss(t, nil, func(fsys *crashfs.FS) {
		ctx := context.Background()
		m := plMirror(t, fsys)
		s, vals, err := plStoreAt(t, fsys, "/robot/data", WithMirror(m))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		for gen := 1; gen <= 5; gen++ {
			keys := plKeys
			if gen > 1 {
				keys = plKeys[gen%3 : gen%3+1]
			}
			attempt := map[string]int{}
			for _, k := range keys {
				vals[k].Set(plValue(gen))
				attempt[k] = gen
			}
			local.set(attempt)
			if err := s.BackupRequested(ctx); err != nil {
				t.Fatal(err)
			}
			local.commit()
			remote.set(attempt)
			if err := m.Sync(ctx); err != nil {
				t.Fatal(err)
			}
			remote.commit()
		}
	}, func(img *crashfs.FS) error {
		if err := checkRecovery(t, img, local); err != nil {
			return err
		}
		return checkRemote(t, img, remote)
	})
	t.Logf("power cut after each of %d operations of mirrored backup cycles, %d disk images checked", ops, images)
	if ops < 60 {
		t.Fatalf("only %d operations were covered", ops)
	}
}
