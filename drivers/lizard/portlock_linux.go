package lizard

import (
	"errors"
	"os"
	"syscall"
)

// lockPort takes an exclusive lock on the serial device at path, so that
// one process at a time talks to the controller: two readers of one tty
// each get part of every line, and a console opened beside the robot
// both steals the robot's telemetry and misses its own replies.
//
// The serial library sets TIOCEXCL, but root (as robots often run) is
// exempt from it. A POSIX record lock on the device binds everyone, and
// F_GETLK tells who holds it. It is taken before the port is opened, on
// a descriptor of its own (O_NOCTTY, line settings untouched), so a
// refused second user never disturbs the holder's link: opening a tty
// that is already open changes neither DTR nor the port's mode, and the
// refused process reads nothing. The lock goes with the
// holder's process (a crash included), never left behind like a stale
// lock file.
func lockPort(path string) (unlock func() error, err error) {
	f, err := os.OpenFile(path, os.O_RDWR|syscall.O_NOCTTY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	lk := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: 0, Start: 0, Len: 0}
	err = syscall.FcntlFlock(f.Fd(), syscall.F_SETLK, &lk)
	if err == nil {
		return f.Close, nil
	}
	if errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EACCES) {
		who := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: 0, Start: 0, Len: 0}
		_ = syscall.FcntlFlock(f.Fd(), syscall.F_GETLK, &who)
		_ = f.Close()
		pid := int(who.Pid)
		return nil, &PortBusyError{Port: path, PID: max(pid, 0), Robot: pid > 0 && isRobot(pid)}
	}
	// A device that cannot be locked (ENOLCK, EINVAL) is used with
	// TIOCEXCL alone.
	return f.Close, nil
}
