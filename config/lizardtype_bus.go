package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gorosys/rosys/drivers/lizard/lizardrules"
)

// The types that carry other modules (an expander, a serial port, a CAN
// bus) or code, robot.yaml's half (robot/lizardtype_bus.go registers
// their driver modules).

// ExpanderKeys are the keys of an expander module: the serial module
// it is reached through, its boot and enable pins.
type ExpanderKeys struct {
	Serial string `yaml:"serial"`
	Boot   *int   `yaml:"boot"`
	Enable *int   `yaml:"enable"`
}

var expanderType = builtinType{
	LizardType: LizardType{Type: "expander", DefaultName: "p0", Keys: []string{"serial", "boot", "enable"}},
	bounds: []bound{
		{key: "boot", kind: kindInt, min: 0, max: 48, why: "ESP32 GPIO numbers"},
		{key: "enable", kind: kindInt, min: 0, max: 48, why: "ESP32 GPIO numbers"},
	},
	validate: func(c *moduleCheck, i int, m *LizardModule) {
		if m.Serial == "" {
			c.errorf(i, "serial: name the serial module the expander is reached through")
		} else {
			c.ref(i, "serial", m.Serial, "serial")
		}
		if (m.Boot == nil) != (m.Enable == nil) {
			c.errorf(i, "boot and enable go together")
		}
		if m.Boot != nil && m.Enable != nil {
			c.usePin(i, "", "boot", *m.Boot, m.Line)
			c.usePin(i, "", "enable", *m.Enable, m.Line)
		}
	},
	rules: func(c *rulesCheck, i int, m *LizardModule) {
		if m.Serial != "" {
			if j, taken := c.claim("link/"+m.Serial, i); taken {
				c.errorf(i, "serial: %q already links expander %q (line %d); one serial port reaches one expander", m.Serial, c.mods[j].Name, c.mods[j].Line)
				c.claims["link/"+m.Serial] = i // the latest, as the error for a third names
			}
		}
		if e := c.onExpander(m.Serial); m.Serial != "" && e != "" {
			c.errorf(i, "serial: module %q is on expander %s; Lizard's Expander takes a Serial of the main controller, not a proxy", m.Serial, e)
		}
		if m.Boot != nil && m.Enable != nil {
			c.pin(i, "boot", *m.Boot, lizardrules.PinOutput)
			c.pin(i, "enable", *m.Enable, lizardrules.PinOutput)
		}
	},
}

// SerialKeys are the keys of a serial port: of a serial, battery or can
// module (a can module has no num).
type SerialKeys struct {
	RxPin *int `yaml:"rx_pin"`
	TxPin *int `yaml:"tx_pin"`
	Baud  int  `yaml:"baud"`
	Num   int  `yaml:"num"`
}

// serialPortBounds are the bounds of SerialKeys, for every type that
// takes them (a can module takes all but num, the last).
var serialPortBounds = []bound{
	{key: "rx_pin", kind: kindInt, min: 0, max: 48, why: "ESP32 GPIO numbers"},
	{key: "tx_pin", kind: kindInt, min: 0, max: 48, why: "ESP32 GPIO numbers"},
	{key: "baud", kind: kindInt, min: 1200, max: 5000000, def: "battery 9600, serial 115200, can 1000000",
		why: "UART and CAN bit rates"},
	{key: "num", kind: kindInt, min: 1, max: 2, def: "1", why: "the ESP32's UARTs (UART 0 is its console)"},
}

var serialType = builtinType{
	LizardType: LizardType{Type: "serial", DefaultName: "serial", Keys: []string{"rx_pin", "tx_pin", "baud", "num", "expander"}},
	uart:       true,
	serialPins: &[2]int{26, 27},
	bounds:     serialPortBounds,
}

var canType = builtinType{
	LizardType: LizardType{Type: "can", DefaultName: "can", Keys: []string{"rx_pin", "tx_pin", "baud", "expander"}},
	canBus:     true,
	serialPins: &[2]int{32, 33},
	bounds:     serialPortBounds[:3],
	rules: func(c *rulesCheck, i int, m *LizardModule) {
		if m.Baud != 0 && !slices.Contains(lizardrules.CANBauds, m.Baud) {
			c.errorf(i, "baud: %d is not a CAN baud rate Lizard accepts (%v)", m.Baud, lizardrules.CANBauds)
		}
	},
}

// CodeKeys are the keys of a code module: Lizard lines written into the
// startup code as they are.
type CodeKeys struct {
	Lines []string `yaml:"lines"`
}

// codeType: Lizard lines written into the startup code as they are; it
// makes no object of its own.
var codeType = builtinType{
	LizardType: LizardType{Type: "code", DefaultName: "code", Keys: []string{"lines"},
		Objects: func(*LizardModule) []string { return nil }},
	validate: func(c *moduleCheck, i int, m *LizardModule) {
		for _, l := range m.Lines {
			if strings.ContainsAny(l, "\n\r") {
				c.errorf(i, "lines: one Lizard line per entry")
			}
		}
	},
	rules: func(c *rulesCheck, i int, m *LizardModule) {
		for _, line := range m.Lines {
			if n := len(line) + len("!+@xx\n"); n > lizardrules.HostLineMax {
				c.add(fmt.Errorf("%s: lines: a line of %d bytes is uploaded as %d with \"!+\", its checksum and newline; Lizard reads host lines into %d", c.where(i), len(line), n, lizardrules.HostLineMax))
			}
		}
	},
}
