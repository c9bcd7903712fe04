package rosys

import (
	"time"

	"github.com/gorosys/rosys/clock"
	"go.uber.org/zap"
)

// Defaults, as in RoSys where it has them.
const (
	DefaultControlPeriod   = 10 * time.Millisecond
	DefaultBackupInterval  = 10 * time.Second
	DefaultShutdownTimeout = 10 * time.Second
	DefaultStopTimeout     = 3 * time.Second
	DefaultStartTimeout    = 30 * time.Second
	DefaultRealtimePrio    = 10
)

// backupIntervalText describes BackupInterval for the log: a negative
// interval is how "commit at once" is spelled inside, not a duration.
func (c Config) backupIntervalText() string {
	if c.BackupInterval < 0 {
		return "0s (commit at once)"
	}
	return c.BackupInterval.String()
}

// Config configures a Runtime. The zero value of every field means its
// default.
type Config struct {
	Name string
	// ControlPeriod is the control loop's period (default 10 ms).
	ControlPeriod time.Duration
	// BackupInterval is the backup cycle: the least time between two
	// commits of requested backups (default 10 s). Negative means commit
	// as soon as a module asks (coalesced), for settings that must be
	// durable at once.
	BackupInterval time.Duration
	// ShutdownTimeout bounds the whole shutdown, final flush included
	// (default 10 s, well under systemd's 90 s TimeoutStopSec).
	ShutdownTimeout time.Duration
	// StopTimeout bounds each module's Stop (default 3 s).
	StopTimeout time.Duration
	// StartTimeout bounds each module's Start (default 30 s).
	StartTimeout time.Duration
	// Storage persists the modules that implement persistence.Persistable
	// (package storage runs a store for it). Without one, adding
	// such a module is an error.
	Storage Storage
	Clock   clock.Clock
	Log     *zap.Logger
	// Notifier receives systemd state changes; the default speaks
	// sd_notify and does nothing when not started by systemd.
	Notifier Notifier
	// WatchdogInterval is how often systemd expects a WATCHDOG=1; zero
	// takes it from WATCHDOG_USEC (set by systemd's WatchdogSec).
	WatchdogInterval time.Duration
	// DisableRealtime keeps the control loop at normal priority. Otherwise
	// it asks for SCHED_FIFO at RealtimePriority (default 10) and logs
	// when that is not permitted.
	DisableRealtime  bool
	RealtimePriority int
	// SharedP makes the control loop sleep like any goroutine, giving up
	// its P (Go's scheduler slot). By default it keeps the P while it
	// sleeps, so no CPU-bound goroutine or GC worker can delay its wake-up
	// by a scheduler time slice, and Run raises GOMAXPROCS by one for as
	// long as it runs so the rest of the program keeps every core.
	SharedP bool
}

func (c Config) withDefaults() Config {
	if c.Name == "" {
		c.Name = "robot"
	}
	if c.ControlPeriod <= 0 {
		c.ControlPeriod = DefaultControlPeriod
	}
	if c.BackupInterval == 0 {
		c.BackupInterval = DefaultBackupInterval
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = DefaultShutdownTimeout
	}
	if c.StopTimeout <= 0 {
		c.StopTimeout = DefaultStopTimeout
	}
	if c.StartTimeout <= 0 {
		c.StartTimeout = DefaultStartTimeout
	}
	if c.Clock == nil {
		c.Clock = clock.Real{}
	}
	if c.Log == nil {
		c.Log = zap.NewNop()
	}
	if c.Notifier == nil {
		c.Notifier = SystemdNotifier{}
	}
	if c.RealtimePriority <= 0 {
		c.RealtimePriority = DefaultRealtimePrio
	}
	return c
}
