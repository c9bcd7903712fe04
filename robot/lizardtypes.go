package robot

import (
	"errors"
	"fmt"
	"slices"

	"github.com/gorosys/rosys/config"
	"github.com/gorosys/rosys/drivers/lizard"
)

// LizardType is one Lizard module type, registered in one place (after
// Viam's resource.Registration): what robot.yaml says of it, how a
// declared module becomes the driver's module (its startup code, core
// fields, decoding, typed value and status: a lizard.Module) and its
// simulated twin for board: sim. The built-in types are registered in
// lizardtype_<type>.go; a user's package makes its own and passes it in
// Options.LizardTypes (see examples/linearaxis).
type LizardType struct {
	// Config is what robot.yaml knows of it: type name, keys, default
	// name, value checks and the objects it makes (for a built-in type,
	// config.BuiltinLizardType: its values are LizardModule's fields).
	Config config.LizardType
	// Build makes the driver's module of a declared module; robot.yaml
	// was checked on load (Config.Check).
	Build func(d LizardDecl) (lizard.Module, error)
	// Sim makes its simulated twin (board: sim); nil has none, and the
	// module is left out of a simulated robot.
	Sim func(d LizardDecl) (SimModule, error)
}

// LizardDecl is a module robot.yaml declares, as a LizardType builds it.
type LizardDecl struct {
	*config.LizardModule
	// UART is the controller UART a serial or battery module uses (see
	// config.LizardUARTs); 0 for the other types.
	UART int
}

// builtinLizardTypes are the types rosys knows without registration, in
// robot.yaml's order of documentation.
func builtinLizardTypes() []LizardType {
	return []LizardType{wheelsType(), estopType(), bumperType(), batteryType(), imuType(),
		expanderType(), serialType(), canType(), codeType()}
}

// builtinConfig is what robot.yaml knows of a built-in type: its half in
// config/lizardtype_<type>.go (keys, default name, checks), which package
// config keeps as it checks robot.yaml without an assembly.
func builtinConfig(typ string) config.LizardType {
	t, _ := config.BuiltinLizardType(typ)
	return t
}

// lizardTypes are the built-in types and the registered ones; a
// registered type cannot take a built-in type's name.
func lizardTypes(registered []LizardType) (map[string]LizardType, error) {
	out := map[string]LizardType{}
	for _, t := range builtinLizardTypes() {
		out[t.Config.Type] = t
	}
	for _, t := range registered {
		switch _, dup := out[t.Config.Type]; {
		case t.Config.Type == "":
			return nil, errors.New("robot: a registered Lizard module type without a Type")
		case dup:
			return nil, fmt.Errorf("robot: Lizard module type %q is registered twice (or is built in)", t.Config.Type)
		case t.Build == nil:
			return nil, fmt.Errorf("robot: Lizard module type %q has no Build", t.Config.Type)
		}
		out[t.Config.Type] = t
	}
	return out, nil
}

// ConfigTypes are what robot.yaml must know of registered types: pass
// them to config.Load (Load does).
func ConfigTypes(registered []LizardType) []config.LizardType {
	out := make([]config.LizardType, len(registered))
	for i, t := range registered {
		out[i] = t.Config
	}
	return out
}

// Load reads and checks robot.yaml with the Lizard module types of o
// registered: config.Load, knowing them.
func Load(path string, o Options) (*config.Robot, error) {
	return config.Load(path, ConfigTypes(o.LizardTypes)...)
}

// lizardDecls pairs each declared module with its type.
func lizardDecls(mods []config.LizardModule, registered []LizardType) ([]LizardDecl, []LizardType, error) {
	types, err := lizardTypes(registered)
	if err != nil {
		return nil, nil, err
	}
	uarts, _ := config.LizardUARTs(mods) // errors refused robot.yaml on load
	decls := make([]LizardDecl, len(mods))
	ts := make([]LizardType, len(mods))
	for i := range mods {
		t, ok := types[mods[i].Type]
		if !ok {
			known := make([]string, 0, len(types))
			for k := range types {
				known = append(known, k)
			}
			slices.Sort(known)
			return nil, nil, fmt.Errorf("line %d: hardware.lizard.modules[%d]: module type %q is not registered (registered: %v); pass its LizardType in robot.Options",
				mods[i].Line, i, mods[i].Type, known)
		}
		decls[i], ts[i] = LizardDecl{LizardModule: &mods[i], UART: uarts[i]}, t
	}
	return decls, ts, nil
}

// LizardModules turns robot.yaml's hardware.lizard.modules into driver
// modules, each by its type's registration; registered are the types of
// users' packages beside the built-in ones.
func LizardModules(mods []config.LizardModule, registered ...LizardType) ([]lizard.Module, error) {
	decls, types, err := lizardDecls(mods, registered)
	if err != nil {
		return nil, err
	}
	out := make([]lizard.Module, 0, len(mods))
	for i, d := range decls {
		m, err := types[i].Build(d)
		if err != nil {
			return nil, fmt.Errorf("line %d: hardware.lizard.modules[%d] (%s %q): %w", d.Line, i, d.Type, d.Name, err)
		}
		out = append(out, m)
	}
	return out, nil
}

// simModules are the simulated twins of robot.yaml's Lizard modules, for
// board: sim: the status shows the same battery, IMU, e-stops, bumpers
// (and users' modules) a real robot would.
func simModules(mods []config.LizardModule, registered []LizardType) ([]SimModule, error) {
	decls, types, err := lizardDecls(mods, registered)
	if err != nil {
		return nil, err
	}
	var out []SimModule
	for i, d := range decls {
		if types[i].Sim == nil {
			continue
		}
		sm, err := types[i].Sim(d)
		if err != nil {
			return nil, fmt.Errorf("line %d: hardware.lizard.modules[%d] (%s %q): simulated twin: %w", d.Line, i, d.Type, d.Name, err)
		}
		out = append(out, sm)
	}
	return out, nil
}

func (hw *Hardware) setModule(name string, v any) {
	if hw.Modules == nil {
		hw.Modules = map[string]any{}
	}
	hw.Modules[name] = v
}

// LizardModule is the typed value of the Lizard module robot.yaml names
// name: on a controller the driver's module (*lizard.Battery,
// *lizard.EStop, ..., or the lizard.CustomModule a registered type
// built), on board: sim what its twin's Build made (nil before Assemble
// built it, or without a twin). Assert it to the interface your type
// documents: the same code then drives the real and the simulated module.
func (r *Robot) LizardModule(name string) (any, bool) {
	v, ok := r.hw.Modules[name]
	return v, ok
}
