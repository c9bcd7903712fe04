// Package automation runs one automation at a time: a Go function that
// drives the robot through a Handle and reports its progress in
// checkpoints. It can be started, paused with a reason, resumed and
// stopped; it pauses by itself on manual steering and on a safety stop.
//
// Progress survives the process: the Automator is a persistent module
// (key "automation") holding the automation's name, state and last
// checkpoint. After a crash, a power cut or a restart it comes back paused
// at the last checkpoint and never moves on its own until someone resumes
// it (unless AutoResume is set).
//
// An automation blocks only its own goroutine, and only in the Handle's
// calls or on the runtime's clock; it never commands the wheels itself but
// writes its desired velocity into a cell the control loop reads.
package automation
