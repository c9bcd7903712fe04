package config

import (
	"fmt"

	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Duration is a duration written with its unit ("10ms", "2s"). A bare
// number is refused: 10 could mean seconds or nanoseconds.
type Duration time.Duration

// UnmarshalYAML implements yaml.Unmarshaler.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: want a duration such as 10ms", n.Line)
	}
	if n.Value == "0" {
		*d = 0
		return nil
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration with a unit, such as 10ms or 2s", n.Line, n.Value)
	}
	if v < 0 {
		return fmt.Errorf("line %d: duration %s is negative", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// D is the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// ClockTime is a local time of day, "HH:MM".
type ClockTime string

// UnmarshalYAML implements yaml.Unmarshaler.
func (c *ClockTime) UnmarshalYAML(n *yaml.Node) error {
	if _, err := time.Parse("15:04", n.Value); err != nil || n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: %q is not a time of day HH:MM", n.Line, n.Value)
	}
	*c = ClockTime(n.Value)
	return nil
}

// HourMinute splits the time; "" is 03:00, RoSys' default.
func (c ClockTime) HourMinute() (int, int) {
	t, err := time.Parse("15:04", string(c))
	if err != nil {
		return 3, 0
	}
	return t.Hour(), t.Minute()
}

func oneOf(n *yaml.Node, key string, allowed []string) (string, error) {
	if n.Kind != yaml.ScalarNode || !slices.Contains(allowed, n.Value) {
		return "", fmt.Errorf("line %d: %s %q is not one of %s", n.Line, key, n.Value, strings.Join(allowed, ", "))
	}
	return n.Value, nil
}

// Board names a board profile.
type Board string

// Boards lists the board names robot.yaml accepts.
var Boards = []string{"auto", "sim", "rpi4", "rpi5", "jetson-orin-nano", "jetson-nano"}

// UnmarshalYAML implements yaml.Unmarshaler.
func (b *Board) UnmarshalYAML(n *yaml.Node) error {
	v, err := oneOf(n, "board", Boards)
	*b = Board(v)
	return err
}

// The values robot.yaml takes for the store's settings. They are the
// store's own (package persistence/store, which config does not import so
// that reading a robot.yaml pulls in no storage engine); robot's tests
// check that both lists are the same.
var (
	SnapshotAccesses = []string{"full", "record", "replay", "offsets_only"}
	Modes            = []string{"persisting", "selective_persisting", "speedrun_replay", "realtime_replay", "batch"}
	FileFormats      = []string{"rosys-go", "rosys"}
)

// SnapshotAccess is the store's SnapshotAccess as robot.yaml spells it.
type SnapshotAccess string

// UnmarshalYAML implements yaml.Unmarshaler.
func (a *SnapshotAccess) UnmarshalYAML(n *yaml.Node) error {
	v, err := oneOf(n, "snapshot_access", SnapshotAccesses)
	*a = SnapshotAccess(v)
	return err
}

// PersistenceMode is the store's Mode as robot.yaml spells it.
type PersistenceMode string

// UnmarshalYAML implements yaml.Unmarshaler.
func (m *PersistenceMode) UnmarshalYAML(n *yaml.Node) error {
	v, err := oneOf(n, "persistence_mode", Modes)
	*m = PersistenceMode(v)
	return err
}

// FileFormat is the store's FileFormat as robot.yaml spells it.
type FileFormat string

// UnmarshalYAML implements yaml.Unmarshaler.
func (f *FileFormat) UnmarshalYAML(n *yaml.Node) error {
	v, err := oneOf(n, "format", FileFormats)
	*f = FileFormat(v)
	return err
}
