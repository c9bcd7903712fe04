package ui_test

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/archive"
	"github.com/gorosys/rosys/rosystest"
	"github.com/gorosys/rosys/ui"
)

// Without a token, only Host values naming this machine are served, for
// reading as well as writing (DNS rebinding: evil.example resolving to
// 127.0.0.1 reaches the port with its own name).
func TestHostCheckWithoutToken(t *testing.T) {
	srv, m, _ := newServer(t, ui.WithListenAddr("10.1.2.3:8080"))
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	for host, want := range map[string]int{
		"localhost":                          200,
		fmt.Sprintf("localhost:%d", port):    200,
		"LOCALHOST:80":                       200,
		"127.0.0.1":                          200,
		fmt.Sprintf("127.0.0.1:%d", port):    200,
		"127.8.9.10:1":                       200,
		"[::1]":                              200,
		fmt.Sprintf("[::1]:%d", port):        200,
		"10.1.2.3:8080":                      200, // the configured listen address
		"evil.example":                       403,
		fmt.Sprintf("evil.example:%d", port): 403,
		"127.0.0.1.nip.io":                   403,
		"localhost.evil.example":             403,
		"10.1.2.4":                           403,
		"0.0.0.0":                            403,
		"[::]":                               403,
	} {
		for _, method := range []string{"GET", "PUT"} {
			req, _ := http.NewRequest(method, srv.URL+"/api/modules/model", strings.NewReader(`{"value": 2}`))
			req.Host = host
			code, body := do(t, req)
			if code != want {
				t.Errorf("%s with Host %q: %d %v, want %d", method, host, code, body, want)
			}
			if want == 403 && !strings.Contains(fmt.Sprint(body["error"]), "not this machine") {
				t.Errorf("Host %q: error %v", host, body)
			}
		}
	}
	for _, path := range []string{"/", "/api/status", "/api/export", "/api/events"} {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Host = "evil.example"
		if code, _ := do(t, req); code != 403 {
			t.Errorf("GET %s with a foreign Host: %d", path, code)
		}
	}
	if m.Get().Value != 2 {
		t.Fatalf("value %v: the local PUTs should have set 2", m.Get())
	}
}

// With a token, the Host is not checked: the token is the protection.
func TestHostNotCheckedWithToken(t *testing.T) {
	srv, _, _ := newServer(t, ui.WithToken("s3cret"))
	req, _ := http.NewRequest("GET", srv.URL+"/api/status", nil)
	req.Host = "robot.example:8080"
	req.Header.Set("Authorization", "Bearer s3cret")
	if code, body := do(t, req); code != 200 {
		t.Fatalf("%d %v", code, body)
	}
}

// An import over the limit answers 413 before its body is read: the
// server does not wait for (or buffer) 64 MiB.
func TestImportOverLimitAnswers413Unread(t *testing.T) {
	srv, m, _ := newServer(t)
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/import HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n\r\n", ui.MaxImportBytes+1)
	// Not one byte of the body is sent.
	resp, err := http.ReadResponse(bufioReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 413 || !strings.Contains(string(b), "larger than") {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	// Streamed without a length: cut off at the limit, 413.
	pr, pw := io.Pipe()
	go func() {
		chunk := bytes.Repeat([]byte(" "), 1<<20)
		pw.Write([]byte(`{"model": `))
		for range 70 {
			if _, err := pw.Write(chunk); err != nil {
				return
			}
		}
		pw.Close()
	}()
	req, _ := http.NewRequest("POST", srv.URL+"/api/import", pr)
	req.ContentLength = -1
	code, body := do(t, req)
	pr.Close()
	if code != 413 {
		t.Fatalf("chunked upload over the limit: %d %v", code, body)
	}
	if m.Get().Value != 1 {
		t.Fatal("the module changed")
	}
}

// A tar.gz whose files expand beyond the limits is 413 too; a directory
// entry is 400 naming it.
func TestImportArchiveLimitsAndDirectories(t *testing.T) {
	srv, m, _ := newServer(t)
	tarball := func(entries ...*tar.Header) []byte {
		var buf bytes.Buffer
		gz := gzip.NewWriter(&buf)
		tw := tar.NewWriter(gz)
		for _, h := range entries {
			tw.WriteHeader(h)
			if h.Typeflag == tar.TypeReg {
				tw.Write(bytes.Repeat([]byte(" "), int(h.Size)))
			}
		}
		tw.Close()
		gz.Close()
		return buf.Bytes()
	}
	for name, tc := range map[string]struct {
		body []byte
		code int
		want string
	}{
		"expands beyond the limit": {tarball(&tar.Header{Name: "modules/model.json", Typeflag: tar.TypeReg, Size: archive.DefaultLimits.MaxFile + 1, Mode: 0o644}), 413, "more than"},
		"modules directory":        {tarball(&tar.Header{Name: "modules/", Typeflag: tar.TypeDir, Mode: 0o755}), 400, `"modules/" is a directory`},
		"nested directory":         {tarball(&tar.Header{Name: "modules/x/", Typeflag: tar.TypeDir, Mode: 0o755}), 400, `modules/x/`},
	} {
		req, _ := http.NewRequest("POST", srv.URL+"/api/import", bytes.NewReader(tc.body))
		code, body := do(t, req)
		if code != tc.code || !strings.Contains(fmt.Sprint(body["error"]), tc.want) {
			t.Errorf("%s: %d %v, want %d with %q", name, code, body, tc.code, tc.want)
		}
	}
	if m.Get().Value != 1 {
		t.Fatal("the module changed")
	}
}

// One import at a time: while a slow upload runs, a second is refused
// with 429 at once, and the first still completes. The first upload is
// written by hand with "Expect: 100-continue": the server answers 100
// only once its handler reads the body, i.e. holds the import slot, so the
// second is sent after that and not before (sent before, it could take
// the slot itself and the first got the 429: a flaky test on a loaded
// machine).
func TestOneImportAtATime(t *testing.T) {
	srv, m, _ := newServer(t)
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	chunk := func(s string) string { return fmt.Sprintf("%x\r\n%s\r\n", len(s), s) }
	if _, err := fmt.Fprintf(conn, "POST /api/import HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"+
		"Transfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n", u.Host); err != nil {
		t.Fatal(err)
	}
	replies := bufio.NewReader(conn)
	cont, err := http.ReadResponse(replies, nil)
	if err != nil || cont.StatusCode != http.StatusContinue {
		t.Fatalf("first import: want 100 Continue once its handler reads, got %v, %v", cont, err)
	}
	if _, err := fmt.Fprint(conn, chunk(`{"model": `)); err != nil {
		t.Fatal(err)
	}

	req, _ := http.NewRequest("POST", srv.URL+"/api/import", strings.NewReader(`{"model": {"value": 5}}`))
	code, body := do(t, req)
	if code != 429 || !strings.Contains(fmt.Sprint(body["error"]), "another import is running") {
		t.Fatalf("second import: %d %v", code, body)
	}

	if _, err := fmt.Fprint(conn, chunk(`{"value": 3}}`)+"0\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(replies, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || m.Get().Value != 3 {
		t.Fatalf("first import: %d, value %v", resp.StatusCode, m.Get())
	}
}

// The event stream outlives the server's read and write timeouts, while a
// request body trickled slower than the read timeout is cut off.
func TestTimeoutsCutSlowBodiesNotStreams(t *testing.T) {
	r := rosystest.New(t, rosys.Config{})
	m := persistence.NewValue(model{Value: 1})
	if err := r.Add("model", m); err != nil {
		t.Fatal(err)
	}
	r.Start()
	api := ui.NewServer(r.Runtime)
	srv := httptest.NewUnstartedServer(api)
	srv.Config.ReadTimeout = 300 * time.Millisecond
	srv.Config.WriteTimeout = 300 * time.Millisecond
	srv.Start()
	t.Cleanup(srv.Close)
	t.Cleanup(api.CloseStreams)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/api/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	events := make(chan string, 16)
	go func() {
		br := bufioReader(resp.Body)
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				close(events)
				return
			}
			if strings.HasPrefix(line, "data: ") {
				events <- line
			}
		}
	}()
	<-events
	start := time.Now()
	// Changes keep coming; the stream must deliver them for well past
	// both timeouts.
	for i := 2; time.Since(start) < 1200*time.Millisecond; i++ {
		m.Set(model{Value: float64(i)})
		if _, ok := <-events; !ok {
			t.Fatalf("the stream ended after %v", time.Since(start))
		}
	}

	// A PUT whose body never completes is cut at the read timeout.
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "PUT /api/modules/model HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n{\"value\"")
	conn.SetReadDeadline(time.Now().Add(10 * time.Second)) // a bound on failure only
	b, err := io.ReadAll(conn)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("the server kept a connection whose body never came")
	}
	if len(b) > 0 && !strings.Contains(string(b), "400 Bad Request") {
		t.Fatalf("slow body answered %q", b)
	}
	if m.Get().Value < 2 {
		t.Fatalf("value %v", m.Get())
	}
}

func bufioReader(r io.Reader) *bufio.Reader { return bufio.NewReader(r) }
