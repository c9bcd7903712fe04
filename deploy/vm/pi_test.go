package vm

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys/internal/testtool"
)

const token = "vm-test-token-0123456789"

// robotYAML is the robot the VM installs: the demo's modules (the "model"
// slider), simulated hardware, the API beyond loopback (for qemu's port
// forward) with a token, and no periodic backup within the test's time,
// so that a value PUT without ?sync=1 reaches the disk only through the
// final flush at SIGTERM.
const robotYAML = `name: pi-vm
demo: true
board: sim
control_period: 10ms
shutdown_timeout: 10s
http: 0.0.0.0:8080
http_token: ` + token + `
persistence:
  snapshot_interval: 1h
`

const helloUnit = `[Unit]
Description=trivial Go service (make test-pi's baseline for boot time)

[Service]
Type=notify
ExecStart=/usr/local/bin/hello

[Install]
WantedBy=multi-user.target
`

const agentUnit = `[Unit]
Description=make test-pi's command agent (test image only)

[Service]
ExecStart=/usr/local/sbin/vm-agent
Restart=always

[Install]
WantedBy=multi-user.target
`

// TestPi installs, updates, powers off and cuts the power of the robot in
// an arm64 Debian bookworm with systemd under qemu-system-aarch64 (make
// test-pi; deploy/vm/image.sh builds and caches the system). It needs
// root (debootstrap, binfmt_misc) and a few minutes.
func TestPi(t *testing.T) {
	if os.Getenv("ROSYS_TEST_PI") == "" {
		t.Skip("the arm64 VM test runs with make test-pi (ROSYS_TEST_PI=1)")
	}
	for _, tl := range []testtool.Tool{qemuSystem, qemuUser, debootstr, mkfs, debugfs, e2fsck, cpioTool, modprobe} {
		testtool.Require(t, tl)
	}
	if os.Geteuid() != 0 {
		testtool.Missing(t, "make test-pi needs root (debootstrap, chroot, binfmt_misc)")
	}
	start := time.Now()
	im := buildImage(t)

	// The binaries, cross-compiled as make cross does.
	work := t.TempDir()
	payload := filepath.Join(work, "root", "root", "vm")
	crossBuild(t, filepath.Join(payload, "rosys"), "github.com/gorosys/rosys/cmd/rosys", "-X main.version=vm-1")
	crossBuild(t, filepath.Join(payload, "rosys-good"), "github.com/gorosys/rosys/cmd/rosys", "-X main.version=vm-2")
	crossBuild(t, filepath.Join(payload, "broken-exit"), "./testprog", "-X main.mode=exit -X main.version=broken-exit")
	crossBuild(t, filepath.Join(payload, "broken-hang"), "./testprog", "-X main.mode=hang -X main.version=broken-hang")
	crossBuild(t, filepath.Join(work, "root", "usr/local/bin/hello"), "./testprog", "-X main.mode=hello")
	crossBuild(t, filepath.Join(work, "root", "usr/local/sbin/vm-agent"), "./agent", "")
	fi, err := os.Stat(filepath.Join(payload, "rosys"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("FIGURE cross-compiled rosys (linux/arm64, CGO_ENABLED=0, -s -w): %d bytes (%.1f MiB)", fi.Size(), float64(fi.Size())/(1<<20))
	t.Logf("binaries built at %s", time.Since(start).Round(time.Second))

	// The disk: the cached tree hard-linked (never written through: every
	// file added below is new), the test's files, mkfs.ext4 -d.
	stage := filepath.Join(work, "stage")
	if b, err := exec.Command("cp", "-al", im.rootfs, stage).CombinedOutput(); err != nil {
		t.Logf("cp -al (another file system?): %v %s; copying", err, b)
		os.RemoveAll(stage)
		if b, err := exec.Command("cp", "-a", im.rootfs, stage).CombinedOutput(); err != nil {
			t.Fatalf("cp -a: %v %s", err, b)
		}
	}
	writeFile(t, filepath.Join(payload, "robot.yaml"), robotYAML, 0o644)
	writeFile(t, filepath.Join(work, "root", "etc/systemd/system/hello.service"), helloUnit, 0o644)
	writeFile(t, filepath.Join(work, "root", "etc/systemd/system/vm-agent.service"), agentUnit, 0o644)
	if b, err := exec.Command("cp", "-a", filepath.Join(work, "root")+"/.", stage+"/").CombinedOutput(); err != nil {
		t.Fatalf("cp payload: %v %s", err, b)
	}
	for _, u := range []string{"hello.service", "vm-agent.service"} {
		if err := os.Symlink("/etc/systemd/system/"+u, filepath.Join(stage, "etc/systemd/system/multi-user.target.wants", u)); err != nil {
			t.Fatal(err)
		}
	}
	disk := filepath.Join(work, "disk.img")
	if b, err := exec.Command(testtool.Require(t, mkfs), "-q", "-F", "-L", "rosys-root", "-d", stage, disk, "1536M").CombinedOutput(); err != nil {
		t.Fatalf("mkfs.ext4 -d: %v %s", err, b)
	}
	consoleDir := os.Getenv("ROSYS_ARTIFACTS_DIR")
	if consoleDir == "" {
		consoleDir = work
	} else {
		consoleDir = filepath.Join(consoleDir, "test-pi")
		_ = os.MkdirAll(consoleDir, 0o755)
	}

	// Boot 1: install, a value PUT without sync, poweroff.
	m := boot(t, im, disk, filepath.Join(consoleDir, "console-1.log"))
	out := m.must("/root/vm/rosys install --binary /root/vm/rosys --config /root/vm/robot.yaml")
	t.Logf("install:\n%s", out)
	for _, want := range []string{"user robot created", "config /etc/rosys/robot.yaml written", "rosys.service enabled"} {
		if !strings.Contains(out, want) {
			t.Errorf("first install's output lacks %q", want)
		}
	}
	out = m.must("/usr/local/bin/rosys install --config /root/vm/robot.yaml")
	for _, want := range []string{"already current", "user robot exists", "unit /etc/systemd/system/rosys.service unchanged", "kept as it is"} {
		if !strings.Contains(out, want) {
			t.Errorf("second install's output lacks %q (not idempotent?):\n%s", want, out)
		}
	}
	unit := m.must("cat /etc/systemd/system/rosys.service")
	for _, want := range []string{"Type=notify", "WatchdogSec=", "TimeoutStopSec=", "SupplementaryGroups=dialout"} {
		if !strings.Contains(unit, want) {
			t.Errorf("installed unit lacks %q", want)
		}
	}
	if strings.Contains(unit, "gpio") {
		t.Errorf("installed unit names the gpio group, which Debian's VM lacks:\n%s", unit)
	}
	if id := m.must("id robot"); !strings.Contains(id, "(dialout)") {
		t.Errorf("robot user not in dialout: %s", id)
	}
	st := m.waitRobot(3 * time.Minute)
	if st.Version.Running != "vm-1" || !strings.HasPrefix(st.Version.RunningID, "vm-1-") {
		t.Fatalf("status version = %+v, want running vm-1", st.Version)
	}
	firstID := st.Version.RunningID
	if code, b := m.robot("PUT", "/api/modules/model", `{"value": 1.25}`); code != 200 {
		t.Fatalf("PUT model: %d %s", code, b)
	}
	m.poweroff(3 * time.Minute)
	var onDisk struct {
		Format string `json:"format"`
		Data   struct {
			Value float64 `json:"value"`
		} `json:"data"`
	}
	if err := json.Unmarshal(imageFile(t, disk, "/var/lib/rosys/model.json"), &onDisk); err != nil || onDisk.Data.Value != 1.25 {
		t.Fatalf("after poweroff the image's model.json holds %+v (%v), want value 1.25 from the final flush", onDisk, err)
	}
	t.Logf("after systemctl poweroff: model.json on the image holds 1.25 (flushed at SIGTERM)")

	// Boot 2: the value came back; a committed value, then a power cut.
	m = boot(t, im, disk, filepath.Join(consoleDir, "console-2.log"))
	m.waitRobot(3 * time.Minute)
	bootFigures(t, m, "boot 2")
	if v := m.modelValue(); v != 1.25 {
		t.Fatalf("after reboot model = %v, want 1.25", v)
	}
	if code, b := m.robot("PUT", "/api/modules/model?sync=1", `{"value": 2.5}`); code != 200 {
		t.Fatalf("PUT model ?sync=1: %d %s", code, b)
	}
	m.powerCut()
	checkCutImage(t, disk, work, 2.5)

	// Boot 3: the committed value after the cut; watchdog; updates.
	m = boot(t, im, disk, filepath.Join(consoleDir, "console-3.log"))
	m.waitRobot(3 * time.Minute)
	bootFigures(t, m, "boot 3")
	if v := m.modelValue(); v != 2.5 {
		t.Fatalf("after the power cut and a new boot model = %v, want the committed 2.5", v)
	}
	watchdog(t, m)

	for _, bad := range []string{"broken-exit", "broken-hang"} {
		code, out := m.sh("/usr/local/bin/rosys update --timeout 45s /root/vm/" + bad)
		t.Logf("update to %s: exit %d\n%s", bad, code, out)
		if code != 3 {
			t.Fatalf("update to %s: exit %d, want 3 (rolled back)", bad, code)
		}
		st := m.waitRobot(2 * time.Minute)
		if st.Version.RunningID != firstID || st.Version.LastUpdate == nil || st.Version.LastUpdate.Outcome != "rolled back" ||
			!strings.HasPrefix(st.Version.LastUpdate.To, bad) {
			t.Fatalf("after the update to %s: version %+v, want %s running and the update rolled back", bad, st.Version, firstID)
		}
		if cur := strings.TrimSpace(m.must("readlink /opt/rosys/current")); cur != "versions/"+firstID {
			t.Fatalf("current -> %s after the rollback, want versions/%s", cur, firstID)
		}
		if v := m.modelValue(); v != 2.5 {
			t.Fatalf("after the rolled back update to %s model = %v, want 2.5", bad, v)
		}
	}

	code, out := m.sh("/usr/local/bin/rosys update /root/vm/rosys-good")
	t.Logf("update to vm-2: exit %d\n%s", code, out)
	if code != 0 {
		t.Fatalf("good update: exit %d", code)
	}
	st = m.waitRobot(2 * time.Minute)
	if st.Version.Running != "vm-2" || st.Version.PreviousID != firstID || st.Version.Previous != "vm-1" || st.Version.LastUpdate.Outcome != "kept" {
		t.Fatalf("after the good update: version %+v, want vm-2 running, vm-1 previous, kept", st.Version)
	}
	if v := m.modelValue(); v != 2.5 {
		t.Fatalf("after the good update model = %v, want 2.5", v)
	}
	if out := m.must("rosys version"); !strings.Contains(out, "rosys vm-2") || !strings.Contains(out, "previous: "+firstID+" (vm-1)") {
		t.Fatalf("rosys version after the update:\n%s", out)
	}
	if n := m.must("ls /opt/rosys/backups | grep -c '^pre-update-.*tar.gz$'"); strings.TrimSpace(n) != "3" {
		t.Errorf("want an export before each of the 3 updates, have %s", n)
	}
	code, out = m.sh("/usr/local/bin/rosys rollback")
	t.Logf("rollback: exit %d\n%s", code, out)
	if code != 0 {
		t.Fatalf("rollback: exit %d", code)
	}
	if st := m.waitRobot(2 * time.Minute); st.Version.RunningID != firstID || st.Version.Previous != "vm-2" {
		t.Fatalf("after rollback: version %+v, want %s running, vm-2 previous", st.Version, firstID)
	}
	m.poweroff(3 * time.Minute)
	t.Logf("make test-pi took %s", time.Since(start).Round(time.Second))
}

// checkCutImage checks the image after a power cut, on a copy: e2fsck
// replays the journal, then a second e2fsck must find nothing to fix
// (nothing torn), every module file must parse, and model must hold want.
func checkCutImage(t *testing.T, disk, work string, want float64) {
	t.Helper()
	cp := filepath.Join(work, "cut.img")
	copyFile(t, disk, cp)
	fsck := testtool.Require(t, e2fsck)
	b, err := exec.Command(fsck, "-fy", cp).CombinedOutput()
	t.Logf("e2fsck -fy after the cut (journal replay): %v\n%s", err, b)
	if b, err := exec.Command(fsck, "-fn", cp).CombinedOutput(); err != nil {
		t.Fatalf("e2fsck -fn after the replay: %v (the file system is torn)\n%s", err, b)
	}
	files := imageDir(t, cp, "/var/lib/rosys")
	parsed := 0
	for _, name := range files {
		if !strings.HasSuffix(name, ".json") {
			continue
		}
		var v struct {
			Format string          `json:"format"`
			Data   json.RawMessage `json:"data"`
		}
		raw := imageFile(t, cp, "/var/lib/rosys/"+name)
		if err := json.Unmarshal(raw, &v); err != nil || v.Format == "" || len(v.Data) == 0 {
			t.Errorf("after the power cut /var/lib/rosys/%s does not parse as a module file: %v: %q", name, err, raw)
		}
		parsed++
	}
	if parsed < 3 {
		t.Fatalf("only %d module files in /var/lib/rosys after the cut: %v", parsed, files)
	}
	var m struct {
		Data struct {
			Value float64 `json:"value"`
		} `json:"data"`
	}
	if err := json.Unmarshal(imageFile(t, cp, "/var/lib/rosys/model.json"), &m); err != nil || m.Data.Value != want {
		t.Fatalf("after the power cut model.json holds %v (%v), want the committed %v", m.Data.Value, err, want)
	}
	t.Logf("after kill -9 of qemu: file system clean after journal replay, %d module files parse, model = %v", parsed, want)
}

// watchdog stops the control loop's process with SIGSTOP: systemd's
// watchdog must restart the service.
func watchdog(t *testing.T, m *machine) {
	t.Helper()
	show := func() (pid, restarts int) {
		out := m.must("systemctl show -p MainPID -p NRestarts rosys")
		for _, line := range strings.Split(out, "\n") {
			k, v, _ := strings.Cut(line, "=")
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			switch k {
			case "MainPID":
				pid = n
			case "NRestarts":
				restarts = n
			}
		}
		return
	}
	pid, restarts := show()
	if pid == 0 {
		t.Fatal("rosys has no main PID")
	}
	m.must(fmt.Sprintf("kill -STOP %d", pid))
	stopped := time.Now()
	deadline := stopped.Add(3 * time.Minute)
	for {
		p, r := show()
		if r > restarts && p != 0 && p != pid && strings.TrimSpace(m.must("systemctl is-active rosys || true")) == "active" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no watchdog restart within 3 min of SIGSTOP (pid %d, restarts %d)", p, r)
		}
		time.Sleep(time.Second)
	}
	t.Logf("SIGSTOP of the robot: restarted by the watchdog after %s", time.Since(stopped).Round(time.Second))
	if j := m.must("journalctl -u rosys --no-pager | grep -ci 'watchdog timeout' || true"); strings.TrimSpace(j) == "0" {
		t.Errorf("journal does not say the watchdog fired")
	}
	m.waitRobot(2 * time.Minute)
	if v := m.modelValue(); v != 2.5 {
		t.Fatalf("after the watchdog restart model = %v, want 2.5", v)
	}
}

// bootFigures logs boot to the robot's first control tick (READY=1 is
// sent as the control loop starts) against a trivial Go service's READY
// in the same boot, from systemd's monotonic timestamps (microseconds
// since the kernel started).
func bootFigures(t *testing.T, m *machine, which string) {
	t.Helper()
	ts := func(unit, prop string) float64 {
		out := strings.TrimSpace(m.must("systemctl show -p " + prop + " --value " + unit))
		n, err := strconv.ParseFloat(out, 64)
		if err != nil || n == 0 {
			t.Fatalf("%s %s = %q", unit, prop, out)
		}
		return n / 1e6
	}
	for i := 0; ; i++ { // hello may still be starting
		if strings.TrimSpace(m.must("systemctl is-active hello || true")) == "active" {
			break
		}
		if i > 120 {
			t.Fatal("hello.service never became active")
		}
		time.Sleep(time.Second)
	}
	robotReady, helloReady := ts("rosys", "ActiveEnterTimestampMonotonic"), ts("hello", "ActiveEnterTimestampMonotonic")
	robotExec, helloExec := ts("rosys", "ExecMainStartTimestampMonotonic"), ts("hello", "ExecMainStartTimestampMonotonic")
	_, analyze := m.sh("systemd-analyze 2>&1 | head -1")
	t.Logf("FIGURE %s: kernel start to READY (first control tick): robot %.2f s, trivial Go service %.2f s, ratio %.2f; exec to READY: robot %.2f s, trivial %.2f s; %s",
		which, robotReady, helloReady, robotReady/helloReady, robotReady-robotExec, helloReady-helloExec, strings.TrimSpace(analyze))
	if math.IsNaN(robotReady / helloReady) {
		t.Fatal("no figures")
	}
}
