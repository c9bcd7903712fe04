package ui

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// scrapeTimeout answers as the handler did (code, headers, body), again
// from its kept buffer; a handler that runs past the bound gets a 503; a
// panic reaches the request's goroutine.
func TestScrapeTimeout(t *testing.T) {
	n := 0
	h := scrapeTimeout(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n++
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		if n == 2 {
			w.WriteHeader(http.StatusTeapot)
		}
		_, _ = w.Write([]byte(strings.Repeat("x", n)))
	}), time.Minute)
	for i, want := range []int{200, 418, 200} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		if rec.Code != want || rec.Body.String() != strings.Repeat("x", i+1) || rec.Header().Get("Content-Type") != "text/plain; version=0.0.4" {
			t.Fatalf("scrape %d: %d %q %v", i, rec.Code, rec.Body.String(), rec.Header())
		}
	}

	release := make(chan struct{})
	defer close(release)
	slow := scrapeTimeout(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
		_, _ = w.Write([]byte("late"))
	}), 20*time.Millisecond)
	rec := httptest.NewRecorder()
	slow.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "Exceeded configured timeout of 20ms") {
		t.Fatalf("slow scrape: %d %q", rec.Code, rec.Body.String())
	}

	panicky := scrapeTimeout(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("collector broke") }), time.Minute)
	defer func() {
		if p := recover(); p != "collector broke" {
			t.Fatalf("recovered %v", p)
		}
	}()
	panicky.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/metrics", nil))
	t.Fatal("the panic did not reach the caller")
}
