package vm

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorosys/rosys/internal/testtool"
)

// The tools the harness needs on the host (.ci/run installs them).
var (
	qemuSystem = testtool.Tool{Name: "qemu-system-aarch64", Install: "apt-get install qemu-system-arm"}
	qemuUser   = testtool.Tool{Name: "qemu-aarch64-static", Install: "apt-get install qemu-user-static"}
	debootstr  = testtool.Tool{Name: "debootstrap", Paths: []string{"/usr/sbin/debootstrap"}, Install: "apt-get install debootstrap"}
	mkfs       = testtool.Tool{Name: "mkfs.ext4", Paths: []string{"/usr/sbin/mkfs.ext4", "/sbin/mkfs.ext4"}, Install: "apt-get install e2fsprogs"}
	debugfs    = testtool.Tool{Name: "debugfs", Paths: []string{"/usr/sbin/debugfs", "/sbin/debugfs"}, Install: "apt-get install e2fsprogs"}
	e2fsck     = testtool.Tool{Name: "e2fsck", Paths: []string{"/usr/sbin/e2fsck", "/sbin/e2fsck"}, Install: "apt-get install e2fsprogs"}
	cpioTool   = testtool.Tool{Name: "cpio", Install: "apt-get install cpio"}
	modprobe   = testtool.Tool{Name: "modprobe", Paths: []string{"/usr/sbin/modprobe", "/sbin/modprobe"}, Install: "apt-get install kmod"}
)

// image is what deploy/vm/image.sh built (cached).
type image struct{ rootfs, kernel, initrd string }

func buildImage(t *testing.T) image {
	t.Helper()
	start := time.Now()
	cmd := exec.Command("./image.sh")
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &testWriter{t: t, prefix: "image.sh: "}
	if err := cmd.Run(); err != nil {
		t.Fatalf("image.sh: %v", err)
	}
	var im image
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), "=")
		switch k {
		case "ROOTFS":
			im.rootfs = v
		case "KERNEL":
			im.kernel = v
		case "INITRD":
			im.initrd = v
		}
	}
	if im.rootfs == "" || im.kernel == "" || im.initrd == "" {
		t.Fatalf("image.sh printed no paths: %q", out.String())
	}
	t.Logf("image ready in %s (cached tree %s)", time.Since(start).Round(time.Second), im.rootfs)
	return im
}

// testWriter logs a command's lines as they come.
type testWriter struct {
	t      *testing.T
	prefix string
	buf    []byte
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		w.t.Log(w.prefix + string(w.buf[:i]))
		w.buf = w.buf[i+1:]
	}
	return len(p), nil
}

// crossBuild builds pkg for linux/arm64 without cgo, as make cross does.
func crossBuild(t *testing.T, out, pkg, ldflags string) {
	t.Helper()
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w "+ldflags, "-o", out, pkg)
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// machine is one boot of the disk image under qemu-system-aarch64.
type machine struct {
	t         *testing.T
	cmd       *exec.Cmd
	exited    chan struct{}
	exitErr   error
	console   string
	robotURL  string
	agentURL  string
	bootStart time.Time
}

func boot(t *testing.T, im image, disk, console string) *machine {
	t.Helper()
	robotPort, agentPort := freePort(t), freePort(t)
	args := []string{
		"-M", "virt", "-cpu", "cortex-a72", "-smp", "2", "-m", "1024", "-nographic", "-no-reboot",
		"-kernel", im.kernel, "-initrd", im.initrd,
		"-append", "console=ttyAMA0 root=/dev/vda rw panic=-1 systemd.show_status=0",
		"-drive", "file=" + disk + ",format=raw,if=none,id=d0,cache=writeback",
		"-device", "virtio-blk-device,drive=d0",
		"-netdev", fmt.Sprintf("user,id=n0,hostfwd=tcp:127.0.0.1:%d-:8080,hostfwd=tcp:127.0.0.1:%d-:2222", robotPort, agentPort),
		"-device", "virtio-net-device,netdev=n0",
	}
	f, err := os.Create(console)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(testtool.Require(t, qemuSystem), args...)
	cmd.Stdout, cmd.Stderr, cmd.Stdin = f, f, nil
	m := &machine{t: t, cmd: cmd, exited: make(chan struct{}), console: console,
		robotURL: fmt.Sprintf("http://127.0.0.1:%d", robotPort), agentURL: fmt.Sprintf("http://127.0.0.1:%d", agentPort), bootStart: time.Now()}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { m.exitErr = cmd.Wait(); f.Close(); close(m.exited) }()
	t.Cleanup(func() {
		select {
		case <-m.exited:
		default:
			_ = cmd.Process.Kill()
			<-m.exited
		}
		if t.Failed() {
			m.logConsole(60)
		}
	})
	m.waitAgent(8 * time.Minute)
	t.Logf("booted to the agent in %s (host time)", time.Since(m.bootStart).Round(time.Second))
	return m
}

func (m *machine) logConsole(lines int) {
	b, _ := os.ReadFile(m.console)
	ls := strings.Split(string(b), "\n")
	if len(ls) > lines {
		ls = ls[len(ls)-lines:]
	}
	m.t.Logf("console %s (last %d lines):\n%s", m.console, len(ls), strings.Join(ls, "\n"))
}

func (m *machine) waitAgent(bound time.Duration) {
	m.t.Helper()
	deadline := time.Now().Add(bound)
	c := &http.Client{Timeout: 3 * time.Second}
	for {
		resp, err := c.Get(m.agentURL + "/ping")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-m.exited:
			m.logConsole(80)
			m.t.Fatalf("qemu ended before the guest answered: %v", m.exitErr)
		case <-time.After(time.Second):
		}
		if time.Now().After(deadline) {
			m.logConsole(80)
			m.t.Fatalf("guest agent not answering within %s: %v", bound, err)
		}
	}
}

// sh runs a shell command in the guest and returns its exit code and output.
func (m *machine) sh(cmdline string) (int, string) {
	m.t.Helper()
	c := &http.Client{Timeout: 6 * time.Minute}
	resp, err := c.Post(m.agentURL+"/exec?timeout=300", "text/plain", strings.NewReader(cmdline))
	if err != nil {
		m.t.Fatalf("guest %q: %v", cmdline, err)
	}
	defer resp.Body.Close()
	var r struct {
		Code int    `json:"code"`
		Out  string `json:"out"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 4<<20)).Decode(&r); err != nil {
		m.t.Fatalf("guest %q: %v", cmdline, err)
	}
	return r.Code, r.Out
}

// must runs cmdline in the guest and fails the test unless it exits 0.
func (m *machine) must(cmdline string) string {
	m.t.Helper()
	code, out := m.sh(cmdline)
	if code != 0 {
		m.t.Fatalf("guest %q: exit %d\n%s", cmdline, code, out)
	}
	return out
}

// poweroff shuts the guest down cleanly and waits for qemu to end.
func (m *machine) poweroff(bound time.Duration) {
	m.t.Helper()
	c := &http.Client{Timeout: 30 * time.Second}
	resp, err := c.Post(m.agentURL+"/exec", "text/plain", strings.NewReader("systemctl poweroff --no-block"))
	if err == nil {
		resp.Body.Close()
	}
	select {
	case <-m.exited:
	case <-time.After(bound):
		m.logConsole(60)
		m.t.Fatalf("guest not powered off within %s", bound)
	}
	if m.exitErr != nil {
		m.t.Fatalf("qemu after poweroff: %v", m.exitErr)
	}
}

// powerCut kills qemu with SIGKILL: the guest gets no warning at all.
func (m *machine) powerCut() {
	m.t.Helper()
	_ = m.cmd.Process.Signal(syscall.SIGKILL)
	<-m.exited
}

// robot is the robot's HTTP API through the port forward.
func (m *machine) robot(method, path, body string) (int, []byte) {
	m.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, m.robotURL+path, strings.NewReader(body))
	if err != nil {
		m.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	return resp.StatusCode, b
}

// waitRobot polls /api/status until the robot answers 200.
func (m *machine) waitRobot(bound time.Duration) status {
	m.t.Helper()
	deadline := time.Now().Add(bound)
	for {
		code, b := m.robot("GET", "/api/status", "")
		if code == http.StatusOK {
			var st status
			if err := json.Unmarshal(b, &st); err != nil {
				m.t.Fatalf("/api/status: %v: %s", err, b)
			}
			return st
		}
		if time.Now().After(deadline) {
			_, journal := m.sh("journalctl -u rosys --no-pager | tail -40")
			m.t.Fatalf("robot not answering within %s: %d %s\njournal:\n%s", bound, code, b, journal)
		}
		time.Sleep(time.Second)
	}
}

type status struct {
	State   string `json:"state"`
	Version struct {
		Running    string `json:"running"`
		RunningID  string `json:"running_id"`
		Previous   string `json:"previous"`
		PreviousID string `json:"previous_id"`
		LastUpdate *struct {
			Outcome string `json:"outcome"`
			To      string `json:"to"`
		} `json:"last_update"`
	} `json:"version"`
}

// modelValue reads the demo's "model" module through the API.
func (m *machine) modelValue() float64 {
	m.t.Helper()
	code, b := m.robot("GET", "/api/modules/model", "")
	if code != http.StatusOK {
		m.t.Fatalf("GET /api/modules/model: %d %s", code, b)
	}
	var r struct {
		Data struct {
			Value float64 `json:"value"`
		} `json:"data"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		m.t.Fatalf("GET /api/modules/model: %v: %s", err, b)
	}
	return r.Data.Value
}

// imageFile reads a file from the (stopped) disk image with debugfs.
func imageFile(t *testing.T, disk, path string) []byte {
	t.Helper()
	cmd := exec.Command(testtool.Require(t, debugfs), "-R", "cat "+path, disk)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("debugfs cat %s: %v: %s", path, err, errb.String())
	}
	return out.Bytes()
}

// imageDir lists the regular files' names of a directory in the image.
func imageDir(t *testing.T, disk, path string) []string {
	t.Helper()
	out, err := exec.Command(testtool.Require(t, debugfs), "-R", "ls -p "+path, disk).Output()
	if err != nil {
		t.Fatalf("debugfs ls %s: %v", path, err)
	}
	var names []string
	for _, line := range strings.Split(string(out), "\n") {
		// /inode/mode/uid/gid/name/size/
		f := strings.Split(line, "/")
		if len(f) >= 7 && strings.HasPrefix(f[2], "100") {
			names = append(names, f[5])
		}
	}
	return names
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	if b, err := exec.Command("cp", "--sparse=always", src, dst).CombinedOutput(); err != nil {
		t.Fatalf("cp %s %s: %v %s", src, dst, err, b)
	}
}

func writeFile(t *testing.T, path, text string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), mode); err != nil {
		t.Fatal(err)
	}
}
