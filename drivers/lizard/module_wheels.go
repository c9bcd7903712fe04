package lizard

import (
	"fmt"
	"strconv"
	"time"

	"github.com/gorosys/rosys/drivers/lizard/wire"
	"github.com/gorosys/rosys/hardware"
)

// Wheels is a differential drive: two ODrive motors on a CAN bus combined
// by Lizard's ODriveWheels (Driver "odrive"), or a wheels object that other
// startup code creates (Driver "custom", e.g. from a code module). Either
// way the host sends "<name>.speed(linear, angular)" and reads
// <name>.linear_speed and <name>.angular_speed.
type Wheels struct {
	Object string // Lizard object name; default "wheels"
	Driver string // "odrive" (default) or "custom"
	// ODrive pair: the can module, the motors' node IDs, the ODrive
	// firmware's patch version (0: Lizard's default), meters per encoder
	// tick and direction per motor, and the wheel distance.
	Can                             string
	LeftCanAddress, RightCanAddress int
	ODriveVersion                   int
	MPerTick                        float64
	LeftReversed, RightReversed     bool
	Width                           float64
	// HostTimeout adds a rule that stops the wheels when the host has
	// been silent this long (the driver's keep-alive keeps it quiet while
	// the host runs); 0 adds none.
	HostTimeout time.Duration
	// LinearField and AngularField override the fields read (a
	// hand-written core_fields list).
	LinearField, AngularField string

	d        *Driver
	lin, ang int
}

// Name implements Module.
func (w *Wheels) Name() string {
	if w.Object == "" {
		return "wheels"
	}
	return w.Object
}

// Type implements Module.
func (w *Wheels) Type() string { return "wheels" }

func (w *Wheels) odrive() bool { return w.Driver == "" || w.Driver == "odrive" }

// Deps implements Module.
func (w *Wheels) Deps() []string {
	if w.odrive() && w.Can != "" {
		return []string{w.Can}
	}
	return nil
}

// Code implements Module.
func (w *Wheels) Code() []string {
	n := w.Name()
	var c []string
	if w.odrive() {
		version := ""
		if w.ODriveVersion != 0 {
			version = ", " + strconv.Itoa(w.ODriveVersion)
		}
		mpt, width := w.MPerTick, w.Width
		if mpt == 0 {
			mpt = 0.01
		}
		if width == 0 {
			width = 0.5
		}
		c = append(c,
			fmt.Sprintf("%s_left = ODriveMotor(%s, %d%s)", n, w.Can, w.LeftCanAddress, version),
			fmt.Sprintf("%s_right = ODriveMotor(%s, %d%s)", n, w.Can, w.RightCanAddress, version),
			fmt.Sprintf("%s_left.m_per_tick = %s", n, formatNumber(mpt)),
			fmt.Sprintf("%s_right.m_per_tick = %s", n, formatNumber(mpt)),
			fmt.Sprintf("%s_left.reversed = %s", n, boolWord(w.LeftReversed)),
			fmt.Sprintf("%s_right.reversed = %s", n, boolWord(w.RightReversed)),
			fmt.Sprintf("%s = ODriveWheels(%s_left, %s_right)", n, n, n),
			fmt.Sprintf("%s.width = %s", n, formatNumber(width)),
		)
	}
	if w.HostTimeout > 0 {
		c = append(c, fmt.Sprintf("when core.last_message_age > %d then %s.speed(0, 0); end", w.HostTimeout.Milliseconds(), n))
	}
	return c
}

func (w *Wheels) fieldNames() (string, string) {
	lin, ang := w.LinearField, w.AngularField
	if lin == "" {
		lin = w.Name() + ".linear_speed"
	}
	if ang == "" {
		ang = w.Name() + ".angular_speed"
	}
	return lin, ang
}

// Fields implements Module.
func (w *Wheels) Fields() []wire.Field {
	lin, ang := w.fieldNames()
	return []wire.Field{field(lin, 3), field(ang, 3)}
}

func (w *Wheels) bind(d *Driver, index func(string) int) {
	lin, ang := w.fieldNames()
	w.d, w.lin, w.ang = d, index(lin), index(ang)
}

func (w *Wheels) decode(values []float64, at time.Time) {
	if w.lin < 0 || w.ang < 0 {
		return
	}
	w.d.velocity.Publish(hardware.Velocity{Linear: values[w.lin], Angular: values[w.ang], Time: at})
}

func (w *Wheels) status(time.Time) any {
	lin, ang := w.fieldNames()
	return map[string]any{"type": "wheels", "object": w.Name(), "driver": map[bool]string{true: "odrive", false: "custom"}[w.odrive()],
		"velocity": w.d.velocity.Latest(), "fields": []string{lin, ang}}
}

// speedCommand is "<name>.speed(l, a)", built into buf without allocating.
func (w *Wheels) speedCommand(buf []byte, linear, angular float64) []byte {
	buf = append(buf, w.Name()...)
	buf = append(buf, ".speed("...)
	buf = strconv.AppendFloat(buf, linear, 'f', 3, 64)
	buf = append(buf, ", "...)
	buf = strconv.AppendFloat(buf, angular, 'f', 3, 64)
	return append(buf, ')')
}
