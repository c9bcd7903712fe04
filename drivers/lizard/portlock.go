package lizard

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// ErrPortBusy is returned (wrapped in a *PortBusyError) when another
// process holds the serial port.
var ErrPortBusy = errors.New("serial port in use")

// PortBusyError names the port and the process that holds it.
type PortBusyError struct {
	Port string
	PID  int // 0 when unknown
	// Robot is true when the holder is a running robot (rosys run).
	Robot bool
}

func (e *PortBusyError) Error() string {
	switch {
	case e.Robot:
		return fmt.Sprintf("port %s is in use by the running robot (pid %d); use POST /api/lizard/send", e.Port, e.PID)
	case e.PID > 0:
		return fmt.Sprintf("port %s is in use by process %d (%s); stop it first", e.Port, e.PID, cmdline(e.PID))
	default:
		return fmt.Sprintf("port %s is in use by another process", e.Port)
	}
}

// Is makes errors.Is(err, ErrPortBusy) hold.
func (e *PortBusyError) Is(target error) bool { return target == ErrPortBusy }

// lockedPort closes the port, then gives up its lock.
type lockedPort struct {
	io.ReadWriteCloser
	unlock func() error
}

func (p *lockedPort) Close() error {
	err := p.ReadWriteCloser.Close()
	return errors.Join(err, p.unlock())
}

// cmdline is a process's command line, spaces between the arguments.
func cmdline(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", " "))
}

// isRobot reports whether pid runs `rosys run` (or a user's own main
// holding the port the same way: any process whose arguments include
// "run").
func isRobot(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
	for _, a := range args[1:] {
		if a == "run" {
			return true
		}
	}
	return false
}
