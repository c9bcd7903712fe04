package lizard

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gorosys/rosys/drivers/lizard/wire"
)

// Module is one hardware module on the controller. Each type (wheels,
// estop, bumper, battery, imu, expander, serial, can, code) is one file:
// the startup code it needs, the core fields it reads, and the typed
// value it publishes for the control loop. A module type of a user's own
// is a CustomModule, made a Module by Custom.
type Module interface {
	// Name is the module's name: its Lizard object (or object prefix)
	// and its key under hardware.drivers in /api/status.
	Name() string
	// Type is the module type as robot.yaml spells it.
	Type() string
	// Code is its startup code, one Lizard statement per line.
	Code() []string
	// Fields are the core fields it reads, in order.
	Fields() []wire.Field
	// Deps name modules that must be declared before it.
	Deps() []string

	// bind resolves the module's fields to positions in the core
	// message; a field the output lacks gets -1.
	bind(d *Driver, index func(name string) int)
	// decode reads the module's values from a core message, on the
	// reader goroutine. It must not allocate.
	decode(values []float64, at time.Time)
	// status is the module's state for /api/status.
	status(now time.Time) any
}

// lineHandler is a module that reads lines other than core messages
// (e.g. a serial port's bytes). words are the line's words with any
// expander prefix removed.
type lineHandler interface {
	handleLine(words [][]byte, at time.Time) bool
}

// poller is a module that asks the controller for something now and
// then (e.g. the BMS request); poll returns the command, if any is due.
type poller interface {
	poll(now time.Time) (string, bool)
}

// Code is Lizard startup code, one statement per line.
type Code []string

// String is the code as the controller stores it: every line ends in
// "\n" (Lizard's "!+line" appends line + "\n").
func (c Code) String() string {
	var b strings.Builder
	for _, l := range c {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

// Checksum is what core.startup_checksum() answers for this code: the sum
// of its bytes, newlines included, modulo 2^16 (Lizard's core.cpp adds
// every byte of the stored startup script into a uint16).
func (c Code) Checksum() uint16 { return StartupChecksum(c.String()) }

// StartupChecksum is Lizard's 16-bit startup checksum of stored code.
func StartupChecksum(stored string) uint16 {
	var sum uint16
	for i := 0; i < len(stored); i++ {
		sum += uint16(stored[i])
	}
	return sum
}

// Generate returns the startup code for modules: each module's code, in an
// order where every module follows those it depends on (otherwise in the
// given order), then core.output with every module's fields. The same
// modules always give the same code, byte for byte.
func Generate(modules []Module) (Code, []wire.Field, error) {
	code, fields, _, err := generate(modules)
	return code, fields, err
}

// generate is Generate, also naming the module each line comes from
// ("" for the core.output line, which all modules' fields make).
func generate(modules []Module) (Code, []wire.Field, []string, error) {
	ordered, err := orderModules(modules)
	if err != nil {
		return nil, nil, nil, err
	}
	var code Code
	var owners []string
	var fields []wire.Field
	seen := map[string]bool{}
	for _, m := range ordered {
		for _, l := range m.Code() {
			code = append(code, l)
			owners = append(owners, m.Name())
		}
		for _, f := range m.Fields() {
			if seen[f.Name] {
				return nil, nil, nil, fmt.Errorf("lizard: core field %s is read by two modules", f.Name)
			}
			seen[f.Name] = true
			fields = append(fields, f)
		}
	}
	code = append(code, wire.OutputCommand(fields))
	owners = append(owners, "")
	return code, fields, owners, nil
}

// orderModules sorts modules so that each follows its dependencies,
// keeping the given order where there is a choice.
func orderModules(modules []Module) ([]Module, error) {
	byName := map[string]Module{}
	for _, m := range modules {
		if _, dup := byName[m.Name()]; dup {
			return nil, fmt.Errorf("lizard: two modules named %q", m.Name())
		}
		byName[m.Name()] = m
	}
	for _, m := range modules {
		for _, dep := range m.Deps() {
			if _, ok := byName[dep]; !ok {
				return nil, fmt.Errorf("lizard: module %q needs module %q, which is not configured", m.Name(), dep)
			}
		}
	}
	var out []Module
	done := map[string]bool{}
	for len(out) < len(modules) {
		progress := false
		for _, m := range modules {
			if done[m.Name()] {
				continue
			}
			ready := true
			for _, dep := range m.Deps() {
				ready = ready && done[dep]
			}
			if ready {
				out = append(out, m)
				done[m.Name()] = true
				progress = true
				break // restart, so the earliest ready module comes first
			}
		}
		if !progress {
			var left []string
			for _, m := range modules {
				if !done[m.Name()] {
					left = append(left, m.Name())
				}
			}
			slices.Sort(left)
			return nil, fmt.Errorf("lizard: modules %v depend on each other in a cycle", left)
		}
	}
	return out, nil
}

// proxyPrefix is how a module behind an expander is constructed:
// "name = p0.Input(12)" makes a proxy whose properties the expander
// broadcasts to the main controller.
func proxyPrefix(expander string) string {
	if expander == "" {
		return ""
	}
	return expander + "."
}

func boolWord(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// formatNumber writes a float as Lizard parses it (always with a point, so
// it is a number, not an integer).
func formatNumber(v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

func field(name string, precision int) wire.Field {
	return wire.Field{Name: name, Precision: precision}
}
