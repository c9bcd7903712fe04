package ui

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/gorosys/rosys"
)

// An event is sent when anything but the uptime and the tick count
// changed: the comparison leaves out exactly those two numbers, even for a
// robot whose name spells the fields.
func TestEventComparisonLeavesOutUptimeAndTicks(t *testing.T) {
	key := func(st rosys.Status) string {
		b, err := json.Marshal(statusResponse{Status: st})
		if err != nil {
			t.Fatal(err)
		}
		var dst bytes.Buffer
		withoutNumbers(&dst, b, uptimeField, ticksField)
		return dst.String()
	}
	base := rosys.Status{Name: `r"uptime_s":1,"ticks":2`, State: "running", UptimeS: 3.5,
		Control: rosys.LoopStats{PeriodUS: 10000, Ticks: 350, Overruns: 1}}
	later := base
	later.UptimeS, later.Control.Ticks = 9.25, 925
	if key(base) != key(later) {
		t.Fatalf("uptime and ticks alone change the comparison:\n%s\n%s", key(base), key(later))
	}
	for name, change := range map[string]func(*rosys.Status){
		"overruns": func(s *rosys.Status) { s.Control.Overruns++ },
		"period":   func(s *rosys.Status) { s.Control.PeriodUS = 20000 },
		"state":    func(s *rosys.Status) { s.State = "stopping" },
		"name":     func(s *rosys.Status) { s.Name = `r"uptime_s":1,"ticks":3` },
	} {
		other := base
		change(&other)
		if key(base) == key(other) {
			t.Errorf("a change of %s is not seen: %s", name, key(other))
		}
	}
	want := `{"name":"r\"uptime_s\":1,\"ticks\":2","state":"running","uptime_s":,"control":{"period_us":10000,"ticks":,`
	if got := key(base); len(got) < len(want) || got[:len(want)] != want {
		t.Errorf("comparison %s\nwant it to start %s", got, want)
	}
}
