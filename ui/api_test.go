package ui_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/rosystest"
	"github.com/gorosys/rosys/ui"
)

type model struct {
	Value float64 `json:"value"`
}

func newServer(t *testing.T, opts ...ui.Option) (*httptest.Server, *persistence.Value[model], *rosystest.Robot) {
	r := rosystest.New(t, rosys.Config{})
	m := persistence.NewValue(model{Value: 1})
	if err := r.Add("model", m); err != nil {
		t.Fatal(err)
	}
	r.Start()
	srv := httptest.NewServer(ui.NewServer(r.Runtime, opts...))
	t.Cleanup(srv.Close)
	return srv, m, r
}

func do(t *testing.T, req *http.Request) (int, map[string]any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

func TestPutRestoresAndRequestsBackup(t *testing.T) {
	srv, m, r := newServer(t)
	req, _ := http.NewRequest("PUT", srv.URL+"/api/modules/model", strings.NewReader(`{"value": 4}`))
	if code, body := do(t, req); code != 200 || body["data"].(map[string]any)["value"] != 4.0 {
		t.Fatalf("%d %v", code, body)
	}
	if m.Get().Value != 4 {
		t.Fatal(m.Get())
	}
	if st, _ := r.Store().ModuleStatus("model"); !st.Pending {
		t.Fatal("PUT did not request a backup")
	}
}

func TestTokenRequired(t *testing.T) {
	srv, m, _ := newServer(t, ui.WithToken("s3cret"))
	for _, tc := range []struct {
		auth string
		code int
	}{{"", 401}, {"Bearer wrong", 401}, {"s3cret", 401}, {"Bearer s3cret", 200}} {
		for _, method := range []string{"GET", "PUT"} {
			req, _ := http.NewRequest(method, srv.URL+"/api/modules/model", strings.NewReader(`{"value": 2}`))
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			if code, body := do(t, req); code != tc.code {
				t.Errorf("%s with %q: %d %v, want %d", method, tc.auth, code, body, tc.code)
			}
		}
	}
	// ?token= only where a browser cannot send a header.
	for path, want := range map[string]int{"/api/status": 401, "/api/modules/model": 401, "/api/export": 200} {
		req, _ := http.NewRequest("GET", srv.URL+path+"?token=s3cret", nil)
		if code, _ := do(t, req); code != want {
			t.Errorf("token as query parameter on %s: %d, want %d", path, code, want)
		}
	}
	req, _ := http.NewRequest("PUT", srv.URL+"/api/modules/model?token=s3cret", strings.NewReader(`{"value": 3}`))
	if code, _ := do(t, req); code != 401 {
		t.Errorf("token as query parameter on a PUT: %d", code)
	}
	if m.Get().Value != 2 {
		t.Fatalf("only the authorised PUT should have changed the value: %v", m.Get())
	}
}

func TestCrossOriginWritesRefused(t *testing.T) {
	srv, m, _ := newServer(t)
	req, _ := http.NewRequest("PUT", srv.URL+"/api/modules/model", strings.NewReader(`{"value": 9}`))
	req.Header.Set("Origin", "http://evil.example")
	code, body := do(t, req)
	if code != 403 || !strings.Contains(body["error"].(string), "cross-origin") || m.Get().Value != 1 {
		t.Fatalf("%d %v %v", code, body, m.Get())
	}
	req, _ = http.NewRequest("PUT", srv.URL+"/api/modules/model", strings.NewReader(`{"value": 9}`))
	req.Header.Set("Origin", srv.URL)
	if code, _ := do(t, req); code != 200 || m.Get().Value != 9 {
		t.Fatalf("same-origin PUT refused: %d", code)
	}
}

func TestModulesList(t *testing.T) {
	srv, _, _ := newServer(t)
	resp, err := http.Get(srv.URL + "/api/modules")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list []struct {
		Key  string
		Data model
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil || len(list) != 1 || list[0].Key != "model" || list[0].Data.Value != 1 {
		t.Fatalf("%v %+v", err, list)
	}
}

// TestPutSyncCommitsAtOnce: PUT ?sync=1 commits at once instead of
// waiting for the backup cycle. The robot runs on virtual time that is
// never forwarded, so no backup cycle ever runs (a snapshot_interval of
// forever): the answer comes all the same, and when it comes the file on
// disk already holds the value.
func TestPutSyncCommitsAtOnce(t *testing.T) {
	srv, _, r := newServer(t)
	for _, v := range []string{"6", "7.5", "-2"} {
		req, _ := http.NewRequest("PUT", srv.URL+"/api/modules/model?sync=1", strings.NewReader(`{"value": `+v+`}`))
		if code, body := do(t, req); code != 200 {
			t.Fatalf("PUT %s: %d %v", v, code, body)
		}
		b, err := os.ReadFile(r.Store().Path("model"))
		if err != nil {
			t.Fatal(err)
		}
		var env struct {
			Data model `json:"data"`
		}
		if err := json.Unmarshal(b, &env); err != nil {
			t.Fatalf("%v: %s", err, b)
		}
		if want, _ := strconv.ParseFloat(v, 64); env.Data.Value != want {
			t.Fatalf("answered 200 but the file holds %v, want %s: %s", env.Data.Value, v, b)
		}
		if st, _ := r.Store().ModuleStatus("model"); st.Pending {
			t.Fatalf("still pending after the answer: %+v", st)
		}
	}
	// Without ?sync the PUT only asks for the next cycle.
	req, _ := http.NewRequest("PUT", srv.URL+"/api/modules/model", strings.NewReader(`{"value": 8}`))
	if code, _ := do(t, req); code != 200 {
		t.Fatal(code)
	}
	if st, _ := r.Store().ModuleStatus("model"); !st.Pending {
		t.Fatal("a PUT without ?sync=1 was committed at once")
	}
}
