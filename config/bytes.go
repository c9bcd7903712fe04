package config

import (
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Bytes is a size in robot.yaml: a bare number of bytes, or a number
// with a unit (64MiB, 4KiB, 1GB). The unit is allowed, and documented,
// because a bare 64 meant as MiB is the slip that set a whole robot's
// state aside (issue 21.7); its bounds then catch the rest.
type Bytes int64

// UnmarshalYAML implements yaml.Unmarshaler.
func (b *Bytes) UnmarshalYAML(n *yaml.Node) error {
	v, err := parseBytes(n.Value)
	if err != nil || n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: %q is not a size such as 4096, 64KiB or 16MiB", n.Line, n.Value)
	}
	*b = Bytes(v)
	return nil
}

var byteUnits = []struct {
	suffix string
	mul    int64
}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}

// parseBytes reads a size: a number of bytes, or one with a unit (B, KB,
// KiB, MB, MiB, GB, GiB).
func parseBytes(s string) (int64, error) {
	s = strings.TrimSpace(s)
	mul := int64(1)
	for _, u := range byteUnits {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			s, mul = strings.TrimSpace(num), u.mul
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, err
	}
	if n > (1<<62)/mul || n < -(1<<62)/mul {
		return 0, fmt.Errorf("%s is too large", s)
	}
	return n * mul, nil
}

// formatBytes writes a size with the largest binary unit that divides it.
func formatBytes(n int64) string {
	for _, u := range []struct {
		suffix string
		mul    int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n != 0 && n%u.mul == 0 {
			return strconv.FormatInt(n/u.mul, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}
