package rosys

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorosys/rosys/clock"
	"github.com/gorosys/rosys/persistence"
	"go.uber.org/zap"
)

// Lifecycle states, as reported in Status.
const (
	StateCreated  = "created"
	StateStarting = "starting"
	StateRunning  = "running"
	StateStopping = "stopping"
	StateStopped  = "stopped"
	StateFailed   = "failed"
)

// ErrAlreadyRun is returned by Run on a runtime that ran before, and by
// Add after Run was called.
var ErrAlreadyRun = errors.New("runtime already running or ran")

// Runtime runs a robot: see the package documentation.
type Runtime struct {
	cfg   Config
	clock clock.Clock
	log   *zap.Logger
	store Storage

	mu        sync.Mutex // guards mods and hooks until Run; state always
	mods      []*module
	names     map[string]bool // of mods: Add's duplicate check without a scan
	startup   []func(context.Context) error
	shutdown  []func(context.Context)
	repeaters []*repeater
	state     string
	startedAt time.Time

	steppers  []namedStepper // fixed when Run starts
	stats     loopStats
	realtime  atomic.Bool
	rtNote    atomic.Pointer[string]
	ready     chan struct{}
	stopped   chan struct{}
	runCalled atomic.Bool
}

type module struct {
	name    string
	v       any
	typ     string   // typeName(v), for Status
	roles   []string // roles(v), for Status; never changed once set
	deps    []string
	persist bool
	started atomic.Bool
}

// New returns a runtime; add modules, then call Run.
func New(cfg Config) *Runtime {
	cfg = cfg.withDefaults()
	return &Runtime{
		cfg:     cfg,
		clock:   cfg.Clock,
		log:     cfg.Log.Named("rosys"),
		store:   cfg.Storage,
		state:   StateCreated,
		names:   map[string]bool{},
		ready:   make(chan struct{}),
		stopped: make(chan struct{}),
	}
}

// Name is the robot's name.
func (r *Runtime) Name() string { return r.cfg.Name }

// Clock is the runtime's clock.
func (r *Runtime) Clock() clock.Clock { return r.clock }

// Storage is the runtime's storage (nil without persistence); for a
// store's, storage.StoreOf(rt) is the store.
func (r *Runtime) Storage() Storage { return r.store }

// BackupInterval is Config.BackupInterval with its default.
func (r *Runtime) BackupInterval() time.Duration { return r.cfg.BackupInterval }

// Ready is closed once the runtime runs: modules started, loops running,
// READY=1 sent.
func (r *Runtime) Ready() <-chan struct{} { return r.ready }

// Stopped is closed when Run has returned.
func (r *Runtime) Stopped() <-chan struct{} { return r.stopped }

// AddOption configures a module added with Add.
type AddOption func(*module)

// DependsOn makes the module start after the named modules (and stop
// before them).
func DependsOn(names ...string) AddOption {
	return func(m *module) { m.deps = append(m.deps, names...) }
}

// Persist selects the module for persistence when the store runs in
// selective_persisting mode (in the other modes every Persistable is).
func Persist() AddOption { return func(m *module) { m.persist = true } }

// Add adds a module under name. m may implement Starter, Stopper, Stepper,
// Actuator and persistence.Persistable (registered with the store under
// name, so name must be a valid persistence key); it must implement at least
// one of them.
func (r *Runtime) Add(name string, m any, opts ...AddOption) error {
	if r.runCalled.Load() {
		return fmt.Errorf("add %q: %w", name, ErrAlreadyRun)
	}
	if m == nil {
		return fmt.Errorf("add %q: nil module", name)
	}
	_, isStarter := m.(Starter)
	_, isStopper := m.(Stopper)
	_, isStepper := m.(Stepper)
	_, isActuator := m.(Actuator)
	p, isPersistable := m.(persistence.Persistable)
	if !isStarter && !isStopper && !isStepper && !isActuator && !isPersistable {
		return fmt.Errorf("add %q: %T implements none of Starter, Stopper, Stepper, Actuator, persistence.Persistable", name, m)
	}
	mod := &module{name: name, v: m, typ: typeName(m), roles: roles(m)}
	for _, o := range opts {
		o(mod)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.names[name] {
		return fmt.Errorf("add %q: a module with that name was already added", name)
	}
	if isPersistable {
		if r.store == nil {
			return fmt.Errorf("add %q: module is persistable but the runtime has no store", name)
		}
		if err := r.store.Register(name, p, mod.persist); err != nil {
			return fmt.Errorf("add %q: %w", name, err)
		}
	}
	r.mods = append(r.mods, mod)
	r.names[name] = true
	return nil
}

// OnStartup registers fn to run after every module has started, before
// the control loop. An error aborts start-up like a failed Start.
func (r *Runtime) OnStartup(fn func(context.Context) error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.startup = append(r.startup, fn)
}

// OnShutdown registers fn to run at shutdown, after the control loop has
// stopped and actuators were stopped safely, before modules stop and the
// final flush. ctx carries the shutdown deadline.
func (r *Runtime) OnShutdown(fn func(context.Context)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.shutdown = append(r.shutdown, fn)
}

func (r *Runtime) setState(s string) {
	r.mu.Lock()
	r.state = s
	r.mu.Unlock()
}

// State is the lifecycle state.
func (r *Runtime) State() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.state
}
