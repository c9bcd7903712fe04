package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestUpdateAndRollbackRefuseWithoutAnInstall(t *testing.T) {
	root := t.TempDir()
	cfg := filepath.Join(root, "robot.yaml")
	if err := os.WriteFile(cfg, []byte("name: r\nboard: sim\nhttp: 0.0.0.0:8123\nhttp_token: 0123456789abcdef\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"update"}, 2, "give the new binary"},
		{[]string{"update", "--root", root, "--config", cfg, "/bin/true"}, 1, "not installed"},
		{[]string{"update", "/bin/true", "--root", root, "--config", cfg, "--timeout", "0s"}, 2, "--timeout 0s out of range"},
		{[]string{"rollback", "--root", root}, 1, "no previous version"},
		{[]string{"rollback", "extra"}, 2, "unexpected argument"},
		{[]string{"install", "extra"}, 2, "unexpected argument"},
		{[]string{"install", "--root", root, "--config", filepath.Join(root, "missing.yaml")}, 1, "missing.yaml"},
	} {
		var out, errb bytes.Buffer
		code := app{}.dispatch(tc.args, &out, &errb)
		if code != tc.code || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("rosys %s: exit %d, stderr %q; want %d and %q", strings.Join(tc.args, " "), code, errb.String(), tc.code, tc.want)
		}
	}
}

func TestUpdateFindsTheAPIInRobotYAML(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "robot.yaml")
	if err := os.WriteFile(cfg, []byte("name: r\nboard: sim\nhttp: 0.0.0.0:8123\nhttp_token: 0123456789abcdef\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	api, err := apiFromConfig(cfg, "")
	if err != nil {
		t.Fatal(err)
	}
	if api.statusURL != "http://127.0.0.1:8123/api/status" || api.exportURL != "http://127.0.0.1:8123/api/export" || api.token != "0123456789abcdef" {
		t.Fatalf("api = %+v", api)
	}
	if err := os.WriteFile(cfg, []byte("name: r\nboard: sim\nhttp: \"off\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if api, err := apiFromConfig(cfg, ""); err != nil || api.statusURL != "" {
		t.Fatalf("http off: %+v, %v", api, err)
	}
}
