package config

import (
	"errors"
	"fmt"
	"slices"

	"github.com/gorosys/rosys/drivers/lizard/lizardrules"
	"gopkg.in/yaml.v3"
)

// LizardChips are the values of hardware.lizard.chip.
var LizardChips = []string{string(lizardrules.ESP32), string(lizardrules.ESP32S3)}

// LizardChip is hardware.lizard.chip: esp32 (default, as on Zauberzeug's
// Robot Brain) | esp32s3. It decides which GPIOs exist and which are
// input-only, for the controller and its expanders alike.
type LizardChip string

// UnmarshalYAML implements yaml.Unmarshaler.
func (c *LizardChip) UnmarshalYAML(n *yaml.Node) error {
	v, err := oneOf(n, "chip", LizardChips)
	*c = LizardChip(v)
	return err
}

// Rules returns the chip for package lizardrules ("" is an ESP32).
func (c LizardChip) Rules() lizardrules.Chip {
	if c == "" {
		return lizardrules.ESP32
	}
	return lizardrules.Chip(c)
}

// LizardUARTs gives each module whose type takes a UART (serial,
// battery: builtinType.uart) its UART: the num it names, or else the
// lowest of Lizard's UARTs (1, then 2) that no other module on the same
// controller takes. Two modules on one UART (RoSys
// gives serial and battery both UART 1) would make Lizard refuse the
// second ("serial interface is already in use") and skip the rest of the
// startup code; that, a num that is no usable UART and more serial ports
// than the controller has are errors naming the module. The result maps
// module index to UART.
func LizardUARTs(mods []LizardModule) (map[int]int, error) {
	out := map[int]int{}
	taken := map[string]map[int]int{} // controller → UART → module index
	var errs []error
	claim := func(i, u int) {
		if taken[mods[i].Expander] == nil {
			taken[mods[i].Expander] = map[int]int{}
		}
		taken[mods[i].Expander][u] = i
		out[i] = u
	}
	isSerial := func(m *LizardModule) bool { t, ok := lookupBuiltin(m.Type); return ok && t.uart }
	for i := range mods {
		m := &mods[i]
		if !isSerial(m) || m.Num == 0 {
			continue
		}
		if !slices.Contains(lizardrules.UARTs, m.Num) {
			errs = append(errs, fmt.Errorf("%s: num: UART %d cannot be used (UART 0 is Lizard's console; the ESP32 has UARTs %v)", lizardWhere(mods, i), m.Num, lizardrules.UARTs))
			continue
		}
		if j, ok := taken[m.Expander][m.Num]; ok {
			errs = append(errs, fmt.Errorf("%s: num: UART %d is already used by %s %q (line %d); Lizard refuses a second Serial on it", lizardWhere(mods, i), m.Num, mods[j].Type, mods[j].Name, mods[j].Line))
			continue
		}
		claim(i, m.Num)
	}
	for i := range mods {
		m := &mods[i]
		if !isSerial(m) || m.Num != 0 {
			continue
		}
		free := slices.IndexFunc(lizardrules.UARTs, func(u int) bool { _, ok := taken[m.Expander][u]; return !ok })
		if free < 0 {
			errs = append(errs, fmt.Errorf("%s: no UART left on %s: it has UARTs %v for serial and battery modules", lizardWhere(mods, i), controllerName(m.Expander), lizardrules.UARTs))
			continue
		}
		claim(i, lizardrules.UARTs[free])
	}
	return out, errors.Join(errs...)
}

func lizardWhere(mods []LizardModule, i int) string {
	return fmt.Sprintf("line %d: hardware.lizard.modules[%d] (%s %q)", mods[i].Line, i, mods[i].Type, mods[i].Name)
}

func controllerName(expander string) string {
	if expander == "" {
		return "the main controller"
	}
	return "expander " + expander
}
