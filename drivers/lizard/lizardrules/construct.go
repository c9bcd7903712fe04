package lizardrules

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// construct applies a constructor "name = [expander.]Type(args)" as
// main.cpp's process_tree and the module's create function do.
func (c *checker) construct(s stmt) error {
	if _, ok := c.modules[s.name]; ok {
		return fmt.Errorf("module %q already exists", s.name)
	}
	if _, ok := c.variables[s.name]; ok {
		return fmt.Errorf("variable %q already exists", s.name)
	}
	mt, ok := lookupType(s.typ)
	if !ok {
		return fmt.Errorf("unknown module type %q", s.typ)
	}
	m := &module{name: s.name, typ: s.typ, mt: mt}
	if s.expander != "" {
		e, ok := c.modules[s.expander]
		if !ok {
			return fmt.Errorf("unknown module %q", s.expander)
		}
		if e.typ != "Expander" || e.proxy {
			return fmt.Errorf("module %q is not an expander", s.expander)
		}
		m.controller, m.proxy = s.expander, true
		if n := c.proxyLineLen(s); n > ProxyLineMax {
			return fmt.Errorf("the expander forwards this constructor as a %d-byte line; expander.cpp's send_proxy buffer holds %d", n, ProxyLineMax)
		}
	}
	types := make([]valueType, len(s.args))
	for i, a := range s.args {
		t, err := c.exprType(a)
		if err != nil {
			return err
		}
		types[i] = t
	}
	if mt.signatures != nil {
		if err := c.matchSignature(m, s.args, types); err != nil {
			return err
		}
	}
	// Known from here on, even if it cannot take its resources: the
	// first error is the one to report, not its consequences.
	c.modules[s.name] = m
	c.variables[s.name] = tyIdentifier
	if mt.signatures != nil {
		return c.resources(m, s.args)
	}
	return nil
}

func (c *checker) matchSignature(m *module, args []*expr, types []valueType) error {
	var firstErr error
	for _, sig := range m.mt.signatures {
		if len(sig) != len(args) {
			continue
		}
		err := c.matchArgs(m, sig, args, types)
		if err == nil {
			return nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	if firstErr != nil {
		return firstErr
	}
	counts := []string{}
	for _, sig := range m.mt.signatures {
		counts = append(counts, strconv.Itoa(len(sig)))
	}
	return fmt.Errorf("%s takes %s arguments, got %d", m.typ, strings.Join(counts, " or "), len(args))
}

func (c *checker) matchArgs(m *module, sig []argType, args []*expr, types []valueType) error {
	for i, want := range sig {
		got := types[i]
		if want.module == "" {
			if got != want.ty && got != tyUnknown {
				return fmt.Errorf("%s argument %d: type mismatch (a %s, want a %s)", m.typ, i+1, got, want.ty)
			}
			continue
		}
		if args[i].kind != eVariable || got != tyIdentifier {
			return fmt.Errorf("%s argument %d: want the name of a %s module", m.typ, i+1, want.module)
		}
		a := c.modules[args[i].text]
		if m.proxy {
			// Created on the expander: the name must be a module there,
			// i.e. a proxy on the same expander.
			if !a.proxy || a.controller != m.controller || a.typ != want.module {
				return fmt.Errorf("%s argument %d: module %q is no %s on expander %s", m.typ, i+1, a.name, want.module, m.controller)
			}
			continue
		}
		if a.proxy {
			return fmt.Errorf("%s argument %d: module %q is a proxy on expander %s; Lizard's get_module_argument refuses proxies (module \"%s\" is no %s)",
				m.typ, i+1, a.name, a.controller, a.name, want.module)
		}
		if a.typ != want.module {
			return fmt.Errorf("%s argument %d: module \"%s\" is no %s", m.typ, i+1, a.name, want.module)
		}
	}
	return nil
}

// proxyLineLen is the length of "<name> = <Type>(<args>); <name>.broadcast()"
// as send_proxy prints it (integers in decimal).
func (c *checker) proxyLineLen(s stmt) int {
	n := len(s.name) + len(" = ") + len(s.typ) + len("(") + len("); ") + len(s.name) + len(".broadcast()")
	for i, a := range s.args {
		if i > 0 {
			n += len(", ")
		}
		if v, ok := intValue(a); ok {
			n += len(strconv.Itoa(v))
		} else {
			n += len(exprText(a))
		}
	}
	return n
}

func exprText(e *expr) string {
	switch e.kind {
	case eProperty:
		return e.module + "." + e.text
	case eUnary:
		return e.text + exprText(e.left)
	case eBinary:
		return exprText(e.left) + " " + e.text + " " + exprText(e.right)
	}
	return e.text
}

// resources claims what a module takes on its controller: UARTs, the CAN
// driver, GPIOs and CAN IDs.
func (c *checker) resources(m *module, args []*expr) error {
	k := c.ctrl(m.controller)
	pin := func(i int, use PinUse, what string) error {
		v, ok := intValue(args[i])
		if !ok {
			return nil
		}
		return c.claimPin(k, m, v, use, what)
	}
	switch m.typ {
	case "Serial":
		if err := pin(0, PinInput, "rx"); err != nil {
			return err
		}
		if err := pin(1, PinOutput, "tx"); err != nil {
			return err
		}
		if u, ok := intValue(args[3]); ok {
			if !slices.Contains(UARTs, u) {
				return fmt.Errorf("%s: UART %d cannot be used (UART 0 is Lizard's console; UARTs are %v): serial interface is already in use", m.typ, u, UARTs)
			}
			if prev, ok := k.uarts[u]; ok {
				return fmt.Errorf("%s: UART %d is already used by %q on %s: serial interface is already in use", m.typ, u, prev, ctrlName(m.controller))
			}
			k.uarts[u] = m.name
		}
	case "Can":
		if b, ok := intValue(args[2]); ok && !slices.Contains(CANBauds, b) {
			return fmt.Errorf("%s: invalid baud rate %d (one of %v)", m.typ, b, CANBauds)
		}
		if k.can != "" {
			return fmt.Errorf("%s: %s already has CAN bus %q; the chip has one TWAI controller and a second twai_driver_install aborts", m.typ, ctrlName(m.controller), k.can)
		}
		if err := pin(0, PinInput, "rx"); err != nil {
			return err
		}
		if err := pin(1, PinOutput, "tx"); err != nil {
			return err
		}
		k.can = m.name
	case "Expander":
		serial := args[0].text
		if prev, ok := k.serial[serial]; ok {
			return fmt.Errorf("%s: serial %q already links expander %q", m.typ, serial, prev)
		}
		k.serial[serial] = m.name
		if len(args) == 3 {
			if err := pin(1, PinOutput, "boot"); err != nil {
				return err
			}
			if err := pin(2, PinOutput, "enable"); err != nil {
				return err
			}
		}
	case "Input", "Output":
		use := PinInput
		if m.typ == "Output" {
			use = PinOutput
		}
		if len(args) == 1 {
			return pin(0, use, "")
		}
	case "Imu":
		// imu.cpp: Imu(port = 0, sda, scl = the chip's default pins,
		// address = 0x28, clock = 100000 Hz).
		port, addr, clk := 0, 0x28, 100000
		sda, scl := c.opt.Chip.I2CDefaults()
		for i, p := range []*int{&port, &sda, &scl, &addr, &clk} {
			if len(args) > i {
				if v, ok := intValue(args[i]); ok {
					*p = v
				}
			}
		}
		// I2cBusManager::ensure (utils/i2c_bus.cpp): the first I2C user
		// of a port installs its driver; a later one shares the bus when
		// it names the same pins and clock, and throws "i2c bus already
		// initialized with different parameters" otherwise.
		if b, ok := k.i2c[port]; ok {
			if b.sda != sda || b.scl != scl || b.clk != clk {
				return fmt.Errorf("%s: I2C port %d is already set up by %q (SDA %d, SCL %d, %d Hz): i2c bus already initialized with different parameters",
					m.typ, port, b.owner, b.sda, b.scl, b.clk)
			}
			// Not a firmware error: both would drive one BNO055.
			if prev, ok := b.addrs[addr]; ok {
				return fmt.Errorf("%s: %q already is the IMU at address 0x%02x on I2C port %d; a second Imu there drives the same chip", m.typ, prev, addr, port)
			}
			b.addrs[addr] = m.name
			return nil
		}
		k.i2c[port] = &i2cBus{owner: m.name, sda: sda, scl: scl, clk: clk, addrs: map[int]string{addr: m.name}}
		owner := &module{name: fmt.Sprintf("I2C bus %d", port)}
		for _, p := range []int{sda, scl} {
			if err := c.claimPin(k, owner, p, PinOutput, ""); err != nil {
				return fmt.Errorf("%s: %w", m.typ, err)
			}
		}
	case "ODriveMotor":
		can := c.modules[args[0].text]
		id, ok := intValue(args[1])
		if !ok {
			return nil
		}
		owner := "can " + can.name
		for _, cid := range ODriveCANIDs(id) {
			key := -1 - cid // CAN IDs share the map with pins, negative
			if prev, ok := c.ctrl(owner).pins[key]; ok {
				return fmt.Errorf("%s: CAN ID 0x%03x on %q is already subscribed by %q: there is already a subscriber for this CAN ID", m.typ, cid, can.name, prev)
			}
			c.ctrl(owner).pins[key] = m.name
		}
	}
	return nil
}

func (c *checker) claimPin(k *controller, m *module, gpio int, use PinUse, what string) error {
	if err := c.opt.Chip.CheckPin(gpio, use); err != nil {
		return fmt.Errorf("%s %s: %w", m.typ, strings.TrimSpace(what+" pin"), err)
	}
	if prev, ok := k.pins[gpio]; ok && prev != m.name {
		return fmt.Errorf("GPIO %d is already used by %q", gpio, prev)
	}
	k.pins[gpio] = m.name
	return nil
}

func ctrlName(c string) string {
	if c == "" {
		return "the main controller"
	}
	return "expander " + c
}
