package config

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

// Every key a built-in type takes is a field of LizardModule, and every
// field is some built-in type's key: a type's declaration and the struct
// its keys decode into agree.
func TestBuiltinKeysAreLizardModuleFields(t *testing.T) {
	fields := map[string]bool{}
	var visit func(typ reflect.Type)
	visit = func(typ reflect.Type) {
		for f := range typ.Fields() {
			tag, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			switch {
			case tag == "" && opts == "inline":
				visit(f.Type)
			case tag != "" && tag != "-" && tag != "type" && tag != "name":
				fields[tag] = false
			}
		}
	}
	visit(reflect.TypeFor[LizardModule]())
	if len(fields) < 20 {
		t.Fatalf("LizardModule has keys %v: the walk misses the types' own", fields)
	}
	for _, b := range builtinLizardTypes {
		for _, k := range b.Keys {
			if _, ok := fields[k]; !ok {
				t.Errorf("%s takes %s, which is no field of LizardModule", b.Type, k)
			}
			fields[k] = true
		}
	}
	for k, used := range fields {
		if !used {
			t.Errorf("LizardModule's %s is no built-in type's key", k)
		}
	}
}

// What the generic rules read from a declaration agrees with its keys: a
// type with RX/TX pins takes rx_pin and tx_pin, one with a UART num, one
// with a host timeout host_timeout.
func TestBuiltinDataMatchesKeys(t *testing.T) {
	for _, b := range builtinLizardTypes {
		has := func(k string) bool { return slices.Contains(b.Keys, k) }
		if (b.serialPins != nil) != (has("rx_pin") && has("tx_pin")) {
			t.Errorf("%s: serialPins %v, keys %v", b.Type, b.serialPins, b.Keys)
		}
		if b.uart != has("num") {
			t.Errorf("%s: uart %v, keys %v", b.Type, b.uart, b.Keys)
		}
		if (b.hostTimeout != nil) != has("host_timeout") {
			t.Errorf("%s: hostTimeout %v, keys %v", b.Type, b.hostTimeout != nil, b.Keys)
		}
		if b.DefaultName == "" {
			t.Errorf("%s: no default name", b.Type)
		}
	}
}

// A built-in type is its declaration and nothing else: one added to the
// table gets its keys checked, its default name, a UART and its RX/TX
// pins checked by the generic rules, and its own validate and rules run,
// with no word of it anywhere else in the package.
func TestBuiltinDeclarationIsTheWholeType(t *testing.T) {
	saved := builtinLizardTypes
	t.Cleanup(func() { builtinLizardTypes = saved })
	var validated, ruled []string
	builtinLizardTypes = append(slices.Clone(saved), builtinType{
		LizardType: LizardType{Type: "modem", DefaultName: "modem", Keys: []string{"rx_pin", "tx_pin", "num", "baud"}},
		uart:       true,
		serialPins: &[2]int{4, 5},
		validate:   func(c *moduleCheck, i int, m *LizardModule) { validated = append(validated, m.Name) },
		rules: func(c *rulesCheck, i int, m *LizardModule) {
			ruled = append(ruled, m.Name)
			if m.Baud == 1234 {
				c.errorf(i, "baud: the modem does not speak %d", m.Baud)
			}
		},
	})
	doc := func(mods string) []byte {
		return []byte("hardware:\n  lizard:\n    port: /dev/x\n    modules:\n" + mods)
	}

	r, err := Parse(doc("      - type: modem\n      - {type: serial, num: 1}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if m := r.Hardware.Lizard.Modules[0]; m.Name != "modem" {
		t.Fatalf("default name %q", m.Name)
	}
	if uarts, err := LizardUARTs(r.Hardware.Lizard.Modules); err != nil || uarts[0] != 2 || uarts[1] != 1 {
		t.Fatalf("UARTs %v, %v: want the modem on the one the serial leaves", uarts, err)
	}
	if rx, tx := r.Hardware.Lizard.Modules[0].SerialPins(); rx != 4 || tx != 5 {
		t.Fatalf("pins %d %d: want the declaration's defaults", rx, tx)
	}
	if !slices.Equal(validated, []string{"modem"}) || !slices.Equal(ruled, []string{"modem"}) {
		t.Fatalf("validate ran for %v, rules for %v", validated, ruled)
	}

	for _, c := range []struct{ mods, want string }{
		{"      - {type: modem, lines: [a]}\n", "line 5: unknown key lines for a module of type modem (it takes rx_pin, tx_pin, num, baud)"},
		{"      - {type: modem, baud: 1234}\n", `line 5: hardware.lizard.modules[0] (modem "modem"): baud: the modem does not speak 1234`},
		{"      - {type: modem}\n      - {type: estop, pins: {a: 4}}\n", `hardware.lizard.modules[1] (estop "estop"): pin a: duplicate pin: GPIO 4 is already used by modem "modem" rx_pin`},
		{"      - {type: modem, rx_pin: 6}\n", "rx_pin: GPIO 6"},
		{"      - {type: modem}\n      - {type: modem, name: m2}\n      - {type: serial}\n", `hardware.lizard.modules[2] (serial "serial"): no UART left on the main controller`},
	} {
		_, err := Parse(doc(c.mods))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.mods, err, c.want)
		}
	}
}

// A key several built-in types take (rx_pin) is one row of the bounds
// table: each type that declares it declares it alike, and each type
// bounds only keys it takes.
func TestBuiltinBoundsAgree(t *testing.T) {
	first := map[string]bound{}
	for _, b := range builtinLizardTypes {
		for _, bd := range b.bounds {
			key, _, _ := strings.Cut(bd.key, ".")
			if !slices.Contains(b.Keys, key) {
				t.Errorf("%s bounds %s, a key it does not take", b.Type, bd.key)
			}
			if prev, ok := first[bd.key]; ok && prev != bd {
				t.Errorf("%s bounds %s as %+v, another type as %+v", b.Type, bd.key, bd, prev)
			}
			first[bd.key] = bd
			if boundsByKey["hardware.lizard.modules[]."+bd.key] == nil {
				t.Errorf("%s's bound of %s is no row of the table", b.Type, bd.key)
			}
		}
	}
}
