package rosys_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/clock"
	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/rosystest"
	"github.com/gorosys/rosys/storage"
)

// stepRecorder records the time of every control step. If slowAt is set,
// the step at that count sleeps on the clock for slowFor, as a step that
// overran its period would.
type stepRecorder struct {
	clock   clock.Clock
	times   []time.Time
	slowAt  int
	slowFor time.Duration
}

func (s *stepRecorder) Step(now time.Time, period time.Duration) {
	s.times = append(s.times, now)
	if len(s.times) == s.slowAt {
		_ = s.clock.NewTimer().SleepUntil(context.Background(), now.Add(s.slowFor), nil)
	}
}

func TestControlLoopKeepsItsPeriod(t *testing.T) {
	r := rosystest.New(t, rosys.Config{ControlPeriod: 10 * time.Millisecond})
	s := &stepRecorder{clock: r.Clock}
	must(t, r.Add("steps", s))
	r.Start()
	start := r.Clock.Now()
	r.Forward(time.Second)
	if len(s.times) != 100 {
		t.Fatalf("%d steps in 1 s at 10 ms", len(s.times))
	}
	for i, at := range s.times {
		if want := start.Add(time.Duration(i+1) * 10 * time.Millisecond); !at.Equal(want) {
			t.Fatalf("step %d at %v, want %v", i, at.Sub(start), want.Sub(start))
		}
	}
	st := r.Status().Control
	if st.Ticks != 100 || st.Overruns != 0 || st.JitterMaxUS != 0 || st.PeriodUS != 10000 {
		t.Fatalf("stats %+v", st)
	}
}

func TestOverrunSkipsMissedTicks(t *testing.T) {
	r := rosystest.New(t, rosys.Config{ControlPeriod: 10 * time.Millisecond})
	s := &stepRecorder{clock: r.Clock, slowAt: 5, slowFor: 35 * time.Millisecond}
	must(t, r.Add("steps", s))
	r.Start()
	start := r.Clock.Now()
	r.Forward(time.Second)
	st := r.Status().Control
	// Tick 5 starts at 50 ms and ends at 85 ms: the slots at 60, 70 and 80
	// ms are skipped and the loop goes on at 90 ms, on the grid.
	if st.Overruns != 3 || st.Ticks != 97 || len(s.times) != 97 {
		t.Fatalf("overruns %d ticks %d steps %d", st.Overruns, st.Ticks, len(s.times))
	}
	if got := s.times[5].Sub(start); got != 90*time.Millisecond {
		t.Fatalf("tick after the overrun at %v, want 90ms", got)
	}
	if st.StepMaxUS != 35000 {
		t.Fatalf("step max %v µs", st.StepMaxUS)
	}
}

type modelModule struct {
	persistence.Tracker
	value atomic.Int64
}

func (m *modelModule) Backup() any { return map[string]int64{"value": m.value.Load()} }
func (m *modelModule) Restore(data json.RawMessage) error {
	var d struct{ Value int64 }
	if err := json.Unmarshal(data, &d); err != nil {
		return err
	}
	m.value.Store(d.Value)
	return nil
}

func TestBackupCycleAndFinalFlush(t *testing.T) {
	r := rosystest.New(t, rosys.Config{BackupInterval: 10 * time.Second})
	model := persistence.NewValue(map[string]float64{"value": 1})
	quiet := &modelModule{}
	quiet.value.Store(3)
	must(t, r.Add("model", model))
	must(t, r.Add("quiet", quiet))
	r.Start()
	model.Set(map[string]float64{"value": 7.5})
	r.Forward(9 * time.Second)
	if _, err := os.Stat(filepath.Join(r.Dir, "model.json")); !os.IsNotExist(err) {
		t.Fatalf("written before the backup cycle: %v", err)
	}
	r.Forward(time.Second)
	if got := fileData(t, r.Dir, "model"); got != `{"value":7.5}` {
		t.Fatalf("after one cycle: %s", got)
	}
	if _, err := os.Stat(filepath.Join(r.Dir, "quiet.json")); !os.IsNotExist(err) {
		t.Fatal("a module that did not ask was written by the cycle")
	}
	quiet.value.Store(4) // changed without asking: only the final flush saves it
	must(t, r.Stop())
	if got := fileData(t, r.Dir, "quiet"); got != `{"value":4}` {
		t.Fatalf("final flush wrote %s", got)
	}
}

func TestImmediateBackupMode(t *testing.T) {
	r := rosystest.New(t, rosys.Config{BackupInterval: -1})
	model := persistence.NewValue(0)
	must(t, r.Add("model", model))
	r.Start()
	model.Set(42)
	r.ForwardUntil(func() bool {
		st, _ := r.Store().ModuleStatus("model")
		return st.Saves == 1
	}, time.Second)
	if got := fileData(t, r.Dir, "model"); got != "42" {
		t.Fatalf("file holds %s", got)
	}
}

func TestRestartRestores(t *testing.T) {
	r := rosystest.New(t, rosys.Config{})
	model := persistence.NewValue(map[string]float64{"value": 1})
	must(t, r.Add("model", model))
	r.Start()
	model.Set(map[string]float64{"value": 2.5})
	must(t, r.Stop())
	r.Store().Close()

	store := openStore(t, r.Dir)
	r2 := rosystest.New(t, rosys.Config{Storage: storage.New(store, nil)})
	model2 := persistence.NewValue(map[string]float64{"value": 1})
	must(t, r2.Add("model", model2))
	r2.Start()
	if got := model2.Get()["value"]; got != 2.5 {
		t.Fatalf("restored %v", got)
	}
}

func fileData(t *testing.T, dir, key string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, key+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var env struct{ Data json.RawMessage }
	if err := json.Unmarshal(b, &env); err != nil {
		t.Fatal(err)
	}
	return strings.Join(strings.Fields(string(env.Data)), "")
}
