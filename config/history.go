package config

import (
	"fmt"
	"strconv"
	"time"

	"gopkg.in/yaml.v3"
)

// History is persistence.history: the versions kept of every module
// (count, age, bytes), with per-module overrides. Absent means the
// defaults (DefaultHistoryBounds); "off" keeps no history. The assembly
// (robot.HistoryConfig) turns it into the store's history configuration.
type History struct {
	Off     bool
	Default HistoryBounds
	Modules map[string]HistoryBounds
}

// HistoryBounds bound the versions kept of one module; the fields are
// those of the store's history.Bounds.
type HistoryBounds struct {
	Keep     int           // versions kept, newest first
	MaxAge   time.Duration // versions older than this are pruned
	MaxBytes int64         // total size of a module's versions
}

// DefaultHistoryBounds are robot.yaml's defaults: 100 versions, 30 days,
// 64 MiB (robot's tests check they are DefaultHistoryBounds).
var DefaultHistoryBounds = HistoryBounds{Keep: 100, MaxAge: 720 * time.Hour, MaxBytes: 64 << 20}

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
	def, err := historyBounds(n, key, DefaultHistoryBounds)
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
		out.Modules = map[string]HistoryBounds{}
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
func historyBounds(n *yaml.Node, key string, base HistoryBounds) (HistoryBounds, error) {
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
