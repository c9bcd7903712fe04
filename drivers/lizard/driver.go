package lizard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/gorosys/rosys/drivers/lizard/wire"
	"github.com/gorosys/rosys/hardware"
	"go.uber.org/zap"
)

// Errors that callers branch on.
var (
	ErrNotReady     = errors.New("lizard: controller not ready (no telemetry since connecting)")
	ErrNotConnected = errors.New("lizard: controller not connected")
	ErrQueueFull    = errors.New("lizard: command queue full")
	// ErrSafetyStop: an e-stop or bumper is active, or its state is not
	// reported; the wheels were stopped and refuse to drive.
	ErrSafetyStop = errors.New("lizard: drive refused: an e-stop or bumper is active or not reported")
	// ErrStartupMismatch: the controller runs other startup code than the
	// one generated from robot.yaml (hardware.lizard.configure: check).
	ErrStartupMismatch = errors.New("lizard: drive refused: the controller's startup code differs from robot.yaml's (run rosys lizard configure)")
	// ErrStartupUnknown: the startup checksum has not been answered yet.
	ErrStartupUnknown = errors.New("lizard: drive refused: startup checksum not known yet")
	// ErrConfiguring: the startup code is being uploaded.
	ErrConfiguring = errors.New("lizard: drive refused: configuring the controller")
	ErrNoWheels    = errors.New("lizard: no wheels module configured")
)

// Reasons the wheels refuse to drive, as bits of Driver.refuse.
const (
	refuseSafety uint32 = 1 << iota
	refuseMismatch
	refuseUnknown
	refuseConfiguring
)

// commandQueue bounds commands other than speed; speed commands never
// queue up: the newest replaces the one not yet sent.
const commandQueue = 32

// Driver is a Lizard microcontroller and the hardware modules on it:
// wheels, e-stops, bumpers, battery, IMU, expander. Add it to the runtime:
// it implements Start, Stop and SafeStop.
type Driver struct {
	cfg     Config
	log     *zap.Logger
	fields  []wire.Field
	decoder *wire.CoreDecoder

	modules  []Module
	wheels   *Wheels
	inputs   []*inputModule
	estops   []*EStop
	bumpers  []*Bumper
	handlers []lineHandler
	pollers  []poller
	expander []*Expander
	// customSafety are the safety inputs of users' module types.
	customSafety []hardware.SafetyInput
	code         Code // generated startup code; nil without modules
	startup      startupState

	velocity hardware.Topic[hardware.Velocity]
	estop    hardware.Topic[bool] // any e-stop, for EStop().SubscribeChanges
	readyT   hardware.Topic[bool]
	messages hardware.Topic[string]
	ready    atomic.Bool
	conn     atomic.Bool
	refuse   atomic.Uint32
	lastCore atomic.Int64 // unix nanos when the last core message arrived
	version  atomic.Pointer[string]

	mu           sync.Mutex // guards the speed slot only; held for a copy
	speed        [2]float64
	speedPending bool
	cmds         chan string
	wake         atomic.Pointer[wakeup] // set while started

	stats   counters
	cancel  context.CancelFunc
	done    chan struct{}
	portMu  sync.Mutex
	port    io.ReadWriteCloser
	sessCtx context.Context // the current connection's, for an automatic configure
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
	d := &Driver{
		cfg: cfg, log: cfg.Log.Named("lizard").With(zap.String("port", cfg.Port)),
		cmds: make(chan string, commandQueue),
	}
	if len(cfg.Modules) > 0 {
		code, fields, err := GenerateChecked(cfg.Modules, cfg.Chip)
		if err != nil {
			return nil, err
		}
		d.code, d.fields, d.modules = code, fields, cfg.Modules
	} else {
		// A hand-written configuration: core_fields as given, the wheels
		// and e-stop read from the fields named in Config.
		fields, err := wire.ParseFields(cfg.CoreFields)
		if err != nil {
			return nil, fmt.Errorf("lizard: %w", err)
		}
		d.fields = fields
		d.modules = []Module{
			&Wheels{Driver: "custom", LinearField: cfg.LinearField, AngularField: cfg.AngularField},
			NewEStop("estop", []Pin{{Field: cfg.EStopField}}, false, ""),
		}
		cfg.Configure = "off" // nothing generated to compare with
	}
	d.decoder = wire.NewCoreDecoder(d.fields)
	d.startup.mode = cfg.Configure
	d.startup.actual.Store(-1)
	d.startup.expected = d.code.Checksum()
	for _, m := range d.modules {
		m.bind(d, d.decoder.Index)
		switch m := m.(type) {
		case *Wheels:
			d.wheels = m
		case *EStop:
			d.estops = append(d.estops, m)
			d.inputs = append(d.inputs, &m.inputModule)
		case *Bumper:
			d.bumpers = append(d.bumpers, m)
			d.inputs = append(d.inputs, &m.inputModule)
		case *Expander:
			d.expander = append(d.expander, m)
		case *customModule:
			if sm, ok := m.CustomModule.(SafetyModule); ok {
				d.customSafety = append(d.customSafety, sm.SafetyInputs()...)
			}
		}
		if h, ok := m.(lineHandler); ok {
			d.handlers = append(d.handlers, h)
		}
		if p, ok := m.(poller); ok {
			d.pollers = append(d.pollers, p)
		}
	}
	if d.wheels != nil && (d.wheels.lin < 0 || d.wheels.ang < 0) {
		lin, ang := d.wheels.fieldNames()
		return nil, fmt.Errorf("lizard: core fields %v lack %s or %s", cfg.CoreFields, lin, ang)
	}
	for _, in := range d.inputs {
		for _, p := range in.pins {
			if p.idx < 0 {
				d.refuse.Or(refuseSafety) // a stop nobody reports is active, for good
			}
		}
	}
	if d.startup.mode != "off" {
		d.refuse.Or(refuseUnknown)
	}
	if cfg.Replay {
		d.replay = &replayPort{closed: make(chan struct{})}
		d.cfg.Open = func(string, int) (io.ReadWriteCloser, error) { return d.replay, nil }
		d.cfg.Journal = nil          // a replay records nothing
		d.refuse.And(^refuseUnknown) // a replay has no controller to ask
		d.startup.mode = "off"
	}
	return d, nil
}

// Start connects in the background and returns at once: a robot must come
// up (and keep its control loop running) even when its controller is
// unplugged. Commands are refused until the controller is ready.
func (d *Driver) Start(context.Context) error {
	if r := d.Refusing(); len(r) > 0 {
		d.log.Info("wheels refuse to drive until these clear", zap.Strings("refusing", r))
	}
	w, err := newWakeup()
	if err != nil {
		return err
	}
	d.wake.Store(w)
	w.signal() // a speed set before Start (SafeStop) is looked at on the first pass
	ctx, cancel := context.WithCancel(context.Background())
	d.cancel, d.done = cancel, make(chan struct{})
	go d.connectLoop(ctx, w)
	return nil
}

// Stop sends a last zero speed, then closes the port.
func (d *Driver) Stop(ctx context.Context) error {
	if d.cancel == nil {
		return nil
	}
	if d.wheels != nil {
		d.sendNow(string(d.wheels.speedCommand(nil, 0, 0)))
	}
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
// command replaces any speed not yet sent. A zero speed is always taken;
// any other is refused while the controller is not ready, an e-stop or
// bumper is active, or the startup code is wrong (see Refusing).
func (d *Driver) Drive(linear, angular float64) error {
	if d.wheels == nil {
		return ErrNoWheels
	}
	if linear == 0 && angular == 0 {
		return d.halt()
	}
	if !d.ready.Load() {
		return ErrNotReady
	}
	// The refusal is checked under the speed lock: the reader sets the
	// bit before it takes the lock to write zero, so a speed is either
	// refused or overwritten by that zero, never sent after it.
	d.mu.Lock()
	if r := d.refuse.Load(); r != 0 {
		d.mu.Unlock()
		return refuseError(r)
	}
	if d.replay != nil {
		d.mu.Unlock()
		d.keepReplayed(linear, angular)
		return nil
	}
	d.speed = [2]float64{linear, angular}
	d.speedPending = true
	d.mu.Unlock()
	d.signal()
	return nil
}

func refuseError(r uint32) error {
	switch {
	case r&refuseSafety != 0:
		return ErrSafetyStop
	case r&refuseConfiguring != 0:
		return ErrConfiguring
	case r&refuseMismatch != 0:
		return ErrStartupMismatch
	default:
		return ErrStartupUnknown
	}
}

// halt stops the wheels: a zero speed is taken whatever refuses other
// speeds. Before the controller is ready nothing is sent (its wheels are
// held by its own rules), whatever modules are configured, so a replay
// of a recorded run sends the same commands.
func (d *Driver) halt() error {
	if !d.ready.Load() {
		return ErrNotReady
	}
	d.setSpeed(0, 0)
	return nil
}

func (d *Driver) setSpeed(linear, angular float64) {
	if d.replay != nil && d.wheels != nil {
		d.keepReplayed(linear, angular)
		return
	}
	d.mu.Lock()
	d.speed = [2]float64{linear, angular}
	d.speedPending = true
	d.mu.Unlock()
	d.signal()
}

// keepReplayed keeps, in a replay, a speed the control loop asks for, on
// its tick, instead of handing it to the writer: the writer goroutine is
// not on the virtual clock and would coalesce speeds at random.
func (d *Driver) keepReplayed(linear, angular float64) {
	d.replay.keepSpeed(linear, angular, func() string { return string(d.wheels.speedCommand(nil, linear, angular)) })
}

// dropSpeed forgets a speed not yet sent.
func (d *Driver) dropSpeed() {
	d.mu.Lock()
	d.speedPending = false
	d.mu.Unlock()
}

// signal wakes the writer; it never blocks or allocates (see wakeup).
func (d *Driver) signal() {
	if w := d.wake.Load(); w != nil {
		w.signal()
	}
}

// Send queues any Lizard command (without checksum) for the writer.
func (d *Driver) Send(cmd string) error {
	if err := checkLineLength(cmd); err != nil {
		return err
	}
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
// not a core message (Lizard's prints, errors and answers), in order, and
// "Ready." when it restarts.
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

// Wheels returns the driver as hardware.Wheels (with a Stop method that
// does not shut the driver down), or nil without a wheels module.
func (d *Driver) Wheels() hardware.Wheels {
	if d.wheels == nil {
		return nil
	}
	return wheelsView{d}
}

type wheelsView struct{ *Driver }

func (w wheelsView) Stop() error { return w.halt() }

// Modules are the configured modules, in robot.yaml's order.
func (d *Driver) Modules() []Module { return d.modules }

// Code is the generated startup code (nil without modules).
func (d *Driver) Code() Code { return d.code }

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
	// Firmware is what core.info() answered ("version: ..."), "" until then.
	Firmware string `json:"firmware_version"`
	// Refusing names every reason drive commands are refused now.
	Refusing []string `json:"refusing"`
	// Startup compares the controller's startup code with robot.yaml's.
	Startup *StartupStatus `json:"startup,omitempty"`
	// Fields are the core fields the driver reads.
	Fields []string `json:"core_fields"`
}

// Status reports counters and state.
func (d *Driver) Status() Status {
	st := Status{
		Port: d.cfg.Port, Connected: d.conn.Load(), Ready: d.ready.Load(),
		Lines: d.stats.lines.Load(), BadChecksums: d.stats.badChecksum.Load(), Overlong: d.stats.overlong.Load(),
		Mismatches: d.stats.mismatches.Load(), DecodeErrors: d.stats.decodeErrors.Load(),
		Sent: d.stats.sent.Load(), Reconnects: d.stats.reconnects.Load(),
		Refusing: d.Refusing(), Startup: d.startupStatus(),
	}
	if e := d.lastErr.Load(); e != nil {
		st.LastError = *e
	}
	if v := d.version.Load(); v != nil {
		st.Firmware = *v
	}
	for _, f := range d.fields {
		st.Fields = append(st.Fields, f.String())
	}
	return st
}
