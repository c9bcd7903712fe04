package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// build compiles pkg (relative to the module in dir) into bin and returns
// the binary's path.
func build(bin, name, dir, pkg string, env ...string) (string, error) {
	out := filepath.Join(bin, name)
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", out, pkg)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
	}
	return out, nil
}

// buildRobots builds the processes the scale and process sections start,
// into the run's bin directory (returned, for more builds): bench/benchrobot
// (the runtime and store as cmd/rosys runs them) and bench/hello (a bare
// static Go binary, the floor for a process start).
func (b *bench) buildRobots() (bin, robot, hello string, err error) {
	bin = filepath.Join(b.root, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return "", "", "", err
	}
	if robot, err = build(bin, "benchrobot", ".", "./benchrobot"); err != nil {
		return "", "", "", err
	}
	if hello, err = build(bin, "hello", ".", "./hello"); err != nil {
		return "", "", "", err
	}
	return bin, robot, hello, nil
}

// proc is a started process whose stdout lines can be awaited.
type proc struct {
	cmd   *exec.Cmd
	lines chan string
	start time.Time
}

func startProc(bin string, args ...string) (*proc, error) {
	cmd := exec.Command(bin, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	p := &proc{cmd: cmd, lines: make(chan string, 16)}
	p.start = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
	}()
	return p, nil
}

// await waits for a line and returns the time since the process started.
func (p *proc) await(line string) (time.Duration, error) {
	_, d, err := p.awaitMatch(line, func(l string) bool { return l == line })
	return d, err
}

// awaitPrefix waits for a line that starts with prefix and returns it.
func (p *proc) awaitPrefix(prefix string) (string, error) {
	l, _, err := p.awaitMatch(prefix+"…", func(l string) bool { return strings.HasPrefix(l, prefix) })
	return l, err
}

func (p *proc) awaitMatch(line string, match func(string) bool) (string, time.Duration, error) {
	timeout := time.After(2 * time.Minute)
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				return "", 0, fmt.Errorf("%s exited before printing %s", p.cmd.Path, line)
			}
			if match(l) {
				return l, time.Since(p.start), nil
			}
		case <-timeout:
			p.cmd.Process.Kill()
			return "", 0, fmt.Errorf("%s did not print %s", p.cmd.Path, line)
		}
	}
}

// term sends SIGTERM and returns the time until the process has exited.
func (p *proc) term() (time.Duration, error) {
	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return 0, err
	}
	err := p.cmd.Wait()
	d := time.Since(start)
	if err != nil {
		return d, fmt.Errorf("%s: %v", p.cmd.Path, err)
	}
	for range p.lines {
	}
	return d, nil
}

// startup times process start to READY for robot with modules files to
// restore (written by a first run), and the same for the bare binary.
func startup(robot, hello, root string, modules, reps int) (rosys, bare time.Duration, err error) {
	data, err := os.MkdirTemp(root, "startup-")
	if err != nil {
		return 0, 0, err
	}
	defer os.RemoveAll(data)
	p, err := startProc(robot, "-data", data, "-modules", strconv.Itoa(modules), "-mark")
	if err != nil {
		return 0, 0, err
	}
	if _, err := p.await("MARKED"); err != nil {
		return 0, 0, err
	}
	if _, err := p.term(); err != nil { // writes every module
		return 0, 0, err
	}
	if n, _ := filepath.Glob(filepath.Join(data, "m*.json")); len(n) != modules {
		return 0, 0, fmt.Errorf("first run left %d module files, want %d", len(n), modules)
	}
	var rs, bs []time.Duration
	for range reps {
		p, err := startProc(robot, "-data", data, "-modules", strconv.Itoa(modules))
		if err != nil {
			return 0, 0, err
		}
		d, err := p.await("READY")
		if err != nil {
			return 0, 0, err
		}
		rs = append(rs, d)
		if _, err := p.term(); err != nil {
			return 0, 0, err
		}
		h, err := startProc(hello)
		if err != nil {
			return 0, 0, err
		}
		if d, err = h.await("READY"); err != nil {
			return 0, 0, err
		}
		bs = append(bs, d)
		h.term()
	}
	return median(rs), median(bs), nil
}

// shutdown times SIGTERM to exit with modules of size bytes all marked,
// and the raw durable write of the same files.
func shutdown(robot, root string, modules, size, reps int) (term, raw time.Duration, fileBytes int, err error) {
	var ts, rs []time.Duration
	for range reps {
		data, err := os.MkdirTemp(root, "shutdown-")
		if err != nil {
			return 0, 0, 0, err
		}
		p, err := startProc(robot, "-data", data, "-modules", strconv.Itoa(modules), "-size", strconv.Itoa(size), "-mark")
		if err != nil {
			return 0, 0, 0, err
		}
		if _, err := p.await("MARKED"); err != nil {
			return 0, 0, 0, err
		}
		d, err := p.term()
		if err != nil {
			return 0, 0, 0, err
		}
		ts = append(ts, d)
		info, err := os.Stat(filepath.Join(data, "m00000.json"))
		if err != nil {
			return 0, 0, 0, fmt.Errorf("shutdown did not write the modules: %v", err)
		}
		fileBytes = int(info.Size())
		rawDir := filepath.Join(data, "raw")
		os.Mkdir(rawDir, 0o755)
		r, err := rawDurable(rawDir, modules, []byte(strings.Repeat("x", fileBytes)), storeWriters)
		if err != nil {
			return 0, 0, 0, err
		}
		rs = append(rs, r)
		os.RemoveAll(data)
	}
	return median(ts), median(rs), fileBytes, nil
}

type footprint struct {
	rssKiB     int
	cpuPercent float64
	wall       time.Duration
}

// demoFootprint runs the real rosys binary's demo robot (simulated
// hardware, 100 Hz, HTTP on) for d and reads its RSS and CPU time.
func demoFootprint(rosysBin, root string, d time.Duration) (footprint, error) {
	var f footprint
	data, err := os.MkdirTemp(root, "demo-")
	if err != nil {
		return f, err
	}
	defer os.RemoveAll(data)
	cmd := exec.Command(rosysBin, "run", "--sim", "--data-dir", data, "--http", "127.0.0.1:0", "--log-level", "warn")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return f, err
	}
	defer func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }()
	time.Sleep(d) // the measurement window
	f.wall = time.Since(start)
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
	if err != nil {
		return f, fmt.Errorf("the demo robot is not running: %v", err)
	}
	for _, l := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			f.rssKiB, _ = strconv.Atoi(strings.Fields(v)[0])
		}
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", cmd.Process.Pid))
	if err != nil {
		return f, err
	}
	// Fields after the command name (which may hold spaces): utime and
	// stime are the 12th and 13th, in clock ticks of 1/100 s on Linux.
	rest := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+2:]))
	ut, _ := strconv.Atoi(rest[11])
	st, _ := strconv.Atoi(rest[12])
	f.cpuPercent = float64(ut+st) / 100 / f.wall.Seconds() * 100
	return f, nil
}

func fileSize(p string) int64 {
	info, err := os.Stat(p)
	if err != nil {
		return 0
	}
	return info.Size()
}
