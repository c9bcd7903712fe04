package automation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorosys/rosys/clock"
	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/persistence"
	"go.uber.org/zap"
)

// Func is an automation. It drives through h and returns nil when done.
// It must block only in h's calls or on the runtime's clock (h.Sleep), and
// return when ctx is done (Stop, or the robot shutting down).
type Func func(ctx context.Context, h *Handle) error

// Velocity is where an automation's desired velocity goes: the Arbiter's
// automation cell, read by the control loop.
type Velocity interface {
	Set(linear, angular float64)
}

// Interlock reports safety stops: the automator pauses when one trips and
// refuses to start or resume while one is active.
type Interlock interface {
	// Blocked names an active stop.
	Blocked() (name string, active bool)
	// Tripped delivers a value after a stop became active.
	Tripped() <-chan struct{}
	// LastTrip names the stop that became active last.
	LastTrip() string
	// TripCount counts the times a stop became active, so that a trip
	// from before the automation ran does not pause it.
	TripCount() uint64
}

// RestoreReporter tells why stored state could not be used (the store).
type RestoreReporter interface {
	ModuleStatus(key string) (persistence.ModuleStatus, error)
}

// DefaultKey is the persistent module's key.
const DefaultKey = "automation"

// Config configures an Automator.
type Config struct {
	Clock  clock.Clock
	Output Velocity
	// Interlock is optional; without it nothing pauses on safety stops.
	Interlock Interlock
	// Abort is called when an automation ends or is stopped, to end what
	// it left in motion (the Driver's path).
	Abort func()
	// AutoResume resumes an automation found running or paused at start-up
	// (robot.yaml automation.auto_resume). Off by default: after a restart
	// the robot never moves until someone resumes it.
	AutoResume bool
	// Fresh ignores the stored state: a replay reproduces a run from its
	// start, not from where it ended.
	Fresh bool
	// Restore reports a damaged checkpoint file (the store; optional).
	Restore RestoreReporter
	// Key is the persistent module's key (DefaultKey).
	Key string
	Log *zap.Logger
}

// Automator runs one automation at a time. Its methods are safe for
// concurrent use.
type Automator struct {
	cfg Config
	log *zap.Logger
	mod *Module

	mu        sync.Mutex
	names     []string
	fns       map[string]Func
	byName    map[string]bool // started only when named (OnlyByName)
	rec       Record
	gen       uint64 // identifies the current goroutine; bumped to disown it
	alive     bool   // the goroutine of gen has not returned
	cancel    context.CancelFunc
	changed   chan struct{} // closed and replaced on every state change
	base      context.Context
	stopBase  context.CancelFunc
	started   bool
	shutdown  bool
	tripsSeen uint64 // TripCount when the automation last started or resumed
	running   atomic.Bool
	events    hardware.Topic[Event]
}

// New returns an idle Automator; Register automations, then add Module()
// to the runtime under Key.
func New(cfg Config) *Automator {
	if cfg.Key == "" {
		cfg.Key = DefaultKey
	}
	if cfg.Log == nil {
		cfg.Log = zap.NewNop()
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	a := &Automator{cfg: cfg, log: cfg.Log.Named("automator"), fns: map[string]Func{},
		rec: Record{State: Idle}, changed: make(chan struct{})}
	a.mod = &Module{a: a}
	return a
}

// RegisterOption configures one registered automation.
type RegisterOption func(*registration)

type registration struct{ byName bool }

// OnlyByName registers an automation that Start("") never picks: one
// the robot registers for itself (the planner's "goto", which needs a
// goal), so that the first automation a user registers stays the
// default.
func OnlyByName() RegisterOption { return func(r *registration) { r.byName = true } }

// Register adds an automation under name, before the robot runs, so that
// after a restart the automator knows what a stored checkpoint belongs to.
func (a *Automator) Register(name string, fn Func, opts ...RegisterOption) error {
	var reg registration
	for _, o := range opts {
		o(&reg)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.started {
		return errors.New("register automation: the robot already runs")
	}
	if name == "" || fn == nil {
		return errors.New("register automation: need a name and a function")
	}
	if _, ok := a.fns[name]; ok {
		return fmt.Errorf("register automation %q: already registered", name)
	}
	a.names = append(a.names, name)
	a.fns[name] = fn
	if reg.byName {
		if a.byName == nil {
			a.byName = map[string]bool{}
		}
		a.byName[name] = true
	}
	return nil
}

// Module is the runtime module to add under Config.Key: it persists the
// record and starts and stops the automator with the robot.
func (a *Automator) Module() *Module { return a.mod }

// Running reports whether an automation runs (not paused). Lock-free: the
// Arbiter asks on every control tick.
func (a *Automator) Running() bool { return a.running.Load() }

// Subscribe delivers every event; a slow subscriber misses events rather
// than blocking the automator.
func (a *Automator) Subscribe(buffer int) (<-chan Event, func()) { return a.events.Subscribe(buffer) }

// Start runs the automation registered under name ("" for the first
// registered without OnlyByName) from its beginning.
func (a *Automator) Start(name string) error { return a.StartFrom(name, nil) }

// StartFrom runs the automation registered under name from checkpoint
// (nil: from its beginning), as if it had saved it: the record holds it
// from the start, so an automation's input (the goal of "goto") is durable
// as soon as the start is, and its Handle.Load returns it.
func (a *Automator) StartFrom(name string, checkpoint json.RawMessage) error {
	if checkpoint != nil && !json.Valid(checkpoint) {
		return errors.New("start: the checkpoint is not JSON")
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.usable(); err != nil {
		return err
	}
	if a.rec.State == Running || a.rec.State == Paused {
		return fmt.Errorf("%w: %s is %s", ErrBusy, a.rec.Name, a.rec.State)
	}
	if name == "" {
		for _, n := range a.names {
			if !a.byName[n] {
				name = n
				break
			}
		}
	}
	if _, ok := a.fns[name]; !ok {
		return fmt.Errorf("%w: %q (registered: %v)", ErrUnknown, name, a.names)
	}
	if stop, ok := a.blocked(); ok {
		return fmt.Errorf("%w: %s", ErrBlocked, stop)
	}
	a.rec = Record{Name: name, State: Running, Updated: a.cfg.Clock.Now(), Checkpoint: slices.Clone(checkpoint)}
	a.sawTrips()
	a.launch(checkpoint)
	a.changedLocked(EventStarted, "")
	return nil
}

// Pause pauses the running automation: the wheels stop on the next tick
// and its Handle's calls block until Resume.
func (a *Automator) Pause(reason string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.rec.State != Running {
		return fmt.Errorf("%w (it is %s)", ErrNotRunning, a.rec.State)
	}
	if reason == "" {
		reason = "paused"
	}
	a.rec.State, a.rec.Reason = Paused, reason
	a.changedLocked(EventPaused, reason)
	return nil
}

// PauseIfRunning pauses with reason if an automation runs, and does
// nothing otherwise (steering, safety stops).
func (a *Automator) PauseIfRunning(reason string) { _ = a.Pause(reason) }

// Resume continues a paused automation: after a restart, from its last
// checkpoint. It is refused while a safety stop is active.
func (a *Automator) Resume() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.usable(); err != nil {
		return err
	}
	if a.rec.State != Paused {
		return fmt.Errorf("%w (it is %s)", ErrNotPaused, a.rec.State)
	}
	if stop, ok := a.blocked(); ok {
		return fmt.Errorf("%w: %s", ErrBlocked, stop)
	}
	a.rec.State, a.rec.Reason = Running, ""
	a.sawTrips()
	if !a.alive {
		a.launch(a.rec.Checkpoint)
	}
	a.changedLocked(EventResumed, "")
	return nil
}

// Stop ends the running or paused automation and clears its checkpoint.
func (a *Automator) Stop() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.rec.State != Running && a.rec.State != Paused {
		return fmt.Errorf("%w (it is %s)", ErrNotActive, a.rec.State)
	}
	a.disown()
	a.rec = Record{Name: a.rec.Name, State: Stopped, Reason: "stopped", Updated: a.cfg.Clock.Now()}
	a.changedLocked(EventStopped, "stopped")
	return nil
}

// Status reports the automator now.
func (a *Automator) Status() Status {
	a.mu.Lock()
	st := Status{State: a.rec.State, Name: a.rec.Name, Reason: a.rec.Reason, Progress: a.rec.Progress,
		Checkpoint: slices.Clone(a.rec.Checkpoint), Automations: a.listLocked()}
	a.mu.Unlock()
	if stop, ok := a.blocked(); ok {
		st.Blocked = stop
	}
	return st
}

// listLocked is the registered names, those a nameless start may pick
// first (in their order), then those started only by name; a.mu held.
func (a *Automator) listLocked() []string {
	out := make([]string, 0, len(a.names))
	for _, n := range a.names {
		if !a.byName[n] {
			out = append(out, n)
		}
	}
	for _, n := range a.names {
		if a.byName[n] {
			out = append(out, n)
		}
	}
	return out
}

func (a *Automator) usable() error {
	if a.shutdown {
		return ErrShutdown
	}
	if !a.started {
		return errors.New("the automator has not started yet")
	}
	return nil
}

// sawTrips notes the trips so far: only later ones pause; a.mu held.
func (a *Automator) sawTrips() {
	if a.cfg.Interlock != nil {
		a.tripsSeen = a.cfg.Interlock.TripCount()
	}
}

// pauseOnTrip pauses a running automation if a stop tripped since it
// started or resumed.
func (a *Automator) pauseOnTrip(count uint64, name string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.rec.State != Running || count <= a.tripsSeen {
		return
	}
	a.rec.State, a.rec.Reason = Paused, name
	a.changedLocked(EventPaused, name)
}

func (a *Automator) blocked() (string, bool) {
	if a.cfg.Interlock == nil {
		return "", false
	}
	return a.cfg.Interlock.Blocked()
}

// launch starts a goroutine for the record's automation; a.mu held.
func (a *Automator) launch(checkpoint json.RawMessage) {
	a.gen++
	gen := a.gen
	ctx, cancel := context.WithCancel(a.base)
	a.cancel, a.alive = cancel, true
	fn, name := a.fns[a.rec.Name], a.rec.Name
	h := &Handle{a: a, gen: gen, name: name, checkpoint: slices.Clone(checkpoint), timer: a.cfg.Clock.NewTimer()}
	// A clock goroutine, so virtual time waits for it to sleep.
	a.cfg.Clock.Go(func() {
		defer cancel()
		err := call(ctx, fn, h)
		h.timer.Stop()
		a.finish(gen, err)
	})
}

// call runs fn, turning a panic into an error with its message.
func call(ctx context.Context, fn Func, h *Handle) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &PanicError{Value: p, Stack: debug.Stack()}
		}
	}()
	return fn(ctx, h)
}

// PanicError is the failure of an automation that panicked.
type PanicError struct {
	Value any
	Stack []byte
}

func (p *PanicError) Error() string { return fmt.Sprint("panic: ", p.Value) }

// finish records how the goroutine of gen ended, unless it was disowned
// (stopped, replaced, shut down) meanwhile.
func (a *Automator) finish(gen uint64, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if gen != a.gen || a.shutdown {
		return
	}
	a.alive = false
	a.abort()
	name := a.rec.Name
	if err == nil {
		a.rec = Record{Name: name, State: Completed, Progress: 1, Updated: a.cfg.Clock.Now()}
		a.changedLocked(EventCompleted, "")
		return
	}
	var pe *PanicError
	if errors.As(err, &pe) {
		a.log.Error("automation panicked", zap.String("automation", name), zap.Any("panic", pe.Value), zap.ByteString("stack", pe.Stack))
	}
	a.rec = Record{Name: name, State: Failed, Reason: err.Error(), Updated: a.cfg.Clock.Now()}
	a.changedLocked(EventFailed, err.Error())
}

// disown cancels the current goroutine and makes its ending unrecorded;
// a.mu held.
func (a *Automator) disown() {
	a.gen++
	if a.cancel != nil {
		a.cancel()
	}
	a.alive = false
	a.abort()
}

func (a *Automator) abort() {
	if a.cfg.Output != nil {
		a.cfg.Output.Set(0, 0)
	}
	if a.cfg.Abort != nil {
		a.cfg.Abort()
	}
}

// changedLocked publishes a state change: the lock-free running flag,
// waiters in Handle calls, the store, subscribers and the log; a.mu held.
func (a *Automator) changedLocked(kind, reason string) {
	a.running.Store(a.rec.State == Running)
	a.rec.Updated = a.cfg.Clock.Now()
	close(a.changed)
	a.changed = make(chan struct{})
	a.mod.RequestBackup()
	ev := Event{Kind: kind, Name: a.rec.Name, Reason: reason, Time: a.rec.Updated}
	a.events.Publish(ev)
	a.log.Info("automation "+kind, zap.String("automation", ev.Name), zap.String("reason", reason))
}

// waitRunning blocks, on the clock, until the automation of gen runs.
func (a *Automator) waitRunning(ctx context.Context, gen uint64, timer clock.Timer) error {
	for {
		a.mu.Lock()
		if err := ctx.Err(); err != nil {
			a.mu.Unlock()
			return err
		}
		if gen != a.gen {
			a.mu.Unlock()
			return context.Canceled
		}
		if a.rec.State == Running {
			a.mu.Unlock()
			return nil
		}
		ch := a.changed
		a.mu.Unlock()
		if err := timer.SleepUntil(ctx, a.cfg.Clock.Now().Add(24*time.Hour), ch); err != nil {
			return err
		}
	}
}
