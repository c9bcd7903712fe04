package rosys

import (
	"context"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
	"go.uber.org/zap"
)

// Notifier tells the service manager about state changes
// ("READY=1", "STOPPING=1", "WATCHDOG=1").
type Notifier interface {
	Notify(state string) error
}

// SystemdNotifier speaks sd_notify over $NOTIFY_SOCKET. When the process
// was not started by systemd (no NOTIFY_SOCKET) it does nothing.
type SystemdNotifier struct{}

// Notify implements Notifier.
func (SystemdNotifier) Notify(state string) error {
	_, err := daemon.SdNotify(false, state)
	return err
}

// watchdogInterval is how often to ping: half of systemd's WatchdogSec, as
// sd_watchdog_enabled(3) recommends.
func (r *Runtime) watchdogInterval() time.Duration {
	iv := r.cfg.WatchdogInterval
	if iv == 0 {
		d, err := daemon.SdWatchdogEnabled(false)
		if err != nil {
			r.log.Warn("bad systemd watchdog settings", zap.Error(err))
		}
		iv = d
	}
	return iv / 2
}

// watchdog pings systemd only while the control loop makes progress, so a
// hung control loop stops the pings and systemd restarts the service. The
// ping itself is a socket write, so it is done here and not on the control
// loop, which must never do I/O.
func (r *Runtime) watchdog(ctx context.Context, every time.Duration) {
	timer := r.clock.NewTimer()
	defer timer.Stop()
	last := r.stats.ticks.Load()
	for {
		if timer.SleepUntil(ctx, r.clock.Now().Add(every), nil) != nil {
			return
		}
		ticks := r.stats.ticks.Load()
		if ticks == last {
			r.log.Error("control loop stalled; not feeding the systemd watchdog", zap.Uint64("ticks", ticks))
			continue
		}
		last = ticks
		r.notify("WATCHDOG=1")
	}
}
