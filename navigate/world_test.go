package navigate_test

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/navigate"
	"github.com/gorosys/rosys/pathplanning"
	"github.com/gorosys/rosys/persistence"
)

// A file as RoSys's PathPlanner.backup_to_dict writes it restores, and
// our backup of it is the same JSON value: files move both ways.
func TestRoSysFileBothWays(t *testing.T) {
	data, err := os.ReadFile("testdata/rosys_path_planner.json")
	if err != nil {
		t.Fatal(err)
	}
	w := navigate.NewWorld(nil)
	if err := w.Restore(data); err != nil {
		t.Fatal(err)
	}
	m := w.Map()
	if len(m.Obstacles) != 2 || len(m.Areas) != 2 || m.Obstacles["tree"].Outline[1] != (pathplanning.Point{X: 5, Y: -0.5}) {
		t.Fatalf("map %+v", m)
	}
	if a := m.Areas["headland"]; a.Type != "turn" || a.Color != "#ff8800" || !a.Closed {
		t.Fatalf("headland %+v", a)
	}
	out, err := persistence.ToJSON(w.Backup())
	if err != nil {
		t.Fatal(err)
	}
	var want, got any
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("backup differs from the RoSys file:\n%s\n%s", out, data)
	}
	// Floats stay floats, as Python writes and reads them.
	if !strings.Contains(string(out), `"x": 4.0`) && !strings.Contains(string(out), `"x":4.0`) {
		t.Fatalf("floats lost their point: %s", out)
	}
	// A strict restore (the API) of our own backup is the same map.
	w2 := navigate.NewWorld(nil)
	if err := w2.RestoreStrict(out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(w2.Map(), m) {
		t.Fatalf("round trip: %+v", w2.Map())
	}
}

func TestLatLonOutlinesUseTheReference(t *testing.T) {
	ref, err := hardware.NewGeoReference(48.1, 11.5)
	if err != nil {
		t.Fatal(err)
	}
	w := navigate.NewWorld(func() (hardware.GeoReference, bool) { return ref, true })
	// 10 m north of the reference is x = 10; a mix of x/y and lat/lon
	// points in one outline is allowed, each point is one or the other.
	lat10, _ := ref.ToGeo(10, 0)
	_, lon5 := ref.ToGeo(0, -5) // 5 m east: y = -5
	body := `{"obstacles": {"post": {"id": "post", "outline": [
		{"lat": 48.1, "lon": 11.5}, {"lat": ` + ftoa(lat10) + `, "lon": 11.5}, {"x": 10, "y": -5}, {"lat": 48.1, "lon": ` + ftoa(lon5) + `}]}},
		"areas": {}}`
	if err := w.RestoreStrict([]byte(body)); err != nil {
		t.Fatal(err)
	}
	got := w.Map().Obstacles["post"].Outline
	want := []pathplanning.Point{{X: 0, Y: 0}, {X: 10, Y: 0}, {X: 10, Y: -5}, {X: 0, Y: -5}}
	for i := range want {
		if math.Abs(got[i].X-want[i].X) > 1e-4 || math.Abs(got[i].Y-want[i].Y) > 1e-4 {
			t.Fatalf("point %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	// Stored as x, y only.
	out, _ := json.Marshal(w.Backup())
	if strings.Contains(string(out), "lat") {
		t.Fatalf("backup keeps lat/lon: %s", out)
	}
	// Without a reference lat/lon is refused, naming the point.
	err = navigate.NewWorld(nil).RestoreStrict([]byte(body))
	if err == nil || !strings.Contains(err.Error(), "obstacles.post.outline[0]") || !strings.Contains(err.Error(), "no GNSS reference") {
		t.Fatalf("without a reference: %v", err)
	}
}

func ftoa(f float64) string { b, _ := json.Marshal(f); return string(b) }

func TestBadMapsAreRefusedNamingTheProblem(t *testing.T) {
	pts := func(n int) string {
		var sb strings.Builder
		for i := range n {
			if i > 0 {
				sb.WriteString(",")
			}
			sb.WriteString(`{"x": ` + ftoa(float64(i)) + `, "y": ` + ftoa(float64(i%2)) + `}`)
		}
		return sb.String()
	}
	tri := `[{"x": 0, "y": 0}, {"x": 1, "y": 0}, {"x": 0, "y": 1}]`
	many := func(n int) string {
		var sb strings.Builder
		for i := range n {
			if i > 0 {
				sb.WriteString(",")
			}
			id := "o" + ftoa(float64(i))
			sb.WriteString(`"` + id + `": {"id": "` + id + `", "outline": ` + tri + `}`)
		}
		return sb.String()
	}
	for _, tc := range []struct{ name, body, want string }{
		{"id not its key", `{"obstacles": {"a": {"id": "b", "outline": ` + tri + `}}}`, `obstacles.a.id is "b": it must match its key "a"`},
		{"two points", `{"obstacles": {"a": {"id": "a", "outline": [{"x": 0, "y": 0}, {"x": 1, "y": 0}]}}}`, "obstacles.a.outline: 2 points, a polygon needs at least 3"},
		{"too many points", `{"areas": {"a": {"id": "a", "outline": [` + pts(1001) + `]}}}`, "areas.a.outline: 1001 points, at most 1000"},
		{"too many obstacles", `{"obstacles": {` + many(2001) + `}}`, "obstacles: 2001, at most 2000"},
		{"far away", `{"obstacles": {"a": {"id": "a", "outline": [{"x": 0, "y": 0}, {"x": 1e6, "y": 0}, {"x": 0, "y": 1}]}}}`, "obstacles.a.outline[1]: (1e+06, 0) is not within 100000 m"},
		{"half a point", `{"obstacles": {"a": {"id": "a", "outline": [{"x": 0}, {"x": 1, "y": 0}, {"x": 0, "y": 1}]}}}`, "obstacles.a.outline[0]: needs both x and y"},
		{"both kinds", `{"obstacles": {"a": {"id": "a", "outline": [{"x": 0, "y": 0, "lat": 1, "lon": 2}, {"x": 1, "y": 0}, {"x": 0, "y": 1}]}}}`, "give x and y, or lat and lon, not both"},
		{"empty point", `{"obstacles": {"a": {"id": "a", "outline": [{}, {"x": 1, "y": 0}, {"x": 0, "y": 1}]}}}`, "obstacles.a.outline[0]: an empty point"},
		{"off the globe", `{"areas": {"a": {"id": "a", "outline": [{"lat": 91, "lon": 0}, {"x": 1, "y": 0}, {"x": 0, "y": 1}]}}}`, "is not on the globe"},
		{"not a number", `{"obstacles": {"a": {"id": "a", "outline": [{"x": "1", "y": 0}]}}}`, "cannot unmarshal"},
		{"misspelt field", `{"obstacles": {}, "area": {}}`, `unknown field "area"`},
		{"misspelt case", `{"Obstacles": {}}`, "Obstacles"},
		{"empty id", `{"obstacles": {"": {"id": "", "outline": ` + tri + `}}}`, "obstacles: an empty id"},
		{"long color", `{"areas": {"a": {"id": "a", "color": "` + strings.Repeat("x", 65) + `", "outline": ` + tri + `}}}`, "areas.a.color: 65 bytes"},
	} {
		w := navigate.NewWorld(nil)
		_ = w.SetObstacle(pathplanning.Obstacle{ID: "keep", Outline: []pathplanning.Point{{X: 0, Y: 0}, {X: 1, Y: 0}, {X: 0, Y: 1}}})
		v := w.Version()
		err := w.RestoreStrict([]byte(tc.body))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
		if w.Version() != v || len(w.Map().Obstacles) != 1 {
			t.Errorf("%s: the map changed", tc.name)
		}
	}
	// NaN cannot be written in JSON; through Go it is refused as well.
	w := navigate.NewWorld(nil)
	err := w.SetObstacle(pathplanning.Obstacle{ID: "n", Outline: []pathplanning.Point{{X: math.NaN(), Y: 0}, {X: 1, Y: 0}, {X: 0, Y: 1}}})
	if err == nil || !strings.Contains(err.Error(), "obstacles.n.outline[0]: (NaN, 0)") {
		t.Fatalf("NaN: %v", err)
	}
	if err := w.SetObstacle(pathplanning.Obstacle{ID: "a", Outline: []pathplanning.Point{{X: 0, Y: 0}, {X: 1, Y: 0}, {X: 0, Y: 1}}}); err != nil {
		t.Fatal(err)
	}
	if !w.RemoveObstacle("a") || w.RemoveObstacle("a") {
		t.Fatal("remove")
	}
}

func TestGeofenceOnlyWithAreas(t *testing.T) {
	w := navigate.NewWorld(nil)
	pose := hardware.Pose{X: 50}
	g := navigate.NewGeofence(w, func() hardware.Pose { return pose })
	if g.Active() {
		t.Fatal("no areas, no fence")
	}
	if err := w.SetArea(pathplanning.Area{ID: "a", Outline: []pathplanning.Point{{X: 0, Y: 0}, {X: 10, Y: 0}, {X: 10, Y: 10}, {X: 0, Y: 10}}}); err != nil {
		t.Fatal(err)
	}
	if err := w.SetArea(pathplanning.Area{ID: "b", Outline: []pathplanning.Point{{X: 40, Y: -5}, {X: 60, Y: -5}, {X: 50, Y: 5}}}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		x, y   float64
		active bool
	}{{50, 0, false}, {5, 5, false}, {20, 5, true}, {-0.01, 5, true}, {50, 4, false}, {50, 6, true}} {
		pose = hardware.Pose{X: tc.x, Y: tc.y}
		if g.Active() != tc.active {
			t.Errorf("at (%v, %v): active %v", tc.x, tc.y, !tc.active)
		}
	}
	pose = hardware.Pose{X: 20, Y: 5}
	if allocs := testing.AllocsPerRun(100, func() { g.Active() }); allocs != 0 {
		t.Fatalf("Active allocates %v times", allocs)
	}
}

// Edits from many goroutines at once all land (none is lost to a
// concurrent copy-and-replace).
func TestConcurrentEditsAllLand(t *testing.T) {
	w := navigate.NewWorld(nil)
	done := make(chan struct{})
	for i := range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for k := range 25 {
				id := fmt.Sprintf("o%d-%d", i, k)
				if err := w.SetObstacle(pathplanning.Obstacle{ID: id, Outline: []pathplanning.Point{{X: 0, Y: 0}, {X: 1, Y: 0}, {X: 0, Y: 1}}}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	for range 8 {
		<-done
	}
	if n := len(w.Map().Obstacles); n != 200 {
		t.Fatalf("%d obstacles, want 200", n)
	}
}

// The geofence's strip index answers as the plain even-odd rule over all
// edges does, on random polygons (stars, so they zig-zag across strips)
// and random points.
func TestGeofenceMatchesThePlainRule(t *testing.T) {
	rng := rand.New(rand.NewPCG(26, 1))
	plain := func(pts []pathplanning.Point, x, y float64) bool {
		in := false
		for i, j := 0, len(pts)-1; i < len(pts); j, i = i, i+1 {
			a, b := pts[i], pts[j]
			if (a.Y > y) != (b.Y > y) && x < (b.X-a.X)*(y-a.Y)/(b.Y-a.Y)+a.X {
				in = !in
			}
		}
		return in
	}
	for round := range 20 {
		w := navigate.NewWorld(nil)
		var polys [][]pathplanning.Point
		for i := range 1 + rng.IntN(4) {
			n := 3 + rng.IntN(400)
			cx, cy, r := rng.Float64()*20-10, rng.Float64()*20-10, 1+rng.Float64()*8
			pts := make([]pathplanning.Point, n)
			for k := range pts {
				a := 2 * math.Pi * float64(k) / float64(n)
				rr := r * (0.2 + 0.8*rng.Float64())
				pts[k] = pathplanning.Point{X: cx + rr*math.Cos(a), Y: cy + rr*math.Sin(a)}
			}
			if err := w.SetArea(pathplanning.Area{ID: fmt.Sprint("a", i), Outline: pts}); err != nil {
				t.Fatal(err)
			}
			polys = append(polys, pts)
		}
		for range 2000 {
			x, y := rng.Float64()*40-20, rng.Float64()*40-20
			want := true
			for _, p := range polys {
				if plain(p, x, y) {
					want = false
				}
			}
			if got := w.Outside(x, y); got != want {
				t.Fatalf("round %d: (%v, %v) outside %v, the plain rule says %v", round, x, y, got, want)
			}
		}
	}
}
