package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorosys/rosys/internal/testexec"
	"github.com/gorosys/rosys/persistence/persistencetest"
)

var binary string // the real rosys binary, built once by TestMain

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(childMain())
	}
	flag.Parse()
	if testing.Short() {
		// The quick inner loop (make test-short): no binary is built and
		// every test that runs it skips (endToEnd).
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "rosys-e2e")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "rosys")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build rosys: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// endToEnd skips a test that builds on the real binary (or runs this test
// binary as rosys) under -short; make test runs it.
func endToEnd(t *testing.T) {
	t.Helper()
	if binary == "" {
		t.Skip("-short: runs the rosys binary (make test runs it)")
	}
}

// proc is a running rosys process whose JSON log lines are collected.
type proc struct {
	t    *testing.T
	cmd  *exec.Cmd
	addr string

	mu    sync.Mutex
	lines []map[string]any
	more  chan struct{} // closed and replaced on every new line
	done  chan struct{}
	err   error
}

func start(t *testing.T, cmd *exec.Cmd) *proc {
	t.Helper()
	p := &proc{t: t, cmd: cmd, more: make(chan struct{}), done: make(chan struct{})}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var line map[string]any
			if json.Unmarshal(sc.Bytes(), &line) != nil {
				line = map[string]any{"msg": sc.Text()}
			}
			p.mu.Lock()
			p.lines = append(p.lines, line)
			close(p.more)
			p.more = make(chan struct{})
			p.mu.Unlock()
		}
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
	})
	return p
}

// startRosys runs `rosys run` with args. The tests written against the
// demo's modules (model, waypoints) get them with a robot.yaml too
// (withDemo); startUserRobot runs a robot.yaml's robot as it is.
func startRosys(t *testing.T, args ...string) *proc {
	t.Helper()
	return startUserRobot(t, withDemo(args)...)
}

func startUserRobot(t *testing.T, args ...string) *proc {
	t.Helper()
	p := start(t, testexec.Command(binary, append([]string{"run", "--http", "127.0.0.1:0"}, args...)...))
	p.addr = p.waitLog("http listening")["addr"].(string)
	return p
}

// withDemo adds --demo to args naming a robot.yaml: without one, the robot
// is the demo anyway.
func withDemo(args []string) []string {
	if slices.Contains(args, "--config") && !slices.Contains(args, "--demo") {
		return append(slices.Clone(args), "--demo")
	}
	return args
}

// waitLog waits for a log line with message msg. The bound only turns a
// missing line into a failure; nothing waits on time for success.
func (p *proc) waitLog(msg string) map[string]any {
	p.t.Helper()
	timeout := time.After(30 * time.Second)
	for i := 0; ; {
		p.mu.Lock()
		for ; i < len(p.lines); i++ {
			if p.lines[i]["msg"] == msg {
				line := p.lines[i]
				p.mu.Unlock()
				return line
			}
		}
		more := p.more
		p.mu.Unlock()
		select {
		case <-more:
		case <-p.done:
			p.t.Fatalf("process ended without logging %q (%v); log:\n%s", msg, p.err, p.log())
		case <-timeout:
			p.t.Fatalf("no %q in the log:\n%s", msg, p.log())
		}
	}
}

func (p *proc) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b strings.Builder
	for _, l := range p.lines {
		fmt.Fprintln(&b, l)
	}
	return b.String()
}

// stop signals the process and returns its exit code and how long it took.
func (p *proc) stop(sig syscall.Signal) (int, time.Duration) {
	p.t.Helper()
	begin := time.Now()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.t.Fatal("process did not exit after the signal")
	}
	return p.cmd.ProcessState.ExitCode(), time.Since(begin)
}

func (p *proc) do(method, path, body string) (int, map[string]any) {
	p.t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), method, "http://"+p.addr+path, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return resp.StatusCode, out
}

func TestSignalFlushesAtOnce(t *testing.T) {
	endToEnd(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			p := startRosys(t, "--data-dir", dir)
			if code, body := p.do("PUT", "/api/modules/model", `{"value": 7.5}`); code != 200 {
				t.Fatalf("PUT: %d %v", code, body)
			}
			// Long before the 10 s backup cycle:
			code, took := p.stop(sig)
			if code != 0 || took > 2*time.Second {
				t.Fatalf("exit %d after %v; log:\n%s", code, took, p.log())
			}
			if v := persistencetest.StoredValue(t, dir, "model"); v != 7.5 {
				t.Fatalf("model.json holds %v", v)
			}
			t.Logf("%v to exit 0 with the value flushed", took)

			p2 := startRosys(t, "--data-dir", dir)
			_, body := p2.do("GET", "/api/modules/model", "")
			if v := body["data"].(map[string]any)["value"]; v != 7.5 {
				t.Fatalf("after restart: %v", body)
			}
			if code, _ := p2.stop(syscall.SIGTERM); code != 0 {
				t.Fatalf("second run exit %d", code)
			}
		})
	}
}

func TestAPIErrors(t *testing.T) {
	endToEnd(t)
	dir := t.TempDir()
	p := startRosys(t, "--data-dir", dir)
	for _, tc := range []struct {
		method, path, body string
		code               int
		want               string
	}{
		{"PUT", "/api/modules/model", `{"value": `, 400, "not JSON"},
		{"PUT", "/api/modules/model", `{"value": "high"}`, 400, "cannot unmarshal string"},
		{"PUT", "/api/modules/model", `{"valeu": 3}`, 400, `unknown field "valeu"`},
		{"PUT", "/api/modules/nope", `{}`, 404, "no module"},
		{"GET", "/api/modules/nope", ``, 404, "no module"},
		{"PUT", "/api/modules/model", `{"value": 1` + strings.Repeat(" ", 2<<20) + `}`, 413, "larger than"},
	} {
		code, body := p.do(tc.method, tc.path, tc.body)
		if code != tc.code || !strings.Contains(fmt.Sprint(body["error"]), tc.want) {
			t.Errorf("%s %s: %d %v, want %d with %q", tc.method, tc.path, code, body, tc.code, tc.want)
		}
	}
	_, body := p.do("GET", "/api/modules/model", "")
	if v := body["data"].(map[string]any)["value"]; v != 1.0 {
		t.Fatalf("bad requests changed the value: %v", body)
	}
	_, status := p.do("GET", "/api/status", "")
	if status["state"] != "running" || status["hardware"] == nil {
		t.Fatalf("status %v", status)
	}
}

func TestBadConfigExitsWithClearError(t *testing.T) {
	endToEnd(t)
	path := filepath.Join(t.TempDir(), "robot.yaml")
	os.WriteFile(path, []byte("name: x\ncontrol_perod: 10ms\n"), 0o644)
	p := start(t, testexec.Command(binary, "run", "--config", path))
	line := p.waitLog("bad configuration")
	<-p.done
	if code := p.cmd.ProcessState.ExitCode(); code != 2 || !strings.Contains(fmt.Sprint(line["error"]), "line 2: unknown key control_perod") {
		t.Fatalf("exit %d, %v", code, line)
	}
}

func TestHelpAndVersion(t *testing.T) {
	endToEnd(t)
	out, err := testexec.Command(binary, "--help").Output()
	if err != nil || !strings.Contains(string(out), "rosys run [--config robot.yaml]") {
		t.Fatalf("%v %s", err, out)
	}
	out, err = testexec.Command(binary, "version").Output()
	if err != nil || !strings.HasPrefix(string(out), "rosys ") {
		t.Fatalf("%v %s", err, out)
	}
	if err := testexec.Command(binary, "fly").Run(); err == nil {
		t.Fatal("unknown command accepted")
	}
}
