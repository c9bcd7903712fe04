package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorosys/rosys/internal/testexec"
	"github.com/gorosys/rosys/persistence/archive"
	"github.com/gorosys/rosys/persistence/persistencetest"
	"github.com/gorosys/rosys/persistence/vfs"
)

// Imports cut off by kill -9 and SIGTERM, offline and online, against the
// real binary: after a restart every module of the archive is applied or
// none is. The kill comes when a number of files has changed (the import
// keeps each replaced file as <key>.json.prev), never at a fixed time.

const (
	bulkModules = 3000
	killAfter   = 300 // replaced files seen before the kill
)

// bulkArchive writes an archive of the demo's model (value v) and
// bulkModules other keys (each holding v), the size of the import the
// issue measured.
func bulkArchive(t *testing.T, v int) string {
	t.Helper()
	files := map[string][]byte{}
	add := func(key string, data any) {
		b, err := json.MarshalIndent(map[string]any{"format": "rosys-go/1", "key": key, "schema_version": 1,
			"saved_at": time.Unix(1700000000, 0).UTC(), "data": data}, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		files[key] = b
	}
	add("model", map[string]any{"value": v})
	for i := range bulkModules {
		add(fmt.Sprintf("bulk-%04d", i), map[string]any{"v": v, "pad": strings.Repeat("x", 200)})
	}
	var buf bytes.Buffer
	if err := archive.Write(&buf, archive.Describe(files, fmt.Sprintf("gen-%d", v), time.Unix(1700000000, 0)), files); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), fmt.Sprintf("bulk-%d.tar.gz", v))
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// generations counts the module files of dir by the generation they hold
// (model's value, the bulk modules' v).
func generations(t *testing.T, dir string) map[int]int {
	t.Helper()
	out := map[int]int{}
	read := func(name, field string) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			out[-1]++ // missing
			return
		}
		var f struct{ Data map[string]any }
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatalf("%s does not parse: %v", name, err)
		}
		g, _ := f.Data[field].(float64)
		out[int(g)]++
	}
	read("model.json", "value")
	for i := range bulkModules {
		read(fmt.Sprintf("bulk-%04d.json", i), "v")
	}
	return out
}

// allOf fails unless every module of dir holds generation g.
func allOf(t *testing.T, dir string, g int, when string) {
	t.Helper()
	if got := generations(t, dir); got[g] != bulkModules+1 {
		t.Fatalf("%s: want every module at generation %d, have %v (generation: count)", when, g, got)
	}
}

// replaced counts the .prev files in dir: files an import replaced.
func replaced(dir string) int {
	entries, _ := os.ReadDir(dir)
	n := 0
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".json.prev") {
			n++
		}
	}
	return n
}

// untilReplaced waits until n files of dir were replaced or done is
// closed (the process ended: too fast to interrupt). It reports whether
// the count was reached.
func untilReplaced(t *testing.T, dir string, n int, done <-chan struct{}) bool {
	t.Helper()
	deadline := time.After(2 * time.Minute)
	for {
		if replaced(dir) >= n {
			return true
		}
		select {
		case <-done:
			return false
		case <-deadline:
			t.Fatalf("%d files replaced after 2 minutes", replaced(dir))
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// lastImport is the newest record of the import journal in dir.
func lastImport(t *testing.T, dir string) archive.ImportRecord {
	t.Helper()
	recs, err := archive.Imports(vfs.OS{}, dir)
	if err != nil || len(recs) == 0 {
		t.Fatalf("import journal: %v %v", recs, err)
	}
	return recs[len(recs)-1]
}

// seedBulk imports the archive of generation 1 offline into a fresh
// directory (new files: no .prev).
func seedBulk(t *testing.T) (dir, gen1, gen2 string) {
	t.Helper()
	dir = t.TempDir()
	gen1, gen2 = bulkArchive(t, 1), bulkArchive(t, 2)
	if out, errs, code := rosysCmd(t, "backup", "import", "--data-dir", dir, gen1); code != 0 {
		t.Fatalf("seed: %d %s %s", code, out, errs)
	}
	allOf(t, dir, 1, "seeded")
	if n := replaced(dir); n != 0 {
		t.Fatalf("%d .prev files after seeding a fresh directory", n)
	}
	return dir, gen1, gen2
}

func TestImportKilledOfflineIsRolledBack(t *testing.T) {
	endToEnd(t)
	dir, _, gen2 := seedBulk(t)
	cmd := testexec.Command(binary, "backup", "import", "--data-dir", dir, gen2)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	if !untilReplaced(t, dir, killAfter, done) {
		t.Skipf("the import of %d modules finished before %d files were replaced: too fast to interrupt here\n%s", bulkModules, killAfter, out.String())
	}
	_ = cmd.Process.Kill()
	<-done
	mix := generations(t, dir)
	t.Logf("killed with %d files replaced: %v (generation: count) on disk", replaced(dir), mix)
	if rec := lastImport(t, dir); rec.Outcome == archive.OutcomeApplied {
		// The kill came after the commit point: all of it is applied.
		allOf(t, dir, 2, "killed after the commit")
		return
	} else if rec.Outcome != archive.OutcomeApplying {
		t.Fatalf("journal after the kill: %+v", rec)
	}
	// The next offline command rolls back before it reads anything.
	exported := filepath.Join(t.TempDir(), "after.tar.gz")
	if _, errs, code := rosysCmd(t, "backup", "export", "--data-dir", dir, "-o", exported); code != 0 {
		t.Fatalf("export after the kill: %d %s", code, errs)
	}
	allOf(t, dir, 1, "after the next offline command")
	if rec := lastImport(t, dir); rec.Outcome != archive.OutcomeRolledBack {
		t.Fatalf("journal after the roll back: %+v", rec)
	}
	list, _, _ := rosysCmd(t, "backup", "list", "--data-dir", dir, "--dir", t.TempDir())
	if !strings.Contains(list, "rolled back") || !strings.Contains(list, "gen-2") {
		t.Fatalf("backup list does not say the import was rolled back:\n%s", list)
	}
	// The robot starts on the state before, and the import works again.
	if out, errs, code := rosysCmd(t, "backup", "import", "--data-dir", dir, gen2); code != 0 || !strings.Contains(out, "applied") {
		t.Fatalf("import again: %d %s %s", code, out, errs)
	}
	allOf(t, dir, 2, "after importing again")
}

// postImport posts the archive at path in the background; the answer (or
// the error of a cut connection) arrives on the channel.
func postImport(addr, path string) <-chan importAnswer {
	ch := make(chan importAnswer, 1)
	go func() {
		body, err := os.ReadFile(path)
		if err != nil {
			ch <- importAnswer{err: err}
			return
		}
		resp, err := http.Post("http://"+addr+"/api/import", "application/gzip", bytes.NewReader(body))
		if err != nil {
			ch <- importAnswer{err: err}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		ch <- importAnswer{code: resp.StatusCode, body: string(b)}
	}()
	return ch
}

type importAnswer struct {
	code int
	body string
	err  error
}

// statusImport is the newest import in the running robot's status.
func statusImport(t *testing.T, p *proc) map[string]any {
	t.Helper()
	_, st := p.do("GET", "/api/status", "")
	imps, _ := st["imports"].([]any)
	if len(imps) == 0 {
		t.Fatalf("status names no import: %v", st["imports"])
	}
	return imps[len(imps)-1].(map[string]any)
}

func TestImportKilledOnlineIsRolledBack(t *testing.T) {
	endToEnd(t)
	dir, _, gen2 := seedBulk(t)
	p := startRosys(t, "--data-dir", dir)
	answer := postImport(p.addr, gen2)
	if !untilReplaced(t, dir, killAfter, p.done) {
		t.Fatal("the robot ended during the import")
	}
	_ = p.cmd.Process.Kill()
	<-p.done
	t.Logf("killed with %d files replaced: %v (generation: count) on disk", replaced(dir), generations(t, dir))
	p2 := startRosys(t, "--data-dir", dir)
	if a := <-answer; a.err == nil && a.code == 200 {
		// Answered before the kill: committed, so all of it stays.
		allOf(t, dir, 2, "answered 200 before the kill")
		return
	}
	allOf(t, dir, 1, "after the restart")
	if _, mod := p2.do("GET", "/api/modules/model", ""); mod["data"].(map[string]any)["value"] != 1.0 {
		t.Fatalf("model after the restart: %v", mod)
	}
	if rec := statusImport(t, p2); rec["outcome"] != archive.OutcomeRolledBack || rec["robot"] != "gen-2" {
		t.Fatalf("status after the restart: %v", rec)
	}
	// The same import, uninterrupted, applies every module.
	if a := <-postImport(p2.addr, gen2); a.err != nil || a.code != 200 || !strings.Contains(a.body, `"id"`) {
		t.Fatalf("import again: %+v", a)
	}
	allOf(t, dir, 2, "after importing again")
	if rec := statusImport(t, p2); rec["outcome"] != archive.OutcomeApplied {
		t.Fatalf("status after the import: %v", rec)
	}
	if code, _ := p2.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}
}

// TestImportSIGTERMOnline: SIGTERM while POST /api/import writes. The
// rule: the import is cancelled and rolled back unless it committed, the
// client gets the answer saying which (503 or 200) before the robot
// exits 0, and the files and, after a restart, the status agree with it.
func TestImportSIGTERMOnline(t *testing.T) {
	endToEnd(t)
	dir, _, gen2 := seedBulk(t)
	p := startRosys(t, "--data-dir", dir)
	answer := postImport(p.addr, gen2)
	if !untilReplaced(t, dir, killAfter, p.done) {
		t.Fatal("the robot ended during the import")
	}
	if code, _ := p.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d after SIGTERM during an import:\n%s", code, p.log())
	}
	var a importAnswer
	select {
	case a = <-answer:
	case <-time.After(30 * time.Second):
		t.Fatal("no answer to the import")
	}
	if a.err != nil {
		t.Fatalf("the client got no answer: %v", a.err)
	}
	want, outcome := 1, archive.OutcomeRolledBack
	switch {
	case a.code == 503 && strings.Contains(a.body, "rolled back"):
	case a.code == 200:
		want, outcome = 2, archive.OutcomeApplied
	default:
		t.Fatalf("answer %d %s", a.code, a.body)
	}
	t.Logf("SIGTERM with %d files replaced: answered %d", replaced(dir), a.code)
	allOf(t, dir, want, "after the shutdown")
	p2 := startRosys(t, "--data-dir", dir)
	allOf(t, dir, want, "after the restart")
	if rec := statusImport(t, p2); rec["outcome"] != outcome {
		t.Fatalf("status after the restart: %v, answer was %d", rec, a.code)
	}
	p2.stop(syscall.SIGTERM)
}

// TestPutSyncDurableNowRealBinary: with snapshot_interval 1h no backup
// cycle comes during the test; PUT ?sync=1 commits at once and the file
// holds the value when the answer arrives.
func TestPutSyncDurableNowRealBinary(t *testing.T) {
	endToEnd(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "robot.yaml")
	if err := os.WriteFile(cfg, []byte("name: demo\npersistence:\n  snapshot_interval: 1h\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	p := startRosys(t, "--config", cfg, "--data-dir", data)
	for _, v := range []float64{4.5, -1.25, 7} {
		if code, body := p.do("PUT", "/api/modules/model?sync=1", fmt.Sprintf(`{"value": %v}`, v)); code != 200 {
			t.Fatalf("PUT %v: %d %v", v, code, body)
		}
		if got := persistencetest.StoredValue(t, data, "model"); got != v {
			t.Fatalf("answered 200, but model.json holds %v, want %v", got, v)
		}
	}
	p.stop(syscall.SIGTERM)
}
