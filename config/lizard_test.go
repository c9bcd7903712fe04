package config_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/gorosys/rosys/config"
)

func TestLizardModulesParse(t *testing.T) {
	r, err := config.Load("../examples/lizard-robot.yaml")
	if err != nil {
		t.Fatal(err)
	}
	l := r.Hardware.Lizard
	if l.Configure != "check" || len(l.Modules) != 8 {
		t.Fatalf("lizard %+v", l)
	}
	w := l.Modules[1]
	if w.Type != "wheels" || w.Can != "can" || *w.RightCanAddress != 0x100 || *w.Width != 0.5 || !w.RightReversed || w.HostTimeout.D().Seconds() != 1 {
		t.Fatalf("wheels %+v", w)
	}
	e := l.Modules[2]
	if len(e.Pins) != 2 || e.Pins[0].Name != "front" || e.Pins[0].Pin != 34 || e.Pins[1].Name != "back" || e.Line != 39 {
		t.Fatalf("estop %+v", e)
	}
	if b := l.Modules[5]; b.Expander != "p0" || b.Name != "bumper" {
		t.Fatalf("bumper %+v", b)
	}
}

func TestLizardModuleErrors(t *testing.T) {
	head := "name: x\nboard: auto\nhardware:\n  lizard:\n    port: /dev/null\n    modules:\n"
	for _, tc := range []struct{ name, modules, want string }{
		{"unknown type", "      - {type: bumpr, pins: {a: 1}}\n", `line 7: unknown module type "bumpr"`},
		{"no type", "      - {name: a}\n", "line 7: module without a type"},
		{"key of another type", "      - {type: imu, pins: {a: 1}}\n", "line 7: unknown key pins for a module of type imu"},
		{"missing pin value", "      - type: estop\n        pins: {front: }\n", "line 8: pins.front: missing pin"},
		{"no pins", "      - {type: bumper, pins: {}}\n", `line 7: hardware.lizard.modules[0] (bumper "bumper"): pins: missing pin`},
		{"duplicate pin", "      - {type: estop, pins: {front: 34}}\n      - type: bumper\n        pins: {a: 34}\n",
			`line 9: hardware.lizard.modules[1] (bumper "bumper"): pin a: duplicate pin: GPIO 34 is already used by estop "estop" pin front (line 7)`},
		{"same pin on the expander is fine, on main not", "      - {type: serial, name: s, rx_pin: 1, tx_pin: 2}\n      - {type: expander, name: p0, serial: s}\n      - {type: bumper, expander: p0, pins: {a: 1}}\n      - {type: estop, pins: {a: 2}}\n",
			`(estop "estop"): pin a: duplicate pin: GPIO 2 is already used by serial "s" tx_pin`},
		{"colliding name", "      - {type: imu, name: front}\n      - {type: battery, name: front}\n", "name collides with module 0 at line 7"},
		{"colliding object", "      - {type: estop, name: e, pins: {a: 4}}\n      - {type: imu, name: e_a}\n", `Lizard object "e_a" is also made by module 0`},
		{"reserved", "      - {type: imu, name: core}\n", `name: "core" is reserved`},
		{"not an identifier", "      - {type: imu, name: 2imu}\n", "not a Lizard identifier"},
		{"bad reference", "      - {type: wheels, can: can0}\n", `can: no module named "can0"`},
		{"wrong reference type", "      - {type: imu, name: i}\n      - {type: wheels, can: i}\n", `can: module "i" is a imu, not a can`},
		{"two wheels", "      - {type: wheels, driver: custom}\n      - {type: wheels, name: w2, driver: custom}\n", "only one wheels module"},
		{"bad configure", "      - {type: imu}\n    configure: sometimes\n", `configure "sometimes" is not one of check, auto, off`},
		{"core_fields too", "      - {type: imu}\n    core_fields: [a.b]\n", "core_fields: generated from modules"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.Parse([]byte(head + tc.modules))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
	var ut *config.UnknownModuleTypeError
	_, err := config.Parse([]byte(head + "      - {type: bumpr}\n"))
	if !errors.As(err, &ut) && !strings.Contains(err.Error(), "unknown module type") {
		t.Fatalf("%v", err)
	}
}
