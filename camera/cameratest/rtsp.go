package cameratest

import (
	_ "embed" // the RTSP server's script
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/gorosys/rosys/internal/testtool"
)

//go:embed rtsp_server.py
var rtspServerScript []byte

// RTSPServer is a real RTSP server (GStreamer's rtsp-server, run by
// Debian's python3 through python3-gi) serving at URL what an ffmpeg
// publisher sends it as RTP/JPEG over UDP: the shape of an RTSP camera or
// of a relay in front of one.
type RTSPServer struct {
	URL       string
	server    *process
	publisher *process
}

// StartRTSPServer starts the server and its publisher; the test's cleanup
// stops both.
func StartRTSPServer(t testing.TB, v Video) *RTSPServer {
	t.Helper()
	ff := testtool.Require(t, testtool.FFmpeg)
	py := testtool.Require(t, testtool.Python3)
	check := exec.Command(py, "-c", `import gi; gi.require_version("GstRtspServer", "1.0"); from gi.repository import GstRtspServer`)
	if out, err := check.CombinedOutput(); err != nil {
		testtool.Missing(t, "GStreamer's RTSP server for python3 is not installed (apt-get install python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-good): %s", out)
	}
	script := filepath.Join(t.TempDir(), "rtsp_server.py")
	if err := os.WriteFile(script, rtspServerScript, 0o644); err != nil {
		t.Fatal(err)
	}
	port, udp := FreePort(t), freeUDPPort(t)
	s := &RTSPServer{
		URL:    fmt.Sprintf("rtsp://127.0.0.1:%d/camera", port),
		server: &process{fail: func(err error) { t.Error(err) }, path: py, args: []string{script, strconv.Itoa(port), "camera", strconv.Itoa(udp)}},
	}
	args := append([]string{"-nostdin", "-hide_banner", "-loglevel", "error"}, v.input()...)
	s.publisher = &process{fail: func(err error) { t.Error(err) }, path: ff, args: append(args, "-f", "rtp", fmt.Sprintf("rtp://127.0.0.1:%d", udp))}
	s.server.start()
	s.publisher.start()
	t.Cleanup(func() { s.publisher.stop(); s.server.stop() })
	return s
}

// StopServer kills the RTSP server mid-stream (the publisher goes on).
func (s *RTSPServer) StopServer() { s.server.stop() }

// StartServer starts the server again on the same port after StopServer.
func (s *RTSPServer) StartServer() { s.server.start() }

func freeUDPPort(t testing.TB) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}
