package lizard

import (
	"time"

	"github.com/gorosys/rosys/drivers/lizard/wire"
	"github.com/gorosys/rosys/hardware"
	"go.uber.org/zap"
)

// CustomModule is a module type of a user's own package (RoSys's
// ModuleHardware subclasses): a linear axis, a flashlight, a relay.
// It writes its startup code, names the core fields it reads, decodes
// them into its own typed value and reports its status, as the built-in
// types do; Custom makes it a Module for the driver.
type CustomModule interface {
	// Name is its Lizard object (or object prefix) and its key under
	// hardware.drivers in /api/status.
	Name() string
	// Type is its type as robot.yaml spells it.
	Type() string
	// Code is its startup code, one Lizard statement per line: the
	// objects it makes and the rules the controller keeps on its own
	// (an end switch that stops a motor acts without the host).
	Code() []string
	// Fields are the core fields it reads, in order.
	Fields() []wire.Field
	// Deps name modules that must be declared before it.
	Deps() []string
	// Bind is called once, before the driver starts.
	Bind(b Binding)
	// Decode reads its values from a core message on the driver's reader
	// goroutine: values[b.Index(field)], at the controller's time. It
	// must not block; it should not allocate.
	Decode(values []float64, at time.Time)
	// Status is its state for /api/status.
	Status(now time.Time) any
}

// SafetyModule is a CustomModule with inputs that stop the wheels while
// active (an end switch on a tool that must not move the robot): the
// robot's arbiter stops the wheels while any is active, as for bumpers.
type SafetyModule interface {
	CustomModule
	SafetyInputs() []hardware.SafetyInput
}

// Binding is what a CustomModule gets of the driver.
type Binding struct {
	// Index is a core field's position in the values Decode gets, -1 if
	// the core output lacks it.
	Index func(field string) int
	// Send queues a Lizard command for the controller; it never blocks
	// (ErrNotConnected, ErrQueueFull).
	Send func(cmd string) error
	// Ready reports whether core messages are flowing (values are fresh).
	Ready func() bool
	// Log is the driver's logger, named for the module.
	Log *zap.Logger
}

// Custom makes a user's module type a Module for Config.Modules.
func Custom(m CustomModule) Module { return &customModule{m} }

// AsCustom returns the user's module behind a Module that Custom made.
func AsCustom(m Module) (CustomModule, bool) {
	c, ok := m.(*customModule)
	if !ok {
		return nil, false
	}
	return c.CustomModule, true
}

type customModule struct{ CustomModule }

func (c *customModule) bind(d *Driver, index func(string) int) {
	c.Bind(Binding{Index: index, Send: d.Send, Ready: d.Ready, Log: d.log.Named(c.Name())})
}

func (c *customModule) decode(values []float64, at time.Time) { c.Decode(values, at) }

func (c *customModule) status(now time.Time) any { return c.Status(now) }
