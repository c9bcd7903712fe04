package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/history"
	"github.com/gorosys/rosys/persistence/internal/modfile"
	"github.com/gorosys/rosys/persistence/store"
)

func commitGen(t *testing.T, s *store.Store, v *persistence.Value[gen], g int) {
	t.Helper()
	v.Set(gen{g})
	if err := s.BackupRequested(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.HistorySettled(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func versionGens(t *testing.T, s *store.Store) []int {
	t.Helper()
	vs, err := s.History("odometry")
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, v := range vs {
		_, data, err := s.VersionData("odometry", v.Version)
		if err != nil {
			t.Fatalf("version %d: %v", v.Version, err)
		}
		var g gen
		if err := json.Unmarshal(data, &g); err != nil {
			t.Fatal(err)
		}
		out = append(out, g.Gen)
	}
	return out
}

// Issue 21, item 4: the live module file edited in place (as Python's
// open(p, "w"), nano and vim do) rewrote the newest version. Every
// version stays intact and restorable, before and after a restart.
func TestStoreVersionsSurviveAnEditOfTheModuleFileInPlace(t *testing.T) {
	dir := t.TempDir()
	s, v := openWithHistory(t, dir)
	for g := 1; g <= 3; g++ {
		commitGen(t, s, v, g)
	}
	for _, p := range []string{s.Path("odometry"), s.Path("odometry") + ".prev"} {
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_TRUNC, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString(`{"gen": 666}`)
		f.Close()
	}
	if got := fmt.Sprint(versionGens(t, s)); got != "[1 2 3]" {
		t.Fatalf("versions hold %s after an edit in place, want [1 2 3]", got)
	}
	s.Close()
	s2, v2 := openWithHistory(t, dir)
	if got := fmt.Sprint(versionGens(t, s2)); got != "[1 2 3]" {
		t.Fatalf("after a restart versions hold %s, want [1 2 3]", got)
	}
	if _, _, err := s2.RestoreVersion(context.Background(), "odometry", history.Selector{Version: 3}); err != nil || v2.Get().Gen != 3 {
		t.Fatalf("restore of version 3: %v, value %+v", err, v2.Get())
	}
}

// A version whose file no longer holds the bytes recorded is listed as
// damaged, its data is never served and a restore of it is refused
// with ErrDamaged naming it; nothing changes.
func TestStoreRefusesADamagedVersion(t *testing.T) {
	dir := t.TempDir()
	s, v := openWithHistory(t, dir)
	for g := 1; g <= 3; g++ {
		commitGen(t, s, v, g)
	}
	s.Close()
	// Same size, other bytes: the size check alone does not see it.
	p := filepath.Join(dir, history.Dir, "odometry@2.json")
	b, _ := os.ReadFile(p)
	os.WriteFile(p, bytes.Replace(b, []byte(`"gen": 2`), []byte(`"gen": 7`), 1), 0o644)
	s2, v2 := openWithHistory(t, dir)
	_, _, err := s2.RestoreVersion(context.Background(), "odometry", history.Selector{Version: 2})
	if !errors.Is(err, store.ErrDamaged) || !strings.Contains(err.Error(), "version 2") {
		t.Fatalf("restore of a damaged version: %v, want ErrDamaged naming it", err)
	}
	if v2.Get().Gen != 3 {
		t.Fatalf("a refused restore changed the value to %+v", v2.Get())
	}
	if _, _, err := s2.VersionData("odometry", 2); !errors.Is(err, store.ErrDamaged) {
		t.Fatalf("data of a damaged version served: %v", err)
	}
	vs, _ := s2.History("odometry")
	if len(vs) != 3 || vs[1].Damaged == "" || vs[0].Damaged != "" || vs[2].Damaged != "" {
		t.Fatalf("history after the damage: %+v", vs)
	}
	// Other size: found at the listing already.
	os.WriteFile(filepath.Join(dir, history.Dir, "odometry@1.json"), []byte(`{"gen":1}`), 0o644)
	s2.Close()
	s3, _ := openWithHistory(t, dir)
	vs, _ = s3.History("odometry")
	if len(vs) != 3 || vs[0].Damaged == "" || vs[1].Damaged == "" || vs[2].Damaged != "" {
		t.Fatalf("history after the second damage and a restart: %+v", vs)
	}
}

// Issue 21, item 2 on the store: planted names with huge or malformed
// numbers are ignored and reported in the module's status, the versions
// go on from the newest real one, and no file is written over; a name
// in the way is reported in history_error and never replaced.
func TestStoreHistoryIgnoresHostileNamesAndReportsThem(t *testing.T) {
	dir := t.TempDir()
	s, v := openWithHistory(t, dir)
	commitGen(t, s, v, 1)
	s.Close()
	hd := filepath.Join(dir, history.Dir)
	v1, _ := os.ReadFile(filepath.Join(hd, "odometry@1.json"))
	hostile := []string{"odometry@18446744073709551615.json", "odometry@9007199254740992.json", "odometry@007.json", "odometry@-2.json", "odometry@2x.json"}
	for _, name := range hostile {
		b, _ := modfile.Encode("odometry", 1, time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC), gen{99})
		os.WriteFile(filepath.Join(hd, name), b, 0o644)
	}
	s2, v2 := openWithHistory(t, dir)
	for g := 2; g <= 5; g++ {
		commitGen(t, s2, v2, g)
	}
	if got := fmt.Sprint(versionGens(t, s2)); got != "[1 2 3 4 5]" {
		t.Fatalf("versions hold %s, want [1 2 3 4 5]", got)
	}
	if b, _ := os.ReadFile(filepath.Join(hd, "odometry@1.json")); !bytes.Equal(b, v1) {
		t.Fatal("version 1 was written over")
	}
	st, _ := s2.ModuleStatus("odometry")
	for _, name := range hostile {
		if !strings.Contains(strings.Join(st.HistoryIgnored, "\n"), name) {
			t.Errorf("%s not in history_ignored: %q", name, st.HistoryIgnored)
		}
	}
	// A name in the way of the next version (planted while running).
	way := filepath.Join(hd, "odometry@6.json")
	os.WriteFile(way, []byte("mine"), 0o644)
	commitGen(t, s2, v2, 6)
	st, _ = s2.ModuleStatus("odometry")
	if !strings.Contains(st.HistoryError, "odometry@6.json") {
		t.Fatalf("history_error %q does not name the file in the way", st.HistoryError)
	}
	if b, _ := os.ReadFile(way); string(b) != "mine" {
		t.Fatalf("the file in the way was replaced: %q", b)
	}
	commitGen(t, s2, v2, 7)
	if st, _ := s2.ModuleStatus("odometry"); st.HistoryError != "" {
		t.Fatalf("the next commit did not go past the name: %s", st.HistoryError)
	}
	vs, _ := s2.History("odometry")
	if last := vs[len(vs)-1]; last.Version != 7 || vs[len(vs)-2].Damaged == "" {
		t.Fatalf("history %+v: want version 6 listed damaged and 7 the newest", vs)
	}
}

// A data directory of an earlier version (history versions hard links of
// the module file and its .prev): the store checks and copies them out
// when it opens, so an edit of the module file in place right after the
// upgrade, before any commit or listing, leaves every version intact.
func TestStoreOpenCopiesOutVersionsLinkedByAnEarlierVersion(t *testing.T) {
	dir := t.TempDir()
	hd := filepath.Join(dir, history.Dir)
	os.MkdirAll(hd, 0o755)
	live := filepath.Join(dir, "odometry.json")
	var files [][]byte
	var idx []history.Version
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	for i := 1; i <= 3; i++ {
		b, _ := modfile.Encode("odometry", 1, at, gen{i})
		if i > 1 {
			os.Remove(live + ".prev")
			os.Link(live, live+".prev")
		}
		os.WriteFile(live+".new", b, 0o644)
		os.Rename(live+".new", live)
		if err := os.Link(live, filepath.Join(hd, fmt.Sprintf("odometry@%d.json", i))); err != nil {
			t.Fatal(err)
		}
		files = append(files, b)
		idx = append(idx, history.Version{Version: uint64(i), SavedAt: at, Size: int64(len(b)), SHA256: fmt.Sprintf("%x", sha256.Sum256(b)), SchemaVersion: 1})
	}
	ib, _ := json.Marshal(map[string]any{"key": "odometry", "versions": idx})
	os.WriteFile(filepath.Join(hd, "odometry@index.json"), ib, 0o644)

	s, _ := openWithHistory(t, dir)
	for _, p := range []string{live, live + ".prev"} {
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_TRUNC, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString(`{"gen": 666}`)
		f.Close()
	}
	if got := fmt.Sprint(versionGens(t, s)); got != "[1 2 3]" {
		t.Fatalf("after the upgrade and an edit in place, versions hold %s, want [1 2 3]", got)
	}
	for i := range files {
		b, _ := os.ReadFile(filepath.Join(hd, fmt.Sprintf("odometry@%d.json", i+1)))
		if !bytes.Equal(b, files[i]) {
			t.Fatalf("version %d changed: %s", i+1, b)
		}
	}
}
