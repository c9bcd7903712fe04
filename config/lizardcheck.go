package config

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/gorosys/rosys/drivers/lizard/lizardrules"
)

// moduleCheck is what validateLizardModules gives a built-in type's
// validate: the module list and the checks across modules (names
// referenced, pins taken, things only one module may have). A type adds
// its errors through it, so the order and wording of robot.yaml's errors
// do not depend on where a type's checks are written.
type moduleCheck struct {
	mods   []LizardModule
	errs   []error
	byName map[string]int
	pins   map[string]pinUse // "controller/pin"
	claims map[string]int    // what a module may have only once → module index
}

type pinUse struct {
	what string
	line int
}

func (c *moduleCheck) where(i int) string { return lizardWhere(c.mods, i) }

// errorf adds an error about module i: "line N: hardware.lizard.modules[i] (type "name"): ...".
func (c *moduleCheck) errorf(i int, format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf("%s: %s", c.where(i), fmt.Sprintf(format, args...)))
}

func (c *moduleCheck) add(err error) { c.errs = append(c.errs, err) }

// ref checks that module i's key names a module of type typ.
func (c *moduleCheck) ref(i int, key, name, typ string) {
	j, ok := c.byName[name]
	switch {
	case !ok:
		c.errorf(i, "%s: no module named %q", key, name)
	case c.mods[j].Type != typ:
		c.errorf(i, "%s: module %q is a %s, not a %s", key, name, c.mods[j].Type, typ)
	}
}

// usePin takes GPIO pin of controller ctrl ("" the main one) for module
// i's what; a pin taken twice is an error naming both.
func (c *moduleCheck) usePin(i int, ctrl, what string, pin, line int) {
	m := &c.mods[i]
	key := pinKey(ctrl, pin)
	if prev, ok := c.pins[key]; ok {
		c.add(fmt.Errorf("line %d: hardware.lizard.modules[%d] (%s %q): %s: duplicate pin: GPIO %d is already used by %s (line %d)",
			line, i, m.Type, m.Name, what, pin, prev.what, prev.line))
		return
	}
	c.pins[key] = pinUse{fmt.Sprintf("%s %q %s", m.Type, m.Name, what), line}
}

// claim gives key to module i unless a module has it: then it returns
// that module's index and true.
func (c *moduleCheck) claim(key string, i int) (int, bool) {
	if j, ok := c.claims[key]; ok {
		return j, true
	}
	c.claims[key] = i
	return 0, false
}

// rulesCheck is what checkLizardRules gives a built-in type's rules: the
// chip, the modules and what the Lizard firmware allows only once.
type rulesCheck struct {
	mods   []LizardModule
	chip   lizardrules.Chip
	errs   []error
	byName map[string]int
	pins   map[string]int    // "controller/gpio" → module index, for the IMU's I2C pins
	claims map[string]int    // what the firmware allows once → module index
	tags   map[string]string // what a module claimed, as later errors name it
}

func (c *rulesCheck) where(i int) string { return lizardWhere(c.mods, i) }

func (c *rulesCheck) errorf(i int, format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf("%s: %s", c.where(i), fmt.Sprintf(format, args...)))
}

func (c *rulesCheck) add(err error) { c.errs = append(c.errs, err) }

// onExpander is the expander the module named name sits on, if any.
func (c *rulesCheck) onExpander(name string) string {
	if j, ok := c.byName[name]; ok {
		return c.mods[j].Expander
	}
	return ""
}

// pin checks that the chip can use GPIO gpio of module i's key as use,
// and notes it taken on the module's controller.
func (c *rulesCheck) pin(i int, key string, gpio int, use lizardrules.PinUse) {
	if err := c.chip.CheckPin(gpio, use); err != nil {
		c.add(fmt.Errorf("%s: %s: %w", c.where(i), key, err))
	}
	c.notePin(i, gpio)
}

// notePin notes GPIO gpio taken by module i on its controller.
func (c *rulesCheck) notePin(i, gpio int) {
	c.pins[pinKey(c.mods[i].Expander, gpio)] = i
}

func (c *rulesCheck) claim(key string, i int) (int, bool) {
	if j, ok := c.claims[key]; ok {
		return j, true
	}
	c.claims[key] = i
	return 0, false
}

// validateLizardModules checks what no single module can: names, pins and
// references across modules; each built-in type's own checks are its
// registration's (builtinType.validate).
func validateLizardModules(mods []LizardModule) error {
	c := &moduleCheck{mods: mods, byName: map[string]int{}, pins: map[string]pinUse{}, claims: map[string]int{}}
	objects := map[string]int{}
	for i := range mods {
		m := &mods[i]
		if !lizardIdentifier.MatchString(m.Name) || slices.Contains(lizardKeywords, m.Name) {
			c.errorf(i, "name: %q is not a Lizard identifier (letters, digits, _; not a keyword)", m.Name)
		}
		if slices.Contains(reservedNames, m.Name) {
			c.errorf(i, "name: %q is reserved (%s)", m.Name, strings.Join(reservedNames, ", "))
		}
		if j, ok := c.byName[m.Name]; ok {
			c.errorf(i, "name collides with module %d at line %d", j, mods[j].Line)
		} else {
			c.byName[m.Name] = i
		}
		for _, obj := range m.ObjectNames() {
			if j, ok := objects[obj]; ok && j != i {
				c.errorf(i, "name collides: Lizard object %q is also made by module %d at line %d", obj, j, mods[j].Line)
			}
			objects[obj] = i
		}
	}
	for i := range mods {
		m := &mods[i]
		if m.Expander != "" {
			c.ref(i, "expander", m.Expander, "expander")
		}
		t, ok := lookupBuiltin(m.Type)
		if !ok {
			continue // a registered type: its Check ran on load
		}
		if t.validate != nil {
			t.validate(c, i, m)
		}
		if t.serialPins != nil {
			rx, tx := m.SerialPins()
			if rx == tx {
				c.errorf(i, "rx_pin and tx_pin are both GPIO %d", rx)
			} else {
				c.usePin(i, m.Expander, "rx_pin", rx, m.Line)
				c.usePin(i, m.Expander, "tx_pin", tx, m.Line)
			}
		}
	}
	return errors.Join(c.errs...)
}

// checkLizardRules applies the Lizard firmware's rules that a module
// list can break (see package lizardrules, which checks the generated
// code itself): UARTs and one CAN bus per controller (from the types'
// uart and canBus), the RX and TX pins a chip can use (serialPins), and
// each built-in type's own rules (proxies as constructor arguments, CAN
// baud rates and IDs, GPIOs the chip lacks or cannot drive, the IMU's
// I2C pins, lines longer than Lizard reads).
func checkLizardRules(l *Lizard) error {
	mods := l.Modules
	_, uartErr := LizardUARTs(mods)
	c := &rulesCheck{mods: mods, chip: l.Chip.Rules(), errs: []error{uartErr}, byName: map[string]int{},
		pins: map[string]int{}, claims: map[string]int{}, tags: map[string]string{}}
	for i := range mods {
		c.byName[mods[i].Name] = i
	}
	for i := range mods {
		m := &mods[i]
		t, ok := lookupBuiltin(m.Type)
		if !ok {
			continue
		}
		if t.canBus {
			if j, taken := c.claim("can bus/"+m.Expander, i); taken {
				c.errorf(i, "%s already has CAN bus %q (line %d); the chip has one CAN controller and Lizard aborts on a second", controllerName(m.Expander), mods[j].Name, mods[j].Line)
			}
		}
		if t.rules != nil {
			t.rules(c, i, m)
		}
		if t.serialPins != nil {
			rx, tx := m.SerialPins()
			c.pin(i, "rx_pin", rx, lizardrules.PinInput)
			c.pin(i, "tx_pin", tx, lizardrules.PinOutput)
		}
	}
	// What depends on every module's pins (the IMU's I2C bus).
	for i := range mods {
		if t, ok := lookupBuiltin(mods[i].Type); ok && t.afterRules != nil {
			t.afterRules(c, i, &mods[i])
		}
	}
	return errors.Join(c.errs...)
}

// pinKey names GPIO gpio of controller ctrl ("" the main one).
func pinKey(ctrl string, gpio int) string { return fmt.Sprintf("%s/%d", ctrl, gpio) }
