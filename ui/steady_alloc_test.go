package ui_test

import (
	"bytes"
	"encoding/json"
	"runtime"
	"testing"
	"time"

	"github.com/gorosys/rosys/ui"
)

// The events the stream writes field by field are the bytes json.Marshal
// wrote of the snapshot struct before (the dashboard and docs/http-api.md
// rely on them), with an operation and modules in them; and a stream that
// sent an event sends the next only once something shown changed.
func TestEventIsTheSnapshotAsMarshalled(t *testing.T) {
	api, r := steadyServer(t)
	var es ui.EventStream
	for i := range 3 {
		ev, err := api.NextEvent(&es)
		if err != nil {
			t.Fatal(err)
		}
		want, err := ui.ReferenceEvent(&es)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(ev, want) {
			t.Fatalf("event %d:\n%s\nwant\n%s", i, ev, want)
		}
		var snap struct {
			Status  map[string]any             `json:"status"`
			Modules map[string]json.RawMessage `json:"modules"`
			Operate map[string]any             `json:"operate"`
		}
		if err := json.Unmarshal(bytes.TrimSuffix(bytes.TrimPrefix(ev, []byte("data: ")), []byte("\n\n")), &snap); err != nil {
			t.Fatal(err)
		}
		if len(snap.Modules) != 7 || snap.Modules["model"] == nil || snap.Operate["automation"] == nil || snap.Status["hardware"] == nil {
			t.Fatalf("event %d lacks parts: %s", i, ev)
		}
		r.Forward(time.Second)
	}
}

// Allocation ceilings of the steady-state HTTP paths (issue 28, goal 1) on
// the demo robot, at the level reached (before: a status 110 allocations
// and 51.7 KB, an event 184 and 52.4 KB; now 23 and 1.2 KB, 48 and 2.5 KB:
// BenchmarkStatus, BenchmarkEvent). What remains, and why it is not cut here:
//
//   - every time.Time encoded costs two (encoding/json boxes the value to
//     call its MarshalJSON, which returns a new slice): started_at, the
//     velocity's, target's, pose's and odometry's times, the modules'
//     the modules' last_saved — about half of the status's 23;
//   - the hardware status is built afresh and boxed in an any
//     (robot.Robot.Hardware: the status, its target, the pose estimate's
//     lists), the arbiter's stops, the automations' list: about 10;
//   - the two response headers set per answer (net/http makes a new header
//     map per request anyway);
//   - a scrape (before 287 KB and 1945 allocations, now 189 KB and 1850)
//     is mostly client_golang's: Gather builds a protobuf family for every
//     metric, the process collector reads /proc/self/stat, limits, fd and
//     net/netstat with fresh buffers (a third of the bytes), the Go
//     collector reads runtime/metrics afresh, and each const metric of our
//     collectors is a new object; cutting those means leaving
//     client_golang for a text writer of our own;
//   - an event adds the modules' Backup copies (persistence.Value deep-
//     copies its value, navigate.World its maps), their floats'
//     MarshalJSON, store.Keys, and the drive's status boxed in an any.
//
// The ceilings are the level reached with a small margin (status and
// event: a few allocations; a scrape: 2 %, as the process's own figures
// vary from machine to machine and run to run: open files, goroutines,
// the Go collector's runtime/metrics): a change that adds to these paths
// beyond it fails here and must say why.
func TestSteadyPathsAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector drops pooled buffers at random")
	}
	api, _ := steadyServer(t)
	// check pins what fn allocates: at most maxAllocs allocations
	// (testing.AllocsPerRun) and maxBytes bytes a call (the heap's
	// TotalAlloc over the same runs: one large allocation counts as one,
	// and bytes are what brings the next collection nearer).
	check := func(t *testing.T, what string, maxAllocs float64, maxBytes uint64, fn func()) {
		fn() // the pools and the kept buffers fill
		const runs = 50
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		got := testing.AllocsPerRun(runs, fn)
		runtime.ReadMemStats(&after)
		// AllocsPerRun makes one warm-up call besides the runs.
		bytes := (after.TotalAlloc - before.TotalAlloc) / (runs + 1)
		if got > maxAllocs || bytes > maxBytes {
			t.Errorf("%s allocates %v times, %d bytes; at most %v and %d before", what, got, bytes, maxAllocs, maxBytes)
		} else {
			t.Logf("%s: %v allocations, %d bytes", what, got, bytes)
		}
	}
	t.Run("status", func(t *testing.T) {
		w, req := newDiscard(), loopbackGet("/api/status")
		check(t, "GET /api/status", 26, 3<<10, func() { serveOnce(t, api, w, req) })
	})
	t.Run("event", func(t *testing.T) {
		var es ui.EventStream
		check(t, "an event of /api/events", 52, 4<<10, func() {
			if _, err := api.NextEvent(&es); err != nil {
				t.Fatal(err)
			}
		})
	})
	t.Run("metrics", func(t *testing.T) {
		w, req := newDiscard(), loopbackGet("/metrics")
		check(t, "GET /metrics", 1890, 200<<10, func() { serveOnce(t, api, w, req) })
	})
}
