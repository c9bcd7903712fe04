package lizardtest

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gorosys/rosys/drivers/lizard"
	"github.com/gorosys/rosys/hardware"
)

// tick advances the simulation by one cycle and returns the core message
// ("" for none) and other lines that are due.
func (b *brain) tick(now time.Time, sinceHost time.Duration) (string, [][]byte) {
	dt := b.c.cfg.Period.Seconds()
	if !b.lastTick.IsZero() {
		dt = now.Sub(b.lastTick).Seconds()
	}
	b.lastTick = now
	if b.booting {
		return "", nil
	}
	timeout := b.hostTimeout
	if len(b.saved) == 0 {
		timeout = b.c.cfg.KeepAliveTimeout
	}
	if timeout > 0 && sinceHost > timeout && !b.c.halted.Load() {
		b.c.halted.Store(true)
		_ = b.c.Wheels.Stop()
	}
	b.imuYaw = hardware.WrapAngle(b.imuYaw + b.c.Wheels.Velocity().Angular*dt)
	var lines [][]byte
	for len(b.pending) > 0 && !b.pending[0].at.After(now) {
		lines = append(lines, b.c.line(b.pending[0].line))
		b.pending = b.pending[1:]
	}
	if b.output == nil || b.badProp != "" {
		return "", lines
	}
	var sb strings.Builder
	sb.WriteString("core")
	for _, f := range b.output {
		v, ok := b.property(f, now, sinceHost)
		if !ok {
			b.badProp = f.module + "." + f.prop
			lines = append(lines, b.c.line(fmt.Sprintf("error in module %q: unknown property %q", f.module, f.prop)))
			return "", lines
		}
		sb.WriteByte(' ')
		sb.WriteString(v)
	}
	return sb.String(), lines
}

func num(v float64, prec int) string { return strconv.FormatFloat(v, 'f', prec, 64) }

// property is a module's property as core.output prints it.
func (b *brain) property(f outField, now time.Time, sinceHost time.Duration) (string, bool) {
	if f.module == "core" {
		switch f.prop {
		case "millis":
			return strconv.FormatInt(now.Sub(b.c.start).Milliseconds(), 10), true
		case "heap":
			return "123456", true
		case "last_message_age":
			return strconv.FormatInt(sinceHost.Milliseconds(), 10), true
		case "debug":
			return "false", true
		}
		return "", false
	}
	o, ok := b.objects[f.module]
	if !ok {
		return "", false
	}
	switch o.typ {
	case "Input":
		active := b.pressed[f.module]
		if f.module == "estop" && len(b.saved) == 0 {
			active = b.c.EStop.Active()
		}
		inverted := o.props["inverted"] == "true"
		switch f.prop {
		case "active":
			return strconv.FormatBool(active), true
		case "level":
			if active != inverted {
				return "1", true
			}
			return "0", true
		case "inverted":
			return strconv.FormatBool(inverted), true
		case "change":
			return "0", true
		}
	case "Output":
		// Its level as the last on(), off() or level(v) set it (0 at
		// first); active is the level as inverted makes it.
		high := o.props["level"] != "" && o.props["level"] != "0"
		inverted := o.props["inverted"] == "true"
		switch f.prop {
		case "level":
			return map[bool]string{true: "1", false: "0"}[high], true
		case "active":
			return strconv.FormatBool(high != inverted), true
		case "inverted":
			return strconv.FormatBool(inverted), true
		}
	case "ODriveWheels":
		v := b.c.Wheels.Velocity()
		switch f.prop {
		case "linear_speed":
			return num(v.Linear, f.precision), true
		case "angular_speed":
			return num(v.Angular, f.precision), true
		case "enabled":
			return "true", true
		case "locked":
			return "false", true
		case "width":
			return num(0.5, f.precision), true
		}
	case "Imu":
		w, x, y, z := hardware.QuaternionFromEuler(0, 0, b.imuYaw)
		switch f.prop {
		case "cal_sys", "cal_gyr", "cal_acc", "cal_mag":
			return "3", true
		case "quat_w":
			return num(w, f.precision), true
		case "quat_x":
			return num(x, f.precision), true
		case "quat_y":
			return num(y, f.precision), true
		case "quat_z":
			return num(z, f.precision), true
		case "yaw":
			return num(b.imuYaw*180/math.Pi, f.precision), true
		case "roll", "pitch":
			return num(0, f.precision), true
		}
	case "Expander":
		switch f.prop {
		case "is_ready":
			return "true", true
		case "last_message_age":
			return "0", true
		}
	case "ODriveMotor":
		switch f.prop {
		case "speed", "position", "motor_temperature", "current":
			return num(0, f.precision), true
		case "axis_state", "axis_error":
			return "0", true
		}
	}
	return "", false
}

// batterySim is a BMS whose battery drains: RoSys's BmsSimulation, with
// the voltage falling at a steady rate.
type batterySim struct {
	voltage, drain float64
	last           time.Time
	silent         bool
}

func (s *batterySim) step(now time.Time) {
	if !s.last.IsZero() {
		s.voltage = math.Max(22.5, s.voltage-s.drain*now.Sub(s.last).Seconds())
	}
	s.last = now
}

func (s *batterySim) state(now time.Time) hardware.BatteryState {
	pct := math.Max(0, math.Min(100, (s.voltage-22.5)/(27.5-22.5)*100))
	return hardware.BatteryState{Voltage: s.voltage, Percentage: pct, Current: -0.7, Temperature: 20 + math.Sin(0.01*float64(now.Unix())), Time: now}
}

// Press holds a declared Input pin active, as a pressed button or bumper
// does: by Lizard object ("bumper_front") or module and pin ("bumper
// front"). The legacy "estop" is the EStop field.
func (c *Controller) Press(name string) error { return c.setInput(name, true) }

// Release lets a pressed input go.
func (c *Controller) Release(name string) error { return c.setInput(name, false) }

func (c *Controller) setInput(name string, active bool) error {
	obj := strings.ReplaceAll(strings.TrimSpace(name), " ", "_")
	c.mu.Lock()
	o, ok := c.brain.objects[obj]
	legacy := obj == "estop" && len(c.brain.saved) == 0
	if ok && o.typ == "Input" && !legacy {
		c.brain.pressed[obj] = active
	}
	c.mu.Unlock()
	switch {
	case legacy && active:
		c.EStop.Press()
	case legacy:
		c.EStop.Release()
	case !ok || o.typ != "Input":
		return fmt.Errorf("lizardtest: no input %q (inputs: %s)", name, strings.Join(c.Inputs(), ", "))
	}
	return nil
}

// Inputs are the Input objects the startup code declares.
func (c *Controller) Inputs() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for n, o := range c.brain.objects {
		if o.typ == "Input" {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// SetBMSSilent makes the BMS stop (or resume) answering.
func (c *Controller) SetBMSSilent(silent bool) {
	c.mu.Lock()
	c.brain.battery.silent = silent
	c.mu.Unlock()
}

// Startup is the stored startup code (what "!." saved).
func (c *Controller) Startup() lizard.Code {
	c.mu.Lock()
	defer c.mu.Unlock()
	return lizard.Code(append([]string(nil), c.brain.saved...))
}

// handle runs one received command.
func (c *Controller) handle(cmd string) {
	c.mu.Lock()
	replies, restart := c.brain.command(cmd, time.Now())
	c.mu.Unlock()
	for _, r := range replies {
		_ = c.Send(r)
	}
	if restart {
		c.restart()
	}
}

// restart reboots: output stops at once, the stored startup code runs
// after RestartDelay and "Ready." is printed (without a checksum, as
// Lizard's boot does) — unless the controller never comes back (NoReady).
func (c *Controller) restart() {
	c.Restarts.Add(1)
	c.mu.Lock()
	c.brain.booting = true
	c.brain.output = nil
	c.mu.Unlock()
	_ = c.Wheels.Stop()
	if c.cfg.NoReady {
		return
	}
	time.AfterFunc(c.cfg.RestartDelay, func() {
		c.mu.Lock()
		replies := c.brain.boot(time.Now())
		c.mu.Unlock()
		for _, r := range replies {
			_ = c.Send(r)
		}
		_ = c.SendRaw([]byte("\r\nReady.\r\n"))
	})
}
