package lizard_test

import (
	"strings"
	"testing"

	"github.com/gorosys/rosys/drivers/lizard/lizardtest"
	"github.com/gorosys/rosys/drivers/lizard/wire"
)

// LineCounts are counters: they only grow, across reconnects too (the
// line reader of each session counts overlong lines from zero).
func TestLineCountsSurviveAReconnect(t *testing.T) {
	r := newRig(t, lizardtest.Config{})
	msgs, cancel := r.d.SubscribeMessages(16)
	defer cancel()
	ready, cancelReady := r.d.SubscribeReady(8)
	defer cancelReady()
	_ = r.ctrl.SendRaw([]byte("core 1 9.000 9.000 false@00\r\n"))
	_ = r.ctrl.SendRaw([]byte(strings.Repeat("9", 3*wire.MaxLineLength) + "\n"))
	_ = r.ctrl.Send("marker")
	waitString(t, msgs, "marker")
	good, bad := r.d.LineCounts()
	if bad != 2 || good == 0 {
		t.Fatalf("good %d bad %d", good, bad)
	}
	r.ctrl.Unplug()
	r.waitBool(ready, false, "controller gone")
	if err := r.ctrl.Replug(); err != nil {
		t.Fatal(err)
	}
	r.waitBool(ready, true, "controller back")
	_ = r.ctrl.Send("again")
	waitString(t, msgs, "again")
	good2, bad2 := r.d.LineCounts()
	if bad2 != 2 || good2 <= good {
		t.Fatalf("after a reconnect: good %d (was %d), bad %d (was 2)", good2, good, bad2)
	}
	if st := r.d.Status(); st.Overlong != 1 || st.BadChecksums != 1 {
		t.Fatalf("status after a reconnect %+v", st)
	}
}
