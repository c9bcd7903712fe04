// Package navigate puts the path planner (package pathplanning) to work
// on a robot: the persistent module "path_planner" holding obstacles and
// accessible areas in RoSys's own shape (World), the geofence that stops
// the robot outside every area (Geofence), and the automation "goto" that
// plans a path from the robot's pose to a goal, follows it, and stops and
// replans when an obstacle is put across it (Navigator).
//
// Planning never runs on the control loop: POST /api/goto plans on the
// request's goroutine, the automation on its own, each with a deadline.
// The control loop sees only the geofence, which reads an immutable
// snapshot of the areas and allocates nothing.
package navigate
