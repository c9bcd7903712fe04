package robot

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/gorosys/rosys/boards"
	"github.com/gorosys/rosys/config"
	"github.com/gorosys/rosys/navigate"
	"go.uber.org/zap/zaptest"
)

// The planner's lat/lon outlines take the reference of the robot's GNSS
// (here the simulated twin's configured one); without GNSS they are
// refused, and robot_shape reaches the planner.
func TestPlannerUsesTheRobotsReference(t *testing.T) {
	cfg, err := config.Parse([]byte("board: sim\nhardware:\n  gnss:\n    port: /dev/ttyACM0\n    reference: {lat: 50.1, lon: 8.6}\n"))
	if err != nil {
		t.Fatal(err)
	}
	hw, err := buildHardware(cfg, boards.Profile{}, nil, nil, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	ref, ok := geoReference(hw.GNSS)()
	if !ok || ref.Lat != 50.1 || ref.Lon != 8.6 {
		t.Fatalf("reference %+v %v", ref, ok)
	}
	w := navigate.NewWorld(geoReference(hw.GNSS))
	lat, lon := ref.ToGeo(20, -10)
	body := `{"obstacles": {"rock": {"id": "rock", "outline": [{"lat": 50.1, "lon": 8.6}, {"x": 1, "y": 0},
		{"lat": ` + ftoa(lat) + `, "lon": ` + ftoa(lon) + `}]}}, "areas": {}}`
	if err := w.RestoreStrict([]byte(body)); err != nil {
		t.Fatal(err)
	}
	p := w.Map().Obstacles["rock"].Outline[2]
	if math.Hypot(p.X-20, p.Y+10) > 1e-4 {
		t.Fatalf("(%v, %v) placed at %+v, want (20, -10)", lat, lon, p)
	}
	if geoReference(nil) != nil {
		t.Fatal("a reference without GNSS")
	}
	err = navigate.NewWorld(geoReference(nil)).RestoreStrict([]byte(body))
	if err == nil || !strings.Contains(err.Error(), "no GNSS reference") {
		t.Fatalf("without GNSS: %v", err)
	}
	shaped, _ := config.Parse([]byte("robot_shape:\n  outline: [{x: -0.2, y: -0.2}, {x: 0.3, y: 0}, {x: -0.2, y: 0.2}]\n"))
	if s := shapeOf(shaped); len(s.Outline) != 3 || s.Outline[1].X != 0.3 {
		t.Fatalf("shape %+v", s)
	}
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
