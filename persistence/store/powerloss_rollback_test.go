package store

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys/persistence/archive"
	"github.com/gorosys/rosys/persistence/internal/modfile"
	"github.com/gorosys/rosys/persistence/vfs/crashfs"
)

// TestPowerLossImportRollback cuts power during the roll back of an
// import that was itself cut off: after the second module file of an
// offline import was renamed into place (a mix on disk), the robot opens
// the directory, which rolls back, and power is cut after every operation
// of that roll back; then an offline command's roll back is cut the same
// way. Whichever image a cut leaves, the next open finds all or nothing.
func TestPowerLossImportRollback(t *testing.T) {
	crashTest(t)
	when := time.Unix(1700000000, 0)
	fsys := crashfs.New()
	fsys.Now = func() time.Time { return when }
	s, vals, err := plStore(t, fsys)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range plKeys {
		vals[k].Set(plValue(1))
	}
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.Close()
	files := map[string][]byte{}
	for _, k := range append([]string{plExtra}, plKeys...) {
		files[k], _ = modfile.Encode(k, 1, when, plValue(50))
	}
	var buf bytes.Buffer
	if err := archive.Write(&buf, archive.Describe(files, "other", when), files); err != nil {
		t.Fatal(err)
	}
	incoming, err := archive.Read(&buf, archive.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	// The import in sorted key order: calibration, extra, odometry,
	// settings. The disk as a crash leaves it once extra.json is renamed.
	var mid *crashfs.FS
	fsys.OnOp = func(n int, op, path string) {
		if mid == nil && strings.HasSuffix(path, "-> /robot/data/extra.json") {
			mid = fsys.Crash(crashfs.KeepAll, 0)
		}
	}
	if _, err := archive.ImportDir(fsys, "/robot/data", incoming, when); err != nil {
		t.Fatal(err)
	}
	fsys.OnOp = nil
	if mid == nil {
		t.Fatal("the import never renamed extra.json into place")
	}
	for key, want := range map[string]int{"calibration": 50, "odometry": 1} {
		b, err := mid.ReadFile("/robot/data/"+key+".json", 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		var p plPayload
		if st, err := modfile.Decode(key, b); err != nil || json.Unmarshal(st.Data, &p) != nil || p.Gen != want {
			t.Fatalf("the image is not a mix: %s has generation %d, want %d (%v)", key, p.Gen, want, err)
		}
	}
	c := importUnderPowerLoss{}
	for name, recover := range map[string]func(*crashfs.FS) error{
		"open": func(f *crashfs.FS) error {
			s, _, err := plStore(t, f)
			if err == nil {
				s.Close()
			}
			return err
		},
		"offline": func(f *crashfs.FS) error {
			lock, err := archive.LockDir(f, "/robot/data", when)
			if err == nil {
				lock.Close()
			}
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			work := mid.Crash(crashfs.KeepAll, 0)
			ops, images := 0, 0
			failed := false
			work.OnOp = func(n int, op, path string) {
				if failed {
					return
				}
				ops++
				for img, f := range crashImages(work, n) {
					images++
					if err := c.allOrNothing(t, f, plStore); err != nil {
						failed = true
						t.Errorf("power cut after operation %d (%s %s) of the roll back, %s image: %v", n, op, path, img, err)
						return
					}
				}
			}
			if err := recover(work); err != nil {
				t.Fatal(err)
			}
			work.OnOp = nil
			if err := c.allOrNothing(t, work, plStore); err != nil {
				t.Fatal(err)
			}
			t.Logf("power cut after each of %d operations of a roll back, %d disk images checked", ops, images)
			if ops < 5 {
				t.Fatalf("only %d operations were covered", ops)
			}
		})
	}
}
