package robot_test

import (
	"strings"
	"testing"

	"github.com/gorosys/rosys/config"
	"github.com/gorosys/rosys/drivers/lizard"
	"github.com/gorosys/rosys/robot"
)

func relayType() robot.LizardType {
	return robot.LizardType{
		Config: config.LizardType{Type: "relay", Keys: []string{"pin"}, DefaultName: "relay"},
		Build: func(d robot.LizardDecl) (lizard.Module, error) {
			return &lizard.CodeLines{Object: d.Name, Lines: []string{d.Name + " = Output(12)"}}, nil
		},
	}
}

// A registration is checked when used: a type the assembly was not given,
// a type named as a built-in one, one without Build are errors naming
// them; a registered type's module is built by its own Build, in order.
func TestLizardTypeRegistration(t *testing.T) {
	cfg, err := config.Parse([]byte("name: r\nboard: sim\nhardware:\n  lizard:\n    modules:\n      - type: imu\n      - type: relay\n        pin: 12\n"),
		relayType().Config)
	if err != nil {
		t.Fatal(err)
	}
	mods := cfg.Hardware.Lizard.Modules
	if _, err := robot.LizardModules(mods); err == nil || !strings.Contains(err.Error(), `line 7: hardware.lizard.modules[1]: module type "relay" is not registered`) {
		t.Errorf("without the registration: %v", err)
	}
	built, err := robot.LizardModules(mods, relayType())
	if err != nil || len(built) != 2 || built[0].Type() != "imu" || built[1].Name() != "relay" || built[1].Code()[0] != "relay = Output(12)" {
		t.Fatalf("built %v, %v", built, err)
	}
	dup := relayType()
	dup.Config.Type = "wheels"
	noBuild := relayType()
	noBuild.Build = nil
	for _, c := range []struct {
		types []robot.LizardType
		want  string
	}{
		{[]robot.LizardType{relayType(), relayType()}, `"relay" is registered twice`},
		{[]robot.LizardType{relayType(), dup}, `"wheels" is registered twice (or is built in)`},
		{[]robot.LizardType{noBuild}, `"relay" has no Build`},
	} {
		if _, err := robot.LizardModules(mods, c.types...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: want %q", err, c.want)
		}
	}
	// robot.Load knows the registered types, config.Load does not.
	if got := robot.ConfigTypes([]robot.LizardType{relayType()}); len(got) != 1 || got[0].Type != "relay" {
		t.Fatalf("ConfigTypes: %v", got)
	}
}

// Every built-in type robot.yaml accepts has its registration here, with
// the keys robot.yaml knows of it, and nothing else is built in: a type
// added to one side only fails here.
func TestEveryBuiltinLizardTypeIsRegistered(t *testing.T) {
	for _, typ := range config.LizardModuleTypes {
		dup := relayType()
		dup.Config.Type = typ
		if _, err := robot.LizardModules(nil, dup); err == nil || !strings.Contains(err.Error(), "is built in") {
			t.Errorf("type %s is not registered in package robot: %v", typ, err)
		}
		cfg, ok := config.BuiltinLizardType(typ)
		if !ok || len(cfg.Keys) == 0 || cfg.DefaultName == "" {
			t.Errorf("config.BuiltinLizardType(%s) = %+v, %v", typ, cfg, ok)
		}
	}
}
