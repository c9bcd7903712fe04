package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/history"
	"github.com/gorosys/rosys/persistence/store"
	"github.com/gorosys/rosys/persistence/vfs"
	"github.com/gorosys/rosys/persistence/vfs/faultfs"
)

// recycleRig is a store without history on faultfs over the real file
// system, so that it keeps the generation each new .prev replaces as a
// spare and writes the next commit over it.
type recycleRig struct {
	t    *testing.T
	hist bool // with history: a cycle ends when its record does
	dir  string
	ffs  *faultfs.FS
	s    *store.Store
	v    *persistence.Value[gen]
	path string
	// versionRecycled: the last commit's version was written over the
	// history's spare.
	versionRecycled bool
}

func newRecycleRig(t *testing.T, inner vfs.FS, opts ...store.Option) *recycleRig {
	t.Helper()
	r := &recycleRig{t: t, dir: t.TempDir(), ffs: faultfs.New(inner), hist: len(opts) > 0}
	s, err := store.Open(r.dir, append([]store.Option{store.WithFS(r.ffs)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	r.s, r.v = s, persistence.NewValue(gen{})
	if err := s.Register("odometry", r.v); err != nil {
		t.Fatal(err)
	}
	if err := s.Restore(context.Background()); err != nil {
		t.Fatal(err)
	}
	r.path = s.Path("odometry")
	return r
}

// spares maps the inode of each spare of the module to its name.
func (r *recycleRig) spares() map[uint64]string {
	m := map[uint64]string{}
	names, _ := filepath.Glob(r.path + ".tmp-recycled*")
	for _, n := range names {
		m[inode(r.t, n)] = n
	}
	return m
}

// histSpares maps the inode of the module's spare in the history (a
// pruned version kept to be written over by the next) to its name.
func (r *recycleRig) histSpares() map[uint64]string {
	m := map[uint64]string{}
	names, _ := filepath.Glob(filepath.Join(r.dir, history.Dir, "odometry.json.tmp-recycled*"))
	for _, n := range names {
		m[inode(r.t, n)] = n
	}
	return m
}

// commit sets gen and runs a backup cycle; it reports whether the file
// the cycle committed is a spare written over. With history, r.versionRecycled
// says whether the version the cycle recorded is the history's spare
// written over.
func (r *recycleRig) commit(g int) (recycled bool, err error) {
	before := r.spares()
	hbefore := r.histSpares()
	for _, n := range hbefore {
		if f, err := os.Open(n); err == nil {
			defer f.Close()
		}
	}
	// Held open through the cycle: a spare removed instead of written
	// over must not lend its freed inode number to the new file.
	for _, n := range before {
		if f, err := os.Open(n); err == nil {
			defer f.Close()
		}
	}
	r.v.Set(gen{g})
	err = r.s.BackupRequested(context.Background())
	if r.hist {
		if herr := r.s.HistorySettled(context.Background()); herr != nil {
			r.t.Fatal(herr)
		}
	}
	if info, serr := os.Lstat(r.path); serr == nil {
		_, recycled = before[info.Sys().(*syscall.Stat_t).Ino]
	}
	r.versionRecycled = false
	if r.hist {
		if vs, herr := r.s.History("odometry"); herr == nil && len(vs) > 0 {
			newest := filepath.Join(r.dir, history.Dir, fmt.Sprintf("odometry@%d.json", vs[len(vs)-1].Version))
			if info, serr := os.Lstat(newest); serr == nil {
				_, r.versionRecycled = hbefore[info.Sys().(*syscall.Stat_t).Ino]
			}
		}
	}
	return recycled, err
}

// held is a committed generation's file, kept open by descriptor: it
// shows the file's bytes whatever names it has or loses (a power cut may
// give it back the name it had on disk), and keeps its inode from being
// reused, so it is the file itself that is checked.
type held struct {
	name string
	f    *os.File
	want []byte
}

func (r *recycleRig) hold(name string) held {
	r.t.Helper()
	f, err := os.Open(name)
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { f.Close() })
	b, err := io.ReadAll(f)
	if err != nil {
		r.t.Fatal(err)
	}
	return held{name, f, b}
}

// intact fails unless the held file still holds the bytes it held.
func (h held) intact(t *testing.T, when string) {
	t.Helper()
	b := make([]byte, len(h.want)+1)
	n, err := h.f.ReadAt(b, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		t.Fatal(err)
	}
	if string(b[:n]) != string(h.want) {
		t.Fatalf("%s: the generation committed as %s was written over: %q, was %q", when, filepath.Base(h.name), b[:n], h.want)
	}
}

// A fault on each step of a commit that writes over a spare: into the
// spare's open, Truncate, write, fsync and close, and the directory fsync
// after it. The cycle fails naming the error, or (open, Truncate: the
// spare is dropped, the write goes to a new file) succeeds; either way
// the module's file holds the last committed generation or the new one
// if the cycle said so, its .prev a whole earlier one, a restart
// restores the file's value, no generation committed before the fault
// is written over until a directory fsync has made its new names
// durable, and the next cycles succeed and recycle again.
func TestRecyclingFaultsLoseNothing(t *testing.T) {
	for _, op := range faultfs.OverwriteOps {
		if op == faultfs.Rename {
			continue // the same renames as without recycling: TestWriteFaultsAreReportedAndRetried
		}
		for _, errno := range []syscall.Errno{syscall.ENOSPC, syscall.EIO} {
			t.Run(string(op)+"/"+errno.Error(), func(t *testing.T) {
				r := newRecycleRig(t, vfs.OS{})
				// Three commits: the third keeps generation 1 as a spare.
				for g := 1; g <= 3; g++ {
					if _, err := r.commit(g); err != nil {
						t.Fatal(err)
					}
				}
				if n := len(r.spares()); n != 1 {
					t.Fatalf("%d spares after three commits, want 1", n)
				}
				file, prev := r.hold(r.path), r.hold(r.path+".prev")

				match := "odometry"
				if op == faultfs.DirSync {
					match = "" // the directory has no module in its name
				}
				r.ffs.Fail(op, match, errno)
				recycled, err := r.commit(4)
				if r.ffs.Hits() == 0 {
					t.Fatal("the fault was never hit")
				}
				r.ffs.Clear()
				st, _ := r.s.ModuleStatus("odometry")
				want, wantPrev := 3, 2 // what the file and .prev hold after the cycle
				switch op {
				case faultfs.Open, faultfs.Truncate:
					// The spare cannot be written over: it goes, and the
					// commit takes a new file.
					if err != nil {
						t.Fatalf("commit after a failed %s of the spare: %v", op, err)
					}
					if recycled {
						t.Fatalf("the commit wrote over a spare whose %s failed", op)
					}
					if st.Pending || st.LastError != "" {
						t.Fatalf("status %+v after a commit that succeeded", st)
					}
					want, wantPrev = 4, 3
				case faultfs.DirSync:
					// Written over the spare and renamed into place; not
					// known durable.
					if !errors.Is(err, errno) || !recycled {
						t.Fatalf("commit error %v, recycled %v: want %v after writing over the spare", err, recycled, errno)
					}
					want, wantPrev = 4, 3
				default:
					if !errors.Is(err, errno) {
						t.Fatalf("commit error %v, want %v", err, errno)
					}
				}
				if err != nil && (!st.Pending || !strings.Contains(st.LastError, errno.Error())) {
					t.Fatalf("status %+v: want the error %q and the change pending", st, errno.Error())
				}
				if got := storedGen(t, r.path); got != want {
					t.Fatalf("file holds %d after a failed %s, want %d", got, op, want)
				}
				if got := storedGen(t, r.path+".prev"); got != wantPrev {
					t.Fatalf(".prev holds %d after a failed %s, want %d", got, op, wantPrev)
				}
				// A failed cycle leaves no spare: after a failed directory
				// fsync the disk may still name one .prev (ForgetRecycled);
				// after a failed write the spare was half written.
				if n := len(r.spares()); err != nil && n != 0 {
					t.Fatalf("%d spares left after a failed cycle", n)
				}
				entries, _ := os.ReadDir(r.dir)
				for _, e := range entries {
					if strings.Contains(e.Name(), ".tmp-") && !strings.Contains(e.Name(), ".tmp-recycled") {
						t.Fatalf("temporary file %s left behind", e.Name())
					}
				}
				file.intact(t, "after the fault")
				prev.intact(t, "after the fault")

				// The disk works again: the next cycle commits 5 without
				// touching what was committed before the fault (it may
				// still be what the disk names), and the one after writes
				// over a spare again.
				if _, rerr := r.commit(5); rerr != nil {
					t.Fatalf("retry: %v", rerr)
				}
				file.intact(t, "after the retry")
				if err != nil {
					// After a commit that succeeded, the generation its
					// .prev replaced is a spare that is durably nothing
					// else, and the retry wrote over it.
					prev.intact(t, "after the retry")
				}
				if got := storedGen(t, r.path); got != 5 {
					t.Fatalf("after the retry the file holds %d", got)
				}
				if got := storedGen(t, r.path+".prev"); got != want {
					t.Fatalf("after the retry .prev holds %d, want %d", got, want)
				}
				if st, _ := r.s.ModuleStatus("odometry"); st.Pending || st.LastError != "" {
					t.Fatalf("after the retry: %+v", st)
				}
				recycled, err = r.commit(6)
				if err != nil || !recycled {
					t.Fatalf("the cycle after the retry: error %v, wrote over a spare %v", err, recycled)
				}
				if storedGen(t, r.path) != 6 || storedGen(t, r.path+".prev") != 5 {
					t.Fatalf("file %d, .prev %d, want 6 and 5", storedGen(t, r.path), storedGen(t, r.path+".prev"))
				}

				// A restart restores the last commit.
				r.s.Close()
				s2, v2 := reopenOdometry(t, r.dir)
				if err := s2.Restore(context.Background()); err != nil || v2.Get().Gen != 6 {
					t.Fatalf("restored %+v, %v", v2.Get(), err)
				}
			})
		}
	}
}

// overwriteLog is the real file system, recording what a fault rule
// cannot show: which files were written over (by inode) and when the
// directory fsyncs that succeeded came.
type overwriteLog struct {
	vfs.OS
	mu     sync.Mutex
	events []string
}

func (l *overwriteLog) add(e string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
}

func (l *overwriteLog) since(n int) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.events[n:])
}

func (l *overwriteLog) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.events)
}

func (l *overwriteLog) SyncDir(dir string) error {
	err := l.OS.SyncDir(dir)
	if err == nil {
		l.add("sync " + dir)
	}
	return err
}

func (l *overwriteLog) OpenOverwrite(name string) (vfs.OverwriteFile, error) {
	f, err := l.OS.OpenOverwrite(name)
	if err == nil {
		if info, serr := f.(*os.File).Stat(); serr == nil {
			l.add(fmt.Sprint("overwrite ", info.Sys().(*syscall.Stat_t).Ino))
		}
	}
	return f, err
}

func (h held) ino(t *testing.T) string {
	t.Helper()
	info, err := h.f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(info.Sys().(*syscall.Stat_t).Ino)
}

// A failing disk fails more than one operation: after a failed directory
// fsync the spares' removal (ForgetRecycled) fails too, and the spare the
// cycle made of the old .prev keeps its name. The disk may still name
// that file .prev, so no later cycle may write over it before a
// directory fsync has made the spare its only name; while that fsync
// fails, nothing is written at all.
func TestSpareKeptByAFailedRemoveIsNotWrittenOver(t *testing.T) {
	rec := &overwriteLog{}
	r := newRecycleRig(t, rec)
	for g := 1; g <= 3; g++ {
		if _, err := r.commit(g); err != nil {
			t.Fatal(err)
		}
	}
	prev := r.hold(r.path + ".prev") // generation 2
	r.ffs.Fail(faultfs.DirSync, "", syscall.EIO)
	r.ffs.Fail(faultfs.Remove, "", syscall.EIO)
	if _, err := r.commit(4); !errors.Is(err, syscall.EIO) {
		t.Fatalf("commit error %v, want EIO", err)
	}
	if len(r.spares()) == 0 {
		t.Fatal("no spare left: the fault did not keep one")
	}
	mark := rec.len()

	// The directory fsync still fails: nothing is written.
	r.ffs.Clear()
	r.ffs.Fail(faultfs.DirSync, "", syscall.EIO)
	if _, err := r.commit(5); !errors.Is(err, syscall.EIO) {
		t.Fatalf("commit while the directory fsync fails: %v, want EIO", err)
	}
	if st, _ := r.s.ModuleStatus("odometry"); !st.Pending || !strings.Contains(st.LastError, "input/output error") {
		t.Fatalf("status %+v: want the error and the change pending", st)
	}
	prev.intact(t, "while the directory fsync fails")
	if storedGen(t, r.path) != 4 || storedGen(t, r.path+".prev") != 3 {
		t.Fatalf("file %d, .prev %d, want 4 and 3", storedGen(t, r.path), storedGen(t, r.path+".prev"))
	}

	// The disk works again: generation 2's file may be written over, but
	// only after a directory fsync.
	r.ffs.Clear()
	if _, err := r.commit(6); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if storedGen(t, r.path) != 6 || storedGen(t, r.path+".prev") != 4 {
		t.Fatalf("file %d, .prev %d, want 6 and 4", storedGen(t, r.path), storedGen(t, r.path+".prev"))
	}
	synced := false
	for _, e := range rec.since(mark) {
		if e == "sync "+r.dir {
			synced = true
		}
		if e == "overwrite "+prev.ino(t) && !synced {
			t.Fatalf("generation 2's file, perhaps still .prev on the disk, written over before a directory fsync: %v", rec.since(mark))
		}
	}
	// Spares are written over again.
	if recycled, err := r.commit(7); err != nil || !recycled {
		t.Fatalf("the cycle after the retry: error %v, wrote over a spare %v", err, recycled)
	}
	if storedGen(t, r.path) != 7 || storedGen(t, r.path+".prev") != 6 {
		t.Fatalf("file %d, .prev %d, want 7 and 6", storedGen(t, r.path), storedGen(t, r.path+".prev"))
	}
}

// versions checks that the history lists the generations want, oldest
// first, each version's file holding its own.
func (r *recycleRig) versions(when string, want ...int) {
	r.t.Helper()
	vs, err := r.s.History("odometry")
	if err != nil || len(vs) != len(want) {
		r.t.Fatalf("%s: history %v, %v; want generations %v", when, vs, err, want)
	}
	for j, ver := range vs {
		_, data, err := r.s.VersionData("odometry", ver.Version)
		if err != nil {
			r.t.Fatalf("%s: version %d: %v", when, ver.Version, err)
		}
		var g gen
		if json.Unmarshal(data, &g) != nil || g.Gen != want[j] {
			r.t.Fatalf("%s: version %d holds %s, want generation %d", when, ver.Version, data, want[j])
		}
	}
}

// With history on, the commit writes over the version the history
// pruned and handed back. A fault on each step of that write: the
// module's file and .prev hold what they should, every listed version
// still holds its generation, the retry commits and is recorded, and
// the cycle after writes over a pruned version again.
func TestHistoryRecyclingFaultsLoseNothing(t *testing.T) {
	bounds := history.Bounds{Keep: 3, MaxAge: time.Hour, MaxBytes: 1 << 20}
	for _, op := range faultfs.OverwriteOps {
		if op == faultfs.Rename {
			continue
		}
		for _, errno := range []syscall.Errno{syscall.ENOSPC, syscall.EIO} {
			t.Run(string(op)+"/"+errno.Error(), func(t *testing.T) {
				r := newRecycleRig(t, vfs.OS{}, store.WithHistory(history.Config{Default: bounds}))
				for g := 1; g <= 4; g++ {
					if _, err := r.commit(g); err != nil {
						t.Fatal(err)
					}
				}
				if len(r.spares()) != 1 {
					t.Fatal("no pruned version handed back after four commits")
				}
				match := "odometry"
				if op == faultfs.DirSync {
					// The data directory's fsync (a commit that fails it is
					// not recorded, so the history's is never reached).
					match = r.dir
				}
				r.ffs.Fail(op, match, errno)
				recycled, err := r.commit(5)
				if r.ffs.Hits() == 0 {
					t.Fatal("the fault was never hit")
				}
				r.ffs.Clear()
				want := 4
				switch op {
				case faultfs.Open, faultfs.Truncate:
					if err != nil || recycled {
						t.Fatalf("commit after a failed %s of the pruned version: %v, wrote over it %v", op, err, recycled)
					}
					want = 5
				case faultfs.DirSync:
					if !errors.Is(err, errno) || !recycled {
						t.Fatalf("commit error %v, recycled %v", err, recycled)
					}
					want = 5
				default:
					if !errors.Is(err, errno) {
						t.Fatalf("commit error %v, want %v", err, errno)
					}
				}
				if got := storedGen(t, r.path); got != want {
					t.Fatalf("file holds %d, want %d", got, want)
				}
				if got := storedGen(t, r.path+".prev"); got != want-1 {
					t.Fatalf(".prev holds %d, want %d", got, want-1)
				}
				// Recorded: every commit that succeeded, and nothing else.
				recorded := []int{2, 3, 4}
				if err == nil {
					recorded = []int{3, 4, 5}
				}
				r.versions("after the fault", recorded...)
				if _, err := r.commit(6); err != nil {
					t.Fatalf("retry: %v", err)
				}
				if storedGen(t, r.path) != 6 || storedGen(t, r.path+".prev") != want {
					t.Fatalf("after the retry: file %d, .prev %d", storedGen(t, r.path), storedGen(t, r.path+".prev"))
				}
				recorded = append(recorded[1:], 6)
				r.versions("after the retry", recorded...)
				if recycled, err := r.commit(7); err != nil || !recycled {
					t.Fatalf("the cycle after the retry: error %v, wrote over a pruned version %v", err, recycled)
				}
				r.versions("after the next cycle", append(recorded[1:], 7)...)
			})
		}
	}
}

// handedBackInDoubt commits four generations with history on (3 kept),
// then a fifth whose history directory fsync fails and whose removals
// fail too, so the version the history kept as its spare stays with a
// name the disk may not have made durable. It returns the rig, its log
// of overwrites and fsyncs, the history directory and the inode of that
// version.
func handedBackInDoubt(t *testing.T) (r *recycleRig, rec *overwriteLog, histDir, handed string) {
	t.Helper()
	rec = &overwriteLog{}
	bounds := history.Bounds{Keep: 3, MaxAge: time.Hour, MaxBytes: 1 << 20}
	r = newRecycleRig(t, rec, store.WithHistory(history.Config{Default: bounds}))
	for g := 1; g <= 4; g++ {
		if _, err := r.commit(g); err != nil {
			t.Fatal(err)
		}
	}
	histDir = filepath.Join(r.dir, history.Dir)
	r.ffs.Fail(faultfs.DirSync, histDir, syscall.EIO)
	r.ffs.Fail(faultfs.Remove, "", syscall.EIO)
	if _, err := r.commit(5); err != nil {
		t.Fatalf("a history fault failed the commit: %v", err)
	}
	if st, _ := r.s.ModuleStatus("odometry"); st.HistoryError == "" {
		t.Fatal("no history error: the fault was not hit")
	}
	for ino := range r.histSpares() {
		handed = fmt.Sprint(ino)
	}
	if handed == "" {
		t.Fatal("the pruned version kept as a spare was removed: the fault did not keep it")
	}
	return r, rec, histDir, handed
}

// The history's directory fsync fails and so does its removal of the
// version it had kept as its spare: the disk may still list that file in
// the history, so no version is written over it until the history's
// directory has been fsynced.
func TestHandedBackVersionKeptByAFailedRemoveIsNotWrittenOver(t *testing.T) {
	r, rec, histDir, handed := handedBackInDoubt(t)
	mark := rec.len()
	r.ffs.Clear()
	if _, err := r.commit(6); err != nil {
		t.Fatalf("retry: %v", err)
	}
	synced := false
	for _, e := range rec.since(mark) {
		if e == "sync "+histDir {
			synced = true
		}
		if e == "overwrite "+handed && !synced {
			t.Fatalf("a version the disk may still list in the history written over before the history's directory fsync: %v", rec.since(mark))
		}
	}
	if storedGen(t, r.path) != 6 || storedGen(t, r.path+".prev") != 5 {
		t.Fatalf("file %d, .prev %d, want 6 and 5", storedGen(t, r.path), storedGen(t, r.path+".prev"))
	}
	r.versions("after the retry", 4, 5, 6)
	if _, err := r.commit(7); err != nil || !r.versionRecycled {
		t.Fatalf("the cycle after the retry: error %v, wrote over a pruned version %v", err, r.versionRecycled)
	}
}

// The history is best effort: a history directory whose fsync keeps
// failing, after its removal of its spare failed too, must not stop the
// commits of the module files, and the version in doubt is not written
// over: versions go to new files until an fsync of the directory works.
func TestHistoryDirFsyncFailingDoesNotStopCommits(t *testing.T) {
	r, rec, histDir, handed := handedBackInDoubt(t)
	mark := rec.len()
	r.ffs.Clear()
	r.ffs.Fail(faultfs.DirSync, histDir, syscall.EIO) // still failing
	for g := 6; g <= 7; g++ {
		_, err := r.commit(g)
		if err != nil {
			t.Fatalf("commit %d while only the history's directory fsync fails: %v", g, err)
		}
		if r.versionRecycled {
			t.Fatalf("commit %d wrote a version over the history's spare while its directory fsync fails", g)
		}
		if storedGen(t, r.path) != g || storedGen(t, r.path+".prev") != g-1 {
			t.Fatalf("file %d, .prev %d, want %d and %d", storedGen(t, r.path), storedGen(t, r.path+".prev"), g, g-1)
		}
	}
	for _, e := range rec.since(mark) {
		if e == "overwrite "+handed {
			t.Fatalf("a version the disk may still list in the history written over before the history's directory fsync: %v", rec.since(mark))
		}
	}
	// The disk works again: spares are written over again.
	r.ffs.Clear()
	if _, err := r.commit(8); err != nil {
		t.Fatal(err)
	}
	if _, err := r.commit(9); err != nil || !r.versionRecycled {
		t.Fatalf("once the history's directory fsync works: error %v, wrote over a pruned version %v", err, r.versionRecycled)
	}
}

// A spare kept at open may be a history version that an earlier run, with
// history on, handed back and could not remove: on the disk history/ may
// still list it. Before a store without history keeps spares to write
// over, history/ is fsynced too; when that fails the spares are removed
// instead, and the store opens all the same.
func TestOpenKeepsSparesOnlyOnceHistoryDirIsDurable(t *testing.T) {
	r := newRecycleRig(t, vfs.OS{})
	for g := 1; g <= 3; g++ {
		if _, err := r.commit(g); err != nil {
			t.Fatal(err)
		}
	}
	spares := len(r.spares())
	if spares == 0 {
		t.Fatal("no spare after three commits")
	}
	if err := os.Mkdir(filepath.Join(r.dir, history.Dir), 0o755); err != nil {
		t.Fatal(err)
	}
	r.s.Close()

	reopen := func(ffs *faultfs.FS) {
		t.Helper()
		s, v := reopenOdometry(t, r.dir, store.WithFS(ffs))
		if err := s.Restore(context.Background()); err != nil || v.Get().Gen != 3 {
			t.Fatalf("restored %+v, %v", v.Get(), err)
		}
		s.Close()
	}
	// history/ fsyncs: the spares stay.
	reopen(faultfs.New(vfs.OS{}))
	if got := len(r.spares()); got != spares {
		t.Fatalf("%d spares after an open whose fsyncs worked, want %d kept", got, spares)
	}
	// history/ cannot be fsynced: the spares go.
	ffs := faultfs.New(vfs.OS{})
	ffs.Fail(faultfs.DirSync, string(filepath.Separator)+history.Dir, syscall.EIO)
	reopen(ffs)
	if got := len(r.spares()); got != 0 {
		t.Fatalf("%d spares kept although history/ could not be fsynced", got)
	}
}
