package storage

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/gorosys/rosys"
)

type backupStats struct {
	cycles   atomic.Uint64
	failures atomic.Uint64
	lastDur  atomic.Int64
	lastErr  atomic.Pointer[string] // nil after a good cycle
	// For /metrics (see Metrics).
	durations    rosys.Histogram
	bytes        atomic.Uint64
	lastBytes    atomic.Uint64
	mirrorErrors atomic.Uint64
}

// Backoff between retries of a failed commit.
const (
	retryFirst = 100 * time.Millisecond
	retryMax   = 10 * time.Second
)

// backupLoop commits requested backups once per BackupInterval, or as soon
// as a module asks when the interval is negative. It runs apart from the
// control loop, so a slow disk delays only the next backup.
//
// A failed commit is retried after 100 ms, doubling to 10 s, whatever the
// interval: with "commit at once" nothing else would ever wake the loop
// for a change whose write failed (a full disk), and a power cut would
// take that acknowledged change once space was freed.
func (s *Service) backupLoop(ctx context.Context, env rosys.LoopEnv) {
	clk := env.Clock
	timer := clk.NewTimer()
	defer timer.Stop()
	var retry time.Duration // 0 after a good cycle
	saves := map[string]uint64{}
	for {
		next, wake := clk.Now().Add(env.BackupInterval), (<-chan struct{})(nil)
		if env.BackupInterval < 0 {
			next, wake = clk.Now().Add(24*time.Hour), s.store.Requests()
		}
		if at := clk.Now().Add(retry); retry > 0 && at.Before(next) {
			next = at
		}
		if timer.SleepUntil(ctx, next, wake) != nil {
			return
		}
		start := time.Now()
		if err := s.store.BackupRequested(ctx); err != nil {
			s.stats.failures.Add(1) // the store logged each module's error
			msg := err.Error()
			s.stats.lastErr.Store(&msg)
			retry = min(max(2*retry, retryFirst), retryMax)
		} else {
			s.stats.lastErr.Store(nil)
			retry = 0
		}
		s.stats.cycles.Add(1)
		took := time.Since(start)
		s.stats.lastDur.Store(int64(took))
		s.stats.durations.Observe(took)
		s.countWritten(saves)
	}
}

// countWritten adds up the module files written since its last call: a
// module whose save count moved was written, and its status holds the size
// of that file. It runs on the backup goroutine, which owns saves.
func (s *Service) countWritten(saves map[string]uint64) {
	var n uint64
	for _, st := range s.store.Status() {
		if st.Saves != saves[st.Key] {
			saves[st.Key] = st.Saves
			n += uint64(st.Size)
		}
	}
	s.stats.bytes.Add(n)
	s.stats.lastBytes.Store(n)
}

// mirrorLoop uploads commits to remote storage on its own goroutine, so
// a slow or unreachable bucket delays neither the control loop nor local
// commits. After a failure it waits for the mirror's backoff.
func (s *Service) mirrorLoop(ctx context.Context, env rosys.LoopEnv) {
	m := s.store.Mirror()
	timer := env.Clock.NewTimer()
	defer timer.Stop()
	for {
		if err := m.Sync(ctx); err != nil && ctx.Err() == nil && !m.Status().Blocked {
			s.stats.mirrorErrors.Add(1) // logged and in the status
		}
		next := m.NextTry()
		if next.IsZero() {
			next = env.Clock.Now().Add(24 * time.Hour) // until a commit wakes us
		}
		if timer.SleepUntil(ctx, next, m.Wake()) != nil {
			return
		}
	}
}

// scheduleLoop runs the daily backup schedule on the runtime's clock.
func (s *Service) scheduleLoop(ctx context.Context, env rosys.LoopEnv) {
	timer := env.Clock.NewTimer()
	defer timer.Stop()
	for {
		next := s.schedule.Tick(ctx, env.Clock.Now())
		if timer.SleepUntil(ctx, next, nil) != nil {
			return
		}
	}
}
