package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorosys/rosys/internal/testexec"
	"github.com/gorosys/rosys/internal/testtool"
	"github.com/gorosys/rosys/persistence/persistencetest"
)

// rosysLimited runs the real binary under prlimit (address space, open
// files) when prlimit is there and the tests run natively.
func rosysLimited(t *testing.T, limits []string, args ...string) *exec.Cmd {
	t.Helper()
	full := append([]string{"run", "--http", "127.0.0.1:0"}, withDemo(args)...)
	prlimit, err := exec.LookPath("prlimit")
	if err != nil || len(limits) == 0 || os.Getenv(testexec.EnvWrapper) != "" {
		return testexec.Command(binary, full...)
	}
	return exec.Command(prlimit, append(append(limits, "--", binary), full...)...)
}

func startLimited(t *testing.T, limits []string, args ...string) *proc {
	t.Helper()
	p := start(t, rosysLimited(t, limits, args...))
	p.addr = p.waitLog("http listening")["addr"].(string)
	return p
}

// logHas reports whether any log line's message or error contains s.
func (p *proc) logHas(s string) bool {
	return strings.Contains(p.log(), s)
}

// Issue 12, classes 1-3 against the real binary: whatever lies in the data
// directory, the robot starts (the API answers), reports the bad file in
// the module's status, keeps it aside, and stops with exit 0 at once. The
// process runs with a 2 GiB address-space limit, under which a 4 GiB
// module file read into memory is fatal.
func TestHostileDataDirRealBinary(t *testing.T) {
	endToEnd(t)
	fifo := func(p string) error { return syscall.Mkfifo(p, 0o644) }
	link := func(target string) func(string) error { return func(p string) error { return os.Symlink(target, p) } }
	loop := func(p string) error {
		if err := os.Symlink(p, p+".loop"); err != nil {
			return err
		}
		return os.Symlink(p+".loop", p)
	}
	sock := func(p string) error {
		ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: p, Net: "unix"})
		if err != nil {
			return err
		}
		ln.SetUnlinkOnClose(false)
		return ln.Close()
	}
	device := func(p string) error { return syscall.Mknod(p, syscall.S_IFCHR|0o644, 1<<8|5) } // like /dev/zero
	sparse := func(size int64) func(string) error {
		return func(p string) error {
			f, err := os.Create(p)
			if err != nil {
				return err
			}
			defer f.Close()
			return f.Truncate(size)
		}
	}
	content := func(s string) func(string) error {
		return func(p string) error { return os.WriteFile(p, []byte(s), 0o644) }
	}
	for _, tc := range []struct {
		name, file string
		make       func(string) error
		module     string // whose status must show the error
		want       string
	}{
		{"fifo", "model.json", fifo, "model", "named pipe"},
		{"symlink to /dev/zero", "model.json", link("/dev/zero"), "model", "not a regular file"},
		{"symlink loop", "model.json", loop, "model", "not a regular file"},
		{"socket", "model.json", sock, "model", "not a regular file"},
		{"zero device node", "model.json", device, "model", "is a device"},
		{"sparse 4 GiB", "model.json", sparse(4 << 30), "model", "file larger than allowed"},
		{"fifo as previous generation", "model.json.prev", fifo, "model", "named pipe"},
		{"newer envelope format", "model.json", content(`{"format":"rosys-go/2","key":"model","schema_version":1,"data":{"value":9}}`), "model", "format this program does not know"},
		{"envelope of an unknown format", "model.json", content(`{"format":"x/1","key":"model","schema_version":1,"data":{"value":9}}`), "model", "format this program does not know"},
		{"settings out of range", "driving_parameters.json", content(`{"linear_speed_limit":-1}`), "driving_parameters", "linear_speed_limit -1 is out of range"},
		{"absurd speed", "driving_parameters.json", content(`{"linear_speed_limit":1e308}`), "driving_parameters", "linear_speed_limit 1e+308 is out of range"},
		{"fifo as lock", ".lock", fifo, "", ""},
		{"symlink to /dev/zero as lock", ".lock", link("/dev/zero"), "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, tc.file)
			if err := tc.make(path); err != nil {
				t.Skipf("cannot make it here: %v", err)
			}
			var original []byte
			if fi, err := os.Lstat(path); err == nil && fi.Mode().IsRegular() && fi.Size() < 1<<20 {
				original, _ = os.ReadFile(path)
			}
			p := startLimited(t, []string{"--as=2147483648"}, "--data-dir", dir)
			if tc.module != "" {
				code, body := p.do("GET", "/api/modules/"+tc.module, "")
				st, _ := body["status"].(map[string]any)
				if code != 200 || !strings.Contains(fmt.Sprint(st["restore_error"]), tc.want) || st["moved_aside"] == nil {
					t.Fatalf("%d %v, want a restore error with %q and the file moved aside", code, body, tc.want)
				}
				aside := st["moved_aside"].([]any)[0].(string)
				if fi, err := os.Lstat(aside); err != nil || !strings.HasPrefix(aside, path+".corrupt-") {
					t.Fatalf("kept aside as %s: %v %v", aside, fi, err)
				}
				if fi, _ := os.Lstat(aside); fi.Mode().IsRegular() && fi.Size() < 1<<20 {
					if b, _ := os.ReadFile(aside); string(b) != string(original) {
						t.Fatalf("the file kept aside changed: %s", b)
					}
				}
			} else if fi, err := os.Lstat(path); err != nil || !fi.Mode().IsRegular() {
				t.Fatalf("%s after start: %v %v", tc.file, fi, err)
			}
			code, took := p.stop(syscall.SIGTERM)
			if code != 0 || took > 5*time.Second {
				t.Fatalf("exit %d after %v; log:\n%s", code, took, p.log())
			}
			if p.logHas("final flush failed") {
				t.Fatalf("final flush failed; log:\n%s", p.log())
			}
		})
	}
}

// persistence.max_file_bytes in robot.yaml bounds module files.
func TestMaxFileBytesFromConfig(t *testing.T) {
	endToEnd(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "model.json"), []byte(`{"value": 3, "pad": "`+strings.Repeat("x", 5000)+`"}`), 0o644)
	cfg := filepath.Join(t.TempDir(), "robot.yaml")
	// 4 KiB is the floor of max_file_bytes (config/bounds.go).
	os.WriteFile(cfg, []byte("name: demo\npersistence:\n  max_file_bytes: 4KiB\n  snapshot_interval: 0s\n"), 0o644)
	p := startRosys(t, "--config", cfg, "--data-dir", dir)
	_, body := p.do("GET", "/api/modules/model", "")
	st := body["status"].(map[string]any)
	if !strings.Contains(fmt.Sprint(st["restore_error"]), "the limit is 4096") {
		t.Fatalf("status %v", st)
	}
	running := p.waitLog("running")
	if running["backup_interval"] != "0s (commit at once)" {
		t.Fatalf("running: %v", running)
	}
	p.stop(syscall.SIGTERM)
}

// Issue 12, class 4 against the real binary: slow clients holding
// connections (bodies trickled a byte at a time, imports announced and
// never sent) cannot take the descriptors the robot needs. The process
// runs with only 96 descriptors: the connection pool closes the oldest
// unidentified connections with a 503 to make room, the API keeps answering, and the shutdown takes its usual time,
// flushes, and logs no false error.
func TestSlowClientsRealBinary(t *testing.T) {
	endToEnd(t)
	if os.Getenv(testexec.EnvWrapper) != "" {
		t.Skip("prlimit limits the emulator, not the binary: natively only")
	}
	testtool.Require(t, testtool.Prlimit)
	dir := t.TempDir()
	p := startLimited(t, []string{"--nofile=96:96"}, "--data-dir", dir)
	if code, body := p.do("PUT", "/api/modules/model", `{"value": 5}`); code != 200 {
		t.Fatalf("%d %v", code, body)
	}
	requests := []string{
		"PUT /api/modules/model HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\n{",
		"POST /api/import HTTP/1.1\r\nHost: localhost\r\nContent-Length: 60000000\r\n\r\n{",
		"GET /api/status HTTP/1.1\r\nHost: local", // headers never end
	}
	var conns []net.Conn
	refused := 0
	for i := range 150 {
		c, err := net.Dial("tcp", p.addr)
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		conns = append(conns, c)
		fmt.Fprint(c, requests[i%len(requests)])
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	// Connections beyond the bound are answered 503 and closed.
	for _, c := range conns {
		c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		line, err := bufio.NewReader(c).ReadString('\n')
		if err == nil && strings.Contains(line, " 503 ") {
			refused++
		}
	}
	if refused == 0 || !p.logHas("connection limit reached") {
		t.Fatalf("no connection refused by the cap (%d); log:\n%s", refused, p.log())
	}
	// The API answers (200, or 503 with a reason while every slot is
	// taken), never hangs.
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get("http://" + p.addr + "/api/status")
	if err != nil {
		t.Fatalf("the API hung under slow clients: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 && resp.StatusCode != 503 {
		t.Fatalf("status: %d", resp.StatusCode)
	}
	code, took := p.stop(syscall.SIGTERM)
	if code != 0 || took > 5*time.Second {
		t.Fatalf("exit %d after %v under slow clients; log:\n%s", code, took, p.log())
	}
	for _, bad := range []string{"too many open files", "gave up", "final flush failed", "stop failed"} {
		if p.logHas(bad) {
			t.Fatalf("log has %q:\n%s", bad, p.log())
		}
	}
	if v := persistencetest.StoredValue(t, dir, "model"); v != 5 {
		t.Fatalf("model.json holds %v after the final flush", v)
	}
	t.Logf("%d of %d slow connections refused by the cap; shutdown took %v", refused, len(conns), took)
}

// Issue 12, class 5 against the real binary.
func TestHostAndTokenRulesRealBinary(t *testing.T) {
	endToEnd(t)
	p := startRosys(t, "--data-dir", t.TempDir())
	port := p.addr[strings.LastIndex(p.addr, ":")+1:]
	for host, want := range map[string]int{
		"evil.example:" + port:     403,
		"rebind.evil.example":      403,
		"localhost:" + port:        200,
		"127.0.0.1:" + port:        200,
		"[::1]:" + port:            200,
		"127.0.0.1.nip.io:" + port: 403,
	} {
		for _, method := range []string{"GET", "PUT"} {
			req, _ := http.NewRequest(method, "http://"+p.addr+"/api/modules/model", strings.NewReader(`{"value": 2}`))
			req.Host = host
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != want {
				t.Errorf("%s with Host %s: %d, want %d", method, host, resp.StatusCode, want)
			}
		}
	}
	p.stop(syscall.SIGTERM)

	cfg := filepath.Join(t.TempDir(), "robot.yaml")
	os.WriteFile(cfg, []byte("name: demo\nhttp_token: s3cret-s3cret-s3cret\n"), 0o644)
	p2 := startRosys(t, "--config", cfg, "--data-dir", t.TempDir())
	for path, want := range map[string]int{
		"/api/status?token=s3cret-s3cret-s3cret":        401,
		"/api/modules/model?token=s3cret-s3cret-s3cret": 401,
		"/api/export?token=s3cret-s3cret-s3cret":        200,
	} {
		if code, _ := p2.do("GET", path, ""); code != want {
			t.Errorf("GET %s: %d, want %d", path, code, want)
		}
	}
	if code, _ := p2.do("PUT", "/api/modules/model?token=s3cret-s3cret-s3cret", `{"value": 3}`); code != 401 {
		t.Errorf("PUT with ?token=: %d", code)
	}
	p2.stop(syscall.SIGTERM)
}

// Issue 12, class 6, 8 and the smaller items against the real binary.
func TestImportAndPutRulesRealBinary(t *testing.T) {
	endToEnd(t)
	dir := t.TempDir()
	p := startRosys(t, "--data-dir", dir)
	// An upload announced over the limit: 413 before a byte of it is sent.
	c, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "POST /api/import HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n\r\n", 65<<20)
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil || resp.StatusCode != 413 {
		t.Fatalf("announced oversized import: %v %v", resp, err)
	}
	c.Close()
	for _, tc := range []struct {
		method, path, body string
		code               int
		want               string
	}{
		{"PUT", "/api/modules/model", `null`, 400, "null"},
		{"PUT", "/api/modules/model", `{"value": 1, "value": 9}`, 400, `key "value" appears twice`},
		{"PUT", "/api/modules/driving_parameters", `{"linear_speed_limit": -2}`, 400, "linear_speed_limit -2 is out of range"},
		{"PUT", "/api/modules/driving_parameters", `{"linear_speed_limit": 1e308}`, 400, "linear_speed_limit 1e+308 is out of range"},
		{"PUT", "/api/modules/driving_parameters", `{"angular_speed_limit": 0}`, 400, "angular_speed_limit 0 is out of range"},
		{"PUT", "/api/modules/waypoints", `{"points": [{"x": 1, "y": 1e300}]}`, 400, "points[0]"},
		{"POST", "/api/import", `{"driving_parameters": {"linear_speed_limit": -1}}`, 400, "linear_speed_limit -1 is out of range"},
		{"POST", "/api/import", `{"model": "not an object"}`, 400, "nothing"},
		{"POST", "/api/import", `{"format":"rosys-go/1","key":"model","schema_version":1,"data":{"value":9}}`, 400, "a rosys-go file"},
	} {
		code, body := p.do(tc.method, tc.path, tc.body)
		if code != tc.code || !strings.Contains(fmt.Sprint(body["error"]), tc.want) {
			t.Errorf("%s %s %s: %d %v, want %d with %q", tc.method, tc.path, tc.body, code, body, tc.code, tc.want)
		}
	}
	// Twelve failed imports, then one of the state already held: no
	// rollback archive. A real change: one.
	for range 12 {
		p.do("POST", "/api/import", `{"driving_parameters": {"linear_speed_limit": -1}}`)
	}
	_, cur := p.do("GET", "/api/modules/model", "")
	if code, body := p.do("POST", "/api/import", `{"model": {"value": 1}}`); code != 200 || body["rollback"] != "" {
		t.Fatalf("unchanged import: %d %v (model %v)", code, body, cur)
	}
	if names, _ := filepath.Glob(filepath.Join(dir, "rollback", "*.tar.gz")); len(names) != 0 {
		t.Fatalf("rollback archives after failed and unchanged imports: %v", names)
	}
	if code, body := p.do("POST", "/api/import", `{"model": {"value": 4}}`); code != 200 || body["rollback"] == "" {
		t.Fatalf("import: %d %v", code, body)
	}
	if names, _ := filepath.Glob(filepath.Join(dir, "rollback", "*.tar.gz")); len(names) != 1 {
		t.Fatalf("rollback archives: %v", names)
	}
	p.stop(syscall.SIGTERM)
}
