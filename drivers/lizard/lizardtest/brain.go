package lizardtest

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gorosys/rosys/drivers/lizard"
	"github.com/gorosys/rosys/drivers/lizard/wire"
)

// brain is the simulated Lizard interpreter: startup storage, the objects
// the startup code declares, and the core output. It is guarded by the
// controller's mutex; its methods return the lines to print instead of
// printing, so nothing is written while the lock is held.
type brain struct {
	c       *Controller
	saved   []string // the startup code in flash ("!." writes it)
	ram     []string // the startup code being edited ("!+", "!-")
	objects map[string]*object
	output  []outField // nil: core output off
	badProp string     // a property core.output names that does not exist
	booting bool       // between core.restart() and Ready.
	bootAt  time.Time
	// hostTimeout is the rule "when core.last_message_age > N then
	// <wheels>.speed(0, 0)" of the startup code; 0 for none.
	hostTimeout time.Duration
	pressed     map[string]bool // inputs held by the outside world, by object
	imuYaw      float64
	battery     batterySim
	pending     []pendingLine
	lastTick    time.Time
}

type object struct {
	typ, expander string
	args          []string
	props         map[string]string
	unmuted       bool
}

type outField struct {
	module, prop string
	precision    int
}

type pendingLine struct {
	at   time.Time
	line string
}

func (b *brain) init(c *Controller) {
	b.c = c
	b.pressed = map[string]bool{}
	b.battery = batterySim{voltage: c.cfg.BatteryVoltage, drain: c.cfg.BatteryDrainPerSecond}
	if b.battery.voltage == 0 {
		b.battery.voltage = 26.5
	}
	if b.battery.drain == 0 {
		b.battery.drain = 0.001
	}
}

// boot loads the stored startup code and runs it, as Lizard does after
// a reset. Without startup code the controller has the objects of a
// hand-configured robot: "wheels" and "estop".
func (b *brain) boot(now time.Time) []string {
	b.booting = false
	b.bootAt = now
	b.ram = slices.Clone(b.saved)
	b.objects = map[string]*object{}
	b.output, b.badProp, b.hostTimeout, b.pending = nil, "", 0, nil
	if len(b.saved) == 0 {
		b.objects["wheels"] = &object{typ: "ODriveWheels", props: map[string]string{}}
		b.objects["estop"] = &object{typ: "Input", props: map[string]string{}}
		return nil
	}
	var out []string
	for _, l := range b.saved {
		replies, _ := b.run(l, now)
		out = append(out, replies...)
	}
	return out
}

// command handles one received line; restart reports core.restart().
func (b *brain) command(cmd string, now time.Time) (replies []string, restart bool) {
	if b.booting {
		return nil, false // a rebooting controller hears nothing
	}
	if len(cmd) >= 2 && cmd[0] == '!' {
		arg := cmd[2:]
		switch cmd[1] {
		case '+':
			if lim := b.c.cfg.StartupLimit; lim == 0 || len(b.ram) < lim {
				b.ram = append(b.ram, arg)
			}
		case '-':
			b.ram = slices.DeleteFunc(b.ram, func(l string) bool { return strings.HasPrefix(l, arg) })
		case '?':
			for _, l := range b.ram {
				if strings.HasPrefix(l, arg) {
					replies = append(replies, l)
				}
			}
		case '.':
			b.saved = slices.Clone(b.ram)
		case '!':
			return b.run(arg, now)
		case '"':
			replies = append(replies, arg)
		default:
			replies = append(replies, "error: unrecognized control command")
		}
		return replies, false
	}
	return b.run(cmd, now)
}

var (
	reComment     = regexp.MustCompile(`^\s*(#.*)?$`)
	reRule        = regexp.MustCompile(`^when\s+core\.last_message_age\s*>\s*(\d+)\s+then\s+(\w+)\.(?:speed\(0,\s*0\)|off\(\));?\s*end$`)
	reBlock       = regexp.MustCompile(`^(when|let|at)\b`)
	reConstructor = regexp.MustCompile(`^(\w+)\s*=\s*(?:(\w+)\.)?([A-Z]\w*)\((.*)\)$`)
	reAssign      = regexp.MustCompile(`^(\w+)\.(\w+)\s*=\s*(.+)$`)
	reCall        = regexp.MustCompile(`^(\w+)\.(\w+)\((.*)\)$`)
)

// run interprets one Lizard statement, the subset rosys generates.
func (b *brain) run(line string, now time.Time) (replies []string, restart bool) {
	line = strings.TrimSpace(line)
	switch {
	case reComment.MatchString(line):
		return nil, false
	case reRule.MatchString(line):
		m := reRule.FindStringSubmatch(line)
		ms, _ := strconv.Atoi(m[1])
		b.hostTimeout = time.Duration(ms) * time.Millisecond
		return nil, false
	case reBlock.MatchString(line):
		return nil, false // other rules and routines are not simulated
	case reConstructor.MatchString(line):
		m := reConstructor.FindStringSubmatch(line)
		return b.construct(m[1], m[2], m[3], splitArgs(m[4])), false
	case reAssign.MatchString(line):
		m := reAssign.FindStringSubmatch(line)
		o, ok := b.objects[m[1]]
		if !ok {
			return []string{fmt.Sprintf("error: unknown module %q", m[1])}, false
		}
		o.props[m[2]] = strings.TrimSpace(m[3])
		return nil, false
	case reCall.MatchString(line):
		m := reCall.FindStringSubmatch(line)
		return b.call(m[1], m[2], splitArgs(m[3]), now)
	}
	return []string{fmt.Sprintf("error: unexpected token at range 0 %d %q", len(line), line)}, false
}

func splitArgs(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	var out []string
	for _, a := range strings.Split(s, ",") {
		out = append(out, strings.TrimSpace(a))
	}
	return out
}

var moduleArgs = map[string][]int{"ODriveMotor": {0}, "ODriveWheels": {0, 1}, "Expander": {0}}

func (b *brain) construct(name, expander, typ string, args []string) []string {
	if _, ok := b.objects[name]; ok {
		return []string{fmt.Sprintf("error while loading startup script: module %q already exists", name)}
	}
	if expander != "" {
		e, ok := b.objects[expander]
		if !ok || e.typ != "Expander" {
			return []string{fmt.Sprintf("error: module %q is not an expander", expander)}
		}
	}
	for _, i := range moduleArgs[typ] {
		if i >= len(args) {
			return []string{fmt.Sprintf("error: %s expects more arguments", typ)}
		}
		if _, ok := b.objects[args[i]]; !ok {
			return []string{fmt.Sprintf("error: unknown module %q", args[i])}
		}
	}
	switch typ {
	case "Input", "Output", "ODriveMotor", "ODriveWheels", "Serial", "Can", "Imu", "Expander":
	default:
		return []string{fmt.Sprintf("error: unknown module type %q", typ)}
	}
	b.objects[name] = &object{typ: typ, expander: expander, args: args, props: map[string]string{}}
	return nil
}

func (b *brain) call(name, method string, args []string, now time.Time) ([]string, bool) {
	if name == "core" {
		return b.callCore(method, args, now)
	}
	o, ok := b.objects[name]
	if !ok {
		return []string{fmt.Sprintf("error: unknown module %q", name)}, false
	}
	switch {
	case o.typ == "ODriveWheels" && method == "speed" && len(args) == 2:
		lin, err1 := strconv.ParseFloat(args[0], 64)
		ang, err2 := strconv.ParseFloat(args[1], 64)
		if err1 == nil && err2 == nil {
			b.c.halted.Store(false)
			_ = b.c.Wheels.Drive(lin, ang)
		}
	case o.typ == "ODriveWheels" && (method == "off" || method == "disable"):
		_ = b.c.Wheels.Stop()
	case o.typ == "Output" && (method == "on" || method == "off") && len(args) == 0:
		o.props["level"] = map[bool]string{true: "1", false: "0"}[method == "on"]
	case o.typ == "Output" && method == "level" && len(args) == 1:
		o.props["level"] = args[0]
	case o.typ == "Serial" && method == "unmute":
		o.unmuted = true
	case o.typ == "Serial" && method == "send":
		if isBMSRequest(args) && o.unmuted && !b.battery.silent {
			b.battery.step(now)
			prefix := ""
			if o.expander != "" {
				prefix = o.expander + ": "
			}
			// The reply trickles in at 9600 baud: Lizard prints it over
			// two cycles, so it arrives split in two lines.
			words := strings.Fields(fmt.Sprintf("% x", wire.EncodeBMS(b.battery.state(now))))
			half := len(words) / 2
			b.pending = append(b.pending,
				pendingLine{now.Add(20 * time.Millisecond), prefix + name + " " + strings.Join(words[:half], " ")},
				pendingLine{now.Add(30 * time.Millisecond), prefix + name + " " + strings.Join(words[half:], " ")})
		}
	}
	return nil, false
}

func isBMSRequest(args []string) bool {
	want := []uint64{0xdd, 0xa5, 0x03, 0x00, 0xff, 0xfd, 0x77}
	if len(args) != len(want) {
		return false
	}
	for i, a := range args {
		v, err := strconv.ParseUint(a, 0, 8)
		if err != nil || v != want[i] {
			return false
		}
	}
	return true
}

func (b *brain) callCore(method string, args []string, now time.Time) ([]string, bool) {
	switch method {
	case "restart":
		return nil, true
	case "startup_checksum":
		return []string{fmt.Sprintf("checksum: %04x", lizard.StartupChecksum(lizard.Code(b.ram).String()))}, false
	case "info":
		return []string{"project name: lizard", "version: " + b.c.cfg.Firmware, "compile time: Jan  1 2026, 00:00:00", "idf version: v5.3-sim"}, false
	case "version":
		return []string{"version: lizard " + b.c.cfg.Firmware}, false
	case "output":
		if b.c.cfg.Mute || len(args) != 1 {
			return nil, false
		}
		format := strings.Trim(args[0], `"`)
		var out []outField
		for _, el := range strings.Fields(format) {
			spec, prec, _ := strings.Cut(el, ":")
			p, _ := strconv.Atoi(prec)
			mod, prop, ok := strings.Cut(spec, ".")
			if !ok {
				return []string{fmt.Sprintf("error: unknown variable %q", spec)}, false
			}
			if _, exists := b.objects[mod]; !exists && mod != "core" {
				return []string{fmt.Sprintf("error: unknown module %q", mod)}, false
			}
			out = append(out, outField{mod, prop, p})
		}
		b.output, b.badProp = out, ""
	case "print":
		return []string{strings.Join(args, " ")}, false
	}
	return nil, false
}
