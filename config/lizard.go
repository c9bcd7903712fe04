package config

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// builtinLizardTypes are the module types rosys knows without
// registration: their keys besides type and name, and the Lizard object
// name a module gets without a name key (RoSys's, except the battery,
// which status shows as "battery"). Their values are LizardModule's
// fields, checked by validateLizardModules, checkLizardRules and the
// bounds table; robot registers each one's driver module and simulated
// twin (robot/lizardtype_<type>.go).
var builtinLizardTypes = []LizardType{
	{Type: "wheels", DefaultName: "wheels", Keys: []string{"driver", "can", "left_can_address", "right_can_address",
		"odrive_version", "m_per_tick", "width", "left_reversed", "right_reversed", "host_timeout"}},
	{Type: "estop", DefaultName: "estop", Keys: []string{"pins", "inverted", "expander"}},
	{Type: "bumper", DefaultName: "bumper", Keys: []string{"pins", "inverted", "expander"}},
	{Type: "battery", DefaultName: "battery", Keys: []string{"rx_pin", "tx_pin", "baud", "num", "expander",
		"charge_detect_threshold", "request_interval", "stale_after"}},
	{Type: "imu", DefaultName: "imu", Keys: []string{"expander"}},
	{Type: "expander", DefaultName: "p0", Keys: []string{"serial", "boot", "enable"}},
	{Type: "serial", DefaultName: "serial", Keys: []string{"rx_pin", "tx_pin", "baud", "num", "expander"}},
	{Type: "can", DefaultName: "can", Keys: []string{"rx_pin", "tx_pin", "baud", "expander"}},
	{Type: "code", DefaultName: "code", Keys: []string{"lines"}},
}

// LizardModuleTypes lists the module types hardware.lizard.modules
// accepts without registration.
var LizardModuleTypes = func() []string {
	out := make([]string, len(builtinLizardTypes))
	for i, t := range builtinLizardTypes {
		out[i] = t.Type
	}
	return out
}()

// BuiltinLizardType is what robot.yaml knows of a built-in module type
// (its keys and default name), ok false for any other.
func BuiltinLizardType(typ string) (LizardType, bool) {
	i := slices.IndexFunc(builtinLizardTypes, func(t LizardType) bool { return t.Type == typ })
	if i < 0 {
		return LizardType{}, false
	}
	t := builtinLizardTypes[i]
	t.Keys = slices.Clone(t.Keys)
	return t, true
}

// LizardConfigureModes are the values of hardware.lizard.configure.
var LizardConfigureModes = []string{"check", "auto", "off"}

// LizardModule is one hardware module on the Lizard controller (or on an
// expander behind it). Which keys apply depends on Type; a key of another
// type is an error naming it.
type LizardModule struct {
	Type string `yaml:"type"`
	Name string `yaml:"name"`
	Line int    `yaml:"-"` // where the module starts in robot.yaml

	// wheels
	Driver          string    `yaml:"driver"` // odrive | custom
	Can             string    `yaml:"can"`
	LeftCanAddress  *int      `yaml:"left_can_address"`
	RightCanAddress *int      `yaml:"right_can_address"`
	ODriveVersion   int       `yaml:"odrive_version"`
	MPerTick        *float64  `yaml:"m_per_tick"`
	Width           *float64  `yaml:"width"`
	LeftReversed    bool      `yaml:"left_reversed"`
	RightReversed   bool      `yaml:"right_reversed"`
	HostTimeout     *Duration `yaml:"host_timeout"`

	// estop, bumper
	Pins     PinMap `yaml:"pins"`
	Inverted *bool  `yaml:"inverted"`

	// battery, serial, can
	RxPin *int `yaml:"rx_pin"`
	TxPin *int `yaml:"tx_pin"`
	Baud  int  `yaml:"baud"`
	Num   int  `yaml:"num"`

	// battery
	ChargeDetectThreshold *float64 `yaml:"charge_detect_threshold"`
	RequestInterval       Duration `yaml:"request_interval"`
	StaleAfter            Duration `yaml:"stale_after"`

	// expander: the serial module it is reached through, boot and enable pins
	Serial string `yaml:"serial"`
	Boot   *int   `yaml:"boot"`
	Enable *int   `yaml:"enable"`

	// Expander runs the module on the expander of that name (a Lizard
	// proxy: "name = p0.Input(12)").
	Expander string `yaml:"expander"`

	// code: Lizard lines written into the startup code as they are
	Lines []string `yaml:"lines"`

	// Node is the module's mapping as written, for a type registered by
	// a user's package (LizardType) to decode its own keys from (see
	// Decode); nil for the built-in types.
	Node    *yaml.Node `yaml:"-"`
	objects []string   // a registered type's Lizard objects (LizardType.Objects)
}

// Pin is a named input pin of an e-stop or bumper.
type Pin struct {
	Name string
	Pin  int
	Line int
}

// PinMap is "pins: {front: 34, back: 35}", in the order written.
type PinMap []Pin

// UnmarshalYAML implements yaml.Unmarshaler, keeping the order.
func (p *PinMap) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: pins: want a mapping of names to GPIO numbers, such as {front: 34}", n.Line)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		var num int
		if v.Kind != yaml.ScalarNode || v.Tag == "!!null" || v.Decode(&num) != nil {
			return fmt.Errorf("line %d: pins.%s: missing pin: want a GPIO number, got %q", v.Line, k.Value, v.Value)
		}
		*p = append(*p, Pin{Name: k.Value, Pin: num, Line: v.Line})
	}
	return nil
}

// UnmarshalYAML implements yaml.Unmarshaler: it checks the keys against
// the module's type before decoding, so a key of another type (pins on
// an imu) is an error rather than ignored.
func (m *LizardModule) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: a module is a mapping with at least a type", n.Line)
	}
	m.Line = n.Line
	var typ string
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "type" {
			typ = n.Content[i+1].Value
		}
	}
	if typ == "" {
		return fmt.Errorf("line %d: module without a type (one of %s)", n.Line, strings.Join(LizardModuleTypes, ", "))
	}
	builtin, ok := BuiltinLizardType(typ)
	allowed := builtin.Keys
	if !ok {
		// Not a built-in type: perhaps one a user's package registers
		// (LizardType). Parse checks it against those once decoded.
		return m.keepCustom(n, typ)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if k.Value != "type" && k.Value != "name" && !slices.Contains(allowed, k.Value) {
			return fmt.Errorf("line %d: unknown key %s for a module of type %s (it takes %s)", k.Line, k.Value, typ, strings.Join(allowed, ", "))
		}
	}
	type plain LizardModule // without this method, so Decode does not recurse
	var p plain
	if err := n.Decode(&p); err != nil {
		return err
	}
	*m = LizardModule(p)
	m.Line = n.Line
	if m.Name == "" {
		m.Name = builtin.DefaultName
	}
	return nil
}

// UnknownModuleTypeError is a module whose type rosys does not know.
type UnknownModuleTypeError struct {
	Line int
	Type string
	// Registered are the types registered beside the built-in ones.
	Registered []string
}

func (e *UnknownModuleTypeError) Error() string {
	known := slices.Concat(LizardModuleTypes, e.Registered)
	return fmt.Sprintf("line %d: unknown module type %q (one of %s)", e.Line, e.Type, strings.Join(known, ", "))
}

// LizardConfigure is hardware.lizard.configure: check | auto | off.
type LizardConfigure string

// UnmarshalYAML implements yaml.Unmarshaler.
func (c *LizardConfigure) UnmarshalYAML(n *yaml.Node) error {
	v, err := oneOf(n, "configure", LizardConfigureModes)
	*c = LizardConfigure(v)
	return err
}

var lizardIdentifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// lizardKeywords cannot name a Lizard object.
var lizardKeywords = []string{"true", "false", "when", "then", "end", "let", "do", "at", "await", "bool", "int", "float", "str", "and", "or", "not"}

// reservedNames are taken by the controller (core) or by other entries of
// /api/status's hardware.drivers.
var reservedNames = []string{"core", "lizard", "journal", "estop_gpio"}

// ObjectNames are the Lizard objects a module creates, besides which its
// status is reported under its Name.
func (m *LizardModule) ObjectNames() []string {
	if m.Node != nil && m.objects != nil {
		return m.objects
	}
	switch m.Type {
	case "estop", "bumper":
		out := make([]string, len(m.Pins))
		for i, p := range m.Pins {
			out[i] = m.Name + "_" + p.Name
		}
		return out
	case "wheels":
		if m.Driver == "" || m.Driver == "odrive" {
			return []string{m.Name, m.Name + "_left", m.Name + "_right"}
		}
		return []string{m.Name}
	case "code":
		return nil
	}
	return []string{m.Name}
}

// validateLizardModules checks what no single module can: names, pins and
// references across modules.
func validateLizardModules(mods []LizardModule) error {
	var errs []error
	where := func(i int) string {
		return fmt.Sprintf("line %d: hardware.lizard.modules[%d] (%s %q)", mods[i].Line, i, mods[i].Type, mods[i].Name)
	}
	byName := map[string]int{}
	objects := map[string]int{}
	type pinUse struct {
		what string
		line int
	}
	pins := map[string]pinUse{} // "controller/pin"
	usePin := func(i int, ctrl, what string, pin, line int) {
		key := fmt.Sprintf("%s/%d", ctrl, pin)
		if prev, ok := pins[key]; ok {
			errs = append(errs, fmt.Errorf("line %d: hardware.lizard.modules[%d] (%s %q): %s: duplicate pin: GPIO %d is already used by %s (line %d)",
				line, i, mods[i].Type, mods[i].Name, what, pin, prev.what, prev.line))
			return
		}
		pins[key] = pinUse{fmt.Sprintf("%s %q %s", mods[i].Type, mods[i].Name, what), line}
	}
	for i := range mods {
		m := &mods[i]
		if !lizardIdentifier.MatchString(m.Name) || slices.Contains(lizardKeywords, m.Name) {
			errs = append(errs, fmt.Errorf("%s: name: %q is not a Lizard identifier (letters, digits, _; not a keyword)", where(i), m.Name))
		}
		if slices.Contains(reservedNames, m.Name) {
			errs = append(errs, fmt.Errorf("%s: name: %q is reserved (%s)", where(i), m.Name, strings.Join(reservedNames, ", ")))
		}
		if j, ok := byName[m.Name]; ok {
			errs = append(errs, fmt.Errorf("%s: name collides with module %d at line %d", where(i), j, mods[j].Line))
		} else {
			byName[m.Name] = i
		}
		for _, obj := range m.ObjectNames() {
			if j, ok := objects[obj]; ok && j != i {
				errs = append(errs, fmt.Errorf("%s: name collides: Lizard object %q is also made by module %d at line %d", where(i), obj, j, mods[j].Line))
			}
			objects[obj] = i
		}
	}
	ref := func(i int, key, name, typ string) {
		j, ok := byName[name]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("%s: %s: no module named %q", where(i), key, name))
		case mods[j].Type != typ:
			errs = append(errs, fmt.Errorf("%s: %s: module %q is a %s, not a %s", where(i), key, name, mods[j].Type, typ))
		}
	}
	wheels := 0
	for i := range mods {
		m := &mods[i]
		ctrl := m.Expander
		if m.Expander != "" {
			ref(i, "expander", m.Expander, "expander")
		}
		switch m.Type {
		case "wheels":
			wheels++
			if wheels > 1 {
				errs = append(errs, fmt.Errorf("%s: only one wheels module is supported", where(i)))
			}
			switch m.Driver {
			case "", "odrive":
				if m.Can == "" {
					errs = append(errs, fmt.Errorf("%s: can: ODrive wheels need the name of a can module", where(i)))
				} else {
					ref(i, "can", m.Can, "can")
				}
			case "custom":
				if m.Can != "" {
					errs = append(errs, fmt.Errorf("%s: can: custom wheels take no can module", where(i)))
				}
			default:
				errs = append(errs, fmt.Errorf("%s: driver: %q is not odrive or custom", where(i), m.Driver))
			}
		case "estop", "bumper":
			if len(m.Pins) == 0 {
				errs = append(errs, fmt.Errorf("%s: pins: missing pin: name at least one, such as {front: 34}", where(i)))
			}
			seen := map[string]bool{}
			for _, p := range m.Pins {
				if !lizardIdentifier.MatchString(p.Name) {
					errs = append(errs, fmt.Errorf("line %d: hardware.lizard.modules[%d].pins: %q is not a Lizard identifier", p.Line, i, p.Name))
				}
				if seen[p.Name] {
					errs = append(errs, fmt.Errorf("line %d: hardware.lizard.modules[%d].pins: %q given twice", p.Line, i, p.Name))
				}
				seen[p.Name] = true
				usePin(i, ctrl, "pin "+p.Name, p.Pin, p.Line)
			}
		case "battery", "serial", "can":
			rx, tx := serialDefaults(m)
			if rx == tx {
				errs = append(errs, fmt.Errorf("%s: rx_pin and tx_pin are both GPIO %d", where(i), rx))
			} else {
				usePin(i, ctrl, "rx_pin", rx, m.Line)
				usePin(i, ctrl, "tx_pin", tx, m.Line)
			}
		case "expander":
			if m.Serial == "" {
				errs = append(errs, fmt.Errorf("%s: serial: name the serial module the expander is reached through", where(i)))
			} else {
				ref(i, "serial", m.Serial, "serial")
			}
			if (m.Boot == nil) != (m.Enable == nil) {
				errs = append(errs, fmt.Errorf("%s: boot and enable go together", where(i)))
			}
			if m.Boot != nil && m.Enable != nil {
				usePin(i, "", "boot", *m.Boot, m.Line)
				usePin(i, "", "enable", *m.Enable, m.Line)
			}
		case "code":
			for _, l := range m.Lines {
				if strings.ContainsAny(l, "\n\r") {
					errs = append(errs, fmt.Errorf("%s: lines: one Lizard line per entry", where(i)))
				}
			}
		}
	}
	return errors.Join(errs...)
}

// serialDefaults are the RX and TX pins of a battery, serial or can
// module, with RoSys's defaults for those left out.
func serialDefaults(m *LizardModule) (rx, tx int) {
	rx, tx = 26, 27
	if m.Type == "can" {
		rx, tx = 32, 33
	}
	if m.RxPin != nil {
		rx = *m.RxPin
	}
	if m.TxPin != nil {
		tx = *m.TxPin
	}
	return rx, tx
}

// SerialPins are the module's RX and TX pins, defaults applied.
func (m *LizardModule) SerialPins() (rx, tx int) { return serialDefaults(m) }
