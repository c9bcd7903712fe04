package navigate

import (
	"fmt"
	"math"
	"sort"

	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/pathplanning"
)

// input is the module's data as given: points in x, y or lat, lon.
type input struct {
	Obstacles map[string]inputObstacle `json:"obstacles"`
	Areas     map[string]inputArea     `json:"areas"`
}

type inputObstacle struct {
	ID      string       `json:"id"`
	Outline []inputPoint `json:"outline"`
}

type inputArea struct {
	ID      string       `json:"id"`
	Type    *string      `json:"type"`
	Color   *string      `json:"color"`
	Closed  *bool        `json:"closed"`
	Outline []inputPoint `json:"outline"`
}

type inputPoint struct {
	X   *float64 `json:"x"`
	Y   *float64 `json:"y"`
	Lat *float64 `json:"lat"`
	Lon *float64 `json:"lon"`
}

// toMap converts the input, lat/lon points with the reference.
func (in input) toMap(ref ReferenceFunc) (pathplanning.Map, error) {
	if len(in.Obstacles) > MaxObstacles {
		return pathplanning.Map{}, fmt.Errorf("obstacles: %d, at most %d", len(in.Obstacles), MaxObstacles)
	}
	if len(in.Areas) > MaxAreas {
		return pathplanning.Map{}, fmt.Errorf("areas: %d, at most %d", len(in.Areas), MaxAreas)
	}
	m := pathplanning.Map{Obstacles: make(map[string]pathplanning.Obstacle, len(in.Obstacles)),
		Areas: make(map[string]pathplanning.Area, len(in.Areas))}
	for _, k := range sortedKeys(in.Obstacles) {
		o := in.Obstacles[k]
		pts, err := convert(o.Outline, ref)
		if err != nil {
			return m, fmt.Errorf("obstacles.%s.outline%w", k, err)
		}
		m.Obstacles[k] = pathplanning.Obstacle{ID: o.ID, Outline: pts}
	}
	for _, k := range sortedKeys(in.Areas) {
		a := in.Areas[k]
		pts, err := convert(a.Outline, ref)
		if err != nil {
			return m, fmt.Errorf("areas.%s.outline%w", k, err)
		}
		area := pathplanning.Area{ID: a.ID, Color: "green", Closed: true, Outline: pts}
		setAreaType(&area, a.Type)
		if a.Color != nil {
			area.Color = *a.Color
		}
		if a.Closed != nil {
			area.Closed = *a.Closed
		}
		m.Areas[k] = area
	}
	return m, nil
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// convert takes each point in x, y or lat, lon (never a mix in one
// point); errors start with the point's index ("[3]: ...").
func convert(in []inputPoint, ref ReferenceFunc) ([]pathplanning.Point, error) {
	if len(in) > MaxOutlinePoints {
		return nil, fmt.Errorf(": %d points, at most %d", len(in), MaxOutlinePoints)
	}
	out := make([]pathplanning.Point, len(in))
	var r hardware.GeoReference
	haveRef := false
	for i, p := range in {
		xy, ll := p.X != nil || p.Y != nil, p.Lat != nil || p.Lon != nil
		switch {
		case xy && ll:
			return nil, fmt.Errorf("[%d]: give x and y, or lat and lon, not both", i)
		case xy:
			if p.X == nil || p.Y == nil {
				return nil, fmt.Errorf("[%d]: needs both x and y", i)
			}
			out[i] = pathplanning.Point{X: *p.X, Y: *p.Y}
		case ll:
			if p.Lat == nil || p.Lon == nil {
				return nil, fmt.Errorf("[%d]: needs both lat and lon", i)
			}
			lat, lon := *p.Lat, *p.Lon
			if !(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180) {
				return nil, fmt.Errorf("[%d]: lat %v, lon %v is not on the globe (lat in [-90, 90], lon in [-180, 180])", i, lat, lon)
			}
			if !haveRef {
				if ref != nil {
					r, haveRef = ref()
				}
				if !haveRef || !r.Valid() {
					return nil, fmt.Errorf("[%d]: %w", i, ErrNoReference)
				}
			}
			x, y := r.ToLocal(lat, lon)
			if !(math.Abs(x) <= MaxCoordinate && math.Abs(y) <= MaxCoordinate) {
				return nil, fmt.Errorf("[%d]: lat %v, lon %v is %.0f km from the reference (%v, %v), more than %d km",
					i, lat, lon, math.Hypot(x, y)/1000, r.Lat, r.Lon, MaxCoordinate/1000)
			}
			out[i] = pathplanning.Point{X: x, Y: y}
		default:
			return nil, fmt.Errorf("[%d]: an empty point; give x and y (m) or lat and lon (degrees)", i)
		}
	}
	return out, nil
}
