package replay_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/drivers/lizard/wire"
	"github.com/gorosys/rosys/hardware/sim"
	"github.com/gorosys/rosys/localization"
	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/journal"
	"github.com/gorosys/rosys/persistence/store"
	"github.com/gorosys/rosys/replay"
	"github.com/gorosys/rosys/robot"
)

var t0 = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

// recordRun writes a journal as a live run with the default core fields
// (wheels.linear_speed, wheels.angular_speed, estop.active) would: n
// controller lines 10 ms apart reporting linear m/s straight ahead.
func recordRun(t *testing.T, dir string, n int, linear float64, offsetsOnly bool) {
	t.Helper()
	j, err := journal.Open(journal.Config{Dir: filepath.Join(dir, "journal"), OffsetsOnly: offsetsOnly})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		// The controller's millis, then the core fields.
		p := "core " + strconv.Itoa(1000+10*i) + " " + strconv.FormatFloat(linear, 'f', 3, 64) + " 0.000 false"
		l := wire.AppendLine(nil, p)
		j.RecordAt(t0.Add(time.Duration(i)*10*time.Millisecond), "lizard", journal.RecordInput, l[:len(l)-1])
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
}

func run(t *testing.T, o replay.Options) replay.Summary {
	t.Helper()
	sum, err := replay.Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// A speedrun is deterministic and follows the recorded measurements: 2 s
// at 0.5 m/s end about 1 m ahead, twice at the same pose; batch (all input
// at once) reaches the same pose, since odometry integrates by the
// measurements' own times.
func TestReplayFollowsTheRecording(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	recordRun(t, dir, 200, 0.5, false)
	a := run(t, replay.Options{DataDir: dir})
	b := run(t, replay.Options{DataDir: dir, Mode: replay.Speedrun})
	if a.FinalPose != b.FinalPose {
		t.Fatalf("two speedruns differ: %+v and %+v", a.FinalPose, b.FinalPose)
	}
	if a.Mode != replay.Speedrun || a.Inputs != 200 || !a.From.Equal(t0) || !a.To.Equal(t0.Add(1990*time.Millisecond)) {
		t.Fatalf("summary %+v", a)
	}
	if x := a.FinalPose.X; x < 0.9 || x > 1.1 || a.FinalPose.Y != 0 {
		t.Fatalf("final pose %+v, want about 1 m ahead", a.FinalPose)
	}
	c := run(t, replay.Options{DataDir: dir, Mode: replay.Batch})
	if c.FinalPose != a.FinalPose || c.Mode != replay.Batch {
		t.Fatalf("batch %+v (%s), speedrun %+v", c.FinalPose, c.Mode, a.FinalPose)
	}
	for _, k := range []string{"automation", "driving_parameters", "soft_estop", "path_planner"} {
		if _, ok := a.Modules[k]; !ok {
			t.Errorf("standard module %s missing from %v", k, keys(a.Modules))
		}
	}
}

// mine is a user's module.
type mine struct {
	Gain float64 `json:"gain"`
}

// A user's main replays its own robot: Install adds its modules, which
// restore from the data directory and appear in the summary. The replay
// writes nothing there: every file stays as it was and none is added.
func TestReplayOnAUsersRobot(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	recordRun(t, dir, 50, 0.2, false)
	if err := os.WriteFile(filepath.Join(dir, "mine.json"), []byte(`{"gain": 7}`), 0o644); err != nil {
		t.Fatal(err)
	}
	before := listing(t, dir)
	var installed *robot.Robot
	sum := run(t, replay.Options{DataDir: dir, Install: func(r *robot.Robot) error {
		installed = r
		return r.Runtime.Add("mine", persistence.NewValue(mine{Gain: 1}), rosys.Persist())
	}})
	if installed == nil {
		t.Fatal("Install not called")
	}
	var m mine
	if err := json.Unmarshal(sum.Modules["mine"], &m); err != nil || m.Gain != 7 {
		t.Fatalf("mine in the summary: %s (%v), want gain 7 restored", sum.Modules["mine"], err)
	}
	for _, k := range []string{"model", "waypoints"} {
		if _, ok := sum.Modules[k]; ok {
			t.Errorf("the demo's %s in a user's replay", k)
		}
	}
	if after := listing(t, dir); !equalListing(before, after) {
		t.Fatalf("the replay changed the data directory: before %d files, after %d (mine.json: %q)", len(before), len(after), after[filepath.Join(dir, "mine.json")])
	}
	// An Install that fails stops the replay with its error.
	boom := errors.New("boom")
	if _, err := replay.Run(context.Background(), replay.Options{DataDir: dir, Install: func(*robot.Robot) error { return boom }}); !errors.Is(err, boom) {
		t.Fatalf("failing Install: %v", err)
	}
}

// What cannot be replayed is refused with an error callers can tell apart.
func TestReplayRefuses(t *testing.T) {
	t.Parallel()
	empty := t.TempDir()
	if _, err := replay.Run(context.Background(), replay.Options{DataDir: empty}); !errors.Is(err, replay.ErrNoInput) {
		t.Errorf("no journal: %v, want ErrNoInput", err)
	}
	offsets := t.TempDir()
	recordRun(t, offsets, 10, 0.1, true)
	if _, err := replay.Run(context.Background(), replay.Options{DataDir: offsets}); !errors.Is(err, replay.ErrOffsetsOnly) {
		t.Errorf("offsets only: %v, want ErrOffsetsOnly", err)
	}
	recorded := t.TempDir()
	recordRun(t, recorded, 10, 0.1, false)
	if _, err := replay.Run(context.Background(), replay.Options{DataDir: recorded, Mode: "fast"}); !errors.Is(err, replay.ErrMode) {
		t.Errorf("mode fast: %v, want ErrMode", err)
	}
	if _, err := replay.Run(context.Background(), replay.Options{}); err == nil {
		t.Error("no data directory accepted")
	}
	// A running robot holds the data directory.
	s, err := store.Open(recorded)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := replay.Run(context.Background(), replay.Options{DataDir: recorded}); !errors.Is(err, store.ErrLocked) {
		t.Errorf("locked: %v, want ErrLocked", err)
	}
}

// A realtime replay of a 30 s recording ends with its context, at once.
func TestReplayEndsWithItsContext(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	j, err := journal.Open(journal.Config{Dir: filepath.Join(dir, "journal")})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		l := wire.AppendLine(nil, "core "+strconv.Itoa(1000+10_000*i)+" 0.100 0.000 false")
		j.RecordAt(t0.Add(time.Duration(i)*10*time.Second), "lizard", journal.RecordInput, l[:len(l)-1])
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := replay.Run(ctx, replay.Options{DataDir: dir, Mode: replay.Realtime})
		done <- err
	}()
	time.Sleep(50 * time.Millisecond) // under way, or not yet: either way it must end
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled replay: %v, want context.Canceled", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a cancelled realtime replay still runs after 30 s")
	}
	// The store was released: the directory replays again.
	if _, err := replay.Run(context.Background(), replay.Options{DataDir: dir, Mode: replay.Batch}); err != nil {
		t.Fatalf("after a cancelled replay: %v", err)
	}
}

func keys(m map[string]json.RawMessage) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// listing is every file under dir with its contents, but the store's
// empty lock file (.lock), which any open of the directory creates.
func listing(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == ".lock" {
			return err
		}
		b, err := os.ReadFile(p)
		out[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func equalListing(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// A run whose pose estimator journaled its inputs (odometry, GNSS fixes
// 150 ms late, IMU yaw) replays the fusion to the live estimate, bit for
// bit.
func TestReplayReproducesTheFusion(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	j, err := journal.Open(journal.Config{Dir: filepath.Join(dir, "journal"), Buffer: 1 << 15})
	if err != nil {
		t.Fatal(err)
	}
	wheels := sim.NewWheels(sim.WheelsConfig{LinearAccel: 1, AngularAccel: 3, Slip: 0.03})
	odo := sim.NewOdometer(wheels)
	g := sim.NewGNSS(sim.GNSSConfig{Noise: 0.02, StdDev: 0.02, Latency: 150 * time.Millisecond, NoHeading: true, Seed: 1})
	g.Follow(wheels)
	imu := sim.NewIMU(wheels)
	imu.SetDrift(1e-4)
	est, err := localization.New(localization.Config{Odometer: odo, GNSS: g, IMU: imu, Recorder: j})
	if err != nil {
		t.Fatal(err)
	}
	_ = wheels.Drive(0.5, 0.1)
	now := t0
	for i := range 500 {
		now = now.Add(10 * time.Millisecond)
		for _, s := range []interface {
			Step(time.Time, time.Duration)
		}{wheels, odo, g, imu, est} {
			s.Step(now, 10*time.Millisecond)
		}
		l := wire.AppendLine(nil, "core "+strconv.Itoa(1000+10*i)+" 0.500 0.100 false")
		j.RecordAt(now, "lizard", journal.RecordInput, l[:len(l)-1])
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	sum := run(t, replay.Options{DataDir: dir})
	if live := est.Pose(); sum.FusedPose.X != live.X || sum.FusedPose.Y != live.Y || sum.FusedPose.Yaw != live.Yaw || sum.FusionInputs < 500+40 || live.X < 1 {
		t.Fatalf("replayed fusion %+v from %d inputs, live %+v", sum.FusedPose, sum.FusionInputs, live)
	}
}
