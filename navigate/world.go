package navigate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"sync"
	"sync/atomic"

	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/pathplanning"
	"github.com/gorosys/rosys/persistence"
)

// Key is the persistent module's key, RoSys's.
const Key = "path_planner"

// Bounds of the obstacle map: a field robot's map is drawn by hand or
// imported from a field boundary, hundreds of shapes at most. A body on
// the API is at most 1 MiB anyway; these keep the planner's map (and the
// geofence's work on each control tick) bounded too.
const (
	MaxObstacles     = 2000
	MaxAreas         = 200
	MaxOutlinePoints = 1000    // per obstacle or area
	MaxPoints        = 100_000 // over all outlines
	MaxCoordinate    = 100_000 // m from the frame's origin
	MaxIDBytes       = 128
	maxColorBytes    = 64
)

// ErrNoReference is returned for an outline given in latitude and
// longitude while the robot has no GNSS reference to place it by.
var ErrNoReference = errors.New("no GNSS reference: the robot has no local frame to place lat/lon points in (set hardware.gnss.reference, or wait for the first fix)")

// ReferenceFunc is the GNSS reference the robot uses now; false without
// one.
type ReferenceFunc func() (hardware.GeoReference, bool)

// World is the persistent module "path_planner": obstacles and accessible
// areas in the local frame, in RoSys's shape, so that RoSys's files load
// here and ours load in RoSys:
//
//	{"obstacles": {"tree": {"id": "tree", "outline": [{"x": 1, "y": 2}, ...]}},
//	 "areas": {"field": {"id": "field", "type": null, "color": "green", "closed": true,
//	                     "outline": [{"x": 0, "y": 0}, ...]}}}
//
// A point may be given as {"lat", "lon"} (WGS84 degrees) instead: it is
// converted with the GNSS reference in use and stored as x, y. Its methods
// are safe for concurrent use.
type World struct {
	persistence.Tracker
	ref ReferenceFunc

	// editMu orders changes: an edit reads the map, changes a copy and
	// replaces it, and two at once must not lose one.
	editMu sync.Mutex

	mu      sync.Mutex
	m       pathplanning.Map // replaced whole, never modified: readers share it
	version uint64
	changed chan struct{} // closed and replaced on every change

	areas atomic.Pointer[areaSet] // for the geofence on the control loop
}

// NewWorld returns an empty map; ref converts lat/lon outlines (nil: they
// are refused).
func NewWorld(ref ReferenceFunc) *World {
	w := &World{ref: ref, changed: make(chan struct{})}
	w.replace(pathplanning.Map{Obstacles: map[string]pathplanning.Obstacle{}, Areas: map[string]pathplanning.Area{}})
	return w
}

// Map is the map now. It is shared: do not modify it.
func (w *World) Map() pathplanning.Map {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.m
}

// Snapshot is the map now and its version, read together.
func (w *World) Snapshot() (pathplanning.Map, uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.m, w.version
}

// Version counts the changes to the map.
func (w *World) Version() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.version
}

// Changed is closed at the next change of the map.
func (w *World) Changed() <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.changed
}

// SetObstacle adds or replaces the obstacle o.ID.
func (w *World) SetObstacle(o pathplanning.Obstacle) error {
	return w.edit(func(m *pathplanning.Map) { m.Obstacles[o.ID] = o })
}

// RemoveObstacle removes the obstacle id; false if there is none.
func (w *World) RemoveObstacle(id string) bool {
	found := false
	_ = w.edit(func(m *pathplanning.Map) { _, found = m.Obstacles[id]; delete(m.Obstacles, id) })
	return found
}

// SetArea adds or replaces the area a.ID.
func (w *World) SetArea(a pathplanning.Area) error {
	return w.edit(func(m *pathplanning.Map) { m.Areas[a.ID] = a })
}

// RemoveArea removes the area id; false if there is none.
func (w *World) RemoveArea(id string) bool {
	found := false
	_ = w.edit(func(m *pathplanning.Map) { _, found = m.Areas[id]; delete(m.Areas, id) })
	return found
}

// edit applies fn to a copy of the map, validates it and makes it the map.
func (w *World) edit(fn func(*pathplanning.Map)) error {
	w.editMu.Lock()
	defer w.editMu.Unlock()
	w.mu.Lock()
	m := pathplanning.Map{Obstacles: maps.Clone(w.m.Obstacles), Areas: maps.Clone(w.m.Areas)}
	w.mu.Unlock()
	fn(&m)
	if err := validate(m); err != nil {
		return err
	}
	w.replace(m)
	w.RequestBackup()
	return nil
}

func (w *World) replace(m pathplanning.Map) {
	set := newAreaSet(m)
	w.mu.Lock()
	w.m = m
	w.version++
	close(w.changed)
	w.changed = make(chan struct{})
	w.areas.Store(set)
	w.mu.Unlock()
}

// stored is the module's data as RoSys writes it: points in x, y only.
type stored struct {
	Obstacles map[string]storedObstacle `json:"obstacles"`
	Areas     map[string]storedArea     `json:"areas"`
}

type storedObstacle struct {
	ID      string    `json:"id"`
	Outline []xyPoint `json:"outline"`
}

type storedArea struct {
	ID      string    `json:"id"`
	Type    *string   `json:"type"`
	Color   string    `json:"color"`
	Closed  bool      `json:"closed"`
	Outline []xyPoint `json:"outline"`
}

type xyPoint struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// Backup implements persistence.Persistable.
func (w *World) Backup() any {
	m := w.Map()
	out := stored{Obstacles: make(map[string]storedObstacle, len(m.Obstacles)), Areas: make(map[string]storedArea, len(m.Areas))}
	for k, o := range m.Obstacles {
		out.Obstacles[k] = storedObstacle{ID: o.ID, Outline: toXY(o.Outline)}
	}
	for k, a := range m.Areas {
		out.Areas[k] = storedArea{ID: a.ID, Type: areaType(a), Color: a.Color, Closed: a.Closed, Outline: toXY(a.Outline)}
	}
	return out
}

func toXY(ps []pathplanning.Point) []xyPoint {
	out := make([]xyPoint, len(ps))
	for i, p := range ps {
		out[i] = xyPoint{p.X, p.Y}
	}
	return out
}

// Restore implements persistence.Persistable: a file RoSys or we wrote.
// Fields it does not know are ignored (RoSys may add some).
func (w *World) Restore(data json.RawMessage) error { return w.restore(data, false) }

// RestoreStrict implements persistence.StrictRestorer: the API refuses a
// misspelt field rather than dropping it.
func (w *World) RestoreStrict(data json.RawMessage) error { return w.restore(data, true) }

func (w *World) restore(data json.RawMessage, strict bool) error {
	in, err := persistence.FromJSON(data, input{})
	if err != nil {
		return err
	}
	if strict {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		var check input
		if err := dec.Decode(&check); err != nil {
			return err
		}
	}
	m, err := in.toMap(w.ref)
	if err != nil {
		return err
	}
	if err := validate(m); err != nil {
		return err
	}
	w.editMu.Lock()
	defer w.editMu.Unlock()
	w.replace(m)
	return nil
}

// validate checks what the planner and the geofence rely on.
func validate(m pathplanning.Map) error {
	if len(m.Obstacles) > MaxObstacles {
		return fmt.Errorf("obstacles: %d, at most %d", len(m.Obstacles), MaxObstacles)
	}
	if len(m.Areas) > MaxAreas {
		return fmt.Errorf("areas: %d, at most %d", len(m.Areas), MaxAreas)
	}
	total := 0
	for _, k := range sortedKeys(m.Obstacles) {
		o := m.Obstacles[k]
		if err := checkShape("obstacles", k, o.ID, o.Outline); err != nil {
			return err
		}
		total += len(o.Outline)
	}
	for _, k := range sortedKeys(m.Areas) {
		a := m.Areas[k]
		if err := checkShape("areas", k, a.ID, a.Outline); err != nil {
			return err
		}
		if len(a.Color) > maxColorBytes {
			return fmt.Errorf("areas.%s.color: %d bytes, at most %d", k, len(a.Color), maxColorBytes)
		}
		if t := areaType(a); t != nil && len(*t) > MaxIDBytes {
			return fmt.Errorf("areas.%s.type: %d bytes, at most %d", k, len(*t), MaxIDBytes)
		}
		total += len(a.Outline)
	}
	if total > MaxPoints {
		return fmt.Errorf("%d outline points in all, at most %d", total, MaxPoints)
	}
	return nil
}

func checkShape(kind, key, id string, outline []pathplanning.Point) error {
	switch {
	case key == "":
		return fmt.Errorf("%s: an empty id", kind)
	case len(key) > MaxIDBytes:
		return fmt.Errorf("%s.%.20s...: id of %d bytes, at most %d", kind, key, len(key), MaxIDBytes)
	case id != key:
		return fmt.Errorf("%s.%s.id is %q: it must match its key %q", kind, key, id, key)
	case len(outline) < 3:
		return fmt.Errorf("%s.%s.outline: %d points, a polygon needs at least 3", kind, key, len(outline))
	case len(outline) > MaxOutlinePoints:
		return fmt.Errorf("%s.%s.outline: %d points, at most %d", kind, key, len(outline), MaxOutlinePoints)
	}
	for i, p := range outline {
		// Written so that NaN is refused too.
		if !(math.Abs(p.X) <= MaxCoordinate && math.Abs(p.Y) <= MaxCoordinate) {
			return fmt.Errorf("%s.%s.outline[%d]: (%v, %v) is not within %d m of the origin", kind, key, i, p.X, p.Y, MaxCoordinate)
		}
	}
	return nil
}
