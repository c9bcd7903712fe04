package replay_test

import (
	"math"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/gorosys/rosys/drivers/lizard/wire"
	"github.com/gorosys/rosys/persistence/journal"
	"github.com/gorosys/rosys/replay"
	"github.com/gorosys/rosys/robot"
)

// A pose an operator set is an input of the journal: the replay sets it
// where the live run did, and the motion after it goes on from there.
func TestReplayRepeatsAPoseSet(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	j, err := journal.Open(journal.Config{Dir: filepath.Join(dir, "journal")})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		if i == 100 { // after 1 s at 0.5 m/s: placed at (10, 5) facing +y
			j.RecordAt(t0.Add(995*time.Millisecond), robot.PoseJournalSource, journal.RecordInput, []byte(`{"x":10,"y":5,"yaw":1.5707963267948966}`))
		}
		l := wire.AppendLine(nil, "core "+strconv.Itoa(1000+10*i)+" 0.500 0.000 false")
		j.RecordAt(t0.Add(time.Duration(i)*10*time.Millisecond), "lizard", journal.RecordInput, l[:len(l)-1])
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	a := run(t, replay.Options{DataDir: dir})
	b := run(t, replay.Options{DataDir: dir})
	if a.FusedPose != b.FusedPose || a.Inputs != 201 {
		t.Fatalf("replays differ or miss the pose: %+v, %+v (%d inputs)", a.FusedPose, b.FusedPose, a.Inputs)
	}
	// About 1 s more at 0.5 m/s along +y from (10, 5).
	// The pose is set on the estimate (the odometry goes on in its own
	// frame).
	if p := a.FusedPose; math.Abs(p.X-10) > 0.01 || p.Y < 5.4 || p.Y > 5.6 || math.Abs(p.Yaw-math.Pi/2) > 1e-9 {
		t.Fatalf("final pose %+v, want about (10, 5.5) facing +y", p)
	}
}
