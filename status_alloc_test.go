package rosys

import (
	"context"
	"slices"
	"testing"
	"time"
)

// Polling the status (GET /api/status, the event stream, a scrape) must
// not make garbage (issue 28): StatusInto with a reused Status allocates
// nothing, and what it reports is what Status reports.
func TestStatusIntoAllocatesNothing(t *testing.T) {
	r := New(Config{Name: "alloc", DisableRealtime: true})
	for _, name := range []string{"a", "b", "c"} {
		if err := r.Add(name, &countingStepper{}); err != nil {
			t.Fatal(err)
		}
	}
	r.OnRepeat("tidy", time.Second, func(context.Context) error { return nil })
	// Lateness 1..2000 µs: the window holds the last 1024 (977..2000).
	for i := 1; i <= 2000; i++ {
		r.stats.record(time.Duration(i)*time.Microsecond, time.Duration(2*i)*time.Microsecond)
	}
	var st Status
	r.StatusInto(&st)
	allocs := testing.AllocsPerRun(200, func() { r.StatusInto(&st) })
	if allocs != 0 {
		t.Errorf("StatusInto allocates %v times a call", allocs)
	}
	fresh := r.Status()
	if st.Name != "alloc" || len(st.Modules) != 3 || st.Modules[2].Name != "c" || st.Modules[0].Type != "*rosys.countingStepper" ||
		!slices.Equal(st.Modules[1].Roles, []string{"stepper"}) || len(st.Repeaters) != 1 || st.Repeaters[0].Name != "tidy" {
		t.Fatalf("status %+v", st)
	}
	if fresh.Control != st.Control || fresh.Control.Window != statsWindow || st.Control.JitterMaxUS != 2000 ||
		st.Control.JitterP50US != 977+511 || st.Control.StepMaxUS != 4000 {
		t.Fatalf("control %+v, fresh %+v", st.Control, fresh.Control)
	}
	if st.Process.OpenFiles <= 0 || st.Process.RSSBytes == 0 || st.Process.Goroutines <= 0 || st.Process.HeapBytes == 0 {
		t.Fatalf("process %+v", st.Process)
	}
}
