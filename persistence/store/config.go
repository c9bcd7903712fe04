package store

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/gorosys/rosys/persistence/backend"
	"github.com/gorosys/rosys/persistence/history"
	"github.com/gorosys/rosys/persistence/mirror"
	"go.uber.org/zap"
)

// SnapshotAccess says whether a robot reads and writes its stored state,
// after Pathway's snapshot access.
type SnapshotAccess string

// The snapshot access modes.
const (
	// AccessFull restores at start and writes: the normal robot.
	AccessFull SnapshotAccess = "full"
	// AccessRecord writes only: start from defaults and keep recording
	// (a fresh calibration run that must not inherit old state).
	AccessRecord SnapshotAccess = "record"
	// AccessReplay reads only: restore and replay, never write — safe on
	// a copy of a robot's data on a laptop.
	AccessReplay SnapshotAccess = "replay"
	// AccessOffsetsOnly is full access to snapshots, with an input journal
	// that keeps only tick markers and offsets, not the event data.
	AccessOffsetsOnly SnapshotAccess = "offsets_only"
)

// Mode says what is persisted, after Pathway's persistence mode.
type Mode string

// The persistence modes.
const (
	ModePersisting          Mode = "persisting"
	ModeSelectivePersisting Mode = "selective_persisting"
	ModeSpeedrunReplay      Mode = "speedrun_replay"
	ModeRealtimeReplay      Mode = "realtime_replay"
	ModeBatch               Mode = "batch"
)

// SnapshotAccesses lists every snapshot access mode (for validation).
func SnapshotAccesses() []SnapshotAccess {
	return []SnapshotAccess{AccessFull, AccessRecord, AccessReplay, AccessOffsetsOnly}
}

// Modes lists every persistence mode (for validation).
func Modes() []Mode {
	return []Mode{ModePersisting, ModeSelectivePersisting, ModeSpeedrunReplay, ModeRealtimeReplay, ModeBatch}
}

// Config is Pathway's persistence Config for a robot: where metadata
// (manifests, the lease) and snapshots (module states) live, how often
// snapshots are committed, and how stored state is used.
type Config struct {
	MetadataStorage backend.Backend
	SnapshotStorage backend.Backend
	// SnapshotInterval is the least time between two commits (the backup
	// cycle); 0 commits as soon as a module asks, coalesced.
	SnapshotInterval    time.Duration
	SnapshotAccess      SnapshotAccess
	PersistenceMode     Mode
	ContinueAfterReplay bool
	KeepGenerations     int
	// MaxFileBytes bounds one module file read (0: DefaultMaxFileBytes).
	MaxFileBytes int64
	// Format is how module files are written (default FormatRoSysGo).
	Format FileFormat
	// History, if set, keeps every committed version (WithHistory).
	History *history.Config
}

// ConfigOption adjusts a Config made by SimpleConfig.
type ConfigOption func(*Config)

// SnapshotInterval sets Config.SnapshotInterval.
func SnapshotInterval(d time.Duration) ConfigOption {
	return func(c *Config) { c.SnapshotInterval = d }
}

// Access sets Config.SnapshotAccess.
func Access(a SnapshotAccess) ConfigOption { return func(c *Config) { c.SnapshotAccess = a } }

// ConfigMode sets Config.PersistenceMode.
func ConfigMode(m Mode) ConfigOption { return func(c *Config) { c.PersistenceMode = m } }

// ContinueAfterReplay sets Config.ContinueAfterReplay.
func ContinueAfterReplay(b bool) ConfigOption { return func(c *Config) { c.ContinueAfterReplay = b } }

// KeepGenerations sets Config.KeepGenerations.
func KeepGenerations(n int) ConfigOption { return func(c *Config) { c.KeepGenerations = n } }

// SimpleConfig uses one backend for metadata and snapshots, with RoSys'
// 10 s backup cycle unless an option says otherwise.
func SimpleConfig(b backend.Backend, opts ...ConfigOption) Config {
	c := Config{MetadataStorage: b, SnapshotStorage: b, SnapshotInterval: 10 * time.Second,
		SnapshotAccess: AccessFull, PersistenceMode: ModePersisting, ContinueAfterReplay: true}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// OpenConfig opens a store in localDir for cfg. When both storages are the
// filesystem at localDir itself (SimpleConfig(Filesystem(dir)), the
// default) the store behaves exactly as Open; otherwise localDir is the
// local spool and a Mirror copies every commit to the configured storage
// and recovers from it.
func OpenConfig(localDir, robot string, cfg Config, log *zap.Logger, opts ...Option) (*Store, error) {
	if cfg.MetadataStorage == nil || cfg.SnapshotStorage == nil {
		return nil, fmt.Errorf("persistence config: metadata and snapshot storage are both needed")
	}
	if cfg.SnapshotAccess == "" {
		cfg.SnapshotAccess = AccessFull
	}
	if cfg.PersistenceMode == "" {
		cfg.PersistenceMode = ModePersisting
	}
	if !isLocal(cfg.MetadataStorage, localDir) || !isLocal(cfg.SnapshotStorage, localDir) {
		m, err := mirror.New(mirror.Config{Metadata: cfg.MetadataStorage, Snapshots: cfg.SnapshotStorage, Robot: robot,
			KeepGenerations: cfg.KeepGenerations, Log: log})
		if err != nil {
			return nil, err
		}
		opts = append(opts, WithMirror(m))
	}
	base := []Option{WithLogger(log), WithAccess(cfg.SnapshotAccess), WithMode(cfg.PersistenceMode), WithMaxFileBytes(cfg.MaxFileBytes), WithFormat(cfg.Format)}
	if cfg.History != nil {
		base = append(base, WithHistory(*cfg.History))
	}
	return Open(localDir, append(base, opts...)...)
}

func isLocal(b backend.Backend, dir string) bool {
	f, ok := b.(*backend.Filesystem)
	if !ok {
		return false
	}
	a, err1 := filepath.Abs(f.Root())
	d, err2 := filepath.Abs(dir)
	return err1 == nil && err2 == nil && a == d
}
