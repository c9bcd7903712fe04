package config

import (
	"fmt"
	"strconv"
	"time"

	"github.com/gorosys/rosys/persistence/history"
	"gopkg.in/yaml.v3"
)

// History is persistence.history: the versions kept of every module
// (count, age, bytes), with per-module overrides. Absent means the
// defaults (history.DefaultBounds); "off" keeps no history.
type History struct {
	Off     bool
	Default history.Bounds
	Modules map[string]history.Bounds
}

var historyKeys = []string{"keep", "max_age", "max_bytes"}

// UnmarshalYAML implements yaml.Unmarshaler. The ranges of keep, max_age
// and max_bytes are in the bounds table (bounds.go); module keys follow
// checkModuleKey.
func (h *History) UnmarshalYAML(n *yaml.Node) error {
	const key = "persistence.history"
	if n.Kind == yaml.ScalarNode && n.Value == "off" {
		*h = History{Off: true}
		return nil
	}
	if err := knownKeys(n, key, append(historyKeys, "modules")...); err != nil {
		return err
	}
	def, err := historyBounds(n, key, history.DefaultBounds)
	if err != nil {
		return err
	}
	out := History{Default: def}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value != "modules" {
			continue
		}
		mods := n.Content[i+1]
		if mods.Kind != yaml.MappingNode {
			return fmt.Errorf("line %d: %s.modules: want a mapping of module keys to bounds", mods.Line, key)
		}
		out.Modules = map[string]history.Bounds{}
		for j := 0; j+1 < len(mods.Content); j += 2 {
			name := mods.Content[j].Value
			if err := checkModuleKey(name); err != nil {
				return fmt.Errorf("line %d: %s.modules: %w", mods.Content[j].Line, key, err)
			}
			mk := key + ".modules." + name
			if err := knownKeys(mods.Content[j+1], mk, historyKeys...); err != nil {
				return err
			}
			b, err := historyBounds(mods.Content[j+1], mk, def)
			if err != nil {
				return err
			}
			out.Modules[name] = b
		}
	}
	*h = out
	return nil
}

// historyBounds reads keep, max_age and max_bytes from a mapping, taking
// what it does not give from base.
func historyBounds(n *yaml.Node, key string, base history.Bounds) (history.Bounds, error) {
	b := base
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		where := fmt.Sprintf("line %d: %s.%s", v.Line, key, k.Value)
		switch k.Value {
		case "keep":
			keep, err := strconv.Atoi(v.Value)
			if err != nil || v.Kind != yaml.ScalarNode {
				return b, fmt.Errorf("%s: %q is not a whole number of versions", where, v.Value)
			}
			b.Keep = keep
		case "max_age":
			d, err := time.ParseDuration(v.Value)
			if err != nil || v.Kind != yaml.ScalarNode {
				return b, fmt.Errorf("%s: %q is not a duration with a unit, such as 720h", where, v.Value)
			}
			b.MaxAge = d
		case "max_bytes":
			size, err := parseBytes(v.Value)
			if err != nil || v.Kind != yaml.ScalarNode {
				return b, fmt.Errorf("%s: %q is not a size such as 64MiB", where, v.Value)
			}
			b.MaxBytes = size
		}
	}
	return b, nil
}

// Config is the history configuration for the store, or nil when off.
func (h *History) Config() *history.Config {
	if h == nil {
		return &history.Config{Default: history.DefaultBounds}
	}
	if h.Off {
		return nil
	}
	return &history.Config{Default: h.Default, Modules: h.Modules}
}
