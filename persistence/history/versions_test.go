package history_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys/persistence/history"
	"github.com/gorosys/rosys/persistence/internal/modfile"
	"github.com/gorosys/rosys/persistence/vfs"
)

func TestParseVersionTakesOnlyCanonicalNumbersInRange(t *testing.T) {
	for _, c := range []struct {
		s     string
		width int
		want  uint64 // 0: refused
	}{
		{"1", 0, 1}, {"42", 0, 42}, {"9007199254740991", 0, history.MaxVersion},
		{"000000000042", 12, 42}, {"9007199254740991", 12, history.MaxVersion},
		{"0", 0, 0}, {"000000000000", 12, 0}, {"", 0, 0},
		{"9007199254740992", 0, 0}, {"18446744073709551615", 0, 0}, {"18446744073709551616", 0, 0},
		{"99999999999999999999999999", 0, 0},
		{"01", 0, 0}, {"00000000042", 12, 0}, {"0000000000042", 12, 0}, {"42", 12, 0},
		{"+1", 0, 0}, {"-1", 0, 0}, {" 1", 0, 0}, {"1 ", 0, 0}, {"1e3", 0, 0}, {"0x10", 0, 0},
		{"１", 0, 0}, {"1.0", 0, 0}, {"1_000", 0, 0}, {"..", 0, 0}, {"1/../2", 0, 0},
	} {
		n, err := history.ParseVersion(c.s, c.width)
		if c.want == 0 {
			if err == nil || !errors.Is(err, history.ErrBadVersion) {
				t.Errorf("ParseVersion(%q, %d) = %d, %v; want ErrBadVersion", c.s, c.width, n, err)
			}
			continue
		}
		if err != nil || n != c.want {
			t.Errorf("ParseVersion(%q, %d) = %d, %v; want %d", c.s, c.width, n, err, c.want)
		}
		if got := history.FormatVersion(n, c.width); got != c.s {
			t.Errorf("FormatVersion(%d, %d) = %q, want %q", n, c.width, got, c.s)
		}
	}
}

// plant writes a file into the history directory as an attacker (or a
// stray copy) would, holding a valid module file of key.
func plant(t *testing.T, dir, name, key string, n int) []byte {
	t.Helper()
	b, err := modfile.Encode(key, 1, t0, map[string]int{"n": n})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, history.Dir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, history.Dir, name), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return b
}

// The example of issue 21: a planted model@18446744073709551615.json
// made the next versions 0, 1, 2, 3 and wrote over model@1.json. Out of
// range and malformed numbers are ignored (and said so); the versions go
// on from the newest real one and no file is written over.
func TestVersionNumbersNeverWrapAndHostileNamesAreIgnored(t *testing.T) {
	hostile := []string{
		"model@18446744073709551615.json", "model@18446744073709551616.json", "model@9007199254740992.json",
		"model@0.json", "model@00.json", "model@01.json", "model@+3.json", "model@-1.json", "model@ 3.json",
		"model@3 .json", "model@1e3.json", "model@0x3.json", "model@3.0.json", "model@.json", "model@３.json",
	}
	dir := t.TempDir()
	h := history.New(vfs.OS{}, dir, history.Config{}, func() time.Time { return t0 }, 1<<20)
	commit(t, h, dir, "model", 1, t0)
	commit(t, h, dir, "model", 2, t0)
	v1, _ := os.ReadFile(filepath.Join(dir, history.Dir, "model@1.json"))
	planted := map[string][]byte{}
	for i, name := range hostile {
		planted[name] = plant(t, dir, name, "model", 1000+i)
	}
	h = history.New(vfs.OS{}, dir, history.Config{}, func() time.Time { return t0 }, 1<<20)
	for i := 3; i <= 6; i++ {
		if v := commit(t, h, dir, "model", i, t0); v.Version != uint64(i) {
			t.Fatalf("commit %d got version %d", i, v.Version)
		}
	}
	vs, _ := h.List("model")
	if got := fmt.Sprint(versions(vs)); got != "[1 2 3 4 5 6]" {
		t.Fatalf("versions %s", got)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, history.Dir, "model@1.json")); !bytes.Equal(b, v1) {
		t.Fatal("version 1 written over")
	}
	for name, want := range planted {
		if b, err := os.ReadFile(filepath.Join(dir, history.Dir, name)); err != nil || !bytes.Equal(b, want) {
			t.Errorf("planted %s changed or removed: %v", name, err)
		}
	}
	ignored := strings.Join(h.Ignored("model"), "\n")
	for _, name := range hostile {
		if !strings.Contains(ignored, name+": ") {
			t.Errorf("%s not reported as ignored; reported:\n%s", name, ignored)
		}
	}
}

// A history whose newest version is the highest number there is stays
// full: it records nothing more (said so), and writes over nothing.
func TestHistoryAtTheHighestVersionIsFullNotWrapped(t *testing.T) {
	dir := t.TempDir()
	below := plant(t, dir, fmt.Sprintf("model@%d.json", history.MaxVersion-1), "model", 98)
	top := plant(t, dir, fmt.Sprintf("model@%d.json", history.MaxVersion), "model", 99)
	h := history.New(vfs.OS{}, dir, history.Config{}, func() time.Time { return t0 }, 1<<20)
	b, _ := modfile.Encode("model", 1, t0, map[string]int{"n": 2})
	if err := os.WriteFile(filepath.Join(dir, "model.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := h.Record("model", filepath.Join(dir, "model.json"), t0, int64(len(b)), sha256.Sum256(b))
	if !errors.Is(err, history.ErrFull) {
		t.Fatalf("record past the highest version: %v, want ErrFull", err)
	}
	for n, want := range map[uint64][]byte{history.MaxVersion - 1: below, history.MaxVersion: top} {
		if got, _ := os.ReadFile(filepath.Join(dir, history.Dir, fmt.Sprintf("model@%d.json", n))); !bytes.Equal(got, want) {
			t.Fatalf("version %d was written over", n)
		}
	}
	vs, _ := h.List("model")
	if got := fmt.Sprint(versions(vs)); got != fmt.Sprintf("[%d %d]", history.MaxVersion-1, history.MaxVersion) {
		t.Fatalf("versions %s", got)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, history.Dir))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "model@0") || e.Name() == "model@1.json" {
			t.Fatalf("%s written: the numbers wrapped", e.Name())
		}
	}
}

// A name that appears where the next version goes (after the history
// was listed) is never replaced: the record fails with ErrInTheWay and
// the next one goes past it.
func TestANameInTheWayIsNeverReplaced(t *testing.T) {
	for _, kind := range []string{"module file", "garbage", "directory", "symlink"} {
		t.Run(kind, func(t *testing.T) {
			dir := t.TempDir()
			h := history.New(vfs.OS{}, dir, history.Config{}, func() time.Time { return t0 }, 1<<20)
			commit(t, h, dir, "model", 1, t0)
			if _, err := h.List("model"); err != nil { // loaded: the history knows of version 1 only
				t.Fatal(err)
			}
			way := filepath.Join(dir, history.Dir, "model@2.json")
			var want []byte
			switch kind {
			case "module file":
				want = plant(t, dir, "model@2.json", "model", 77)
			case "garbage":
				want = []byte("not mine")
				os.WriteFile(way, want, 0o644)
			case "directory":
				os.Mkdir(way, 0o755)
			case "symlink":
				os.Symlink(filepath.Join(dir, "model.json"), way)
			}
			b, _ := modfile.Encode("model", 1, t0, map[string]int{"n": 2})
			os.WriteFile(filepath.Join(dir, "model.json"), b, 0o644)
			_, err := h.Record("model", filepath.Join(dir, "model.json"), t0, int64(len(b)), sha256.Sum256(b))
			if !errors.Is(err, history.ErrInTheWay) || !strings.Contains(err.Error(), "model@2.json") {
				t.Fatalf("record onto a taken name: %v, want ErrInTheWay naming it", err)
			}
			info, lerr := os.Lstat(way)
			if lerr != nil {
				t.Fatal(lerr)
			}
			if want != nil {
				if got, _ := os.ReadFile(way); !bytes.Equal(got, want) {
					t.Fatalf("the file in the way was replaced: %q", got)
				}
			} else if info.Mode().IsRegular() {
				t.Fatal("the directory or symlink in the way was replaced by a file")
			}
			// The next record counts the name and goes past it.
			v := commit(t, h, dir, "model", 3, t0)
			if v.Version != 3 {
				t.Fatalf("next version %d, want 3", v.Version)
			}
			vs, _ := h.List("model")
			for _, v := range vs {
				if v.Version == 2 && kind != "module file" && v.Damaged == "" {
					t.Errorf("%s in the way listed as a good version: %+v", kind, v)
				}
			}
		})
	}
}

func hexOf(b []byte) string { return fmt.Sprintf("%x", b) }

// writeIndex writes a key's index as the history does at Close.
func writeIndex(t *testing.T, hd, key string, vs []history.Version) {
	t.Helper()
	b, err := json.Marshal(map[string]any{"key": key, "versions": vs})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(hd, key+"@index.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRunSetsAsideVersionsFarFromTheOthers(t *testing.T) {
	for _, c := range []struct {
		in        []uint64
		anchor    uint64
		take, far string
	}{
		{nil, 0, "[]", "[]"},
		{[]uint64{7}, 0, "[7]", "[]"},
		{[]uint64{3, 4, 5}, 0, "[3 4 5]", "[]"},
		{[]uint64{3, 4, 5, 9007199254740990}, 0, "[3 4 5]", "[9007199254740990]"},
		{[]uint64{1, 3, 4, 5, 9007199254740990}, 0, "[1 3 4 5]", "[9007199254740990]"},
		{[]uint64{5, 20000, 20001}, 0, "[20000 20001]", "[5]"},
		{[]uint64{5, 9007199254740990}, 0, "[5]", "[9007199254740990]"},
		{[]uint64{100, 10100, 20100}, 0, "[100 10100 20100]", "[]"},
		// The index's newest version wins over a bigger planted run.
		{[]uint64{5, 9007199254740989, 9007199254740990}, 5, "[5]", "[9007199254740989 9007199254740990]"},
		{[]uint64{5, 9007199254740989, 9007199254740990}, 0, "[9007199254740989 9007199254740990]", "[5]"},
	} {
		take, far := history.Run(c.in, c.anchor)
		if got := fmt.Sprint(append([]uint64{}, take...)); got != c.take {
			t.Errorf("Run(%v, %d) takes %s, want %s", c.in, c.anchor, got, c.take)
		}
		if got := fmt.Sprint(append([]uint64{}, far...)); got != c.far {
			t.Errorf("Run(%v, %d) sets aside %s, want %s", c.in, c.anchor, got, c.far)
		}
	}
}

// A valid module file planted at a valid number far above the real
// versions (2^53-2: one version from full) is set aside and reported;
// the versions go on from the real ones and the file is left as it is.
func TestAVersionPlantedFarAboveIsSetAside(t *testing.T) {
	for _, withIndex := range []bool{true, false} {
		t.Run(fmt.Sprint("index=", withIndex), func(t *testing.T) {
			dir := t.TempDir()
			h := history.New(vfs.OS{}, dir, history.Config{}, func() time.Time { return t0 }, 1<<20)
			commit(t, h, dir, "model", 1, t0)
			commit(t, h, dir, "model", 2, t0)
			if withIndex {
				h.Close()
			}
			name := fmt.Sprintf("model@%d.json", history.MaxVersion-1)
			planted := plant(t, dir, name, "model", 99)
			h = history.New(vfs.OS{}, dir, history.Config{}, func() time.Time { return t0 }, 1<<20)
			if v := commit(t, h, dir, "model", 3, t0); v.Version != 3 {
				t.Fatalf("next version %d, want 3", v.Version)
			}
			vs, _ := h.List("model")
			if got := fmt.Sprint(versions(vs)); got != "[1 2 3]" {
				t.Fatalf("versions %s", got)
			}
			if !strings.Contains(strings.Join(h.Ignored("model"), "\n"), name) {
				t.Fatalf("%s not reported: %q", name, h.Ignored("model"))
			}
			if b, _ := os.ReadFile(filepath.Join(dir, history.Dir, name)); !bytes.Equal(b, planted) {
				t.Fatal("the planted file was changed")
			}
		})
	}
}
