package store_test

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/archive"
	"github.com/gorosys/rosys/persistence/history"
	"github.com/gorosys/rosys/persistence/internal/atomicfile"
	"github.com/gorosys/rosys/persistence/internal/modfile"
	"github.com/gorosys/rosys/persistence/persistencetest"
	"github.com/gorosys/rosys/persistence/store"
	"github.com/gorosys/rosys/persistence/vfs"
)

// keyFragments are what random keys are made of: the markers of every
// name the store gives its own files (temporaries, spares, the .prev
// link, moved-aside files, history versions and indexes, sidecars, the
// lock), their parts, case variants and characters no key may hold.
var keyFragments = []string{
	".tmp-", ".tmp-1", "tmp-", ".tmp", ".TMP-", "recycled", "-recycled", "recycled-prev", "link",
	".prev", "prev", ".prev.", ".preview", "-prev", ".PREV",
	".corrupt-", "corrupt-", ".corrupt", "20260101T000000.000Z", "-2",
	".json", "json", ".meta", ".meta.json", ".rosys-go", "rosys-go", ".lock", "lock",
	"@", "@1", "@index", "history", "journal", "rollback",
	".", "..", "-", "_", "a", "Z", "7", "model", "calib", "survey",
	"/", " ", "ä", "\x00", "\\", "*",
}

// randomKey glues one to six fragments, now and then padded to the
// length limit.
func randomKey(r *rand.Rand) string {
	var b strings.Builder
	for n := 1 + r.IntN(6); n > 0; n-- {
		b.WriteString(keyFragments[r.IntN(len(keyFragments))])
	}
	if r.IntN(20) == 0 {
		b.WriteString(strings.Repeat("k", 120+r.IntN(10)))
	}
	return b.String()
}

// derivedNames are the names the store itself gives files of key's
// module beside <key>.json in the data directory.
func derivedNames(key string) []string {
	f := modfile.FileName(key)
	return []string{
		f + ".prev", f + ".prev.tmp-link", f + ".tmp-123456", f + ".tmp-recycled", f + ".tmp-recycled-prev",
		f + ".corrupt-20261123T120000.001Z", f + ".corrupt-20261123T120000.001Z-2",
	}
}

// The rule of issue 21.1: every key ValidateKey accepts is a module file
// name the listing takes for that key and the sweep never deletes, and
// no name the store makes beside another module's file is taken for a
// module file. Random keys, most of them adversarial.
func TestKeyRuleMatchesSweepAndListing(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	r := rand.New(rand.NewPCG(seed, 21))
	accepted, refused := 0, 0
	const tries = 200_000
	for range tries {
		key := randomKey(r)
		err := persistence.ValidateKey(key)
		if err != nil {
			refused++
			if !errors.Is(err, persistence.ErrInvalidKey) || key != "" && !strings.Contains(err.Error(), strconv.Quote(key)) {
				t.Fatalf("seed %d: ValidateKey(%q) = %v: want ErrInvalidKey naming the key", seed, key, err)
			}
			if modfile.ValidateName(key) == nil != errors.Is(err, persistence.ErrReservedKey) {
				t.Fatalf("seed %d: ValidateKey(%q) = %v: ErrReservedKey exactly for safe names", seed, key, err)
			}
			continue
		}
		accepted++
		name := modfile.FileName(key)
		if atomicfile.IsTemporary(name) {
			t.Fatalf("seed %d: accepted key %q has a file the sweep deletes", seed, key)
		}
		if k, kind := modfile.Classify(name); kind != modfile.KindModule || k != key {
			t.Fatalf("seed %d: accepted key %q: its file is classified %v %q, not as its module file", seed, key, kind, k)
		}
		for _, d := range derivedNames(key) {
			if k, kind := modfile.Classify(d); kind == modfile.KindModule {
				t.Fatalf("seed %d: %q, made beside %q's file, is taken for the module file of %q", seed, d, key, k)
			}
		}
	}
	if accepted < tries/50 || refused < tries/2 {
		t.Fatalf("seed %d: %d accepted, %d refused: the generator no longer tries both sides", seed, accepted, refused)
	}
	t.Logf("seed %d: %d random keys, %d accepted, %d refused", seed, tries, accepted, refused)
}

// The same property against the real sweep, listing, restore and export
// on a real directory: accepted random keys are committed (twice, so
// .prev, spares and history versions exist), temporaries are planted
// beside them and legacy files under refused keys too; after a reopen,
// every accepted key is still there, listed, restored and exported,
// every planted temporary is gone, and every legacy file is kept and
// reported.
func TestAcceptedKeysSurviveTheRealSweep(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	r := rand.New(rand.NewPCG(seed, 211))
	rounds, perRound := 6, 120
	if testing.Short() {
		rounds = 2 // one without history, one with
	}
	tried, total := 0, 0
	for round := range rounds {
		withHistory := round%2 == 1
		dir := t.TempDir()
		var keys, legacy []string
		seen := map[string]bool{}
		for len(keys) < perRound {
			key := randomKey(r)
			tried++
			if seen[key] {
				continue
			}
			seen[key] = true
			switch {
			case persistence.ValidateKey(key) == nil:
				keys = append(keys, key)
			case modfile.ValidateName(key) == nil && len(legacy) < 20:
				legacy = append(legacy, key) // a safe name an earlier version accepted
			}
		}
		var opts []store.Option
		if withHistory {
			opts = append(opts, store.WithHistory(history.Config{Default: history.Bounds{Keep: 1}}))
		}
		s := persistencetest.Open(t, dir, opts...)
		vals := map[string]*persistence.Value[float64]{}
		for i, k := range keys {
			vals[k] = persistence.NewValue(float64(i))
			if err := s.Register(k, vals[k]); err != nil {
				t.Fatalf("seed %d: Register(%q) = %v", seed, k, err)
			}
		}
		if err := s.Restore(context.Background()); err != nil {
			t.Fatal(err)
		}
		for pass := range 2 {
			for i, k := range keys {
				vals[k].Set(float64(1000*pass + i))
			}
			if err := s.Flush(context.Background()); err != nil {
				t.Fatalf("seed %d: flush: %v", seed, err)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		var planted []string
		for _, k := range keys[:20] {
			p := filepath.Join(dir, modfile.FileName(k)+".tmp-4242")
			planted = append(planted, p)
			writeTestFile(t, p, "torn")
		}
		var legacyPaths []string
		for _, k := range legacy {
			p := filepath.Join(dir, modfile.FileName(k))
			if _, kind := modfile.Classify(filepath.Base(p)); kind != modfile.KindReserved {
				continue // not a module file name at all (a leading dot and the like)
			}
			legacyPaths = append(legacyPaths, p)
			writeTestFile(t, p, `{"value": 1}`)
		}

		s2 := persistencetest.Open(t, dir, opts...)
		for _, p := range planted {
			if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("seed %d: planted temporary %s not swept: %v", seed, p, err)
			}
		}
		for _, p := range legacyPaths {
			if b, err := os.ReadFile(p); err != nil || string(b) != `{"value": 1}` {
				t.Fatalf("seed %d: legacy file %s under a now reserved key swept or changed: %q %v", seed, p, b, err)
			}
		}
		if got := s2.ReservedFiles(); !sameStrings(got, legacyPaths) {
			t.Fatalf("seed %d: ReservedFiles = %q, want %q", seed, got, legacyPaths)
		}
		paths, err := modfile.Paths(vfs.OS{}, dir)
		if err != nil {
			t.Fatal(err)
		}
		if got := sortedKeys(paths); !sameStrings(got, keys) {
			t.Fatalf("seed %d: listing %q, want exactly the accepted keys %q", seed, got, keys)
		}
		for i, k := range keys {
			v := persistence.NewValue(-1.0)
			if err := s2.Register(k, v); err != nil {
				t.Fatal(err)
			}
			defer func(k string, want float64) {
				if got := v.Get(); got != want {
					t.Errorf("seed %d: %q restored %v, want %v", seed, k, got, want)
				}
			}(k, float64(1000+i))
		}
		if err := s2.Restore(context.Background()); err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			if st, _ := s2.ModuleStatus(k); st.RestoredFrom != persistence.FromFile {
				t.Fatalf("seed %d: %q restored from %q: %+v", seed, k, st.RestoredFrom, st)
			}
		}
		if err := s2.Close(); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		m, err := archive.ExportDir(dir, &buf, "robot", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		var exported []string
		for _, f := range m.Files {
			exported = append(exported, f.Key)
		}
		if !sameStrings(exported, keys) {
			t.Fatalf("seed %d: export has %q, want %q", seed, exported, keys)
		}
		total += len(keys)
	}
	t.Logf("seed %d: %d random keys tried, %d accepted ones committed, reopened, listed, restored and exported", seed, tried, total)
}

func writeTestFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func sameStrings(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// Every import refuses an archive naming a reserved key before it writes
// anything, naming the key and the reason: a .tar.gz and a RoSys
// export.json (archive.Read), and archives a program or a fleet restore
// builds itself (Store.Import, archive.ImportDir).
func TestImportsRefuseReservedKeys(t *testing.T) {
	for _, key := range []string{"calib.tmp-2024", "survey.json.tmp-recycled", ".hidden", "x.prev", "m.json.corrupt-1", "a.prev.b"} {
		good := envelopeOf(t, "model", 5)
		bad := envelopeOf(t, key, 1)
		files := map[string][]byte{"model": good, key: bad}
		var tgz bytes.Buffer
		if err := archive.Write(&tgz, archive.Describe(files, "robot", time.Now()), files); err != nil {
			t.Fatal(err)
		}
		rosysJSON := []byte(`{"model": {"value": 5}, "` + key + `": {"x": 1}}`)
		for name, in := range map[string][]byte{"tar.gz": tgz.Bytes(), "export.json": rosysJSON} {
			_, err := archive.Read(bytes.NewReader(in), archive.DefaultLimits)
			if !errors.Is(err, archive.ErrInvalid) || !strings.Contains(err.Error(), strconv.Quote(key)) || !strings.Contains(err.Error(), "reserved") {
				t.Errorf("%s with key %q: %v", name, key, err)
			}
		}
		dir := t.TempDir()
		s := persistencetest.Open(t, dir)
		v := persistence.NewValue(model{Value: 1})
		mustRegisterRestore(t, s, "model", v)
		if err := s.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		before := dirNames(t, dir)
		_, err := s.Import(context.Background(), &archive.Archive{Files: files})
		if !errors.Is(err, persistence.ErrInvalidKey) || !strings.Contains(err.Error(), strconv.Quote(key)) || v.Get().Value != 1 {
			t.Errorf("Store.Import with key %q: %v, model %v", key, err, v.Get())
		}
		s.Close()
		_, err = archive.ImportDir(vfs.OS{}, dir, &archive.Archive{Files: files}, time.Now())
		if !errors.Is(err, persistence.ErrInvalidKey) || !strings.Contains(err.Error(), strconv.Quote(key)) {
			t.Errorf("ImportDir with key %q: %v", key, err)
		}
		if after := dirNames(t, dir); !slices.Equal(before, after) {
			t.Errorf("key %q: refused imports changed the directory: %v → %v", key, before, after)
		}
	}
}
