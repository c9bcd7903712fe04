package ui_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/rosystest"
	"github.com/gorosys/rosys/ui"
)

// TestStopImportsCutsUploadAndRefusesNew: the HTTP shutdown's first step
// (StopImports) cuts an upload still arriving (503, nothing changed),
// returns once its handler has answered, and every import after it gets
// 503 at once.
func TestStopImportsCutsUploadAndRefusesNew(t *testing.T) {
	r := rosystest.New(t, rosys.Config{})
	m := persistence.NewValue(model{Value: 1})
	if err := r.Add("model", m); err != nil {
		t.Fatal(err)
	}
	r.Start()
	api := ui.NewServer(r.Runtime)
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := fmt.Fprintf(conn, "POST /api/import HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"+
		"Transfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n", u.Host); err != nil {
		t.Fatal(err)
	}
	replies := bufio.NewReader(conn)
	// 100 Continue: the handler holds the import slot and reads.
	if cont, err := http.ReadResponse(replies, nil); err != nil || cont.StatusCode != http.StatusContinue {
		t.Fatalf("want 100 Continue, got %v, %v", cont, err)
	}
	if _, err := fmt.Fprint(conn, "a\r\n{\"model\": \r\n"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := api.StopImports(ctx); err != nil {
		t.Fatalf("StopImports: %v", err)
	}
	resp, err := http.ReadResponse(replies, nil)
	if err != nil {
		t.Fatalf("the cut upload got no answer: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || m.Get().Value != 1 {
		t.Fatalf("cut upload: %d, value %v", resp.StatusCode, m.Get())
	}
	req, _ := http.NewRequest("POST", srv.URL+"/api/import", strings.NewReader(`{"model": {"value": 5}}`))
	if code, body := do(t, req); code != http.StatusServiceUnavailable || !strings.Contains(fmt.Sprint(body["error"]), "shutting down") || m.Get().Value != 1 {
		t.Fatalf("import after StopImports: %d %v, value %v", code, body, m.Get())
	}
}
