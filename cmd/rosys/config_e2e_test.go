package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/gorosys/rosys/internal/testexec"
	"github.com/gorosys/rosys/persistence/persistencetest"
)

// Issue 21.8 against the real binary: robot.yaml values that type
// correctly but make no sense stop `rosys run` with exit 2, naming the key
// and its line; nothing starts. (config's TestHostileConfigsNameKeyAndLine
// tries many more variants on the parser itself.)
func TestHostileConfigsRealBinary(t *testing.T) {
	endToEnd(t)
	dir := t.TempDir()
	huge := filepath.Join(dir, "huge.yaml")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("name: demo\n")
	f.Truncate(70 << 20) // sparse: 70 MB announced, nothing to read
	f.Close()
	for _, tc := range []struct {
		name, yaml, path string
		env              []string
		want             string
	}{
		{name: "control period 1ns", yaml: "name: demo\ncontrol_period: 1ns\n", want: "line 2: control_period: 1ns is out of range"},
		{name: "control period 100000h", yaml: "name: demo\ncontrol_period: 100000h\n", want: "line 2: control_period: 100000h is out of range"},
		{name: "segment 0", yaml: "name: demo\npersistence:\n  journal:\n    segment_bytes: 0\n", want: "line 4: persistence.journal.segment_bytes: 0 is out of range"},
		{name: "journal max -1", yaml: "name: demo\npersistence:\n  journal: {max_bytes: -1}\n", want: "line 3: persistence.journal.max_bytes: -1 is out of range"},
		{name: "max file 1", yaml: "name: demo\npersistence:\n  max_file_bytes: 1\n", want: "line 3: persistence.max_file_bytes: 1 is out of range 4KiB to 1GiB"},
		{name: "max file 64", yaml: "name: demo\npersistence:\n  max_file_bytes: 64\n", want: "write 64MiB for mebibytes"},
		{name: "blank token", yaml: "name: demo\nhttp_token: \" \"\n", want: "line 2: http_token: has a blank"},
		{name: "short token", yaml: "name: demo\nhttp_token: abc\n", want: "line 2: http_token: is 3 characters"},
		{name: "history ../../etc", yaml: "name: demo\npersistence:\n  history:\n    modules:\n      ../../etc: {keep: 1}\n", want: `line 5: persistence.history.modules: module key "../../etc"`},
		{name: "history empty key", yaml: "name: demo\npersistence:\n  history:\n    modules:\n      \"\": {keep: 1}\n", want: "line 5: persistence.history.modules: module key is empty"},
		{name: "merged 1ns", yaml: "name: demo\npersistence:\n  <<: {snapshot_interval: 1ns}\n", want: "line 3: persistence.snapshot_interval: 1ns"},
		{name: "70 MB robot.yaml", path: huge, want: "config larger than 1 MiB"},
		{name: "blank token from the environment", yaml: "name: demo\n", env: []string{"ROSYS_HTTP_TOKEN= "}, want: "ROSYS_HTTP_TOKEN (environment): has a blank"},
		{name: "bad ROSYS_HTTP", yaml: "name: demo\n", env: []string{"ROSYS_HTTP=nowhere"}, want: `"nowhere" is not host:port or "off" (from ROSYS_HTTP)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.path
			if path == "" {
				path = filepath.Join(t.TempDir(), "robot.yaml")
				if err := os.WriteFile(path, []byte(tc.yaml), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			data := t.TempDir()
			cmd := testexec.Command(binary, "run", "--config", path, "--data-dir", data)
			cmd.Env = append(os.Environ(), tc.env...)
			p := start(t, cmd)
			line := p.waitLog("bad configuration")
			<-p.done
			if code := p.cmd.ProcessState.ExitCode(); code != 2 || !strings.Contains(fmt.Sprint(line["error"]), tc.want) {
				t.Fatalf("exit %d, %v; want exit 2 and %q", code, line["error"], tc.want)
			}
			if entries, _ := os.ReadDir(data); len(entries) != 0 {
				t.Fatalf("the data directory was touched: %v", entries)
			}
		})
	}
}

// Issue 22.5: ROSYS_HTTP moves the demo robot without a flag, as
// ROSYS_DATA_DIR moves its data.
func TestListenAddressFromEnvironmentRealBinary(t *testing.T) {
	endToEnd(t)
	dir := t.TempDir()
	cmd := testexec.Command(binary, "run")
	cmd.Env = append(os.Environ(), "ROSYS_HTTP=127.0.0.1:0", "ROSYS_DATA_DIR="+dir)
	p := start(t, cmd)
	p.addr = p.waitLog("http listening")["addr"].(string)
	if !strings.HasPrefix(p.addr, "127.0.0.1:") || strings.HasSuffix(p.addr, ":8080") {
		t.Fatalf("listening on %s", p.addr)
	}
	if code, body := p.do("PUT", "/api/modules/model", `{"value": 2.5}`); code != 200 {
		t.Fatalf("PUT: %d %v", code, body)
	}
	if code, _ := p.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if v := persistencetest.StoredValue(t, dir, "model"); v != 2.5 {
		t.Fatalf("model.json in ROSYS_DATA_DIR holds %v", v)
	}
}
