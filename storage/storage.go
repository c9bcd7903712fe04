package storage

import (
	"context"
	"sync/atomic"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/archive"
	"github.com/gorosys/rosys/persistence/store"
	"go.uber.org/zap"
)

// Service is a store as the runtime runs it; it implements rosys.Storage.
type Service struct {
	store    *store.Store
	schedule *archive.Schedule
	log      atomic.Pointer[zap.Logger] // the runtime's, once its loops run
	stats    backupStats
}

var _ rosys.Storage = (*Service)(nil)

// New runs st for a runtime; schedule takes the daily backup archive (nil
// for none).
func New(st *store.Store, schedule *archive.Schedule) *Service {
	s := &Service{store: st, schedule: schedule}
	s.log.Store(zap.NewNop())
	return s
}

// Store is the store the service runs.
func (s *Service) Store() *store.Store { return s.store }

// Of is the store's service of rt, or nil when rt has no storage or one
// of another kind.
func Of(rt *rosys.Runtime) *Service {
	s, _ := rt.Storage().(*Service)
	return s
}

// StoreOf is the store of rt, or nil without one.
func StoreOf(rt *rosys.Runtime) *store.Store {
	if s := Of(rt); s != nil {
		return s.store
	}
	return nil
}

// Register implements rosys.Storage.
func (s *Service) Register(key string, p persistence.Persistable, selected bool) error {
	var opts []store.RegisterOption
	if selected {
		opts = append(opts, store.Selected())
	}
	return s.store.Register(key, p, opts...)
}

// Restore implements rosys.Storage.
func (s *Service) Restore(ctx context.Context) error { return s.store.Restore(ctx) }

// Loops implements rosys.Storage: the backup loop, the schedule's and the
// mirror's when there are those.
func (s *Service) Loops(env rosys.LoopEnv) []func(context.Context) {
	if env.Log != nil {
		s.log.Store(env.Log)
	}
	loops := []func(context.Context){func(ctx context.Context) { s.backupLoop(ctx, env) }}
	if s.schedule != nil {
		loops = append(loops, func(ctx context.Context) { s.scheduleLoop(ctx, env) })
	}
	if s.store.Mirror() != nil {
		loops = append(loops, func(ctx context.Context) { s.mirrorLoop(ctx, env) })
	}
	return loops
}

// FinalFlush implements rosys.Storage: it writes every module, then
// uploads what the flush wrote within what is left of ctx; what does not
// make it goes up at the next start.
func (s *Service) FinalFlush(ctx context.Context) error {
	if err := s.store.Flush(ctx); err != nil {
		return err
	}
	if m := s.store.Mirror(); m != nil && !s.store.ReadOnly() {
		if err := m.Close(ctx); err != nil {
			s.log.Load().Warn("final upload incomplete; the local state is safe and goes up at the next start", zap.Error(err))
		}
	}
	return nil
}
