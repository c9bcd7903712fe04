package robot

import (
	"errors"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/clock"
	"github.com/gorosys/rosys/config"
	"github.com/gorosys/rosys/persistence/archive"
	"github.com/gorosys/rosys/persistence/backend"
	"github.com/gorosys/rosys/persistence/backend/s3"
	"github.com/gorosys/rosys/persistence/store"
	"github.com/gorosys/rosys/persistence/vfs"
	"github.com/gorosys/rosys/storage"
	"go.uber.org/zap"
)

// persistenceConfig turns robot.yaml's persistence section into Pathway's
// Config. Without backends, everything lives in the local data directory.
func persistenceConfig(cfg *config.Robot, localDir string) (store.Config, error) {
	p := cfg.Persistence
	var meta, snap backend.Backend
	var err error
	switch {
	case p.Backend != nil:
		if meta, err = openBackend(p.Backend); err != nil {
			return store.Config{}, err
		}
		snap = meta
	case p.MetadataStorage != nil:
		if meta, err = openBackend(p.MetadataStorage); err != nil {
			return store.Config{}, err
		}
		if snap, err = openBackend(p.SnapshotStorage); err != nil {
			return store.Config{}, err
		}
	default:
		if meta, err = backend.NewFilesystem(vfs.OS{}, localDir); err != nil {
			return store.Config{}, err
		}
		snap = meta
	}
	c := store.SimpleConfig(meta, store.KeepGenerations(p.KeepGenerations))
	c.SnapshotStorage = snap
	c.MaxFileBytes = int64(p.MaxFileBytes)
	c.Format = store.FileFormat(p.Format)
	c.History = HistoryConfig(p.History)
	if p.SnapshotInterval != nil {
		c.SnapshotInterval = p.SnapshotInterval.D()
	}
	if p.SnapshotAccess != "" {
		c.SnapshotAccess = store.SnapshotAccess(p.SnapshotAccess)
	}
	if p.PersistenceMode != "" {
		c.PersistenceMode = store.Mode(p.PersistenceMode)
	}
	if p.ContinueAfterReplay != nil {
		c.ContinueAfterReplay = *p.ContinueAfterReplay
	}
	return c, nil
}

func openBackend(b *config.Backend) (backend.Backend, error) {
	switch {
	case b.Filesystem != nil:
		return backend.NewFilesystem(vfs.OS{}, b.Filesystem.Path)
	case b.S3 != nil:
		s := b.S3
		return s3.New(s.RootPath, s3.Settings{
			Bucket: s.Bucket, Endpoint: s.Endpoint, Region: s.Region, AccessKey: s.AccessKey, SecretKey: s.SecretKey,
			TLS: s.TLS == nil || *s.TLS, PathStyle: s.PathStyle != nil && *s.PathStyle,
		})
	}
	return nil, errors.New("backend names neither filesystem nor s3")
}

// runtimeConfig is the runtime's configuration from robot.yaml: period,
// timeouts, backup interval and the daily backup schedule.
func runtimeConfig(cfg *config.Robot, store *store.Store, log *zap.Logger, clock clock.Clock) (rosys.Config, error) {
	rc := rosys.Config{
		Name:            cfg.Name,
		ControlPeriod:   cfg.ControlPeriod.D(),
		ShutdownTimeout: cfg.ShutdownTimeout.D(),
		Log:             log,
		Clock:           clock,
	}
	if iv := cfg.Persistence.SnapshotInterval; iv != nil {
		rc.BackupInterval = iv.D()
		if rc.BackupInterval == 0 {
			rc.BackupInterval = -1 // commit as soon as asked
		}
	}
	var sched *archive.Schedule
	if bs := cfg.BackupSchedule; bs != nil {
		dir, err := vfs.ExpandHome(bs.Directory)
		if err != nil {
			return rc, err
		}
		h, m := bs.Time.HourMinute()
		sc := archive.ScheduleConfig{
			Directory: dir, Hour: h, Minute: m, AtMidnight: h == 0 && m == 0, BackupCount: bs.BackupCount, Robot: cfg.Name,
			Log: log.Named("persistence"), // it logs as persistence.schedule
		}
		if bs.Storage == config.BackupStorageBackend {
			// Beside the manifests, where rosys fleet list looks (config
			// validation made sure there is a backend).
			remote := cfg.Persistence.Backend
			if remote == nil {
				remote = cfg.Persistence.MetadataStorage
			}
			if sc.Remote, err = openBackend(remote); err != nil {
				return rc, err
			}
		}
		if sched, err = archive.NewSchedule(store, sc); err != nil {
			return rc, err
		}
	}
	if store != nil {
		rc.Storage = storage.New(store, sched)
	}
	return rc, nil
}

// DataDir is where a robot keeps its state: flagDir if set (rosys run
// --data-dir), then robot.yaml's filesystem backend, then
// $ROSYS_DATA_DIR, then ~/.rosys.
func DataDir(cfg *config.Robot, flagDir string) (string, error) {
	if flagDir != "" {
		return vfs.ExpandHome(flagDir)
	}
	if b := cfg.Persistence.Backend; b != nil && b.Filesystem != nil {
		return vfs.ExpandHome(b.Filesystem.Path)
	}
	return store.DefaultDir()
}

// replayMode names the replay that persistence_mode asks for, if any.
func replayMode(m config.PersistenceMode) (string, bool) {
	switch store.Mode(m) {
	case store.ModeSpeedrunReplay:
		return "speedrun", true
	case store.ModeRealtimeReplay:
		return "realtime", true
	case store.ModeBatch:
		return "batch", true
	}
	return "", false
}

// ReplayMode names the replay robot.yaml's persistence_mode asks for
// ("speedrun", "realtime" or "batch"), if any; New refuses such a config.
func ReplayMode(cfg *config.Robot) (string, bool) { return replayMode(cfg.Persistence.PersistenceMode) }
