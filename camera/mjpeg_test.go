package camera

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorosys/rosys/camera/cameratest"
	"github.com/gorosys/rosys/internal/testwait"
)

// waitFrames waits until the camera has kept n frames more than from.
func waitFrames(t *testing.T, c *Camera, from uint64, n uint64) Status {
	t.Helper()
	var st Status
	testwait.Until(t, fmt.Sprintf("%d frames from %s", n, c.Source().Name()), func() bool {
		st = c.Status()
		return st.Frames >= from+n
	})
	return st
}

// The RFC 2617 section 3.5 example.
func TestDigestResponseOfTheRFC(t *testing.T) {
	h := func(s string) string { x := md5.Sum([]byte(s)); return hex.EncodeToString(x[:]) }
	got := digestHeader(h, "Mufasa", "Circle Of Life", "testrealm@host.com", "dcd98b7102dd2f0e8b11d0f600bfb0c093",
		"GET", "/dir/index.html", "auth", "00000001", "0a4f113b", "", "5ccc069c403ebaf9f0171e9517f40e41")
	if !strings.Contains(got, `response="6629fae49393a05397450978507c4ef1"`) {
		t.Fatalf("digest header %s", got)
	}
}

func TestParseChallenge(t *testing.T) {
	ch, err := parseChallenge(`Digest realm="cam, front", qop="auth,auth-int", nonce="abc", algorithm=MD5, Basic realm="x"`)
	if err != nil || ch.scheme != "digest" || ch.params["realm"] != "cam, front" || ch.params["qop"] != "auth,auth-int" ||
		ch.params["nonce"] != "abc" || ch.params["algorithm"] != "MD5" || len(ch.params) != 4 {
		t.Fatalf("%+v %v", ch, err)
	}
	if _, err := parseChallenge(`Bearer realm="x"`); err == nil || !strings.Contains(err.Error(), `"Bearer"`) {
		t.Fatalf("Bearer: %v", err)
	}
	if _, err := parseChallenge(`Digest realm="x`); err == nil {
		t.Fatal("an unterminated quote was accepted")
	}
}

// streamHandler serves frames as multipart/x-mixed-replace until the
// client leaves.
func streamHandler(frames [][]byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "multipart/x-mixed-replace; boundary=\"frame\"")
		for k := 0; r.Context().Err() == nil; k++ {
			if _, err := w.Write(multipart("--frame", k%2 == 0, frames[k%len(frames)])); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			time.Sleep(5 * time.Millisecond) // a camera's frame period
		}
	}
}

// digestAuth checks RFC 7616 MD5 qop=auth answers, computed here on its
// own, before passing to next.
func digestAuth(user, pass string, next http.Handler) http.Handler {
	const realm, nonce = "cam", "n0nce"
	h := func(s string) string { x := md5.Sum([]byte(s)); return hex.EncodeToString(x[:]) }
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := map[string]string{}
		if a, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Digest "); ok {
			for _, kv := range strings.Split(a, ", ") {
				k, v, _ := strings.Cut(kv, "=")
				p[k] = strings.Trim(v, `"`)
			}
		}
		want := h(h(user+":"+realm+":"+pass) + ":" + nonce + ":" + p["nc"] + ":" + p["cnonce"] + ":auth:" + h(r.Method+":"+r.URL.RequestURI()))
		if p["username"] != user || p["uri"] != r.URL.RequestURI() || p["response"] != want || p["opaque"] != "op" {
			w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Digest realm="%s", qop="auth", nonce="%s", opaque="op", algorithm=MD5`, realm, nonce))
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func TestMJPEGOverHTTPWithAuth(t *testing.T) {
	frames := [][]byte{testJPEG(t, 64, 48, 1), testJPEG(t, 64, 48, 2)}
	basic := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "op" || p != "s3cret" {
			w.Header().Set("WWW-Authenticate", `Basic realm="cam"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		streamHandler(frames)(w, r)
	}))
	defer basic.Close()
	digest := httptest.NewServer(digestAuth("op", "s3cret", streamHandler(frames)))
	defer digest.Close()
	var snapshots atomic.Int64
	snapshot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/jpeg")
		w.Write(frames[snapshots.Add(1)%2])
	}))
	defer snapshot.Close()

	for _, tc := range []struct {
		name string
		opts MJPEGOptions
	}{
		{"basic", MJPEGOptions{URL: strings.Replace(basic.URL, "http://", "http://op:s3cret@", 1) + "/video?x=1"}},
		{"digest", MJPEGOptions{URL: digest.URL + "/mjpg/video.mjpg?res=hd", Username: "op", Password: "s3cret"}},
		{"snapshot", MJPEGOptions{URL: snapshot.URL + "/snap.jpg", SnapshotInterval: time.Millisecond}},
	} {
		src, err := NewMJPEG(tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(src.Name(), "s3cret") {
			t.Fatalf("%s: credentials in the name %q", tc.name, src.Name())
		}
		c := startCamera(t, src, Options{})
		st := waitFrames(t, c, 0, 5)
		if !st.Connected || st.Dropped != 0 || st.Width != 64 {
			t.Fatalf("%s: %+v", tc.name, st)
		}
		_ = c.Close()
	}

	// Wrong credentials: a clear error, no frames.
	for _, u := range []string{basic.URL, digest.URL} {
		src, _ := NewMJPEG(MJPEGOptions{URL: u, Username: "op", Password: "wrong"})
		c := startCamera(t, src, Options{BackoffMin: time.Millisecond, BackoffMax: 2 * time.Millisecond})
		testwait.Until(t, "the refusal in status", func() bool {
			return strings.Contains(c.Status().Error, "401 Unauthorized to our credentials")
		})
		if c.Status().Frames != 0 {
			t.Fatal("frames with wrong credentials")
		}
	}
	src, _ := NewMJPEG(MJPEGOptions{URL: basic.URL})
	c := startCamera(t, src, Options{BackoffMin: time.Millisecond, BackoffMax: 2 * time.Millisecond})
	testwait.Until(t, "the missing credentials in status", func() bool {
		return strings.Contains(c.Status().Error, "no credentials are configured")
	})
}

func TestNewMJPEGRefusesBadOptions(t *testing.T) {
	for _, tc := range []struct {
		opts MJPEGOptions
		want string
	}{
		{MJPEGOptions{URL: "ftp://cam/x"}, "want http:// or https://"},
		{MJPEGOptions{URL: "http://op:pw@/x"}, "with a host"},
		{MJPEGOptions{URL: "http://cam/x", MaxFrameBytes: 10}, "frames of at most 10 bytes"},
		{MJPEGOptions{URL: "http://cam/x", StallTimeout: -1}, "negative"},
	} {
		if _, err := NewMJPEG(tc.opts); err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "pw") {
			t.Errorf("%+v: %v, want %q", tc.opts, err, tc.want)
		}
	}
}

// A stream that stops sending is cut after StallTimeout and reconnected.
func TestMJPEGStallReconnects(t *testing.T) {
	frame := testJPEG(t, 32, 32, 1)
	var conns atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conns.Add(1)
		w.Header().Set("Content-Type", "multipart/x-mixed-replace;boundary=b")
		w.Write(multipart("--b", true, frame))
		w.(http.Flusher).Flush()
		<-r.Context().Done() // then silence
	}))
	defer srv.Close()
	src, err := NewMJPEG(MJPEGOptions{URL: srv.URL, StallTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	c := startCamera(t, src, Options{BackoffMin: time.Millisecond, BackoffMax: 2 * time.Millisecond})
	testwait.Until(t, "a reconnect after the stall", func() bool { return c.Status().Reconnects >= 2 && conns.Load() >= 3 })
	if st := c.Status(); !strings.Contains(st.Error, "no frame for 50ms") || st.Frames < 2 {
		t.Fatalf("%+v", st)
	}
}

// ffmpeg as a network camera, killed and restarted mid-stream.
func TestMJPEGFromFFmpegReconnects(t *testing.T) {
	srv := cameratest.StartMJPEGServer(t, cameratest.Video{Width: 320, Height: 240, FPS: 25})
	src, err := NewMJPEG(MJPEGOptions{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	c := startCamera(t, src, Options{BackoffMin: 10 * time.Millisecond, BackoffMax: 100 * time.Millisecond})
	st := waitFrames(t, c, 0, 10)
	if !st.Connected || st.Width != 320 || st.Height != 240 || st.Dropped != 0 {
		t.Fatalf("from ffmpeg: %+v", st)
	}
	srv.Stop()
	testwait.Until(t, "the camera to see the drop", func() bool { return !c.Status().Connected })
	st = c.Status()
	if st.Reconnects == 0 || st.Error == "" {
		t.Fatalf("after ffmpeg was killed: %+v", st)
	}
	srv.Start()
	st = waitFrames(t, c, st.Frames, 10)
	if !st.Connected || st.Dropped != 0 {
		t.Fatalf("after ffmpeg came back: %+v", st)
	}
	if f, ok := c.Latest(); !ok || f.Width != 320 {
		t.Fatal("no frame after the reconnect")
	}
	if st.FPS < 5 || st.FPS > 60 {
		t.Errorf("measured %.1f fps of a 25 fps stream", st.FPS)
	}
}

// The whole path of a real stream (ffmpeg over HTTP, net/http's body,
// the part reader, the checks, the ring) allocates nothing per frame once
// warm: counted over the whole test process, where nothing else runs.
func TestMJPEGRealStreamAllocatesNothingPerFrame(t *testing.T) {
	srv := cameratest.StartMJPEGServer(t, cameratest.Video{Width: 640, Height: 480, FPS: 50})
	src, err := NewMJPEG(MJPEGOptions{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	c := startCamera(t, src, Options{BackoffMin: 10 * time.Millisecond})
	allocsPerFrame(t, c)
}

// allocsPerFrame checks that a running camera allocates nothing per
// frame, counting every allocation of the test process over 100 frames
// of a connection that did not change.
func allocsPerFrame(t *testing.T, c *Camera) {
	t.Helper()
	waitFrames(t, c, 0, 40) // the ring's buffers made, connection settled
	for range 3 {
		var before, after runtime.MemStats
		st0 := c.Status()
		runtime.ReadMemStats(&before)
		waitFrames(t, c, st0.Frames, 100)
		runtime.ReadMemStats(&after)
		st := c.Status()
		if st.Reconnects != st0.Reconnects {
			t.Logf("the stream reconnected during the count (%s): again", st.Error)
			continue
		}
		n := st.Frames - st0.Frames
		perFrame := float64(after.Mallocs-before.Mallocs) / float64(n)
		t.Logf("%d allocations over %d frames in the whole process (%.2f a frame)", after.Mallocs-before.Mallocs, n, perFrame)
		if perFrame >= 0.5 {
			t.Fatalf("%.2f allocations a frame on a real stream", perFrame)
		}
		return
	}
	t.Fatal("the stream reconnected during every count")
}
