package cameratest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorosys/rosys/internal/testtool"
)

// Video says what a served camera shows.
type Video struct {
	Width, Height, FPS int
	// Clip, when set, is a file of concatenated JPEGs (EncodeClip) played
	// in a loop with -c copy, so serving it costs ffmpeg almost no CPU;
	// otherwise ffmpeg encodes its testsrc2 pattern live.
	Clip string
	// Unpaced sends a Clip as fast as the reader takes it instead of at
	// FPS (for measuring the reader's cost per frame).
	Unpaced bool
}

func (v Video) input() []string {
	if v.Clip != "" {
		pace := []string{"-re"}
		if v.Unpaced {
			pace = nil
		}
		return append(pace, "-stream_loop", "-1", "-f", "mjpeg", "-framerate", strconv.Itoa(v.FPS), "-i", v.Clip, "-c:v", "copy")
	}
	// Standard Huffman tables (-huffman 0): RTP/JPEG (RFC 2435) carries
	// no others.
	return []string{"-re", "-f", "lavfi", "-i", fmt.Sprintf("testsrc2=size=%dx%d:rate=%d", v.Width, v.Height, v.FPS),
		"-c:v", "mjpeg", "-huffman", "0", "-q:v", "5", "-pix_fmt", "yuvj420p"}
}

// EncodeClip writes seconds of ffmpeg's test pattern as concatenated
// JPEGs (-f mjpeg) to a file in dir and returns its path.
func EncodeClip(t testing.TB, dir string, width, height, fps, seconds int) string {
	t.Helper()
	path, err := WriteClip(testtool.Require(t, testtool.FFmpeg), dir, width, height, fps, seconds)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// WriteClip is EncodeClip outside a test, with ffmpeg at ffmpeg.
func WriteClip(ffmpeg, dir string, width, height, fps, seconds int) (string, error) {
	path := filepath.Join(dir, fmt.Sprintf("clip-%dx%d.mjpeg", width, height))
	out, err := exec.Command(ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
		"-i", fmt.Sprintf("testsrc2=size=%dx%d:rate=%d", width, height, fps), "-t", strconv.Itoa(seconds),
		"-c:v", "mjpeg", "-huffman", "0", "-q:v", "5", "-pix_fmt", "yuvj420p", "-f", "mjpeg", path).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("encoding the clip: %v: %s", err, out)
	}
	return path, nil
}

// FreePort returns a TCP port of 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	p, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// process is a program run again whenever it exits, until stopped: a
// server that serves one client at a time (ffmpeg -listen 1) is then
// there for the next connection, like a camera.
type process struct {
	fail func(error) // told when the program cannot start
	path string
	args []string

	mu      sync.Mutex
	cmd     *exec.Cmd
	running bool
	done    chan struct{} // closed when the supervising goroutine ends
}

// start runs the program, and again after each exit, until stop.
func (p *process) start() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.running {
		return
	}
	p.running = true
	p.done = make(chan struct{})
	go p.supervise(p.done)
}

func (p *process) supervise(done chan struct{}) {
	defer close(done)
	for {
		p.mu.Lock()
		if !p.running {
			p.mu.Unlock()
			return
		}
		cmd := exec.Command(p.path, p.args...)
		cmd.Stderr = os.Stderr // stdout (the publisher's SDP) is not wanted
		cmd.SysProcAttr = procAttr()
		if err := cmd.Start(); err != nil {
			p.running = false
			p.mu.Unlock()
			p.fail(fmt.Errorf("starting %s: %w", p.path, err))
			return
		}
		p.cmd = cmd
		p.mu.Unlock()
		_ = cmd.Wait()
		// Not at once: a program that cannot start (its port taken)
		// must not spin.
		time.Sleep(50 * time.Millisecond)
	}
}

// stop kills the program and waits until it is gone.
func (p *process) stop() {
	p.mu.Lock()
	if !p.running {
		p.mu.Unlock()
		return
	}
	p.running = false
	if p.cmd != nil && p.cmd.Process != nil {
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	}
	done := p.done
	p.mu.Unlock()
	<-done
}

// MJPEGServer is ffmpeg serving MJPEG over HTTP as a network camera does
// (multipart/x-mixed-replace, one client at a time, restarted for the
// next).
type MJPEGServer struct {
	URL string
	p   *process
}

// StartMJPEGServer starts ffmpeg serving v at URL on a free port of
// 127.0.0.1; the test's cleanup stops it.
func StartMJPEGServer(t testing.TB, v Video) *MJPEGServer {
	t.Helper()
	s, err := NewMJPEGServer(testtool.Require(t, testtool.FFmpeg), v, func(err error) { t.Error(err) })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// NewMJPEGServer is StartMJPEGServer outside a test (benchmarks), with
// ffmpeg at ffmpeg; fail hears of a start that failed. Stop it when done.
func NewMJPEGServer(ffmpeg string, v Video, fail func(error)) (*MJPEGServer, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	url := fmt.Sprintf("http://127.0.0.1:%d/video.mjpg", port)
	level := "error"
	if v.Unpaced {
		// A looped clip sent unpaced repeats timestamps at every loop,
		// which the muxer reports as an error for each (the frames go out).
		level = "fatal"
	}
	args := append([]string{"-nostdin", "-hide_banner", "-loglevel", level}, v.input()...)
	args = append(args, "-f", "mpjpeg", "-boundary_tag", "rosysframe",
		"-content_type", "multipart/x-mixed-replace;boundary=rosysframe", "-listen", "1", url)
	s := &MJPEGServer{URL: url, p: &process{fail: fail, path: ffmpeg, args: args}}
	s.p.start()
	return s, nil
}

// Stop kills ffmpeg (mid-stream: its client sees the connection end).
func (s *MJPEGServer) Stop() { s.p.stop() }

// Start serves again on the same URL after Stop.
func (s *MJPEGServer) Start() { s.p.start() }
