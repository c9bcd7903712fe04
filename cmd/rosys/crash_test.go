package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gorosys/rosys/persistence/persistencetest"
)

// TestKillLoopRealBinary SIGKILLs the real binary under a stream of
// durable writes, ROSYS_CRASH_KILLS times (30 by default; make test-crash:
// 200). A PUT with ?sync=1 answers only once its value is durable; after
// every kill the stored value must be one that was written — at least the
// last reported durable, at most the last attempted — and the newest
// manifest must name objects that exist with their checksums.
func TestKillLoopRealBinary(t *testing.T) {
	endToEnd(t)
	kills := 30
	if n, err := strconv.Atoi(os.Getenv("ROSYS_CRASH_KILLS")); err == nil && n > 0 {
		kills = n
	}
	dir := t.TempDir()
	data, meta, snap := filepath.Join(dir, "data"), filepath.Join(dir, "meta"), filepath.Join(dir, "snap")
	cfg := filepath.Join(dir, "robot.yaml")
	yaml := fmt.Sprintf("name: crash\npersistence:\n  snapshot_interval: 0\n  metadata_storage: {filesystem: {path: %s}}\n  snapshot_storage: {filesystem: {path: %s}}\n", meta, snap)
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(uint64(os.Getpid()), 11))
	durable, attempted := 0, 0
	for i := range kills {
		p := startRosys(t, "--config", cfg, "--data-dir", data)
		if i > 0 {
			_, body := p.do("GET", "/api/modules/model", "")
			v := int(body["data"].(map[string]any)["value"].(float64))
			if v < durable || v > attempted {
				t.Fatalf("kill %d: restored %d; durable was %d, attempted %d", i, v, durable, attempted)
			}
		}
		// The load writes on while the kill lands, so the kill hits a write
		// at an arbitrary point (encode, fsync, rename, manifest upload).
		target := 1 + rng.IntN(12)
		acks := make(chan int, 4096)
		var last atomic.Int64
		last.Store(int64(attempted))
		go func() {
			defer close(acks)
			for v := attempted + 1; ; v++ {
				last.Store(int64(v))
				req, _ := http.NewRequest("PUT", "http://"+p.addr+"/api/modules/model?sync=1", strings.NewReader(fmt.Sprintf(`{"value": %d}`, v)))
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					return // killed
				}
				resp.Body.Close()
				if resp.StatusCode == 200 {
					acks <- v
				}
			}
		}()
		for n := 0; n < target; n++ {
			durable = <-acks
		}
		_ = p.cmd.Process.Kill()
		<-p.done
		for v := range acks { // acknowledged before the kill: durable too
			durable = v
		}
		attempted = int(last.Load())
		checkAfterKill(t, i, data, snap, meta, durable, attempted)
	}
	t.Logf("%d SIGKILLs under durable writes: nothing acknowledged was lost, every file intact (last value %d)", kills, durable)
}

func checkAfterKill(t *testing.T, i int, data, snap, meta string, durable, attempted int) {
	t.Helper()
	if v := persistencetest.StoredValue(t, data, "model"); int(v) < durable || int(v) > attempted {
		t.Fatalf("kill %d: model.json holds %v; durable was %d, attempted %d", i, v, durable, attempted)
	}
	names, _ := filepath.Glob(filepath.Join(meta, "manifests", "*.json"))
	if len(names) == 0 {
		return // the mirror had not uploaded yet
	}
	b, err := os.ReadFile(names[len(names)-1])
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Modules map[string]struct{ Object, SHA256 string }
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("kill %d: newest manifest %s does not parse: %v", i, names[len(names)-1], err)
	}
	for key, e := range m.Modules {
		obj, err := os.ReadFile(filepath.Join(snap, e.Object))
		if err != nil {
			t.Fatalf("kill %d: manifest names %s for %s, which is missing: %v", i, e.Object, key, err)
		}
		sum := sha256.Sum256(obj)
		if hex.EncodeToString(sum[:]) != e.SHA256 {
			t.Fatalf("kill %d: %s does not match its manifest checksum", i, e.Object)
		}
	}
}
