package hardware

import "time"

// Velocity is a measured or commanded body velocity: linear in m/s along
// the robot's x axis, angular in rad/s counter-clockwise.
type Velocity struct {
	Linear  float64   `json:"linear"`
	Angular float64   `json:"angular"`
	Time    time.Time `json:"time"`
}

// Pose is a position in metres and a heading (yaw) in radians in
// (-pi, pi], in the odometry frame.
type Pose struct {
	X    float64   `json:"x"`
	Y    float64   `json:"y"`
	Yaw  float64   `json:"yaw"`
	Time time.Time `json:"time"`
}
