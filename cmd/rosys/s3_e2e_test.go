package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/gorosys/rosys/persistence/persistencetest"
)

// TestRestartFromS3OnFreshDisk: a robot keeps its state in S3 (a real
// versitygw); the same robot started on an empty disk restores from the
// bucket alone.
func TestRestartFromS3OnFreshDisk(t *testing.T) {
	endToEnd(t)
	srv := persistencetest.StartS3(t)
	cfg := filepath.Join(t.TempDir(), "robot.yaml")
	yaml := `name: s3-demo
persistence:
  snapshot_interval: 10s
  backend:
    s3: {root_path: robots/s3-demo, bucket: ` + srv.Bucket + `, endpoint: "` + srv.Endpoint + `", region: us-east-1,
         access_key: ` + srv.AccessKey + `, secret_key: ` + srv.SecretKey + `, tls: false, path_style: true}
`
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	p := startRosys(t, "--config", cfg, "--data-dir", t.TempDir())
	if code, body := p.do("PUT", "/api/modules/model", `{"value": 7.5}`); code != 200 {
		t.Fatalf("%d %v", code, body)
	}
	if code, _ := p.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d:\n%s", code, p.log())
	}
	fresh := t.TempDir()
	p2 := startRosys(t, "--config", cfg, "--data-dir", fresh)
	_, body := p2.do("GET", "/api/modules/model", "")
	if v := body["data"].(map[string]any)["value"]; v != 7.5 {
		t.Fatalf("fresh disk restored %v", body)
	}
	if from := body["status"].(map[string]any)["restored_from"]; from != "remote" {
		t.Fatalf("restored from %v", from)
	}
	_, status := p2.do("GET", "/api/status", "")
	m := status["mirror"].(map[string]any)
	if m["blocked"] != false || m["generation"].(float64) < 1 {
		t.Fatalf("mirror status %v", m)
	}
	p2.stop(syscall.SIGTERM)
}
