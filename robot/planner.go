package robot

import (
	"math"

	"github.com/gorosys/rosys/config"
	"github.com/gorosys/rosys/drivers/gnss"
	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/hardware/sim"
	"github.com/gorosys/rosys/navigate"
	"github.com/gorosys/rosys/pathplanning"
)

// shapeOf is robot.yaml's robot_shape, or the default.
func shapeOf(cfg *config.Robot) pathplanning.Shape {
	if cfg == nil || cfg.RobotShape == nil {
		return pathplanning.DefaultShape()
	}
	s := pathplanning.Shape{}
	for _, p := range cfg.RobotShape.Outline {
		s.Outline = append(s.Outline, pathplanning.Point{X: p.X, Y: p.Y})
	}
	return s
}

// Shape sets the robot's footprint for the path planner (default:
// pathplanning.DefaultShape, RoSys's).
func Shape(s pathplanning.Shape) Option { return func(o *options) { o.shape = &s } }

// geoReference is the GNSS reference the receiver uses now: the
// configured one, or its first fix; none without a receiver.
func geoReference(rx hardware.GNSSReceiver) navigate.ReferenceFunc {
	switch g := rx.(type) {
	case *sim.GNSS:
		return func() (hardware.GeoReference, bool) { r := g.Reference(); return r, r.Valid() }
	case *gnss.Driver:
		return func() (hardware.GeoReference, bool) {
			ref := g.Status().Reference
			if ref == nil {
				return hardware.GeoReference{}, false
			}
			r, err := hardware.NewGeoReference(ref.Lat, ref.Lon)
			return r, err == nil
		}
	}
	return nil
}

// addPlanner builds the path planner's parts on r: the persistent module
// path_planner (r.World), the geofence among the stops, and the automation
// "goto" (r.Navigator).
func (r *Robot) addPlanner(o options) error {
	shape := pathplanning.DefaultShape()
	if o.shape != nil {
		shape = *o.shape
	}
	// The pose the planner starts from and the geofence tests: the one
	// the Driver follows paths on (the fused estimate).
	pose := r.Pose.Pose
	r.World = navigate.NewWorld(geoReference(r.GNSS))
	r.Geofence = navigate.NewGeofence(r.World, pose)
	if err := r.Arbiter.AddStop(navigate.GeofenceStop, r.Geofence); err != nil {
		return err
	}
	r.Navigator = navigate.New(navigate.Config{
		World: r.World, Shape: shape, Pose: pose, Driver: r.Driver, Automator: r.Automator,
		Clock: r.Runtime.Clock(), Log: r.log,
		AllowReverse: func() bool { return r.Params.Get().CanDriveBackwards },
		Moving: func() bool {
			v := r.Wheels.Velocity()
			return math.Abs(v.Linear) > 0.005 || math.Abs(v.Angular) > 0.01
		},
	})
	return r.Navigator.Register()
}
