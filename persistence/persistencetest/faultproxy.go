package persistencetest

import (
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// Faults a FaultProxy can inject.
const (
	FaultNone     = iota
	Fault500      // every request answers 500 InternalError
	FaultSlow     // every request waits Delay first
	FaultTruncate // GET bodies stop half-way, the connection cut
	// FaultHuge answers every GET with a body that announces HugeBytes
	// and streams zeros until the client hangs up: an object grown by
	// mistake, or a hostile server.
	FaultHuge
	// FaultSkew plays a server whose clock is Skew ahead of ours, as a
	// robot without a real-time clock sees before NTP has set its own:
	// requests signed more than 15 minutes off its time are refused with
	// 403 RequestTimeTooSkewed, and its Date header tells its time.
	FaultSkew
	// FaultHugeObjects is FaultHuge for the GETs of objects only; the
	// listings are answered as they are, so a client gets to the objects
	// a listing names.
	FaultHugeObjects
)

// HugeBytes is the size a FaultHuge body announces.
const HugeBytes = 4 << 30

// FaultProxy sits between a client and an S3 server on loopback and
// injects faults into its answers, as a flaky network or an overloaded
// store would.
type FaultProxy struct {
	Endpoint string // host:port to give the client
	Fault    atomic.Int32
	Delay    atomic.Int64 // for FaultSlow, in nanoseconds
	Skew     atomic.Int64 // for FaultSkew, in nanoseconds
	Requests atomic.Int64
}

// StartFaultProxy proxies to target (host:port) until the test ends.
func StartFaultProxy(t testing.TB, target string) *FaultProxy {
	t.Helper()
	p := &FaultProxy{}
	to := &url.URL{Scheme: "http", Host: target}
	rp := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(to)
		// The client signed its request for the proxy's host; keep that
		// Host header so the server checks the signature against it.
		pr.Out.Host = pr.In.Host
	}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.Endpoint = l.Addr().String()
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.Requests.Add(1)
		switch p.Fault.Load() {
		case Fault500:
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>injected</Message></Error>`))
			return
		case FaultSlow:
			select {
			case <-time.After(time.Duration(p.Delay.Load())):
			case <-r.Context().Done():
				return
			}
		case FaultSkew:
			now := time.Now().Add(time.Duration(p.Skew.Load()))
			signed, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
			if d := now.Sub(signed); err != nil || d > 15*time.Minute || d < -15*time.Minute {
				w.Header().Set("Content-Type", "application/xml")
				w.Header().Set("Date", now.UTC().Format(http.TimeFormat))
				w.WriteHeader(http.StatusForbidden)
				_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>RequestTimeTooSkewed</Code><Message>The difference between the request time and the current time is too large.</Message></Error>`))
				return
			}
		case FaultHuge, FaultHugeObjects:
			isList := r.URL.Query().Has("list-type") || r.URL.Query().Has("prefix")
			if r.Method == http.MethodGet && (p.Fault.Load() == FaultHuge || !isList) {
				w.Header().Set("Content-Length", strconv.FormatInt(HugeBytes, 10))
				w.Header().Set("ETag", `"huge"`)
				zeros := make([]byte, 64<<10)
				for n := int64(0); n < HugeBytes; n += int64(len(zeros)) {
					if _, err := w.Write(zeros); err != nil {
						return
					}
				}
				return
			}
		case FaultTruncate:
			if r.Method == http.MethodGet {
				rp.ServeHTTP(&truncating{ResponseWriter: w}, r)
				return
			}
		}
		rp.ServeHTTP(w, r)
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return p
}

// truncating passes headers on but cuts the body at half its length and
// aborts the connection, as a dropped link mid-download does.
type truncating struct {
	http.ResponseWriter
	limit, written int
}

func (t *truncating) WriteHeader(code int) {
	if n, err := strconv.Atoi(t.Header().Get("Content-Length")); err == nil {
		t.limit = n / 2
	}
	t.ResponseWriter.WriteHeader(code)
}

func (t *truncating) Write(b []byte) (int, error) {
	if t.limit > 0 && t.written+len(b) > t.limit {
		n, _ := t.ResponseWriter.Write(b[:t.limit-t.written])
		t.written += n
		if f, ok := t.ResponseWriter.(http.Flusher); ok {
			f.Flush()
		}
		panic(http.ErrAbortHandler)
	}
	n, err := t.ResponseWriter.Write(b)
	t.written += n
	return n, err
}
