package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorosys/rosys/persistence/backend"
	"github.com/gorosys/rosys/persistence/journal"
	"github.com/gorosys/rosys/persistence/mirror"
	"github.com/gorosys/rosys/persistence/vfs/crashfs"
)

// TestPowerLossJournal cuts power after every operation of journal
// appends, explicit syncs and segment rotations: the journal reopens
// (cutting a torn tail), what it reads back is a prefix of what was
// recorded, in order, and holds at least every record synced before.
func TestPowerLossJournal(t *testing.T) {
	crashTest(t)
	const records = 40
	var synced atomic.Int64
	data := func(i int) []byte { return []byte(fmt.Sprintf("line %03d of telemetry", i)) }
	cfg := func(fsys *crashfs.FS) journal.Config {
		return journal.Config{Dir: "/robot/data/journal", FS: fsys, SegmentSize: 400, SyncEvery: time.Hour,
			Now: func() time.Time { return time.Unix(1700000000, 0) }}
	}
	check := func(img *crashfs.FS) error {
		j, err := journal.Open(cfg(img))
		if err != nil {
			return fmt.Errorf("reopen: %w", err)
		}
		j.Close()
		n := 0
		err = journal.Read(context.Background(), img, "/robot/data/journal", func(r journal.Record) error {
			if !bytes.Equal(r.Data, data(n)) {
				return fmt.Errorf("record %d is %q, want %q", n, r.Data, data(n))
			}
			n++
			return nil
		})
		if err != nil {
			return err
		}
		if min := synced.Load(); int64(n) < min {
			return fmt.Errorf("%d records read back, but %d were synced", n, min)
		}
		return nil
	}
	ops, images := powerLoss(t, nil, func(fsys *crashfs.FS) {
		j, err := journal.Open(cfg(fsys))
		if err != nil {
			t.Fatal(err)
		}
		for i := range records {
			j.Record("lizard", journal.RecordInput, data(i))
			if i%5 == 4 {
				if err := j.Sync(); err != nil {
					t.Fatal(err)
				}
				synced.Store(int64(i + 1))
			}
		}
		j.Close()
		synced.Store(records)
	}, check)
	t.Logf("power cut after each of %d journal operations, %d disk images checked", ops, images)
	if ops < records {
		t.Fatalf("only %d operations were covered", ops)
	}
}

// plMirror opens the remote side of a crash image: manifests and objects on
// filesystem backends under /remote.
func plMirror(t *testing.T, fsys *crashfs.FS) *mirror.Mirror {
	t.Helper()
	meta, err := backend.NewFilesystem(fsys, "/remote/meta")
	if err != nil {
		t.Fatal(err)
	}
	snap, err := backend.NewFilesystem(fsys, "/remote/snap")
	if err != nil {
		t.Fatal(err)
	}
	m, err := mirror.New(mirror.Config{Metadata: meta, Snapshots: snap, Robot: "pl", Host: "host-a", BootID: "boot",
		KeepGenerations: 2, RetryMin: time.Nanosecond, RetryMax: time.Nanosecond,
		Now: func() time.Time { return time.Unix(1700000000, 0) }})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// checkRemote: the newest manifest parses and every object it names is
// there with its checksum; and a robot on a fresh disk recovers, from the
// remote side alone, for every module the last generation a finished sync
// uploaded or the one being uploaded.
func checkRemote(t *testing.T, img *crashfs.FS, remote *allowed) error {
	ctx := context.Background()
	meta, _ := backend.NewFilesystem(img, "/remote/meta")
	snap, _ := backend.NewFilesystem(img, "/remote/snap")
	names, err := meta.List(ctx, "manifests/")
	if err != nil {
		return err
	}
	if len(names) > 0 {
		b, _, err := meta.Get(ctx, names[len(names)-1].Name)
		if err != nil {
			return err
		}
		var man mirror.Manifest
		if err := json.Unmarshal(b, &man); err != nil {
			return fmt.Errorf("newest manifest %s: %w", names[len(names)-1].Name, err)
		}
		for k, e := range man.Modules {
			ob, _, err := snap.Get(ctx, e.Object)
			if err != nil {
				return fmt.Errorf("manifest %s names %s for %s: %w", names[len(names)-1].Name, e.Object, k, err)
			}
			if sum := sha256.Sum256(ob); hex.EncodeToString(sum[:]) != e.SHA256 {
				return fmt.Errorf("object %s does not match its manifest's checksum", e.Object)
			}
		}
	}
	s, vals, err := plStoreAt(t, img, "/fresh/data", WithMirror(plMirror(t, img)))
	if err != nil {
		return err
	}
	defer s.Close()
	for _, k := range plKeys {
		if ok, want := remote.ok(k, vals[k].Get().Gen); !ok {
			return fmt.Errorf("fresh disk recovered %s at generation %d from remote storage, want one of %s", k, vals[k].Get().Gen, want)
		}
	}
	return nil
}

// TestPowerLossMirror cuts power after every operation of backup cycles
// whose commits are mirrored to filesystem backends on the same disk (the
// "split" layout with a local metadata directory), old generations being
// collected on the way.
func TestPowerLossMirror(t *testing.T) {
	crashTest(t)
	local := &allowed{durable: map[string]int{}}
	remote := &allowed{durable: map[string]int{}}
	ops, images := powerLoss(t, nil, func(fsys *crashfs.FS) {
		ctx := context.Background()
		m := plMirror(t, fsys)
		s, vals, err := plStoreAt(t, fsys, "/robot/data", WithMirror(m))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		for gen := 1; gen <= 5; gen++ {
			keys := plKeys
			if gen > 1 {
				keys = plKeys[gen%3 : gen%3+1]
			}
			attempt := map[string]int{}
			for _, k := range keys {
				vals[k].Set(plValue(gen))
				attempt[k] = gen
			}
			local.set(attempt)
			if err := s.BackupRequested(ctx); err != nil {
				t.Fatal(err)
			}
			local.commit()
			remote.set(attempt)
			if err := m.Sync(ctx); err != nil {
				t.Fatal(err)
			}
			remote.commit()
		}
	}, func(img *crashfs.FS) error {
		if err := checkRecovery(t, img, local); err != nil {
			return err
		}
		return checkRemote(t, img, remote)
	})
	t.Logf("power cut after each of %d operations of mirrored backup cycles, %d disk images checked", ops, images)
	if ops < 60 {
		t.Fatalf("only %d operations were covered", ops)
	}
}
