package localization_test

import (
	"context"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/localization"
	"github.com/gorosys/rosys/persistence/journal"
	"github.com/gorosys/rosys/persistence/vfs"
)

// A run recorded in a real journal (fixes late and noisy, a multipath
// jump, an outage, a set pose, slip, IMU drift) replays to the same
// estimate and covariance, bit for bit.
func TestReplayIsExact(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "journal")
	j, err := journal.Open(journal.Config{Dir: dir, Buffer: 1 << 17})
	if err != nil {
		t.Fatal(err)
	}
	gc := rtk()
	gc.Antenna = hardware.Pose{X: 0.4, Y: 0.1} // recorded with each fix
	w := newWorld(t, worldConfig{slip: 0.03, gnss: gc, drift: 1e-4, rec: j})
	w.run(time.Second, 0, 0)
	w.run(10*time.Second, 0.5, 0.05)
	w.gnss.SetOffset(2, 0)
	w.run(time.Second, 0.5, 0)
	w.gnss.SetOffset(0, 0)
	w.gnss.SetSilent(true)
	w.run(5*time.Second, 0.5, -0.1)
	w.gnss.SetSilent(false)
	w.run(5*time.Second, 0.5, 0)
	if err := w.est.SetPose(hardware.Pose{X: 1, Y: 2, Yaw: 0.3}); err != nil {
		t.Fatal(err)
	}
	w.run(5*time.Second, 0.3, 0)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if st := j.Status(); st.Dropped != 0 {
		t.Fatalf("journal dropped %d records", st.Dropped)
	}
	live, liveP := w.est.Pose(), w.est.Covariance()

	replay, err := localization.New(localization.Config{Replay: true})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	err = journal.Read(context.Background(), vfs.OS{}, dir, func(r journal.Record) error {
		if r.Source != localization.JournalSource {
			return nil
		}
		n++
		return replay.Apply(r.Data)
	})
	if err != nil {
		t.Fatal(err)
	}
	got, gotP := replay.Pose(), replay.Covariance()
	if n < 2700 || got.X != live.X || got.Y != live.Y || got.Yaw != live.Yaw || gotP != liveP || !got.Time.Equal(live.Time) {
		t.Fatalf("%d records replayed to %+v %v, live %+v %v", n, got, gotP, live, liveP)
	}
	if math.Hypot(live.X-1, live.Y-2) < 0.5 {
		t.Fatalf("the run ended at %+v: the set pose should be 1.5 m behind", live)
	}
	ls, rs := w.est.Status(w.now).Fixes, replay.Status(w.now).Fixes
	if ls.Accepted != rs.Accepted || ls.Rejected != rs.Rejected || ls.SetPoses != rs.SetPoses || ls.Rejected == 0 {
		t.Fatalf("fixes live %+v, replayed %+v", ls, rs)
	}
}
