package lizard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/gorosys/rosys/hardware"
	"go.uber.org/zap"
)

// Errors that callers branch on.
var (
	ErrNotReady     = errors.New("lizard: controller not ready (no telemetry since connecting)")
	ErrNotConnected = errors.New("lizard: controller not connected")
	ErrQueueFull    = errors.New("lizard: command queue full")
)

// commandQueue bounds commands other than speed; speed commands never
// queue up: the newest replaces the one not yet sent.
const commandQueue = 32

// Driver is a Lizard motor controller: the robot's wheels and its e-stop
// (from a core field). Add it to the runtime: it implements Start, Stop and
// SafeStop.
type Driver struct {
	cfg     Config
	log     *zap.Logger
	fields  []Field
	decoder *CoreDecoder
	linIdx  int
	angIdx  int
	estIdx  int

	velocity hardware.Topic[hardware.Velocity]
	estop    hardware.Topic[bool]
	readyT   hardware.Topic[bool]
	messages hardware.Topic[string]
	ready    atomic.Bool
	conn     atomic.Bool

	mu           sync.Mutex // guards the speed slot only; held for a copy
	speed        [2]float64
	speedPending bool
	cmds         chan string
	wake         chan struct{}

	stats   counters
	cancel  context.CancelFunc
	done    chan struct{}
	portMu  sync.Mutex
	port    io.ReadWriteCloser
	lastErr atomic.Pointer[string]

	replay      *replayPort // set in replay mode
	replayState *lineState
}

type counters struct {
	lines, badChecksum, mismatches, decodeErrors, reconnects, sent, overlong atomic.Uint64
}

var (
	_ hardware.Wheels = wheelsView{}
	_ hardware.EStop  = estopView{}
)

// New validates cfg and returns a driver; Start connects.
func New(cfg Config) (*Driver, error) {
	cfg = cfg.withDefaults()
	if cfg.Port == "" && !cfg.Replay {
		return nil, errors.New("lizard: no serial port configured")
	}
	fields, err := ParseFields(cfg.CoreFields)
	if err != nil {
		return nil, fmt.Errorf("lizard: %w", err)
	}
	d := &Driver{
		cfg: cfg, log: cfg.Log.Named("lizard").With(zap.String("port", cfg.Port)),
		fields: fields, decoder: NewCoreDecoder(fields),
		cmds: make(chan string, commandQueue), wake: make(chan struct{}, 1),
	}
	d.linIdx, d.angIdx, d.estIdx = d.decoder.Index(cfg.LinearField), d.decoder.Index(cfg.AngularField), d.decoder.Index(cfg.EStopField)
	if cfg.Replay {
		d.replay = &replayPort{closed: make(chan struct{})}
		d.cfg.Open = func(string, int) (io.ReadWriteCloser, error) { return d.replay, nil }
		d.cfg.Journal = nil // a replay records nothing
	}
	if d.linIdx < 0 || d.angIdx < 0 {
		return nil, fmt.Errorf("lizard: core fields %v lack %s or %s", cfg.CoreFields, cfg.LinearField, cfg.AngularField)
	}
	return d, nil
}

// Start connects in the background and returns at once: a robot must come
// up (and keep its control loop running) even when its controller is
// unplugged. Commands are refused until the controller is ready.
func (d *Driver) Start(context.Context) error {
	ctx, cancel := context.WithCancel(context.Background())
	d.cancel, d.done = cancel, make(chan struct{})
	go d.connectLoop(ctx)
	return nil
}

// Stop sends a last zero speed, then closes the port.
func (d *Driver) Stop(ctx context.Context) error {
	if d.cancel == nil {
		return nil
	}
	d.sendNow(speedCommand(0, 0))
	d.cancel()
	d.closePort()
	select {
	case <-d.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// SafeStop implements rosys.Actuator: zero speed, whatever the state.
func (d *Driver) SafeStop() { d.setSpeed(0, 0) }

// Drive implements hardware.Wheels. It never blocks or allocates: the
// command replaces any speed not yet sent.
func (d *Driver) Drive(linear, angular float64) error {
	if !d.ready.Load() {
		return ErrNotReady
	}
	d.setSpeed(linear, angular)
	return nil
}

// Stop the wheels (zero speed); see also SafeStop.
func (d *Driver) halt() error { return d.Drive(0, 0) }

func (d *Driver) setSpeed(linear, angular float64) {
	d.mu.Lock()
	d.speed = [2]float64{linear, angular}
	d.speedPending = true
	d.mu.Unlock()
	d.signal()
}

func (d *Driver) signal() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Send queues any Lizard command (without checksum) for the writer.
func (d *Driver) Send(cmd string) error {
	if !d.conn.Load() {
		return ErrNotConnected
	}
	select {
	case d.cmds <- cmd:
		d.signal()
		return nil
	default:
		return ErrQueueFull
	}
}

// SubscribeMessages delivers every valid line from the controller that is
// not a core message (Lizard's prints, errors and answers), in order.
func (d *Driver) SubscribeMessages(buffer int) (<-chan string, func()) {
	return d.messages.Subscribe(buffer)
}

// Velocity implements hardware.Wheels. While the controller is not
// connected it is zero: the wheels are considered stopped.
func (d *Driver) Velocity() hardware.Velocity { return d.velocity.Latest() }

// SubscribeVelocity implements hardware.Wheels.
func (d *Driver) SubscribeVelocity(buffer int) (<-chan hardware.Velocity, func()) {
	return d.velocity.Subscribe(buffer)
}

// Ready reports whether the controller sends telemetry.
func (d *Driver) Ready() bool { return d.ready.Load() }

// Connected reports whether the port is open.
func (d *Driver) Connected() bool { return d.conn.Load() }

// SubscribeReady delivers every change of Ready.
func (d *Driver) SubscribeReady(buffer int) (<-chan bool, func()) { return d.readyT.Subscribe(buffer) }

func speedCommand(linear, angular float64) string {
	return "wheels.speed(" + strconv.FormatFloat(linear, 'f', 3, 64) + ", " + strconv.FormatFloat(angular, 'f', 3, 64) + ")"
}

// Wheels returns the driver as hardware.Wheels (with a Stop method that
// does not shut the driver down).
func (d *Driver) Wheels() hardware.Wheels { return wheelsView{d} }

type wheelsView struct{ *Driver }

func (w wheelsView) Stop() error { return w.halt() }

// EStop is the controller's e-stop, from the configured core field. Until
// the controller is ready its state is unknown and counts as active.
func (d *Driver) EStop() hardware.EStop { return estopView{d} }

type estopView struct{ d *Driver }

func (e estopView) Active() bool {
	if !e.d.ready.Load() || e.d.estIdx < 0 {
		return true
	}
	return e.d.estop.Latest()
}

func (e estopView) SubscribeChanges(buffer int) (<-chan bool, func()) {
	return e.d.estop.Subscribe(buffer)
}

// Status is the driver's state for the API.
type Status struct {
	Port         string `json:"port"`
	Connected    bool   `json:"connected"`
	Ready        bool   `json:"ready"`
	Lines        uint64 `json:"lines"`
	BadChecksums uint64 `json:"bad_checksums"`
	Overlong     uint64 `json:"overlong_lines"`
	Mismatches   uint64 `json:"core_mismatches"`
	DecodeErrors uint64 `json:"decode_errors"`
	Sent         uint64 `json:"sent"`
	Reconnects   uint64 `json:"reconnects"`
	LastError    string `json:"last_error,omitempty"`
}

// Status reports counters and state.
func (d *Driver) Status() Status {
	st := Status{
		Port: d.cfg.Port, Connected: d.conn.Load(), Ready: d.ready.Load(),
		Lines: d.stats.lines.Load(), BadChecksums: d.stats.badChecksum.Load(), Overlong: d.stats.overlong.Load(),
		Mismatches: d.stats.mismatches.Load(), DecodeErrors: d.stats.decodeErrors.Load(),
		Sent: d.stats.sent.Load(), Reconnects: d.stats.reconnects.Load(),
	}
	if e := d.lastErr.Load(); e != nil {
		st.LastError = *e
	}
	return st
}
