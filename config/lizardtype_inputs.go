package config

import (
	"fmt"

	"github.com/gorosys/rosys/drivers/lizard/lizardrules"
)

// InputsKeys are the keys of an estop or bumper module.
type InputsKeys struct {
	Pins     PinMap `yaml:"pins"`
	Inverted *bool  `yaml:"inverted"`
}

// estopType and bumperType: named Input pins ("pins: {front: 34}"),
// robot.yaml's half (robot/lizardtype_inputs.go registers their driver
// modules and twins).
var (
	estopType  = inputsType("estop")
	bumperType = inputsType("bumper")
)

func inputsType(typ string) builtinType {
	return builtinType{
		LizardType: LizardType{Type: typ, DefaultName: typ, Keys: []string{"pins", "inverted", "expander"},
			Objects: func(m *LizardModule) []string {
				out := make([]string, len(m.Pins))
				for i, p := range m.Pins {
					out[i] = m.Name + "_" + p.Name
				}
				return out
			}},
		bounds: []bound{{key: "pins.*", kind: kindInt, min: 0, max: 48, why: "ESP32 GPIO numbers"}},
		validate: func(c *moduleCheck, i int, m *LizardModule) {
			if len(m.Pins) == 0 {
				c.errorf(i, "pins: missing pin: name at least one, such as {front: 34}")
			}
			seen := map[string]bool{}
			for _, p := range m.Pins {
				if !lizardIdentifier.MatchString(p.Name) {
					c.add(fmt.Errorf("line %d: hardware.lizard.modules[%d].pins: %q is not a Lizard identifier", p.Line, i, p.Name))
				}
				if seen[p.Name] {
					c.add(fmt.Errorf("line %d: hardware.lizard.modules[%d].pins: %q given twice", p.Line, i, p.Name))
				}
				seen[p.Name] = true
				c.usePin(i, m.Expander, "pin "+p.Name, p.Pin, p.Line)
			}
		},
		rules: func(c *rulesCheck, i int, m *LizardModule) {
			for _, p := range m.Pins {
				if err := c.chip.CheckPin(p.Pin, lizardrules.PinInput); err != nil {
					c.add(fmt.Errorf("line %d: hardware.lizard.modules[%d].pins.%s: %w", p.Line, i, p.Name, err))
				}
				c.notePin(i, p.Pin)
			}
		},
	}
}
