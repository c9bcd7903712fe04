package fleet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/gorosys/rosys/persistence/backend"
	"github.com/gorosys/rosys/persistence/backend/s3"
	"github.com/gorosys/rosys/persistence/fleet"
	"github.com/gorosys/rosys/persistence/mirror"
	"github.com/gorosys/rosys/persistence/persistencetest"
)

// onlyDataDir fails unless parent holds nothing but an empty (of module
// files) data directory: a restore wrote nothing, and nothing outside.
func onlyDataDir(t *testing.T, parent, when string) {
	t.Helper()
	err := filepath.Walk(parent, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if !info.IsDir() && strings.HasSuffix(p, ".json") {
			return fmt.Errorf("%s: file %s written", when, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(parent)
	for _, e := range entries {
		if e.Name() != "data" {
			t.Fatalf("%s: %s written beside the data directory", when, e.Name())
		}
	}
}

// Issue 21, item 12, for `rosys fleet restore`: a hostile bucket's
// manifests (keys and objects with ../, an absolute object, another
// bucket or a root outside, sizes of 4 GiB) are refused, naming what is
// refused, and nothing is written, inside the data directory or out.
func TestFleetRestoreFromAHostileBucketWritesNothing(t *testing.T) {
	srv := persistencetest.StartS3(t)
	ctx := context.Background()
	robot(t, srv, "fleet/alpha", "alpha", 10, 1, true)
	bucket, _ := s3.New("", srv.Settings())
	ab, _ := s3.New("fleet/alpha", srv.Settings())
	list, _ := ab.List(ctx, mirror.ManifestPrefix)
	b, _, err := ab.Get(ctx, list[len(list)-1].Name)
	if err != nil {
		t.Fatal(err)
	}
	good, err := mirror.DecodeManifest(b)
	if err != nil {
		t.Fatal(err)
	}
	// A plain JSON object decodes as RoSys data for any key: the one
	// check left is the key itself.
	plain := []byte(`{"value": 666}`)
	if _, err := ab.Put(ctx, "snapshots/model/000000000999.json", plain, backend.Condition{}); err != nil {
		t.Fatal(err)
	}
	entry := func(object string, size int64) mirror.ManifestEntry {
		return mirror.ManifestEntry{Object: object, SchemaVersion: 1, Size: size, SHA256: mirror.Checksum(plain), SavedAt: time.Now()}
	}
	okObj := "snapshots/model/000000000999.json"
	gen := good.Generation + 100
	for _, c := range []struct {
		name  string
		edit  func(m *mirror.Manifest)
		names string // the error names this
	}{
		{"key with ../", func(m *mirror.Manifest) { m.Modules["../evil"] = entry(okObj, int64(len(plain))) }, `"../evil"`},
		{"key with ../../", func(m *mirror.Manifest) { m.Modules["../../evil"] = entry(okObj, int64(len(plain))) }, `"../../evil"`},
		{"key with a slash", func(m *mirror.Manifest) { m.Modules["sub/evil"] = entry(okObj, int64(len(plain))) }, `"sub/evil"`},
		{"key only dots", func(m *mirror.Manifest) { m.Modules[".."] = entry(okObj, int64(len(plain))) }, `".."`},
		{"object with ../", func(m *mirror.Manifest) {
			m.Modules["model"] = entry("../../fleet/beta/snapshots/model/000000000001.json", int64(len(plain)))
		}, "../../fleet/beta"},
		{"absolute object", func(m *mirror.Manifest) { m.Modules["model"] = entry("/etc/passwd", int64(len(plain))) }, "/etc/passwd"},
		{"another bucket", func(m *mirror.Manifest) {
			m.Snapshots = &mirror.Location{Bucket: "other-bucket", Root: "x", Where: "s3://other-bucket/x"}
		}, "other-bucket"},
		{"a root with ../", func(m *mirror.Manifest) {
			m.Snapshots = &mirror.Location{Bucket: srv.Bucket, Root: "../..", Where: "x"}
		}, `"../.."`},
		{"an absolute root", func(m *mirror.Manifest) {
			m.Snapshots = &mirror.Location{Bucket: srv.Bucket, Root: "/etc", Where: "x"}
		}, `"/etc"`},
		{"an object of 4 GiB", func(m *mirror.Manifest) { m.Modules["model"] = entry(okObj, 4<<30) }, "announces 4294967296 bytes"},
		{"a negative size", func(m *mirror.Manifest) { m.Modules["model"] = entry(okObj, -1) }, "-1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			gen++
			man := good
			man.Generation = gen
			man.Modules = map[string]mirror.ManifestEntry{}
			for k, v := range good.Modules {
				man.Modules[k] = v
			}
			c.edit(&man)
			mb, _ := json.Marshal(man)
			if _, err := ab.Put(ctx, fmt.Sprintf("manifests/%012d.json", gen), mb, backend.Condition{}); err != nil {
				t.Fatal(err)
			}
			r, err := fleet.Find(ctx, bucket, "alpha", fleet.DefaultLimits)
			if err != nil {
				t.Fatal(err)
			}
			parent := t.TempDir()
			dir := filepath.Join(parent, "data")
			_, err = fleet.Restore(ctx, bucket, r, fleet.RestoreOptions{Dir: dir, Generation: gen, Now: time.Now()}, fleet.DefaultLimits)
			if err == nil || !strings.Contains(err.Error(), c.names) || !strings.Contains(err.Error(), "nothing written") {
				t.Fatalf("restore of a hostile manifest: %v; want an error naming %s and saying nothing was written", err, c.names)
			}
			onlyDataDir(t, parent, c.name)
			if _, err := os.Lstat(filepath.Join(parent, "evil.json")); !errors.Is(err, os.ErrNotExist) {
				t.Fatal("evil.json written outside the data directory")
			}
		})
	}
}

// A server that answers every object with a body announcing 4 GiB: the
// restore and the listing refuse it before reading it, naming it.
func TestFleetRefusesAnObjectAnnouncing4GiB(t *testing.T) {
	srv := persistencetest.StartS3(t)
	ctx := context.Background()
	robot(t, srv, "fleet/alpha", "alpha", 10, 1, true)
	proxy := persistencetest.StartFaultProxy(t, srv.Endpoint)
	st := srv.Settings()
	st.Endpoint = proxy.Endpoint
	bucket, _ := s3.New("", st)
	r, err := fleet.Find(ctx, bucket, "alpha", fleet.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	proxy.Fault.Store(persistencetest.FaultHugeObjects)
	parent := t.TempDir()
	_, err = fleet.Restore(ctx, bucket, r, fleet.RestoreOptions{Dir: filepath.Join(parent, "data"), Now: time.Now()}, fleet.DefaultLimits)
	if err == nil || !strings.Contains(err.Error(), "manifests/") || !strings.Contains(err.Error(), "4294967296") {
		t.Fatalf("restore with 4 GiB objects: %v; want the manifest named and its size", err)
	}
	onlyDataDir(t, parent, "4 GiB")
	robots, err := fleet.List(ctx, bucket, fleet.DefaultLimits)
	if err != nil || len(robots) != 1 || !strings.Contains(robots[0].Damaged, "4294967296") {
		t.Fatalf("list with 4 GiB objects: %+v, %v", robots, err)
	}
}

// Manifests whose names are no generation (huge, short, signed) or
// another generation than they say, each naming the attacker's state
// with good checksums: `fleet list` names every one as refused, and a
// restore takes the newest real generation.
func TestFleetRefusesManifestsWhoseNameIsNoGeneration(t *testing.T) {
	srv := persistencetest.StartS3(t)
	ctx := context.Background()
	robot(t, srv, "fleet/alpha", "alpha", 10, 1, true)
	bucket, _ := s3.New("", srv.Settings())
	ab, _ := s3.New("fleet/alpha", srv.Settings())
	list, _ := ab.List(ctx, mirror.ManifestPrefix)
	b, _, _ := ab.Get(ctx, list[len(list)-1].Name)
	good, _ := mirror.DecodeManifest(b)
	evil := []byte(`{"value": 666}`)
	ab.Put(ctx, "snapshots/model/000000000777.json", evil, backend.Condition{})
	evilMan := good
	evilMan.Modules = map[string]mirror.ManifestEntry{"model": {Object: "snapshots/model/000000000777.json", SchemaVersion: 1, Size: int64(len(evil)), SHA256: mirror.Checksum(evil)}}
	hostile := map[string]uint64{
		"manifests/18446744073709551615.json": 18446744073709551615,
		"manifests/9007199254740992.json":     9007199254740992,
		"manifests/99.json":                   99,
		"manifests/000000000099.json":         good.Generation, // another generation than its name
		"manifests/-00000000098.json":         98,
	}
	for name, g := range hostile {
		evilMan.Generation = g
		eb, _ := json.Marshal(evilMan)
		key := "fleet/alpha/" + name
		if _, err := ab.Client().PutObject(ctx, &awss3.PutObjectInput{Bucket: &srv.Bucket, Key: &key, Body: bytes.NewReader(eb)}); err != nil {
			t.Fatal(err)
		}
	}
	r, err := fleet.Find(ctx, bucket, "alpha", fleet.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if r.Generation != good.Generation {
		t.Fatalf("listed generation %d, want the newest real one %d", r.Generation, good.Generation)
	}
	refused := strings.Join(r.Refused, "\n")
	for name := range hostile {
		if !strings.Contains(refused, name) {
			t.Errorf("%s not named as refused: %s", name, refused)
		}
	}
	dir := filepath.Join(t.TempDir(), "data")
	res, err := fleet.Restore(ctx, bucket, r, fleet.RestoreOptions{Dir: dir, Now: time.Now()}, fleet.DefaultLimits)
	if err != nil || res.Generation != good.Generation {
		t.Fatalf("restore: %+v, %v", res, err)
	}
	if v := persistencetest.StoredValue(t, dir, "model"); v == 666 {
		t.Fatal("the attacker's state was restored")
	}
}
