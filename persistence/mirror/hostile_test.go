package mirror_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/backend"
	"github.com/gorosys/rosys/persistence/backend/s3"
	"github.com/gorosys/rosys/persistence/history"
	"github.com/gorosys/rosys/persistence/internal/modfile"
	"github.com/gorosys/rosys/persistence/mirror"
	"github.com/gorosys/rosys/persistence/persistencetest"
)

// filesOutside fails if anything but the data directory is in parent.
func filesOutside(t *testing.T, parent string) {
	t.Helper()
	entries, _ := os.ReadDir(parent)
	for _, e := range entries {
		if e.Name() != "data" {
			t.Fatalf("%s written beside the data directory", e.Name())
		}
	}
}

// Issue 21, item 12, for a recovering robot: the bucket holds history
// objects with huge and malformed version numbers, damaged and foreign
// ones, and a newer manifest whose object is a path with ../. The
// replaced board recovers what is good, writes nothing outside its data
// directory and no version under a name that is not canonical, and its
// mirror's status names every object refused.
func TestRecoveryFromAHostileBucket(t *testing.T) {
	srv := persistencetest.StartS3(t)
	b, err := s3.New("robots/hostile", srv.Settings())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s, m, v := historyRobot(t, t.TempDir(), b)
	for i := 1; i <= 5; i++ {
		v.Set(map[string]float64{"value": float64(i)})
		if err := s.BackupRequested(ctx); err != nil {
			t.Fatal(err)
		}
		if err := m.Sync(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Close(ctx); err != nil {
		t.Fatal(err)
	}
	s.Close()

	valid := func(n float64) []byte {
		b, _ := modfile.Encode("model", 1, time.Now(), map[string]float64{"value": n})
		return b
	}
	hostile := map[string][]byte{
		"history/model/18446744073709551615.json": valid(100),
		"history/model/9007199254740992.json":     valid(101),
		"history/model/000000000000.json":         valid(102),
		"history/model/1.json":                    valid(103),
		"history/model/0000000000001.json":        valid(104),
		"history/model/+00000000007.json":         valid(105),
		"history/model/00000000007a.json":         valid(106),
		"history/model/000000000008.txt":          valid(107),
		"history/model/000000000009.json":         []byte("not a module file"),
		// A valid name and module file, far above the real versions: it
		// would leave the recovered history one version from full.
		"history/model/9007199254740990.json": valid(108),
	}
	other, _ := modfile.Encode("calibration", 1, time.Now(), map[string]float64{"gain": 9})
	hostile["history/model/000000000010.json"] = other // another module's file
	for name, data := range hostile {
		rawPut(t, b, srv.Bucket, "robots/hostile/"+name, data)
	}
	// A newer manifest whose model object is a path out of the root.
	list, _ := b.List(ctx, "manifests/")
	mb, _, _ := b.Get(ctx, list[len(list)-1].Name)
	man, _ := mirror.DecodeManifest(mb)
	e := man.Modules["model"]
	e.Object = "../../robots/other/snapshots/model/000000000001.json"
	man.Modules["model"] = e
	man.Generation += 10
	mb, _ = json.Marshal(man)
	if _, err := b.Put(ctx, fmt.Sprintf("manifests/%012d.json", man.Generation), mb, backend.Condition{}); err != nil {
		t.Fatal(err)
	}

	// Manifests whose names are no generation, or another than they say:
	// each would name the attacker's state (with good checksums).
	evil := valid(666)
	rawPut(t, b, srv.Bucket, "robots/hostile/snapshots/model/evil.json", evil)
	evilMan := man
	evilMan.Modules = map[string]mirror.ManifestEntry{"model": {Object: "snapshots/model/evil.json", SchemaVersion: 1, Size: int64(len(evil)), SHA256: mirror.Checksum(evil)}}
	hostileManifests := map[string]uint64{
		"manifests/18446744073709551615.json": 18446744073709551615,
		"manifests/9007199254740992.json":     9007199254740992,
		"manifests/99.json":                   99,
		"manifests/000000000099.json":         5, // says another generation than its name
		"manifests/+00000000098.json":         98,
	}
	for name, g := range hostileManifests {
		evilMan.Generation = g
		eb, _ := json.Marshal(evilMan)
		rawPut(t, b, srv.Bucket, "robots/hostile/"+name, eb)
	}
	goodGen := man.Generation

	// The board is replaced.
	parent := t.TempDir()
	dir := filepath.Join(parent, "data")
	s2, m2, v2 := historyRobot(t, dir, b)
	if v2.Get()["value"] != 5 {
		t.Fatalf("recovered %v, want 5 (from the generation before the hostile manifest)", v2.Get())
	}
	vs, err := s2.History("model")
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(versionNumbers(vs)); got != "[3 4 5]" {
		t.Fatalf("history on the new board %s, want [3 4 5]: %+v", got, vs)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, history.Dir))
	for _, e := range entries {
		if strings.Contains(e.Name(), "@") && !strings.HasSuffix(e.Name(), "@index.json") {
			n := strings.TrimSuffix(e.Name()[strings.LastIndexByte(e.Name(), '@')+1:], ".json")
			if _, err := history.ParseVersion(n, 0); err != nil {
				t.Errorf("history file %s written from a hostile object", e.Name())
			}
		}
	}
	filesOutside(t, parent)
	refused := strings.Join(m2.Status().Refused, "\n")
	for name := range hostile {
		if !strings.Contains(refused, name) {
			t.Errorf("%s not named as refused; refused:\n%s", name, refused)
		}
	}
	if !strings.Contains(refused, e.Object) {
		t.Errorf("the manifest's object %s not named as refused; refused:\n%s", e.Object, refused)
	}
	for name := range hostileManifests {
		if !strings.Contains(refused, name) {
			t.Errorf("manifest %s not named as refused; refused:\n%s", name, refused)
		}
	}
	// The history goes on after the newest good version.
	v2.Set(map[string]float64{"value": 6})
	if err := s2.BackupRequested(ctx); err != nil {
		t.Fatal(err)
	}
	if vs, _ := s2.History("model"); vs[len(vs)-1].Version != 6 {
		t.Fatalf("next version %d, want 6", vs[len(vs)-1].Version)
	}
	// The next generation follows the newest good one: never wrapped.
	if err := m2.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if st := m2.Status(); st.Generation != goodGen+1 {
		t.Fatalf("uploaded generation %d, want %d", st.Generation, goodGen+1)
	}
	if _, _, err := b.Get(ctx, fmt.Sprintf("manifests/%012d.json", goodGen+1)); err != nil {
		t.Fatalf("manifest of generation %d: %v", goodGen+1, err)
	}
	if _, _, err := b.Get(ctx, "manifests/000000000000.json"); err == nil {
		t.Fatal("a manifest of generation 0 was written: the numbers wrapped")
	}
}

// rawPut writes an object past the backend's name check, as anyone with
// write access to the bucket can.
func rawPut(t *testing.T, b *s3.Backend, bucket, key string, data []byte) {
	t.Helper()
	_, err := b.Client().PutObject(context.Background(), &awss3.PutObjectInput{Bucket: &bucket, Key: &key, Body: bytes.NewReader(data)})
	if err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
}

func versionNumbers(vs []history.Version) []uint64 {
	var out []uint64
	for _, v := range vs {
		out = append(out, v.Version)
	}
	return out
}

// A forged lease (not JSON, or no host) is never taken over: the robot
// starts from its local state, uploads nothing, writes nothing from the
// bucket, and says which object it refused.
func TestForgedLeaseIsRefusedNotTakenOver(t *testing.T) {
	srv := persistencetest.StartS3(t)
	ctx := context.Background()
	for i, forged := range []string{"{broken", `{"robot": "demo"}`, `[1, 2]`, `{"robot": "demo", "host": ""}`} {
		b, _ := s3.New(fmt.Sprintf("robots/forged%d", i), srv.Settings())
		s, m, v := historyRobot(t, t.TempDir(), b)
		v.Set(map[string]float64{"value": 1})
		if err := s.BackupRequested(ctx); err != nil {
			t.Fatal(err)
		}
		if err := m.Close(ctx); err != nil {
			t.Fatal(err)
		}
		s.Close()
		if _, err := b.Put(ctx, mirror.LeaseName, []byte(forged), backend.Condition{}); err != nil {
			t.Fatal(err)
		}
		parent := t.TempDir()
		s2, m2, v2 := historyRobot(t, filepath.Join(parent, "data"), b)
		if v2.Get()["value"] != 0 {
			t.Fatalf("lease %s: recovered %v past a forged lease", forged, v2.Get())
		}
		st := m2.Status()
		if !st.Blocked || !strings.Contains(st.LastError, mirror.LeaseName) {
			t.Fatalf("lease %s: status %+v; want blocked, naming %s", forged, st, mirror.LeaseName)
		}
		if got, _, _ := b.Get(ctx, mirror.LeaseName); string(got) != forged {
			t.Fatalf("lease %s was written over: %s", forged, got)
		}
		if _, err := os.Lstat(filepath.Join(parent, "data", "model.json")); err == nil {
			t.Fatalf("lease %s: a module file written", forged)
		}
		filesOutside(t, parent)
		s2.Close()
	}
}

// An object that announces 4 GiB: refused before it is read, named,
// and the robot starts from defaults (writing nothing from it).
func TestRecoveryRefusesAnObjectAnnouncing4GiB(t *testing.T) {
	srv := persistencetest.StartS3(t)
	ctx := context.Background()
	b, _ := s3.New("robots/huge", srv.Settings())
	s, m, v := historyRobot(t, t.TempDir(), b)
	v.Set(map[string]float64{"value": 3})
	if err := s.BackupRequested(ctx); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(ctx); err != nil {
		t.Fatal(err)
	}
	s.Close()
	proxy := persistencetest.StartFaultProxy(t, srv.Endpoint)
	st := srv.Settings()
	st.Endpoint = proxy.Endpoint
	pb, _ := s3.New("robots/huge", st)
	// The lease and the listings pass; the manifest and objects announce 4 GiB.
	proxy.Fault.Store(persistencetest.FaultHugeObjects)
	parent := t.TempDir()
	start := time.Now()
	_, m2, v2 := historyRobot(t, filepath.Join(parent, "data"), pb)
	if time.Since(start) > 60*time.Second {
		t.Fatalf("recovery took %s reading a huge object", time.Since(start))
	}
	if v2.Get()["value"] != 0 {
		t.Fatalf("recovered %v from a 4 GiB object", v2.Get())
	}
	if st := m2.Status(); !strings.Contains(st.LastError+strings.Join(st.Refused, " "), "4294967296") {
		t.Fatalf("status %+v does not name the 4 GiB object", st)
	}
	filesOutside(t, parent)
	_ = persistence.FromRemote
}
