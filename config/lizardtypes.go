package config

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// LizardType is what robot.yaml needs to know of a Lizard module type
// that a user's package registers (robot.LizardType carries it with the
// type's startup code, decoding and simulated twin): its name, the keys
// it takes and the checks of their values. A built-in type is one too,
// with the checks across modules beside it (builtinType, declared in
// lizardtype_<type>.go); its keys are LizardModule's fields.
type LizardType struct {
	// Type is the name robot.yaml gives it: "type: linear_axis".
	Type string
	// Keys are the keys it takes besides type and name.
	Keys []string
	// DefaultName is the name of a module declared without one.
	DefaultName string
	// Check checks a declared module's values (decode them with
	// m.Decode; name bad ones with m.Errorf); nil checks nothing more.
	Check func(m *LizardModule) error
	// Objects are the Lizard objects a declared module makes, so that a
	// name another module makes too is an error naming both lines; nil
	// is the module's name alone.
	Objects func(m *LizardModule) []string
}

// keepCustom keeps a module of a type that is not built in for Parse to
// check against the registered types: its type, name, line and mapping.
func (m *LizardModule) keepCustom(n *yaml.Node, typ string) error {
	*m = LizardModule{Type: typ, Line: n.Line, Node: n}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k, v := n.Content[i], n.Content[i+1]; k.Value == "name" {
			if v.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: name: want a Lizard identifier", v.Line)
			}
			m.Name = v.Value
		}
	}
	return nil
}

// checkRegistered checks every module of a type that is not built in
// against types: an unknown type, a key the type does not take and the
// type's own checks are errors naming the line.
func checkRegistered(r *Robot, types []LizardType) error {
	l := r.Hardware.Lizard
	if l == nil {
		return nil
	}
	registered := make([]string, len(types))
	for i, t := range types {
		registered[i] = t.Type
	}
	var errs []error
	for i := range l.Modules {
		m := &l.Modules[i]
		if m.Node == nil {
			continue
		}
		j := slices.IndexFunc(types, func(t LizardType) bool { return t.Type == m.Type })
		if j < 0 { // (a built-in type never gets here: its keys are LizardModule's)
			errs = append(errs, &UnknownModuleTypeError{Line: m.Line, Type: m.Type, Registered: registered})
			continue
		}
		t := types[j]
		ok := true
		for k := 0; k+1 < len(m.Node.Content); k += 2 {
			key := m.Node.Content[k]
			if key.Value != "type" && key.Value != "name" && !slices.Contains(t.Keys, key.Value) {
				errs = append(errs, fmt.Errorf("line %d: unknown key %s for a module of type %s (it takes %s)", key.Line, key.Value, t.Type, strings.Join(t.Keys, ", ")))
				ok = false
			}
		}
		if m.Name == "" {
			m.Name = t.DefaultName
		}
		if t.Objects != nil {
			m.objects = t.Objects(m)
		}
		if ok && t.Check != nil {
			if err := t.Check(m); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// Decode decodes the module's keys into v (a struct with yaml tags), for
// a registered type: type and name are skipped; the keys were checked
// against the type's Keys on load. Built-in modules have nothing to decode.
func (m *LizardModule) Decode(v any) error {
	if m.Node == nil {
		return fmt.Errorf("line %d: module %q of type %s is built in; its keys are LizardModule's fields", m.Line, m.Name, m.Type)
	}
	rest := &yaml.Node{Kind: yaml.MappingNode, Line: m.Node.Line, Column: m.Node.Column}
	for i := 0; i+1 < len(m.Node.Content); i += 2 {
		if k := m.Node.Content[i].Value; k != "type" && k != "name" {
			rest.Content = append(rest.Content, m.Node.Content[i], m.Node.Content[i+1])
		}
	}
	// Keys were checked against the type's on load, so the node's own
	// decode (which keeps the lines) needs no KnownFields.
	if err := rest.Decode(v); err != nil {
		return fmt.Errorf("hardware.lizard.modules (%s %q, line %d): %w", m.Type, m.Name, m.Line, cleanYAMLError(err))
	}
	return nil
}

// Errorf is an error about one key of the module, with the key's line
// (the module's, if the key is not written): "line 12:
// hardware.lizard.modules (linear_axis "axis"): speed: ...".
func (m *LizardModule) Errorf(key, format string, args ...any) error {
	line := m.Line
	if m.Node != nil {
		for i := 0; i+1 < len(m.Node.Content); i += 2 {
			if m.Node.Content[i].Value == key {
				line = m.Node.Content[i+1].Line
			}
		}
	}
	return fmt.Errorf("line %d: hardware.lizard.modules (%s %q): %s: %s", line, m.Type, m.Name, key, fmt.Sprintf(format, args...))
}
