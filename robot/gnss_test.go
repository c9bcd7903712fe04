package robot

import (
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys/boards"
	"github.com/gorosys/rosys/config"
	"github.com/gorosys/rosys/drivers/gnss"
	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/hardware/sim"
	"go.uber.org/zap/zaptest"
)

// With board sim, hardware.gnss is the simulated twin: it reports the
// odometry around the configured reference, in the same status.
func TestSimBoardGNSSIsTheTwin(t *testing.T) {
	cfg, err := config.Parse([]byte("board: sim\nhardware:\n  gnss:\n    port: /dev/ttyACM0\n    reference: {lat: 50.1, lon: 8.6}\n"))
	if err != nil {
		t.Fatal(err)
	}
	hw, err := buildHardware(cfg, boards.Profile{}, nil, nil, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	s, ok := hw.GNSS.(*sim.GNSS)
	if !ok || len(hw.Drivers) != 1 || hw.Drivers[0].Name != "gnss" {
		t.Fatalf("hardware %+v", hw)
	}
	st := hw.Status().(map[string]any)["gnss"].(gnss.Status)
	if st.Fix || !st.Stale || st.Source != "sim" || st.Reference.Lat != 50.1 {
		t.Fatalf("before the first step: %+v", st)
	}
	s.Follow(hardware.NewOdometry(hardware.Pose{X: 3, Y: 4, Yaw: 1}))
	s.Step(time.Now(), 10*time.Millisecond)
	st = hw.Status().(map[string]any)["gnss"].(gnss.Status)
	if !st.Fix || st.Stale || *st.X != 3 || *st.Y != 4 || *st.Yaw != 1 || st.Quality != "rtk_fixed" || !strings.HasPrefix(st.HeadingSource, "true") {
		t.Fatalf("after a step: %+v", st)
	}
	// Without hardware.gnss there is none.
	cfg, _ = config.Parse([]byte("board: sim\n"))
	if hw, err := buildHardware(cfg, boards.Profile{}, nil, nil, zaptest.NewLogger(t)); err != nil || hw.GNSS != nil || hw.Status != nil {
		t.Fatalf("%+v %v", hw, err)
	}
}
