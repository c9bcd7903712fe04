package rosys

import (
	"context"
	"time"

	"github.com/gorosys/rosys/clock"
	"github.com/gorosys/rosys/persistence"
	"go.uber.org/zap"
)

// Storage is persistence as the runtime needs it: it registers the
// persistent modules added with Add, restores them before any module
// starts, runs its own loops (backup, mirror, daily schedule) beside the
// control loop, and writes every module at shutdown. The runtime knows
// no more of it, so importing rosys pulls in no storage engine; package
// storage implements it for a persistence store.
type Storage interface {
	// Register registers a module under key; selected is Persist().
	Register(key string, p persistence.Persistable, selected bool) error
	// Restore restores every registered module.
	Restore(ctx context.Context) error
	// Loops are run on clock goroutines while the robot runs, from
	// start-up until shutdown, before the OnShutdown hooks.
	Loops(env LoopEnv) []func(ctx context.Context)
	// FinalFlush writes every module (and uploads what it wrote) within
	// ctx, after every module has stopped.
	FinalFlush(ctx context.Context) error
}

// LoopEnv is what the runtime gives its storage's loops.
type LoopEnv struct {
	Clock clock.Clock
	// BackupInterval is Config.BackupInterval (negative: commit at once).
	BackupInterval time.Duration
	Log            *zap.Logger
}
