package config_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/gorosys/rosys/config"
)

// relay is a registered type of a test's own: one key, checked.
var relay = config.LizardType{
	Type: "relay", Keys: []string{"pin", "on_at_start"}, DefaultName: "relay",
	Check: func(m *config.LizardModule) error {
		var s struct {
			Pin       *int `yaml:"pin"`
			OnAtStart bool `yaml:"on_at_start"`
		}
		if err := m.Decode(&s); err != nil {
			return err
		}
		if s.Pin == nil {
			return m.Errorf("pin", "missing")
		}
		if *s.Pin > 33 {
			return m.Errorf("pin", "GPIO %d cannot drive a relay", *s.Pin)
		}
		return nil
	},
}

func relayYAML(module string) []byte {
	return []byte("name: r\nboard: sim\nhardware:\n  lizard:\n    modules:\n" + module)
}

// A module type registered beside the built-in ones: robot.yaml declares
// it by type, it gets its default name and keeps its mapping, and its
// keys and values are checked with their lines, as the built-ins' are.
func TestRegisteredLizardType(t *testing.T) {
	r, err := config.Parse(relayYAML("      - type: relay\n        pin: 12\n        on_at_start: true\n"), relay)
	if err != nil {
		t.Fatal(err)
	}
	m := r.Hardware.Lizard.Modules[0]
	if m.Type != "relay" || m.Name != "relay" || m.Line != 6 || m.Node == nil {
		t.Fatalf("module %+v", m)
	}
	var s struct {
		Pin int `yaml:"pin"`
	}
	if err := m.Decode(&s); err != nil || s.Pin != 12 {
		t.Fatalf("decode: %+v %v", s, err)
	}
	for _, c := range []struct {
		yaml, want string
		types      []config.LizardType
	}{
		{"      - type: relay\n        pin: 12\n", `line 6: unknown module type "relay" (one of wheels, estop, bumper, battery, imu, expander, serial, can, code)`, nil},
		{"      - type: relais\n        pin: 12\n", `line 6: unknown module type "relais" (one of wheels, estop, bumper, battery, imu, expander, serial, can, code, relay)`, []config.LizardType{relay}},
		{"      - type: relay\n        pin: 12\n        colour: red\n", "line 8: unknown key colour for a module of type relay (it takes pin, on_at_start)", []config.LizardType{relay}},
		{"      - type: relay\n        pin: 34\n", `line 7: hardware.lizard.modules (relay "relay"): pin: GPIO 34 cannot drive a relay`, []config.LizardType{relay}},
		{"      - type: relay\n        on_at_start: true\n", `line 6: hardware.lizard.modules (relay "relay"): pin: missing`, []config.LizardType{relay}},
		{"      - type: relay\n        pin: twelve\n", "line 7: cannot unmarshal", []config.LizardType{relay}},
		// The checks across modules hold for registered types too.
		{"      - type: relay\n        name: estop\n        pin: 12\n      - type: estop\n        pins: {a: 34}\n", "name collides", []config.LizardType{relay}},
		{"      - type: relay\n        name: 1x\n        pin: 12\n", "is not a Lizard identifier", []config.LizardType{relay}},
		// A registered type cannot take a built-in type's name.
		{"      - type: estop\n        pins: {a: 34}\n        pin: 3\n", "line 8: unknown key pin for a module of type estop", []config.LizardType{{Type: "estop", Keys: []string{"pin"}}}},
	} {
		_, err := config.Parse(relayYAML(c.yaml), c.types...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.yaml, err, c.want)
		}
	}
	_, err = config.Parse(relayYAML("      - type: relais\n"), relay)
	var ut *config.UnknownModuleTypeError
	if !errors.As(err, &ut) || ut.Type != "relais" || ut.Line != 6 {
		t.Fatalf("unknown type: %v", err)
	}
	// A built-in module has no mapping of its own to decode.
	r, _ = config.Parse(relayYAML("      - type: imu\n"))
	if err := r.Hardware.Lizard.Modules[0].Decode(&s); err == nil {
		t.Fatal("decoded a built-in module")
	}
}
