package crashfs

import (
	"errors"
	"io/fs"
	"testing"

	"github.com/gorosys/rosys/persistence/vfs"
)

func write(t *testing.T, f *FS, name, data string, sync bool) {
	t.Helper()
	h, err := f.CreateExclusive(name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Write([]byte(data)); err != nil {
		t.Fatal(err)
	}
	if sync {
		if err := h.Sync(); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
}

func read(f *FS, name string) string {
	b, err := f.ReadFile(name, 1<<30)
	if errors.Is(err, fs.ErrNotExist) {
		return "<missing>"
	} else if err != nil {
		return "<" + err.Error() + ">"
	}
	return string(b)
}

// The model's rules, each checked against every policy.
func TestCrashModel(t *testing.T) {
	f := New()
	if err := f.MkdirAll("/d", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := f.SyncDir("/"); err != nil {
		t.Fatal(err)
	}
	write(t, f, "/d/synced-name", "durable", true)
	if err := f.SyncDir("/d"); err != nil {
		t.Fatal(err)
	}
	write(t, f, "/d/unsynced-data", "lost?", false)     // name not synced either
	write(t, f, "/d/tmp", "renamed-before-sync", false) // data never synced
	if err := f.Rename("/d/tmp", "/d/renamed"); err != nil {
		t.Fatal(err)
	}
	h, _ := f.CreateTemp("/d", "append*")
	h.Write([]byte("head"))
	h.Sync()
	h.Write([]byte("tail"))
	if err := f.MkdirAll("/new/sub", 0o755); err != nil { // parent never synced
		t.Fatal(err)
	}
	write(t, f, "/new/sub/x", "x", true)
	if err := f.SyncDir("/new/sub"); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		p                                         Policy
		synced, unsynced, renamed, appended, newX string
	}{
		{LoseUnsynced, "durable", "<missing>", "<missing>", "<missing>", "<missing>"},
		{KeepAll, "durable", "lost?", "renamed-before-sync", "headtail", "x"},
		{MetadataFirst, "durable", "", "", "head", "x"},
	} {
		g := f.Crash(c.p, 1)
		got := []string{read(g, "/d/synced-name"), read(g, "/d/unsynced-data"), read(g, "/d/renamed"), read(g, "/d/append1"), read(g, "/new/sub/x")}
		want := []string{c.synced, c.unsynced, c.renamed, c.appended, c.newX}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%v: file %d = %q, want %q", c.p, i, got[i], want[i])
			}
		}
	}
	g := f.Crash(GarbageTail, 1)
	if b := read(g, "/d/append1"); len(b) != 8 || b[:4] != "head" {
		t.Errorf("garbage-tail: appended file = %q, want head + 4 bytes", b)
	}
	// The original is untouched by Crash, and a crash image is durable.
	if read(f, "/d/renamed") != "renamed-before-sync" {
		t.Error("Crash changed the file system")
	}
	if g2 := f.Crash(KeepAll, 1).Crash(LoseUnsynced, 1); read(g2, "/d/renamed") != "renamed-before-sync" || read(g2, "/new/sub/x") != "x" {
		t.Error("a crash image is not wholly durable")
	}
	// Random is repeatable by seed.
	for seed := uint64(0); seed < 20; seed++ {
		a, b := f.Crash(Random, seed), f.Crash(Random, seed)
		for _, n := range []string{"/d/unsynced-data", "/d/renamed", "/d/append1"} {
			if read(a, n) != read(b, n) {
				t.Fatalf("seed %d: %s differs between two crashes", seed, n)
			}
		}
	}
}

func TestRenameIsAtomicInRandomCrashes(t *testing.T) {
	f := New()
	write(t, f, "/a", "old", true)
	f.SyncDir("/")
	write(t, f, "/tmp", "new", true)
	f.Rename("/tmp", "/a")
	seen := map[string]bool{}
	for seed := uint64(0); seed < 50; seed++ {
		g := f.Crash(Random, seed)
		seen[read(g, "/a")] = true
	}
	if len(seen) != 2 || !seen["old"] || !seen["new"] {
		t.Fatalf("after random crashes /a was %v, want exactly old and new", seen)
	}
}

func TestOpsAreCountedAndReported(t *testing.T) {
	f := New()
	var got []string
	f.OnOp = func(n int, op, p string) { got = append(got, op) }
	write(t, f, "/a", "x", true)
	f.Link("/a", "/b")
	f.Rename("/b", "/c")
	f.Remove("/c")
	f.Truncate("/a", 0)
	f.SyncDir("/")
	want := []string{"create", "write", "fsync", "link", "rename", "remove", "truncate", "dirsync"}
	if len(got) != len(want) || f.Ops() != len(want) {
		t.Fatalf("ops %v (count %d), want %v", got, f.Ops(), want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("ops %v, want %v", got, want)
		}
	}
}

func TestErrors(t *testing.T) {
	f := New()
	if _, err := f.ReadFile("/nope", 1<<30); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("read missing: %v", err)
	}
	write(t, f, "/a", "x", false)
	if _, err := f.CreateExclusive("/a"); !errors.Is(err, fs.ErrExist) {
		t.Errorf("create existing: %v", err)
	}
	if err := f.Link("/a", "/a"); !errors.Is(err, fs.ErrExist) {
		t.Errorf("link onto existing: %v", err)
	}
	if err := f.Rename("/nope", "/b"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("rename missing: %v", err)
	}
	if err := f.MkdirAll("/a/b", 0o755); err == nil {
		t.Error("mkdir under a file succeeded")
	}
	l, err := f.Lock("/")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Lock("/"); err == nil {
		t.Error("second lock succeeded")
	}
	l.Close()
	if _, err := f.Lock("/"); err != nil {
		t.Errorf("lock after unlock: %v", err)
	}
}

// A file written over (OpenOverwrite) keeps its old bytes until its
// fsync: a power cut leaves old, new or a torn mix by policy. A file
// with two names is never opened to be written over.
func TestOverwriteModel(t *testing.T) {
	f := New()
	if err := f.MkdirAll("/d", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := f.SyncDir("/"); err != nil {
		t.Fatal(err)
	}
	write(t, f, "/d/a", "old-old-old", true)
	write(t, f, "/d/b", "shared", true)
	if err := f.Link("/d/b", "/d/b2"); err != nil {
		t.Fatal(err)
	}
	if err := f.SyncDir("/d"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.OpenOverwrite("/d/b"); !errors.Is(err, vfs.ErrShared) {
		t.Fatalf("a file with two names opened to be written over: %v", err)
	}
	h, err := f.OpenOverwrite("/d/a")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Truncate(3); err != nil {
		t.Fatal(err)
	}
	h.Write([]byte("NEW"))
	h.Write([]byte("!!"))
	if got := read(f, "/d/a"); got != "NEW!!" {
		t.Fatalf("seen %q", got)
	}
	if got := read(f.Crash(LoseUnsynced, 1), "/d/a"); got != "old-old-old" {
		t.Fatalf("lose-unsynced: %q", got)
	}
	if got := read(f.Crash(KeepAll, 1), "/d/a"); got != "NEW!!" {
		t.Fatalf("keep-all: %q", got)
	}
	allowed := map[string]bool{}
	for cut := range len("NEW!!") + 1 {
		allowed["NEW!!"[:cut]+"old-old-old"[cut:]] = true
	}
	seen := map[string]bool{}
	for seed := range uint64(40) {
		got := read(f.Crash(GarbageTail, seed), "/d/a")
		if !allowed[got] {
			t.Fatalf("garbage-tail left %q, no cut of the new bytes over the old", got)
		}
		seen[got] = true
	}
	if len(seen) < 3 {
		t.Fatalf("garbage-tail tore the write only %d ways in 40 cuts: %v", len(seen), seen)
	}
	h.Sync()
	if got := read(f.Crash(LoseUnsynced, 1), "/d/a"); got != "NEW!!" {
		t.Fatalf("after fsync: %q", got)
	}
}
