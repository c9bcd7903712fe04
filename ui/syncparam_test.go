package ui_test

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
)

// ?sync is read as a yes/no: every way of saying yes commits at once
// (before, a bare "?sync" was taken for "no" and answered before the value
// was durable, and "?sync=0" for "yes"); "no" waits for the cycle; any
// other value is a 400 that changes nothing.
func TestPutSyncSpellings(t *testing.T) {
	srv, _, r := newServer(t)
	put := func(query string, v int) (int, map[string]any) {
		req, _ := http.NewRequest("PUT", srv.URL+"/api/modules/model"+query, strings.NewReader(fmt.Sprintf(`{"value": %d}`, v)))
		return do(t, req)
	}
	for i, q := range []string{"?sync", "?sync=", "?sync=1", "?sync=true", "?sync=TRUE", "?sync=yes", "?sync=on"} {
		v := 100 + i
		if code, body := put(q, v); code != 200 {
			t.Fatalf("%s: %d %v", q, code, body)
		}
		if st, _ := r.Store().ModuleStatus("model"); st.Pending {
			t.Errorf("%s: answered while the value was still pending: %+v", q, st)
		}
		if b, _ := os.ReadFile(r.Store().Path("model")); !strings.Contains(string(b), fmt.Sprint(v)) {
			t.Errorf("%s: the file does not hold %d: %s", q, v, b)
		}
	}
	for i, q := range []string{"?sync=0", "?sync=false", "?sync=no", "?sync=off"} {
		if code, body := put(q, 200+i); code != 200 {
			t.Fatalf("%s: %d %v", q, code, body)
		}
		if st, _ := r.Store().ModuleStatus("model"); !st.Pending {
			t.Errorf("%s: committed at once, as if sync were asked", q)
		}
	}
	before, _ := os.ReadFile(r.Store().Path("model"))
	for _, q := range []string{"?sync=2", "?sync=maybe", "?sync=1&sync=0"} {
		if code, body := put(q, 999); code != 400 || !strings.Contains(fmt.Sprint(body["error"]), "sync") {
			t.Errorf("%s: %d %v, want 400 naming sync", q, code, body)
		}
	}
	if after, _ := os.ReadFile(r.Store().Path("model")); string(after) != string(before) {
		t.Fatal("a refused ?sync changed the file")
	}
}
