package config_test

import (
	"strings"
	"testing"

	"github.com/gorosys/rosys/config"
)

// A whole-number key refuses a fraction, and a key written twice in one
// mapping is refused, at any depth, each naming the key and its line.
// Before, yaml.v3 truncated 1.5 to 1 (keep_generations, backup_count,
// a Lizard pin 26.9 became GPIO 26, 025 became GPIO 21) and a mapping decoded by hand
// (persistence.history) let the last of two keys win.
func TestWholeNumbersAndKeysTwice(t *testing.T) {
	lizard := "hardware:\n  lizard:\n    port: /dev/null\n    modules:\n      - {type: serial, name: s, rx_pin: 26.9, tx_pin: 27, baud: 9600, num: 1}\n"
	for _, c := range []struct{ name, yaml, want string }{
		{"keep_generations 1.5", "persistence:\n  keep_generations: 1.5\n", "line 2: persistence.keep_generations: \"1.5\" is not a whole number"},
		{"backup_count 7.9", "backup_schedule: {time: '03:00', directory: /tmp/x, backup_count: 7.9}\n", "line 1: backup_schedule.backup_count: \"7.9\" is not a whole number"},
		{"history keep 2.5", "persistence:\n  history:\n    keep: 2.5\n", "line 3: persistence.history.keep: \"2.5\" is not a whole number"},
		{"a pin 26.9", lizard, "line 5: hardware.lizard.modules[0].rx_pin: \"26.9\" is not a whole number"},
		{"baud 9600.5", strings.Replace(lizard, "26.9", "26", 1) + "    baud: 115200.5\n", "line 6: hardware.lizard.baud: \"115200.5\" is not a whole number"},
		{"a pin 025 (octal 21 in YAML)", strings.Replace(lizard, "26.9", "025", 1), `line 5: hardware.lizard.modules[0].rx_pin: "025" is not a whole number`},
		{"keep 010", "persistence:\n  history: {keep: 010}\n", `persistence.history.keep: "010" is not a whole number`},
		{"history keep twice (flow)", "persistence:\n  history: {keep: 5, keep: 6}\n", `line 2: persistence.history: key "keep" appears twice`},
		{"history keep twice (block)", "persistence:\n  history:\n    keep: 5\n    keep: 6\n", `line 4: persistence.history: key "keep" appears twice`},
		{"module override twice", "persistence:\n  history:\n    modules:\n      model: {keep: 3}\n      model: {keep: 9}\n", `line 5: persistence.history.modules: key "model" appears twice`},
		{"top level twice", "name: a\nname: b\n", `line 2: key "name" appears twice`},
	} {
		_, err := config.Parse([]byte(c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", c.name, err, c.want)
		}
	}
	for _, ok := range []string{
		"persistence:\n  keep_generations: 2.0\n",
		"persistence:\n  keep_generations: 0x10\n",
		"persistence:\n  history: &h {keep: 5}\n  journal: {max_age: 1h}\nbackup_schedule: {<<: {backup_count: 3}, backup_count: 4, time: '03:00', directory: /tmp/x}\n",
	} {
		if _, err := config.Parse([]byte(ok)); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
}
