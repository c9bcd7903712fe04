package ui_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/history"
	"github.com/gorosys/rosys/persistence/persistencetest"
	"github.com/gorosys/rosys/persistence/store"
	"github.com/gorosys/rosys/rosystest"
	"github.com/gorosys/rosys/storage"
	"github.com/gorosys/rosys/ui"
)

// newHistoryServer runs a robot whose store keeps history, with a model
// committed at values 1, 2 and 3 (versions 1 to 3, a virtual second apart).
func newHistoryServer(t *testing.T, opts ...ui.Option) (*httptest.Server, *persistence.Value[model], *rosystest.Robot) {
	t.Helper()
	clock := rosystest.NewVirtualClock()
	store := persistencetest.Open(t, t.TempDir(), store.WithClock(clock.Now), store.WithHistory(history.Config{}))
	r := rosystest.New(t, rosys.Config{Clock: clock, Storage: storage.New(store, nil)})
	m := persistence.NewValue(model{Value: 1})
	if err := r.Add("model", m); err != nil {
		t.Fatal(err)
	}
	r.Start()
	for i := 1; i <= 3; i++ {
		m.Set(model{Value: float64(i)})
		if err := store.Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
		clock.Forward(time.Second)
	}
	srv := httptest.NewServer(ui.NewServer(r.Runtime, opts...))
	t.Cleanup(srv.Close)
	return srv, m, r
}

func hget(t *testing.T, url string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	return do(t, req)
}

func hpost(t *testing.T, url, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return do(t, req)
}

func versionNumbers(body map[string]any) string {
	var out []string
	vs, _ := body["versions"].([]any)
	for _, v := range vs {
		out = append(out, fmt.Sprint(v.(map[string]any)["version"]))
	}
	return strings.Join(out, ",")
}

func TestHistoryListAndVersionData(t *testing.T) {
	srv, _, _ := newHistoryServer(t)
	code, body := hget(t, srv.URL+"/api/modules/model/history")
	if code != 200 || versionNumbers(body) != "1,2,3" {
		t.Fatalf("%d %v", code, body)
	}
	v := body["versions"].([]any)[1].(map[string]any)
	if v["size"].(float64) <= 0 || len(v["sha256"].(string)) != 64 || v["saved_at"] == "" {
		t.Fatalf("version entry %v", v)
	}
	code, body = hget(t, srv.URL+"/api/modules/model/history/2")
	if code != 200 || body["data"].(map[string]any)["value"] != 2.0 {
		t.Fatalf("version 2: %d %v", code, body)
	}
	for _, u := range []string{"/api/modules/model/history/9", "/api/modules/model/history/x", "/api/modules/nope/history"} {
		if code, body := hget(t, srv.URL+u); code != 404 {
			t.Errorf("%s: %d %v, want 404", u, code, body)
		}
	}
}

func TestRestoreVersionOnline(t *testing.T) {
	srv, m, r := newHistoryServer(t)
	code, body := hpost(t, srv.URL+"/api/modules/model/restore", `{"version": 1}`)
	if code != 200 || m.Get().Value != 1 {
		t.Fatalf("%d %v, module %v", code, body, m.Get())
	}
	if body["version"].(map[string]any)["version"] != 4.0 || body["restored"].(map[string]any)["version"] != 1.0 {
		t.Fatalf("restore answer %v", body)
	}
	// Committed at once, not only in memory.
	b, err := os.ReadFile(r.Store().Path("model"))
	if err != nil || !strings.Contains(string(b), `"value": 1`) {
		t.Fatalf("file after restore: %s %v", b, err)
	}
	// By time: the newest version at or before version 3's time.
	_, hist := hget(t, srv.URL+"/api/modules/model/history")
	at := hist["versions"].([]any)[2].(map[string]any)["saved_at"].(string)
	if code, body := hpost(t, srv.URL+"/api/modules/model/restore", `{"at": "`+at+`"}`); code != 200 || m.Get().Value != 3 {
		t.Fatalf("restore at %s: %d %v, module %v", at, code, body, m.Get())
	}
	if _, hist := hget(t, srv.URL+"/api/modules/model/history"); versionNumbers(hist) != "1,2,3,4,5" {
		t.Fatalf("history after two restores: %v", versionNumbers(hist))
	}
}

func TestRestoreBadInputChangesNothing(t *testing.T) {
	srv, m, r := newHistoryServer(t)
	before, _ := os.ReadFile(r.Store().Path("model"))
	for _, c := range []struct {
		url, body string
		code      int
	}{
		{"/api/modules/model/restore", `{"version": 42}`, 404},
		{"/api/modules/model/restore", `{"at": "2000-01-01T00:00:00Z"}`, 404},
		{"/api/modules/nope/restore", `{"version": 1}`, 404},
		{"/api/modules/model/restore", `{"version": 1, "at": "2000-01-01T00:00:00Z"}`, 400},
		{"/api/modules/model/restore", `{}`, 400},
		{"/api/modules/model/restore", `{"version": -1}`, 400},
		{"/api/modules/model/restore", `{"at": "yesterday"}`, 400},
		{"/api/modules/model/restore", `{"versoin": 1}`, 400},
		{"/api/modules/model/restore", `not json`, 400},
	} {
		if code, body := hpost(t, srv.URL+c.url, c.body); code != c.code || body["error"] == nil {
			t.Errorf("%s %s: %d %v, want %d with an error", c.url, c.body, code, body, c.code)
		}
	}
	after, _ := os.ReadFile(r.Store().Path("model"))
	if m.Get().Value != 3 || string(before) != string(after) {
		t.Fatal("bad restores changed the module or its file")
	}
	if _, hist := hget(t, srv.URL+"/api/modules/model/history"); versionNumbers(hist) != "1,2,3" {
		t.Fatalf("bad restores added versions: %v", versionNumbers(hist))
	}
}

func TestRestoreFollowsTheWriteRules(t *testing.T) {
	srv, m, _ := newHistoryServer(t, ui.WithToken("s3cret"))
	for _, c := range []struct {
		auth, origin string
		code         int
	}{
		{"", "", 401},
		{"Bearer wrong", "", 401},
		{"Bearer s3cret", "http://evil.example", 403},
		{"Bearer s3cret", "", 200},
	} {
		req, _ := http.NewRequest("POST", srv.URL+"/api/modules/model/restore", strings.NewReader(`{"version": 1}`))
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		if c.origin != "" {
			req.Header.Set("Origin", c.origin)
		}
		if code, body := do(t, req); code != c.code {
			t.Errorf("auth %q origin %q: %d %v, want %d", c.auth, c.origin, code, body, c.code)
		}
	}
	if m.Get().Value != 1 {
		t.Fatalf("module %v after the one allowed restore", m.Get())
	}
	req, _ := http.NewRequest("GET", srv.URL+"/api/modules/model/history", nil)
	if code, _ := do(t, req); code != 401 {
		t.Errorf("history without the token: %d", code)
	}
}

func TestHistoryWithoutHistoryIsAConflict(t *testing.T) {
	srv, m, _ := newServer(t) // a store without history
	if code, body := hget(t, srv.URL+"/api/modules/model/history"); code != 409 || body["error"] == nil {
		t.Fatalf("history: %d %v", code, body)
	}
	if code, _ := hpost(t, srv.URL+"/api/modules/model/restore", `{"version": 1}`); code != 409 || m.Get().Value != 1 {
		t.Fatalf("restore: %d, module %v", code, m.Get())
	}
}
