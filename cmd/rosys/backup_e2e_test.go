package main

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/gorosys/rosys/internal/testexec"
	"github.com/gorosys/rosys/persistence/persistencetest"
)

func rosysCmd(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	cmd := testexec.Command(binary, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	_ = cmd.Run()
	return out.String(), errb.String(), cmd.ProcessState.ExitCode()
}

// seed runs the robot once and sets model.value.
func seed(t *testing.T, dir string, value string) {
	t.Helper()
	p := startRosys(t, "--data-dir", dir)
	if code, body := p.do("PUT", "/api/modules/model", `{"value": `+value+`}`); code != 200 {
		t.Fatalf("%d %v", code, body)
	}
	if code, _ := p.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}
}

func TestBackupExportImportOffline(t *testing.T) {
	endToEnd(t)
	src, dst := t.TempDir(), t.TempDir()
	seed(t, src, "3.25")
	archive := filepath.Join(t.TempDir(), "demo.tar.gz")
	if _, errs, code := rosysCmd(t, "backup", "export", "--data-dir", src, "-o", archive); code != 0 {
		t.Fatalf("export: %d %s", code, errs)
	}
	// Flags after the file work too.
	out, errs, code := rosysCmd(t, "backup", "import", archive, "--data-dir", dst)
	if code != 0 || !strings.Contains(out, "imported 7 modules") || !strings.Contains(out, "rollback") {
		t.Fatalf("import: %d %s %s", code, out, errs)
	}
	if v := persistencetest.StoredValue(t, dst, "model"); v != 3.25 {
		t.Fatalf("imported value %v", v)
	}
	out, _, code = rosysCmd(t, "backup", "list", "--data-dir", dst, "--dir", t.TempDir())
	if code != 0 || !strings.Contains(out, "rollback-") {
		t.Fatalf("list: %d %s", code, out)
	}
	// The same archive again changes nothing and spends no rollback slot.
	out, errs, code = rosysCmd(t, "backup", "import", "--data-dir", dst, archive)
	if names, _ := filepath.Glob(filepath.Join(dst, "rollback", "*.tar.gz")); code != 0 || !strings.Contains(out, "already holds this state") || len(names) != 1 {
		t.Fatalf("second import: %d %s %s, rollback archives %v", code, out, errs, names)
	}
	// A hostile file is refused and nothing changes.
	evil := filepath.Join(t.TempDir(), "evil.json")
	os.WriteFile(evil, []byte(`{"../../etc/passwd": {"x": 1}}`), 0o644)
	_, errs, code = rosysCmd(t, "backup", "import", "--data-dir", dst, evil)
	if code != 1 || !strings.Contains(errs, "invalid module key") || !strings.Contains(errs, "nothing was changed") {
		t.Fatalf("hostile import: %d %s", code, errs)
	}
	if v := persistencetest.StoredValue(t, dst, "model"); v != 3.25 {
		t.Fatalf("value after a refused import %v", v)
	}
}

func TestOfflineBackupRefusedWhileRunning(t *testing.T) {
	endToEnd(t)
	dir := t.TempDir()
	p := startRosys(t, "--data-dir", dir)
	_, errs, code := rosysCmd(t, "backup", "export", "--data-dir", dir, "-o", filepath.Join(t.TempDir(), "x.tar.gz"))
	if code != 1 || !strings.Contains(errs, "in use by another process") || !strings.Contains(errs, "GET /api/export") {
		t.Fatalf("%d %s", code, errs)
	}
	p.stop(syscall.SIGTERM)
}

func TestExportImportOverHTTP(t *testing.T) {
	endToEnd(t)
	src := t.TempDir()
	seed(t, src, "6.5")
	p := startRosys(t, "--data-dir", src)
	resp, err := http.Get("http://" + p.addr + "/api/export")
	if err != nil {
		t.Fatal(err)
	}
	archive, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/gzip" ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), `filename="demo-`) {
		t.Fatalf("%d %v", resp.StatusCode, resp.Header)
	}
	p.stop(syscall.SIGTERM)

	dst := t.TempDir()
	p2 := startRosys(t, "--data-dir", dst)
	post := func(body []byte) (int, string) {
		resp, err := http.Post("http://"+p2.addr+"/api/import", "application/gzip", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := post([]byte("\x1f\x8b garbage")); code != 400 || !strings.Contains(body, "nothing changed") {
		t.Fatalf("garbage: %d %s", code, body)
	}
	code, body := post(archive)
	if code != 200 || !strings.Contains(body, `"model"`) {
		t.Fatalf("import: %d %s", code, body)
	}
	_, mod := p2.do("GET", "/api/modules/model", "")
	if v := mod["data"].(map[string]any)["value"]; v != 6.5 {
		t.Fatalf("after import: %v", mod)
	}
	// Written at once, not at the next cycle.
	if v := persistencetest.StoredValue(t, dst, "model"); v != 6.5 {
		t.Fatalf("file after import: %v", v)
	}
}
