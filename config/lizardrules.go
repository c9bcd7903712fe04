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

// LizardUARTs gives each serial and battery module its UART: the num it
// names, or else the lowest of Lizard's UARTs (1, then 2) that no other
// module on the same controller takes. Two modules on one UART (RoSys
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
	isSerial := func(m *LizardModule) bool { return m.Type == "serial" || m.Type == "battery" }
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

// checkLizardRules applies the Lizard firmware's rules that a module
// list can break (see package lizardrules, which checks the generated
// code itself): UARTs, proxies as constructor arguments, one CAN bus per
// controller, CAN baud rates and IDs, GPIOs the chip lacks or cannot
// drive, the IMU's I2C pins, and lines longer than Lizard reads.
func checkLizardRules(l *Lizard) error {
	mods := l.Modules
	chip := l.Chip.Rules()
	_, uartErr := LizardUARTs(mods)
	errs := []error{uartErr}
	byName := map[string]int{}
	for i := range mods {
		byName[mods[i].Name] = i
	}
	// onExpander is the expander a referenced module sits on, if any.
	onExpander := func(name string) string {
		if j, ok := byName[name]; ok {
			return mods[j].Expander
		}
		return ""
	}
	cans := map[string]int{}
	pins := map[string]int{} // "controller/gpio" → module index, for the IMU's I2C pins
	odriveIDs := map[string]string{}
	links := map[string]int{} // serial → the expander it links
	for i := range mods {
		m := &mods[i]
		where := lizardWhere(mods, i)
		pin := func(key string, gpio int, use lizardrules.PinUse) {
			if err := chip.CheckPin(gpio, use); err != nil {
				errs = append(errs, fmt.Errorf("%s: %s: %w", where, key, err))
			}
			pins[fmt.Sprintf("%s/%d", m.Expander, gpio)] = i
		}
		switch m.Type {
		case "wheels":
			if e := onExpander(m.Can); m.Can != "" && e != "" {
				errs = append(errs, fmt.Errorf("%s: can: module %q is on expander %s; Lizard's ODriveMotor takes a Can of its own controller, not a proxy", where, m.Can, e))
			}
			if m.Driver == "" || m.Driver == "odrive" {
				left, right := 0, 0x100
				if m.LeftCanAddress != nil {
					left = *m.LeftCanAddress
				}
				if m.RightCanAddress != nil {
					right = *m.RightCanAddress
				}
				for _, side := range []struct {
					key string
					id  int
				}{{"left_can_address", left}, {"right_can_address", right}} {
					if side.id < 0 || side.id > 0x7ff-0x1e {
						errs = append(errs, fmt.Errorf("%s: %s: 0x%x is not a CAN node address (0 to 0x%x)", where, side.key, side.id, 0x7ff-0x1e))
						continue
					}
					for _, cid := range lizardrules.ODriveCANIDs(side.id) {
						k := fmt.Sprintf("%s/%d", m.Can, cid)
						if prev, ok := odriveIDs[k]; ok {
							errs = append(errs, fmt.Errorf("%s: %s: the motor listens on CAN ID 0x%03x, as the %s motor does; Lizard refuses a second subscriber", where, side.key, cid, prev))
							break
						}
						odriveIDs[k] = side.key[:len(side.key)-len("_can_address")]
					}
				}
			}
		case "expander":
			if j, ok := links[m.Serial]; ok && m.Serial != "" {
				errs = append(errs, fmt.Errorf("%s: serial: %q already links expander %q (line %d); one serial port reaches one expander", where, m.Serial, mods[j].Name, mods[j].Line))
			}
			links[m.Serial] = i
			if e := onExpander(m.Serial); m.Serial != "" && e != "" {
				errs = append(errs, fmt.Errorf("%s: serial: module %q is on expander %s; Lizard's Expander takes a Serial of the main controller, not a proxy", where, m.Serial, e))
			}
			if m.Boot != nil && m.Enable != nil {
				pin("boot", *m.Boot, lizardrules.PinOutput)
				pin("enable", *m.Enable, lizardrules.PinOutput)
			}
		case "can":
			if j, ok := cans[m.Expander]; ok {
				errs = append(errs, fmt.Errorf("%s: %s already has CAN bus %q (line %d); the chip has one CAN controller and Lizard aborts on a second", where, controllerName(m.Expander), mods[j].Name, mods[j].Line))
			} else {
				cans[m.Expander] = i
			}
			if m.Baud != 0 && !slices.Contains(lizardrules.CANBauds, m.Baud) {
				errs = append(errs, fmt.Errorf("%s: baud: %d is not a CAN baud rate Lizard accepts (%v)", where, m.Baud, lizardrules.CANBauds))
			}
			fallthrough
		case "serial", "battery":
			rx, tx := m.SerialPins()
			pin("rx_pin", rx, lizardrules.PinInput)
			pin("tx_pin", tx, lizardrules.PinOutput)
		case "estop", "bumper":
			for _, p := range m.Pins {
				if err := chip.CheckPin(p.Pin, lizardrules.PinInput); err != nil {
					errs = append(errs, fmt.Errorf("line %d: hardware.lizard.modules[%d].pins.%s: %w", p.Line, i, p.Name, err))
				}
				pins[fmt.Sprintf("%s/%d", m.Expander, p.Pin)] = i
			}
		case "code":
			for _, line := range m.Lines {
				if n := len(line) + len("!+@xx\n"); n > lizardrules.HostLineMax {
					errs = append(errs, fmt.Errorf("%s: lines: a line of %d bytes is uploaded as %d with \"!+\", its checksum and newline; Lizard reads host lines into %d", where, len(line), n, lizardrules.HostLineMax))
				}
			}
		}
	}
	// The IMU takes the chip's default I2C pins and port (Lizard's
	// Imu()), whose driver it installs: a second Imu on one controller
	// fails ("could not install i2c driver").
	imus := map[string]int{}
	for i := range mods {
		if mods[i].Type != "imu" {
			continue
		}
		if j, ok := imus[mods[i].Expander]; ok {
			errs = append(errs, fmt.Errorf("%s: %s already has IMU %q (line %d) on its I2C port; Lizard's Imu() installs the port's driver and refuses a second", lizardWhere(mods, i), controllerName(mods[i].Expander), mods[j].Name, mods[j].Line))
			continue
		}
		imus[mods[i].Expander] = i
		sda, scl := chip.I2CDefaults()
		for _, p := range []int{sda, scl} {
			if j, ok := pins[fmt.Sprintf("%s/%d", mods[i].Expander, p)]; ok {
				errs = append(errs, fmt.Errorf("%s: the IMU's I2C bus uses GPIO %d, which %s %q (line %d) uses too", lizardWhere(mods, i), p, mods[j].Type, mods[j].Name, mods[j].Line))
			}
		}
	}
	return errors.Join(errs...)
}
