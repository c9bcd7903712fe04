package ui

import (
	"bytes"
	"io"
	"net/http"
	"sync"
	"time"
)

// scrapeTimeout bounds a scrape as promhttp's Timeout did (that is
// http.TimeoutHandler, which buffers each answer in a new bytes.Buffer:
// ~64 KiB of garbage a scrape, issue 28), keeping the buffer, its header
// map, its timer and its channel for the next scrape. A scrape that times
// out is answered 503; its buffer is left to the handler still writing
// into it, never reused.
func scrapeTimeout(h http.Handler, d time.Duration) http.Handler {
	pool := &sync.Pool{New: func() any {
		return &scrapeBuffer{h: http.Header{}, done: make(chan struct{}, 1), timer: time.NewTimer(time.Hour)}
	}}
	msg := "Exceeded configured timeout of " + d.String() + ".\n"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sb := pool.Get().(*scrapeBuffer)
		clear(sb.h)
		sb.code, sb.panicked = 0, nil
		sb.body.Reset()
		sb.timer.Reset(d)
		go sb.serve(h, r)
		select {
		case <-sb.done:
			sb.timer.Stop()
			if sb.panicked != nil {
				panic(sb.panicked) // on the request's goroutine, as http.TimeoutHandler does
			}
			dst := w.Header()
			for k, v := range sb.h {
				dst[k] = v
			}
			w.WriteHeader(sb.code)
			_, _ = w.Write(sb.body.Bytes())
			if sb.body.Cap() <= maxPooledJSON {
				pool.Put(sb)
			}
		case <-sb.timer.C:
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, msg)
		}
	})
}

// scrapeBuffer holds one scrape's answer until it is complete.
type scrapeBuffer struct {
	h        http.Header
	code     int
	body     bytes.Buffer
	panicked any
	done     chan struct{} // one slot: the send never waits, even after a timeout
	timer    *time.Timer
}

func (sb *scrapeBuffer) serve(h http.Handler, r *http.Request) {
	defer func() {
		if p := recover(); p != nil {
			sb.panicked = p
		}
		sb.done <- struct{}{}
	}()
	h.ServeHTTP(sb, r)
	if sb.code == 0 {
		sb.code = http.StatusOK
	}
}

func (sb *scrapeBuffer) Header() http.Header { return sb.h }

func (sb *scrapeBuffer) WriteHeader(code int) {
	if sb.code == 0 {
		sb.code = code
	}
}

func (sb *scrapeBuffer) Write(b []byte) (int, error) {
	if sb.code == 0 {
		sb.code = http.StatusOK
	}
	return sb.body.Write(b)
}
