package ui_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/gorosys/rosys/ui"
)

// Hostile and broken requests: each gets a 4xx with an error that names
// the problem, and the module is unchanged.
func TestHostileRequestsChangeNothing(t *testing.T) {
	srv, m, r := newServer(t, ui.WithToken("s3cret"))
	huge := `{"value": 1, "pad": "` + strings.Repeat("x", 8<<20) + `"}`
	for _, tc := range []struct {
		name, method, path, body, origin, token string
		code                                    int
	}{
		{"bad JSON", "PUT", "/api/modules/model", `{"value": `, "", "s3cret", 400},
		{"wrong type", "PUT", "/api/modules/model", `{"value": "fast"}`, "", "s3cret", 400},
		{"not an object", "PUT", "/api/modules/model", `[1, 2]`, "", "s3cret", 400},
		{"oversized body", "PUT", "/api/modules/model", huge, "", "s3cret", 413},
		{"unknown module", "PUT", "/api/modules/nope", `{"value": 9}`, "", "s3cret", 404},
		{"path trick", "PUT", "/api/modules/..%2Fmodel", `{"value": 9}`, "", "s3cret", 404},
		{"escaping path", "PUT", "/api/modules/..%2F..%2Fetc%2Fpasswd", `{"value": 9}`, "", "s3cret", 404},
		{"dots only", "PUT", "/api/modules/%2e%2e", `{"value": 9}`, "", "s3cret", 404},
		{"no token", "PUT", "/api/modules/model", `{"value": 9}`, "", "", 401},
		{"wrong token", "PUT", "/api/modules/model", `{"value": 9}`, "", "guess", 401},
		{"cross-origin", "PUT", "/api/modules/model", `{"value": 9}`, "http://evil.example", "s3cret", 403},
		{"import garbage", "POST", "/api/import", "not an archive", "", "s3cret", 400},
		// Issue 12.
		{"null body", "PUT", "/api/modules/model", `null`, "", "s3cret", 400},
		{"null body with spaces", "PUT", "/api/modules/model", " \n null \t", "", "s3cret", 400},
		{"duplicate key, last wins", "PUT", "/api/modules/model", `{"value": 1, "value": 9}`, "", "s3cret", 400},
		{"duplicate key, first wins", "PUT", "/api/modules/model", `{"value": 9, "value": 1}`, "", "s3cret", 400},
		{"nested duplicate key", "PUT", "/api/modules/model", `{"value": 1, "x": {"a": 1, "a": 2}}`, "", "s3cret", 400},
		{"duplicate key in array", "PUT", "/api/modules/model", `{"value": 1, "x": [{"a": 1, "a": 2}]}`, "", "s3cret", 400},
		{"deep nesting", "PUT", "/api/modules/model", strings.Repeat("[", 100) + strings.Repeat("]", 100), "", "s3cret", 400},
		{"token in query on a PUT", "PUT", "/api/modules/model?token=s3cret", `{"value": 9}`, "", "", 401},
		{"token in query on an import", "POST", "/api/import?token=s3cret", `{"model": {"value": 9}}`, "", "", 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, srv.URL+tc.path, bytes.NewBufferString(tc.body))
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			if tc.origin != "" {
				req.Header.Set("Origin", tc.origin)
			}
			code, body := do(t, req)
			if code != tc.code {
				t.Fatalf("status %d %v, want %d", code, body, tc.code)
			}
			if code != 401 && code != 404 && (body == nil || body["error"] == nil || body["error"] == "") {
				t.Fatalf("no error message in %v", body)
			}
			if m.Get().Value != 1 {
				t.Fatalf("the module changed to %v", m.Get())
			}
			if st, _ := r.Store().ModuleStatus("model"); st.Pending {
				t.Fatal("a refused request marked the module for backup")
			}
		})
	}
}
