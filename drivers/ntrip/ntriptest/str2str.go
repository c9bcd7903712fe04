package ntriptest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gorosys/rosys/internal/testtool"
)

// Str2str is RTKLIB's str2str serving an NTRIP caster (version 1, as
// RTKLIB's caster speaks it) on a local port, fed by the test through a
// TCP server input: what Send writes is what the caster serves.
type Str2str struct {
	t                 testing.TB
	bin               string
	User, Pass, Mount string
	Port, inPort      int
	logDir            string

	mu   sync.Mutex
	cmd  *exec.Cmd
	feed net.Conn
}

// StartStr2str starts the caster (skipping the test without str2str, or
// failing it under CI); Cleanup kills it.
func StartStr2str(t testing.TB, user, pass, mount string) *Str2str {
	t.Helper()
	bin := testtool.Require(t, testtool.Str2str)
	s := &Str2str{t: t, bin: bin, User: user, Pass: pass, Mount: mount, Port: freePort(t), inPort: freePort(t), logDir: t.TempDir()}
	s.Start()
	t.Cleanup(s.Kill)
	return s
}

// Start starts str2str (again, after Kill) on the same ports.
func (s *Str2str) Start() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := fmt.Sprintf("ntripc://%s:%s@:%d/%s", s.User, s.Pass, s.Port, s.Mount)
	cmd := exec.Command(s.bin, "-in", "tcpsvr://:"+strconv.Itoa(s.inPort), "-out", out)
	f, err := os.OpenFile(filepath.Join(s.logDir, "str2str.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		s.t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("start str2str: %v", err)
	}
	f.Close()
	s.cmd = cmd
	// Wait until both ports listen (bounded).
	deadline := time.Now().Add(10 * time.Second)
	for _, p := range []int{s.inPort, s.Port} {
		for {
			c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(p), time.Second)
			if err == nil {
				if p == s.inPort {
					s.feed = c
				} else {
					c.Close()
				}
				break
			}
			if time.Now().After(deadline) {
				s.t.Fatalf("str2str does not listen on %d: %v", p, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// Kill ends str2str with SIGKILL, as a crash does.
func (s *Str2str) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
	if s.feed != nil {
		s.feed.Close()
		s.feed = nil
	}
}

// Send writes b to the caster's input: it serves b to every client
// connected now.
func (s *Str2str) Send(b []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.feed == nil {
		return fmt.Errorf("str2str not running")
	}
	_ = s.feed.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, err := s.feed.Write(b)
	return err
}

// Log is what str2str printed, for a failing test.
func (s *Str2str) Log() string {
	b, _ := os.ReadFile(filepath.Join(s.logDir, "str2str.log"))
	return string(b)
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
