package gnsstest

import (
	"bufio"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorosys/rosys/internal/testtool"
)

// GPSDPath finds the gpsd binary (Debian installs it in /usr/sbin, which a
// normal user's PATH lacks); "" when it is not installed.
func GPSDPath() string { return testtool.GPSD.Path() }

// StartGPSD runs the real gpsd for a test, reading device, and returns its
// address on the loopback interface. It is stopped when the test ends.
//
// It touches nothing of the system's: it listens on a free loopback port
// (not 2947, not every interface), keeps its control socket in the test's
// temporary directory, runs in its own IPC namespace (gpsd creates shared
// memory segments for NTP and its own clients, which would otherwise
// outlive it: once it drops root it cannot remove them), and sees no D-Bus.
// Without gpsd, or where it cannot get its namespace, the test is skipped,
// unless under CI: there it must run (testtool).
func StartGPSD(t testing.TB, device string) string {
	t.Helper()
	bin := testtool.Require(t, testtool.GPSD)
	port := freePort(t)
	ctl := filepath.Join(t.TempDir(), "gpsd.sock")
	// -N foreground, -n open the device at once, -b read-only (no probe
	// strings written to the receiver), -s fixes the speed instead of
	// hunting through baud rates, -D 3 logs its start-up steps.
	args := []string{bin, "-N", "-n", "-b", "-s", "115200", "-D", "3", "-S", strconv.Itoa(port), "-F", ctl, device}
	attr := &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	// util-linux's unshare makes the namespace and then becomes gpsd. It
	// is preferred to clone flags, which qemu's user-mode emulation (make
	// test-arm64) refuses.
	if u, err := exec.LookPath("unshare"); err == nil {
		args = append([]string{u, "--ipc", "--"}, args...)
	} else {
		attr.Cloneflags = syscall.CLONE_NEWIPC
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent"}
	cmd.SysProcAttr = attr
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		if strings.Contains(err.Error(), "operation not permitted") {
			testtool.Missing(t, "cannot give gpsd its own IPC namespace here: %v", err)
		}
		t.Fatalf("start gpsd: %v", err)
	}
	// gpsd's log tells when it listens and has finished starting up
	// (dropped privileges); keep reading it so it never blocks, and show
	// it when the test fails.
	started := make(chan struct{})
	logDone := make(chan struct{})
	var ready, refused bool // written before started is closed
	go func() {
		defer close(logDone)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			refused = refused || strings.Contains(line, "not permitted")
			if !ready || strings.Contains(line, ":WARN:") || strings.Contains(line, ":ERROR:") {
				t.Log(line)
			}
			if !ready && strings.Contains(line, "startup at") {
				ready = true
				close(started)
			}
		}
		if !ready {
			close(started)
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		<-logDone
	})
	select {
	case <-started:
	case <-time.After(30 * time.Second):
		t.Fatal("gpsd did not start within 30 s")
	}
	if !ready {
		if refused {
			testtool.Missing(t, "gpsd cannot get its own IPC namespace here (needs root)")
		}
		t.Fatal("gpsd exited during start-up (its log is above)")
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("gpsd is not listening on %s: %v", addr, err)
	}
	c.Close()
	return addr
}

// freePort asks the kernel for a free loopback port. Another process could
// take it before gpsd binds it; gpsd then fails to start and the test says
// so.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
