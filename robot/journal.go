package robot

import (
	"context"
	"path/filepath"
	"time"

	"github.com/gorosys/rosys/config"
	"github.com/gorosys/rosys/persistence/journal"
	"github.com/gorosys/rosys/persistence/mirror"
	"github.com/gorosys/rosys/persistence/store"
	"go.uber.org/zap"
)

// openJournal opens <data>/journal when a source opts in.
func openJournal(cfg *config.Robot, dir string, mirror *mirror.Mirror, log *zap.Logger) (*journal.Journal, error) {
	lz, es := cfg.Hardware.Lizard, cfg.Hardware.EStop
	if cfg.Board == "sim" || !(lz != nil && lz.Journal || es != nil && es.Journal) {
		return nil, nil
	}
	jc := journal.Config{Dir: filepath.Join(dir, "journal"), Log: log,
		OffsetsOnly: store.SnapshotAccess(cfg.Persistence.SnapshotAccess) == store.AccessOffsetsOnly}
	if mirror != nil {
		jc.OnRotate = mirror.SegmentClosed // closed segments go to snapshot storage
	}
	if j := cfg.Persistence.Journal; j != nil {
		jc.SegmentSize, jc.MaxBytes, jc.MaxAge = int64(j.SegmentBytes), int64(j.MaxBytes), j.MaxAge.D()
	}
	return journal.Open(jc)
}

// journalModule writes a tick marker every control tick and closes the
// journal at shutdown.
type journalModule struct {
	j    *journal.Journal
	tick uint64
}

func (m *journalModule) Step(time.Time, time.Duration) {
	m.tick++
	m.j.Tick(m.tick)
}

func (m *journalModule) Stop(context.Context) error { return m.j.Close() }
