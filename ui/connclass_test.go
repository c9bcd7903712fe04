package ui_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorosys/rosys/ui"
)

// A request that is not an operator's gets its answer and the connection
// closes at once, whatever it sends: a refusal is not a reason to keep a
// descriptor, and a body trickled after it is not read. The connection
// pool is told the class of every request.
func TestOthersConnectionsCloseAfterTheAnswer(t *testing.T) {
	var mu sync.Mutex
	classes := map[string]bool{}
	srv, _, _ := newServer(t, ui.WithToken("tok"), ui.WithConnClass(func(r *http.Request, op bool) {
		mu.Lock()
		classes[r.Method+" "+r.URL.Path] = op
		mu.Unlock()
	}))
	addr := srv.Listener.Addr().String()
	for _, c := range []struct{ name, req, status string }{
		{"no token", "GET /api/status HTTP/1.1\r\nHost: x\r\n\r\n", "401"},
		{"wrong token, slow body", "PUT /api/modules/model HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer nope\r\nContent-Length: 100000\r\n\r\n{", "401"},
		{"page without token, slow body", "POST /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{", "405"},
		{"page without token", "GET /app.js HTTP/1.1\r\nHost: x\r\n\r\n", "200"},
		{"token, cross-origin", "POST /api/estop HTTP/1.1\r\nHost: x\r\nOrigin: http://evil.example\r\nAuthorization: Bearer tok\r\nContent-Length: 100000\r\n\r\n{", "403"},
	} {
		t.Run(c.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			fmt.Fprint(conn, c.req)
			_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			br := bufio.NewReader(conn)
			line, _ := br.ReadString('\n')
			if !strings.Contains(line, " "+c.status+" ") {
				t.Fatalf("status line %q, want %s", line, c.status)
			}
			begin := time.Now()
			rest, err := io.ReadAll(br) // ends when the server closes
			if err != nil {
				t.Fatalf("connection not closed after the answer (%v after %v)", err, time.Since(begin))
			}
			if !strings.Contains(string(rest), "Connection: close") {
				t.Fatalf("no Connection: close in %q", rest)
			}
		})
	}
	// The operator's request, and only that one, is classed as such.
	req, _ := http.NewRequest("GET", srv.URL+"/api/status", nil)
	req.Header.Set("Authorization", "Bearer tok")
	if code, _ := do(t, req); code != 200 {
		t.Fatal(code)
	}
	mu.Lock()
	defer mu.Unlock()
	want := map[string]bool{"GET /api/status": true, "PUT /api/modules/model": false, "POST /index.html": false,
		"GET /app.js": false, "POST /api/estop": true}
	for k, v := range want {
		if got, ok := classes[k]; !ok || got != v {
			t.Errorf("%s classed operator=%v (seen %v), want %v", k, got, ok, v)
		}
	}
}
