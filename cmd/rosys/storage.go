package main

import (
	"errors"

	"github.com/gorosys/rosys/config"
	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/backend"
	"github.com/gorosys/rosys/persistence/backend/s3"
)

// persistenceConfig turns robot.yaml's persistence section into Pathway's
// Config. Without backends, everything lives in the local data directory.
func persistenceConfig(cfg *config.Robot, localDir string) (persistence.Config, error) {
	p := cfg.Persistence
	var meta, snap backend.Backend
	var err error
	switch {
	case p.Backend != nil:
		if meta, err = openBackend(p.Backend); err != nil {
			return persistence.Config{}, err
		}
		snap = meta
	case p.MetadataStorage != nil:
		if meta, err = openBackend(p.MetadataStorage); err != nil {
			return persistence.Config{}, err
		}
		if snap, err = openBackend(p.SnapshotStorage); err != nil {
			return persistence.Config{}, err
		}
	default:
		if meta, err = backend.NewFilesystem(localDir); err != nil {
			return persistence.Config{}, err
		}
		snap = meta
	}
	c := persistence.SimpleConfig(meta, persistence.KeepGenerations(p.KeepGenerations))
	c.SnapshotStorage = snap
	c.MaxFileBytes = p.MaxFileBytes
	c.Format = persistence.FileFormat(p.Format)
	if p.SnapshotInterval != nil {
		c.SnapshotInterval = p.SnapshotInterval.D()
	}
	if p.SnapshotAccess != "" {
		c.SnapshotAccess = persistence.SnapshotAccess(p.SnapshotAccess)
	}
	if p.PersistenceMode != "" {
		c.PersistenceMode = persistence.PersistenceMode(p.PersistenceMode)
	}
	if p.ContinueAfterReplay != nil {
		c.ContinueAfterReplay = *p.ContinueAfterReplay
	}
	return c, nil
}

func openBackend(b *config.Backend) (backend.Backend, error) {
	switch {
	case b.Filesystem != nil:
		return backend.NewFilesystem(b.Filesystem.Path)
	case b.S3 != nil:
		s := b.S3
		return s3.New(s.RootPath, s3.Settings{
			Bucket: s.Bucket, Endpoint: s.Endpoint, Region: s.Region, AccessKey: s.AccessKey, SecretKey: s.SecretKey,
			TLS: s.TLS == nil || *s.TLS, PathStyle: s.PathStyle != nil && *s.PathStyle,
		})
	}
	return nil, errors.New("backend names neither filesystem nor s3")
}
