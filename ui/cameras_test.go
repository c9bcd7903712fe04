package ui_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys/camera"
	"github.com/gorosys/rosys/internal/testwait"
	"github.com/gorosys/rosys/ui"
)

// pushSource is a camera whose frames the test sends, one by one: a send
// completes once the camera took the frame, so a camera that waited for a
// consumer would block the test's send.
type pushSource struct{ frames chan []byte }

func (p *pushSource) Name() string { return "push" }
func (p *pushSource) Run(ctx context.Context, emit func([]byte, time.Time)) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case f := <-p.frames:
			emit(f, time.Time{})
		}
	}
}

// noiseJPEG is a JPEG of w×h noise: large, as a busy camera's frames are.
func noiseJPEG(t *testing.T, w, h int) []byte {
	t.Helper()
	im := image.NewGray(image.Rect(0, 0, w, h))
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range im.Pix {
		im.Pix[i] = uint8(rnd.IntN(256))
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, im, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func cameraServer(t *testing.T, opts ...ui.Option) (string, *camera.Camera, *pushSource) {
	t.Helper()
	src := &pushSource{frames: make(chan []byte)}
	cam, err := camera.New("front", src, camera.Options{RingFrames: 4, RingBytes: 64 << 20, MaxFrameBytes: 16 << 20})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cam.Start(ctx)
	t.Cleanup(func() { cancel(); cam.Close() })
	cams := ui.Cameras{Feed: func(id string) (ui.CameraFeed, bool) { return cam, id == "front" }}
	srv, _, _ := newServer(t, append(opts, ui.WithCameras(cams))...)
	return srv.URL, cam, src
}

// push hands the camera a frame, failing if the camera does not take it
// (it must never wait for a consumer).
func push(t *testing.T, src *pushSource, f []byte) {
	t.Helper()
	select {
	case src.frames <- f:
	case <-time.After(10 * time.Second):
		t.Fatal("the camera did not take a frame for 10 s: it waits for a consumer")
	}
}

// part reads one frame of a camera stream.
func part(t *testing.T, mr *multipart.Reader) (seq uint64, body []byte) {
	t.Helper()
	p, err := mr.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	body, err = io.ReadAll(p)
	if err != nil {
		t.Fatal(err)
	}
	if p.Header.Get("Content-Type") != "image/jpeg" || p.Header.Get("Content-Length") != strconv.Itoa(len(body)) {
		t.Fatalf("part headers %v for %d bytes", p.Header, len(body))
	}
	seq, _ = strconv.ParseUint(p.Header.Get("X-Frame-Seq"), 10, 64)
	return seq, body
}

func openStream(t *testing.T, url string) (*http.Response, *multipart.Reader) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	mt, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if resp.StatusCode != http.StatusOK || err != nil || mt != "multipart/x-mixed-replace" {
		t.Fatalf("stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return resp, multipart.NewReader(resp.Body, params["boundary"])
}

// The stream serves the camera's frames as multipart JPEG, and counts
// against the API's streams' budget: a stream beyond it ends the oldest.
func TestCameraStreamAndItsCap(t *testing.T) {
	base, _, src := cameraServer(t)
	frame := noiseJPEG(t, 32, 24)
	_, first := openStream(t, base+"/api/cameras/front/stream")
	push(t, src, frame)
	if seq, body := part(t, first); seq != 1 || !bytes.Equal(body, frame) {
		t.Fatalf("part %d: %d bytes, want the frame's %d", seq, len(body), len(frame))
	}
	ended := make(chan error, 1)
	go func() {
		_, err := first.NextPart()
		for err == nil {
			_, err = first.NextPart()
		}
		ended <- err
	}()
	// The budget is 32 streams, event streams and camera streams alike.
	var last *multipart.Reader
	for range 32 {
		_, last = openStream(t, base+"/api/cameras/front/stream")
	}
	testwait.For(t, ended, "the oldest stream to end for the 33rd", func(err error) bool { return err != nil })
	push(t, src, frame)
	// Frame 1 first if its handler looked before frame 2 came.
	if seq, _ := part(t, last); seq != 2 {
		if seq, _ = part(t, last); seq != 2 {
			t.Fatalf("newest stream got frame %d, want 2", seq)
		}
	}
	resp, err := http.Get(base + "/api/cameras/back/stream")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown camera: %d", resp.StatusCode)
	}
}

// A client that reads slower than the camera delivers is given the newest
// frame whenever it is ready and skips the rest: the camera never waits
// (every push is taken at once), nothing queues for the client (it never
// gets more than a few of the frames pushed while it did not read), and
// once it reads again it gets the newest frame.
func TestCameraStreamSlowClientSkipsFrames(t *testing.T) {
	base, cam, src := cameraServer(t)
	frame := noiseJPEG(t, 1024, 768) // about 700 KiB: a few fill the socket buffers (40 are 28 MB)
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /api/cameras/front/stream HTTP/1.1\r\nHost: localhost\r\n\r\n")
	const pushed = 40
	for range pushed {
		push(t, src, frame) // each taken at once, while the client reads nothing
	}
	// Now read: the frames it gets are few, and the last is the newest.
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, params, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	mr := multipart.NewReader(resp.Body, params["boundary"])
	var got []uint64
	for {
		seq, body := part(t, mr)
		if !bytes.Equal(body, frame) {
			t.Fatalf("frame %d: %d bytes, not the frame", seq, len(body))
		}
		got = append(got, seq)
		if seq == pushed {
			break
		}
		if len(got) > pushed {
			t.Fatalf("frames %v", got)
		}
	}
	if len(got) > 10 {
		t.Fatalf("the slow client got %d of %d frames (%v): they queued for it", len(got), pushed, got)
	}
	// Every frame between the first it got and the last that it did not
	// get was skipped for it, and counted (frames before it subscribed
	// were not its to skip).
	skipped := got[len(got)-1] - got[0] + 1 - uint64(len(got))
	if st := cam.Status(); st.Frames != pushed || st.ConsumerDropped != skipped {
		t.Fatalf("camera status %+v, client got %v", st, got)
	}
}

// Camera images take ?token= (an <img> sends no header), other camera
// routes do not; writes need the same origin.
func TestCameraRoutesAndTheToken(t *testing.T) {
	const token = "0123456789abcdef0123"
	base, _, src := cameraServer(t, ui.WithToken(token))
	push(t, src, noiseJPEG(t, 16, 16))
	for _, c := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/api/cameras/front/image.jpg?token=" + token, 200},
		{"GET", "/api/cameras/front/image.jpg", 401},
		{"GET", "/api/cameras/front/image.jpg?token=wrong", 401},
		{"GET", "/api/cameras?token=" + token, 401},
		{"POST", "/api/cameras/front/project?token=" + token, 401},
		{"POST", "/api/cameras/front/record?token=" + token, 401},
	} {
		req, _ := http.NewRequest(c.method, base+c.path, strings.NewReader(`{"pixels": [[1, 1]]}`))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, resp.StatusCode, c.want)
		}
	}
	req, _ := http.NewRequest("POST", base+"/api/cameras/front/record", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Origin", "http://evil.example")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin record: %d", resp.StatusCode)
	}
}
