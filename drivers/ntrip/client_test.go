package ntrip_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorosys/rosys/drivers/ntrip"
	"github.com/gorosys/rosys/drivers/ntrip/ntriptest"
	"github.com/gorosys/rosys/hardware"
)

// caster is a scripted caster on a real socket: each connection's request
// is read, recorded, and answered by serve.
type caster struct {
	ln    net.Listener
	mu    sync.Mutex
	reqs  []string
	after []byte // what the client sent after its request (GGA)
	got   chan struct{}
}

func startCaster(t *testing.T, serve func(c net.Conn, req string)) *caster {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cs := &caster{ln: ln, got: make(chan struct{}, 1)}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				br := bufio.NewReader(c)
				var req strings.Builder
				for {
					_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
					l, err := br.ReadString('\n')
					if err != nil {
						return
					}
					req.WriteString(l)
					if l == "\r\n" {
						break
					}
				}
				cs.mu.Lock()
				cs.reqs = append(cs.reqs, req.String())
				cs.mu.Unlock()
				go func() { // what the client sends up while it streams
					buf := make([]byte, 512)
					for {
						n, err := br.Read(buf)
						cs.mu.Lock()
						cs.after = append(cs.after, buf[:n]...)
						cs.mu.Unlock()
						select {
						case cs.got <- struct{}{}:
						default:
						}
						if err != nil {
							return
						}
					}
				}()
				_ = c.SetReadDeadline(time.Time{})
				serve(c, req.String())
			}()
		}
	}()
	return cs
}

func (cs *caster) port() int { return cs.ln.Addr().(*net.TCPAddr).Port }

func (cs *caster) requests() []string {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return append([]string(nil), cs.reqs...)
}

func (cs *caster) upstream() string {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return string(cs.after)
}

// sink collects the frames the client passes on.
type sink struct {
	mu  sync.Mutex
	b   []byte
	got chan struct{}
}

func newSink() *sink { return &sink{got: make(chan struct{}, 1)} }

func (s *sink) write(f []byte) error {
	s.mu.Lock()
	s.b = append(s.b, f...)
	s.mu.Unlock()
	select {
	case s.got <- struct{}{}:
	default:
	}
	return nil
}

func (s *sink) bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.b)
}

const secret = "pa55:w0rd"

func newClient(t *testing.T, port int, mod func(*ntrip.Config)) (*ntrip.Client, *sink, <-chan ntrip.Event) {
	t.Helper()
	s := newSink()
	cfg := ntrip.Config{Host: "127.0.0.1", Port: port, Mountpoint: "MOUNT1", User: "rover", Password: secret, Sink: s.write,
		ReconnectMin: 10 * time.Millisecond, ReconnectMax: 50 * time.Millisecond, DialTimeout: 2 * time.Second, ReadTimeout: 2 * time.Second}
	if mod != nil {
		mod(&cfg)
	}
	c, err := ntrip.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ev, unsub := c.SubscribeEvents(256)
	_ = c.Start(context.Background())
	t.Cleanup(func() { unsub(); _ = c.Stop(context.Background()) })
	return c, s, ev
}

// firstError waits for the first ended connection.
func firstError(t *testing.T, ev <-chan ntrip.Event) error {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case e := <-ev:
			if e.Err != nil {
				return e.Err
			}
		case <-deadline:
			t.Fatal("no error reported")
		}
	}
}

func TestVersion2ChunkedWithBasicAuthAndGGA(t *testing.T) {
	served, frames := ntriptest.Frames(0, 20)
	cs := startCaster(t, func(c net.Conn, req string) {
		fmt.Fprint(c, "HTTP/1.1 200 OK\r\nNtrip-Version: Ntrip/2.0\r\nContent-Type: gnss/data\r\nTransfer-Encoding: chunked\r\n\r\n")
		for _, f := range frames {
			// Chunks that cut frames in two: the client must join them.
			half := len(f) / 2
			fmt.Fprintf(c, "%x\r\n%s\r\n%x\r\n%s\r\n", half, f[:half], len(f)-half, f[half:])
		}
		time.Sleep(3 * time.Second) // the stream stays open while GGA goes up
	})
	g := hardware.GNSS{Latitude: 48.1173, Longitude: 11.5167, Quality: hardware.QualityRTKFloat, Satellites: 12, HDOP: 0.8,
		FixTime: time.Date(2026, 1, 2, 12, 34, 56, 0, time.UTC), Received: time.Now()}
	c, s, _ := newClient(t, cs.port(), func(cfg *ntrip.Config) {
		cfg.GGAInterval = 100 * time.Millisecond
		cfg.Position = func() (hardware.GNSS, bool) { return g, true }
	})
	waitUntil(t, s.got, func() bool { return bytes.Equal(s.bytes(), served) }, "all frames through the chunks")
	waitUntil(t, cs.got, func() bool {
		return strings.Count(cs.upstream(), "$GPGGA,123456.00,4807.0380000,N,01131.0020000,E,5,12,0.8,") >= 2
	},
		"two GGA sentences of the fix")
	req := cs.requests()[0]
	auth := "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("rover:"+secret)) + "\r\n"
	for _, want := range []string{"GET /MOUNT1 HTTP/1.1\r\n", "Ntrip-Version: Ntrip/2.0\r\n", auth, "User-Agent: NTRIP "} {
		if !strings.Contains(req, want) {
			t.Fatalf("request lacks %q:\n%s", want, req)
		}
	}
	// The counter follows the write the caster has seen: at least the first.
	if st := c.Status(); !st.Connected || st.Messages != 20 || st.GGASent < 1 {
		t.Fatalf("status %+v", st)
	}
}

func TestVersion1Request(t *testing.T) {
	served, _ := ntriptest.Frames(0, 3)
	cs := startCaster(t, func(c net.Conn, req string) {
		fmt.Fprintf(c, "ICY 200 OK\r\n%s", served)
		time.Sleep(time.Second)
	})
	_, s, _ := newClient(t, cs.port(), func(cfg *ntrip.Config) { cfg.Version = 1 })
	waitUntil(t, s.got, func() bool { return bytes.Equal(s.bytes(), served) }, "the frames")
	if req := cs.requests()[0]; !strings.HasPrefix(req, "GET /MOUNT1 HTTP/1.0\r\n") || strings.Contains(req, "Ntrip-Version") {
		t.Fatalf("version 1 request:\n%s", req)
	}
}

// A hostile or broken caster: each answer ends the connection with an
// error that names the problem, and the client tries again (bounded).
func TestCasterAnswersNameTheProblem(t *testing.T) {
	long := strings.Repeat("x", 5000)
	cases := []struct {
		name   string
		answer string
		is     error
		says   string
	}{
		{"401", "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"x\"\r\n\r\n", ntrip.ErrUnauthorized, `user "rover"`},
		{"source table v1", "SOURCETABLE 200 OK\r\nContent-Type: text/plain\r\n\r\nSTR;OTHER;...\r\nENDSOURCETABLE\r\n", ntrip.ErrNoMountpoint, `mountpoint "MOUNT1"`},
		{"source table v2", "HTTP/1.1 200 OK\r\nContent-Type: gnss/sourcetable\r\n\r\nSTR;OTHER\r\nENDSOURCETABLE\r\n", ntrip.ErrNoMountpoint, "source table"},
		{"404", "HTTP/1.1 404 Not Found\r\n\r\n", ntrip.ErrNoMountpoint, "404"},
		{"garbage", "\x00\xffSSH-2.0-OpenSSH\r\n", ntrip.ErrBadAnswer, `answered "\x00\xffSSH`},
		{"endless line", "HTTP/1.1 200 OK" + long, ntrip.ErrBadAnswer, "header line over 1024 bytes"},
		{"huge header", "HTTP/1.1 200 OK\r\n" + strings.Repeat("X-Pad: "+strings.Repeat("y", 900)+"\r\n", 20), ntrip.ErrBadAnswer, "header over 16384 bytes"},
		{"many headers", "HTTP/1.1 200 OK\r\n" + strings.Repeat("X: y\r\n", 100), ntrip.ErrBadAnswer, "more than 64 header lines"},
		{"closed at once", "", ntrip.ErrBadAnswer, "closed"},
		{"503", "HTTP/1.1 503 Service Unavailable\r\n\r\n", nil, `503 "Service Unavailable"`},
		{"bad chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", ntrip.ErrBadAnswer, "chunk"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cs := startCaster(t, func(c net.Conn, req string) { _, _ = c.Write([]byte(tc.answer)) })
			c, _, ev := newClient(t, cs.port(), nil)
			err := firstError(t, ev)
			if tc.is != nil && !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("error %q; want %v saying %q", err, tc.is, tc.says)
			}
			if strings.Contains(err.Error(), secret) {
				t.Fatal("the password in an error")
			}
			// It keeps trying, with backoff.
			if e2 := firstError(t, ev); e2 == nil || len(cs.requests()) < 2 {
				t.Fatal("no second attempt")
			}
			st := c.Status()
			if st.Connected || st.LastError == "" || st.Reconnects < 1 || strings.Contains(fmt.Sprint(st), secret) {
				t.Fatalf("status %+v", st)
			}
		})
	}
}

// A caster that answers well, then sends garbage or nothing: dropped
// after ReadTimeout without an intact frame, each case named.
func TestStreamWithoutRTCMIsDropped(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: waits out the client's read timeout for each stream (6 s): make test runs it")
	}
	for _, tc := range []struct {
		name string
		body []byte
		is   error
	}{
		{"garbage", bytes.Repeat([]byte("not rtcm "), 1000), ntrip.ErrNoRTCM},
		{"silence", nil, ntrip.ErrSilent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs := startCaster(t, func(c net.Conn, req string) {
				fmt.Fprintf(c, "ICY 200 OK\r\n%s", tc.body)
				time.Sleep(3 * time.Second)
			})
			_, s, ev := newClient(t, cs.port(), func(cfg *ntrip.Config) { cfg.ReadTimeout = 300 * time.Millisecond })
			if err := firstError(t, ev); !errors.Is(err, tc.is) {
				t.Fatalf("error %v; want %v", err, tc.is)
			}
			if len(s.bytes()) != 0 {
				t.Fatal("garbage passed to the receiver")
			}
		})
	}
}

func TestBadConfigs(t *testing.T) {
	ok := func(b []byte) error { return nil }
	for name, cfg := range map[string]ntrip.Config{
		"no host":        {Mountpoint: "M", Sink: ok},
		"no mount":       {Host: "h", Sink: ok},
		"mount with /":   {Host: "h", Mountpoint: "a/b", Sink: ok},
		"version 3":      {Host: "h", Mountpoint: "M", Version: 3, Sink: ok},
		"no sink":        {Host: "h", Mountpoint: "M"},
		"CRLF in user":   {Host: "h", Mountpoint: "M", Sink: ok, User: "a\r\nX-Evil: 1"},
		"colon in user":  {Host: "h", Mountpoint: "M", Sink: ok, User: "a:b"},
		"port too large": {Host: "h", Mountpoint: "M", Sink: ok, Port: 70000},
	} {
		if _, err := ntrip.New(cfg); !errors.Is(err, ntrip.ErrConfig) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func waitUntil(t *testing.T, got <-chan struct{}, cond func() bool, what string) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for !cond() {
		select {
		case <-got:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// A caster that closes on a version 2 request without a word (RTKLIB's)
// is asked in version 1 next, and streams.
func TestSilentCloseOnVersion2FallsBackToVersion1(t *testing.T) {
	served, _ := ntriptest.Frames(0, 3)
	cs := startCaster(t, func(c net.Conn, req string) {
		if !strings.HasPrefix(req, "GET /MOUNT1 HTTP/1.0\r\n") {
			return // closed without an answer
		}
		fmt.Fprintf(c, "ICY 200 OK\r\n%s", served)
		time.Sleep(time.Second)
	})
	c, s, ev := newClient(t, cs.port(), nil)
	if err := firstError(t, ev); !errors.Is(err, ntrip.ErrBadAnswer) || !strings.Contains(err.Error(), "trying NTRIP 1 next") {
		t.Fatalf("first attempt: %v", err)
	}
	waitUntil(t, s.got, func() bool { return bytes.Equal(s.bytes(), served) }, "the frames in version 1")
	if st := c.Status(); st.Version != 1 || !st.Connected {
		t.Fatalf("status %+v", st)
	}
	reqs := cs.requests()
	if !strings.HasPrefix(reqs[0], "GET /MOUNT1 HTTP/1.1\r\n") || !strings.HasPrefix(reqs[1], "GET /MOUNT1 HTTP/1.0\r\n") {
		t.Fatalf("requests %q", reqs)
	}
}
