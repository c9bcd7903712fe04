package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorosys/rosys/drivers/gnss/gnsstest"
	"github.com/gorosys/rosys/drivers/ntrip/ntriptest"
	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/internal/testexec"
)

// TestNTRIPEndToEnd runs the real binary with hardware.gnss.ntrip against
// RTKLIB's caster: the corrections served reach the receiver's pty byte
// for byte, status and /metrics count them, and the password (from the
// environment) is nowhere: not in status, metrics, the log, the export
// or any file of the data directory.
func TestNTRIPEndToEnd(t *testing.T) {
	endToEnd(t)
	const user, pass, mount = "rover", "Zq8-never-stored-7Kp", "RTCM3"
	caster := ntriptest.StartStr2str(t, user, pass, mount)
	dir := t.TempDir()
	ref, _ := hardware.NewGeoReference(48.1173, 11.5167)
	link := filepath.Join(dir, "ttyGNSS0")
	rx, err := gnsstest.Start(gnsstest.Config{Link: link, Reference: ref, Period: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer rx.Close()
	cfg := filepath.Join(dir, "robot.yaml")
	yaml := "name: ntrip-e2e\nboard: auto\nhardware:\n  gnss:\n    port: " + link + "\n    ntrip: {host: 127.0.0.1, port: " +
		strconv.Itoa(caster.Port) + ", mountpoint: " + mount + ", user: " + user + ", password_env: TEST_NTRIP_PW, send_gga_interval: 1s}\n"
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	cmd := testexec.Command(binary, "run", "--http", "127.0.0.1:0", "--config", cfg, "--data-dir", data)
	cmd.Env = append(os.Environ(), "TEST_NTRIP_PW="+pass)
	p := start(t, cmd)
	p.addr = p.waitLog("http listening")["addr"].(string)
	p.waitLog("NTRIP stream open")
	p.waitLog("receiver port open")

	served, frames := ntriptest.Frames(0, 50)
	for i := 0; i < len(frames); i += 10 {
		if err := caster.Send(bytes.Join(frames[i:i+10], nil)); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.After(30 * time.Second)
	for !bytes.Equal(rx.Received(), served) {
		if got := rx.Received(); len(got) > len(served) || !bytes.Equal(got, served[:len(got)]) {
			t.Fatalf("the receiver got %d bytes that are not the %d served", len(got), len(served))
		}
		select {
		case <-rx.Got():
		case <-deadline:
			t.Fatalf("the receiver got %d of %d bytes", len(rx.Received()), len(served))
		}
	}
	_, status := p.do("GET", "/api/status", "")
	g := status["hardware"].(map[string]any)["drivers"].(map[string]any)["gnss"].(map[string]any)
	n := g["ntrip"].(map[string]any)
	if n["connected"] != true || n["messages"] != 50.0 || n["bytes"] != float64(len(served)) || n["bad_frames"] != 0.0 ||
		n["last_message_type"] != 1005.0 || n["caster"] != "127.0.0.1:"+strconv.Itoa(caster.Port)+"/"+mount ||
		g["correction_bytes"] != float64(len(served)) {
		t.Fatalf("status: gnss %v", g)
	}
	metrics := get(t, "http://"+p.addr+"/metrics")
	if !strings.Contains(metrics, `rosys_corrections_bytes_total{driver="ntrip"} `+strconv.Itoa(len(served))+"\n") ||
		!strings.Contains(metrics, `rosys_corrections_connected{driver="ntrip"} 1`) ||
		!strings.Contains(metrics, `rosys_sensor_age_seconds{driver="ntrip",sensor="rtcm"}`) {
		t.Fatalf("metrics lack the corrections:\n%s", grepLines(metrics, "ntrip"))
	}
	export := get(t, "http://"+p.addr+"/api/export")
	statusJSON, _ := json.Marshal(status)
	for what, s := range map[string]string{"status": string(statusJSON), "metrics": metrics, "export": export, "log": p.log()} {
		if strings.Contains(s, pass) {
			t.Errorf("the password is in the %s", what)
		}
	}
	if code, _ := p.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}
	_ = filepath.WalkDir(data, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, _ := os.ReadFile(path); bytes.Contains(b, []byte(pass)) {
				t.Errorf("the password is in %s", path)
			}
		}
		return nil
	})
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
