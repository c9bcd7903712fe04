package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// Issue 21, items 2 and 4, against the real binary: hostile history
// names planted in the data directory are ignored and reported, version
// numbers never wrap, nothing is written over; editing model.json in
// place (as Python's open(p, "w") does) leaves every version intact; a
// version tampered with is listed damaged and refused for restore.
func TestHistoryHostileNamesAndEditsInPlaceOnTheBinary(t *testing.T) {
	endToEnd(t)
	dir := t.TempDir()
	hd := filepath.Join(dir, "history")
	if err := os.MkdirAll(hd, 0o755); err != nil {
		t.Fatal(err)
	}
	planted := map[string][]byte{}
	for _, name := range []string{"model@18446744073709551615.json", "model@9007199254740992.json", "model@01.json", "model@-1.json", "model@1e3.json"} {
		b := []byte(fmt.Sprintf(`{"format": "rosys-go/module/1", "key": "model", "schema_version": 1, "data": {"value": 99}, "note": %q}`, name))
		planted[name] = b
		if err := os.WriteFile(filepath.Join(hd, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p := startRosys(t, "--data-dir", dir)
	for _, v := range []string{"1.5", "2.5", "3.5", "4.5"} {
		if code, body := p.do("PUT", "/api/modules/model?sync=1", `{"value": `+v+`}`); code != 200 {
			t.Fatalf("%d %v", code, body)
		}
	}
	versions := func() []map[string]any {
		t.Helper()
		code, body := p.do("GET", "/api/modules/model/history", "")
		if code != 200 {
			t.Fatalf("history: %d %v", code, body)
		}
		var out []map[string]any
		for _, v := range body["versions"].([]any) {
			out = append(out, v.(map[string]any))
		}
		return out
	}
	vs := versions()
	for i, v := range vs {
		if n := v["version"].(float64); n != float64(i+1) {
			t.Fatalf("versions %v: want 1, 2, 3, ... (never wrapped)", vs)
		}
	}
	if len(vs) < 4 {
		t.Fatalf("%d versions, want at least 4", len(vs))
	}
	for name, b := range planted {
		if got, err := os.ReadFile(filepath.Join(hd, name)); err != nil || !bytes.Equal(got, b) {
			t.Fatalf("planted %s changed: %v", name, err)
		}
	}
	code, body := p.do("GET", "/api/modules/model", "")
	st, _ := body["status"].(map[string]any)
	ignored := fmt.Sprint(st["history_ignored"])
	for name := range planted {
		if code != 200 || !strings.Contains(ignored, name) {
			t.Fatalf("%s not in history_ignored: %d %v", name, code, st)
		}
	}
	// model.json edited in place: every version keeps its value.
	want := map[float64]float64{}
	for _, v := range vs {
		n := v["version"].(float64)
		code, body := p.do("GET", fmt.Sprintf("/api/modules/model/history/%d", int(n)), "")
		if code != 200 {
			t.Fatalf("version %v: %d %v", n, code, body)
		}
		want[n] = body["data"].(map[string]any)["value"].(float64)
	}
	f, err := os.OpenFile(filepath.Join(dir, "model.json"), os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"format": "rosys-go/module/1", "key": "model", "schema_version": 1, "data": {"value": 666}}`)
	f.Close()
	for n, v := range want {
		code, body := p.do("GET", fmt.Sprintf("/api/modules/model/history/%d", int(n)), "")
		if code != 200 || body["data"].(map[string]any)["value"].(float64) != v {
			t.Fatalf("version %v after an edit in place: %d %v, want value %v", n, code, body, v)
		}
	}
	// A version tampered with: listed damaged, refused for restore.
	victim := filepath.Join(hd, "model@2.json")
	b, _ := os.ReadFile(victim)
	os.WriteFile(victim, bytes.Replace(b, []byte("2.5"), []byte("9.5"), 1), 0o644)
	code, body = p.do("POST", "/api/modules/model/restore", `{"version": 2}`)
	if code != 422 || !strings.Contains(fmt.Sprint(body), "version 2") {
		t.Fatalf("restore of a tampered version: %d %v, want 422 naming it", code, body)
	}
	if code, body := p.do("GET", "/api/modules/model", ""); code != 200 || body["data"].(map[string]any)["value"] != 4.5 {
		t.Fatalf("a refused restore changed the module: %v", body)
	}
	if code, _ := p.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}
	// After a restart the damage is listed.
	p = startRosys(t, "--data-dir", dir)
	vs = versions()
	if len(vs) < 2 || vs[1]["damaged"] == nil {
		t.Fatalf("version 2 not listed damaged after a restart: %v", vs)
	}
	p.stop(syscall.SIGTERM)
}
