package camera

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys/camera/cameratest"
	"github.com/gorosys/rosys/internal/testtool"
	"github.com/gorosys/rosys/internal/testwait"
)

func TestNewRTSPRefusesBadOptions(t *testing.T) {
	for _, tc := range []struct {
		opts RTSPOptions
		want string
	}{
		{RTSPOptions{URL: "http://cam/x"}, "want rtsp://"},
		{RTSPOptions{URL: "rtsp://cam/x", Quality: 40}, "quality 40"},
		{RTSPOptions{URL: "rtsp://cam/x", FPS: -2}, "fps -2"},
		{RTSPOptions{URL: "rtsp://cam/x", MaxFrameBytes: 5}, "frames of at most 5"},
	} {
		if _, err := NewRTSP(tc.opts); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.opts, err, tc.want)
		}
	}
	r, err := NewRTSP(RTSPOptions{URL: "rtsp://cam:554/stream1", Username: "op", Password: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(r.Name(), "s3cret") || !strings.Contains(strings.Join(r.args(), " "), "rtsp://op:s3cret@cam:554/stream1") {
		t.Fatalf("name %q, args %q", r.Name(), r.args())
	}
}

// A camera behind a real RTSP server (GStreamer's, fed by ffmpeg), read
// through our supervised ffmpeg; the server is killed and restarted
// mid-stream and the camera comes back by itself.
func TestRTSPFromARealServerReconnects(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: a real RTSP server, killed and restarted (16 s): make test runs it")
	}
	srv := cameratest.StartRTSPServer(t, cameratest.Video{Width: 320, Height: 240, FPS: 20})
	for _, copyFrames := range []bool{true, false} {
		src, err := NewRTSP(RTSPOptions{URL: srv.URL, Copy: copyFrames, FFmpeg: testtool.Require(t, testtool.FFmpeg), StallTimeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		c := startCamera(t, src, Options{BackoffMin: 20 * time.Millisecond, BackoffMax: 200 * time.Millisecond})
		st := waitFrames(t, c, 0, 10)
		if !st.Connected || st.Width != 320 || st.Height != 240 || st.Dropped != 0 {
			t.Fatalf("copy %v: %+v", copyFrames, st)
		}
		allocsPerFrame(t, c) // ffmpeg's pipe, the JPEG splitter, the ring
		if copyFrames {
			srv.StopServer()
			testwait.Until(t, "the camera to see the server go", func() bool { return !c.Status().Connected })
			st = c.Status()
			if st.Reconnects == 0 || !strings.Contains(st.Error, "ffmpeg") {
				t.Fatalf("after the server was killed: %+v", st)
			}
			srv.StartServer()
			st = waitFrames(t, c, st.Frames, 10)
			if !st.Connected || st.Dropped != 0 {
				t.Fatalf("after the server came back: %+v", st)
			}
		}
		_ = c.Close()
	}
}

// ffmpeg's exit (here: it does not exist) is an error naming it, and no
// subprocess outlives a cancelled run.
func TestRTSPFFmpegFailures(t *testing.T) {
	src, _ := NewRTSP(RTSPOptions{URL: "rtsp://127.0.0.1:1/x", FFmpeg: filepath.Join(t.TempDir(), "no-ffmpeg")})
	err := src.Run(context.Background(), func([]byte, time.Time) { t.Error("a frame from nothing") })
	if err == nil || !strings.Contains(err.Error(), "starting ffmpeg") {
		t.Fatalf("missing ffmpeg: %v", err)
	}
	ff := testtool.Require(t, testtool.FFmpeg)
	src, _ = NewRTSP(RTSPOptions{URL: "rtsp://127.0.0.1:1/x", FFmpeg: ff})
	err = src.Run(context.Background(), func([]byte, time.Time) {})
	if err == nil || !strings.Contains(err.Error(), "ffmpeg exited") || !strings.Contains(err.Error(), "Connection refused") {
		t.Fatalf("refused connection: %v", err)
	}
	// A script standing in for ffmpeg that hangs: the stall timeout kills it.
	fake := filepath.Join(t.TempDir(), "ffmpeg")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\nexec sleep 600\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	src, _ = NewRTSP(RTSPOptions{URL: "rtsp://127.0.0.1:1/x", FFmpeg: fake, StallTimeout: 100 * time.Millisecond})
	if err := src.Run(context.Background(), func([]byte, time.Time) {}); err == nil || !strings.Contains(err.Error(), "no frame for 100ms") {
		t.Fatalf("stalled ffmpeg: %v", err)
	}
}

// ffmpeg prints the URL it was given, credentials included: they never
// reach the error (and so the status).
func TestRTSPErrorsCarryNoCredentials(t *testing.T) {
	ff := testtool.Require(t, testtool.FFmpeg)
	src, err := NewRTSP(RTSPOptions{URL: "rtsp://127.0.0.1:1/stream", Username: "op", Password: "s3cr:et", FFmpeg: ff})
	if err != nil {
		t.Fatal(err)
	}
	err = src.Run(context.Background(), func([]byte, time.Time) {})
	if err == nil || strings.Contains(err.Error(), "s3cr") || !strings.Contains(err.Error(), "ffmpeg exited") || !strings.Contains(err.Error(), "rtsp://127.0.0.1:1/stream") {
		t.Fatalf("error %v", err)
	}
	if _, err := NewRTSP(RTSPOptions{URL: "rtsp://op:pa%zz@cam/x"}); err == nil || strings.Contains(err.Error(), "pa%zz") {
		t.Fatalf("a bad URL's error: %v", err)
	}
	if _, err := NewMJPEG(MJPEGOptions{URL: "http://op:pa%zz@cam/x"}); err == nil || strings.Contains(err.Error(), "pa%zz") {
		t.Fatalf("a bad URL's error: %v", err)
	}
	if _, err := NewMJPEG(MJPEGOptions{URL: "http://cam/x", SnapshotInterval: time.Minute}); err == nil || !strings.Contains(err.Error(), "shorter than the stall timeout") {
		t.Fatalf("snapshot interval past the stall timeout: %v", err)
	}
}
