// Package pathplanning plans paths for the Driver around obstacles and
// inside accessible areas, in RoSys's map shape (obstacles and areas as
// outlines of points), for a robot of a given outline.
//
// Plan searches from a start pose to a goal pose and returns the Driver's
// segments (splines, driven forwards or, where allowed, backwards). It runs
// on its caller's goroutine and honours the context's deadline, so the
// caller keeps it off the control loop. Check is the independent test a
// planned path must pass: the robot's outline, placed at poses sampled
// densely along the path with its heading along the path's tangent, must
// touch no obstacle and stay inside the accessible areas. Plan runs Check
// on every path before returning it.
//
// The package imports only hardware (poses) and driving (segments).
package pathplanning
