package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// builtinType is a built-in module type as package config knows it: what
// a user's type says (LizardType: keys, default name, objects) and the
// checks that need the whole module list, as data (the UART, CAN bus and
// RX/TX pins it takes, which the generic rules of lizardcheck.go and
// LizardUARTs apply) and as functions. Each one is declared in
// config/lizardtype_<type>.go, next to nothing but its own checks; robot
// registers its driver module and simulated twin in
// robot/lizardtype_<type>.go (package config cannot import robot or the
// driver, and must check robot.yaml without them: rosys lizard code,
// configure and run load it with config.Load alone). Registering robot's
// declarations into config at init would have put all of a type in one
// file, but config.Load would then refuse every built-in type wherever
// robot is not linked in (config's own tests, a tool of its own): a
// hidden dependency on import order that a table here does not have.
type builtinType struct {
	LizardType
	// uart: it takes one of the controller's UARTs (LizardUARTs).
	uart bool
	// canBus: it is its controller's CAN bus, of which there is one.
	canBus bool
	// serialPins are its default RX and TX GPIOs (rx_pin, tx_pin); nil
	// takes none.
	serialPins *[2]int
	// validate checks a declared module against the others
	// (validateLizardModules); nil checks nothing more.
	validate func(c *moduleCheck, i int, m *LizardModule)
	// rules checks it against the Lizard firmware's rules
	// (checkLizardRules), afterRules once every module's pins are known.
	rules, afterRules func(c *rulesCheck, i int, m *LizardModule)
	// hostTimeout is how long the module runs on without hearing from
	// the host (0: for ever), which the keep-alive must be shorter than
	// (checkKeepAlive); nil has none.
	hostTimeout func(m *LizardModule) time.Duration
	// bounds are the ranges of its numeric keys (key relative to the
	// module: "rx_pin", "pins.*"), rows of the bounds table.
	bounds []bound
}

// builtinLizardTypes are the module types rosys knows without
// registration, in robot.yaml's order of documentation.
var builtinLizardTypes = []builtinType{wheelsType, estopType, bumperType, batteryType, imuType,
	expanderType, serialType, canType, codeType}

func lookupBuiltin(typ string) (*builtinType, bool) {
	i := slices.IndexFunc(builtinLizardTypes, func(t builtinType) bool { return t.Type == typ })
	if i < 0 {
		return nil, false
	}
	return &builtinLizardTypes[i], true
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
	b, ok := lookupBuiltin(typ)
	if !ok {
		return LizardType{}, false
	}
	t := b.LizardType
	t.Keys = slices.Clone(t.Keys)
	return t, true
}

// LizardConfigureModes are the values of hardware.lizard.configure.
var LizardConfigureModes = []string{"check", "auto", "off"}

// LizardModule is one hardware module on the Lizard controller (or on an
// expander behind it). Which keys apply depends on Type; a key of another
// type is an error naming it. A built-in type's keys are the fields of
// its own struct (WheelsKeys, ...), declared with the type in
// lizardtype_<type>.go and inlined here, so that m.Driver reads as before.
type LizardModule struct {
	Type string `yaml:"type"`
	Name string `yaml:"name"`
	Line int    `yaml:"-"` // where the module starts in robot.yaml

	// Each type's keys (lizardtype_<type>.go), as fields of the module.
	WheelsKeys   `yaml:",inline"`
	InputsKeys   `yaml:",inline"`
	SerialKeys   `yaml:",inline"`
	BatteryKeys  `yaml:",inline"`
	ExpanderKeys `yaml:",inline"`

	// Expander runs the module on the expander of that name (a Lizard
	// proxy: "name = p0.Input(12)").
	Expander string `yaml:"expander"`

	CodeKeys `yaml:",inline"`

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
	if t, ok := lookupBuiltin(m.Type); ok && t.Objects != nil {
		return t.Objects(m)
	}
	return []string{m.Name}
}

// serialDefaults are the RX and TX pins of a battery, serial or can
// module, with its type's defaults (RoSys's) for those left out.
func serialDefaults(m *LizardModule) (rx, tx int) {
	rx, tx = 26, 27
	if t, ok := lookupBuiltin(m.Type); ok && t.serialPins != nil {
		rx, tx = t.serialPins[0], t.serialPins[1]
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
