package ui_test

import (
	"bytes"
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorosys/rosys/ui"
)

// TestLizardSend: the console answers with the controller's replies, and
// goes through the token and Origin checks of every write; bad bodies
// never reach the controller. (The real driver behind it is tested end
// to end in cmd/rosys.)
func TestLizardSend(t *testing.T) {
	var calls atomic.Int32
	var got atomic.Value
	send := func(_ context.Context, line string, window time.Duration) ([]string, error) {
		calls.Add(1)
		got.Store(line)
		if window != time.Second {
			t.Errorf("window %v", window)
		}
		return []string{"checksum: 1a2b"}, nil
	}
	srv, _, _ := newServer(t, ui.WithToken("s3cret"), ui.WithLizard(send))
	post := func(body, token, origin string) (int, map[string]any) {
		req, _ := http.NewRequest("POST", srv.URL+"/api/lizard/send", bytes.NewBufferString(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		return do(t, req)
	}
	for _, tc := range []struct {
		name, body, token, origin string
		code                      int
	}{
		{"no token", `{"line": "core.restart()"}`, "", "", 401},
		{"cross-origin", `{"line": "core.restart()"}`, "s3cret", "http://evil.example", 403},
		{"not JSON", `core.restart()`, "s3cret", "", 400},
		{"no line", `{}`, "s3cret", "", 400},
		{"unknown key", `{"line": "a", "port": "/dev/x"}`, "s3cret", "", 400},
		{"two lines", `{"line": "a\nb"}`, "s3cret", "", 400},
		{"empty", `{"line": "  "}`, "s3cret", "", 400},
	} {
		if code, body := post(tc.body, tc.token, tc.origin); code != tc.code {
			t.Fatalf("%s: %d %v", tc.name, code, body)
		}
	}
	if calls.Load() != 0 {
		t.Fatalf("a refused request reached the controller %d times", calls.Load())
	}
	code, body := post(`{"line": "core.startup_checksum()"}`, "s3cret", "")
	if code != 200 || got.Load() != "core.startup_checksum()" || body["replies"].([]any)[0] != "checksum: 1a2b" {
		t.Fatalf("%d %v", code, body)
	}
	// Without a controller the route does not exist.
	srv2, _, _ := newServer(t)
	req, _ := http.NewRequest("POST", srv2.URL+"/api/lizard/send", bytes.NewBufferString(`{"line": "x"}`))
	if code, _ := do(t, req); code != 404 && code != 405 {
		t.Fatalf("without a controller: %d", code)
	}
}
