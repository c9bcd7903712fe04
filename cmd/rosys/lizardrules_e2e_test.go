package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Configs whose startup code Lizard would reject: the real binary refuses
// them (exit 2) naming the key and its line, and prints no code.
func TestLizardCodeRefusesWhatTheFirmwareRejects(t *testing.T) {
	endToEnd(t)
	head := "name: x\nboard: auto\nhardware:\n  lizard:\n    port: /dev/null\n    modules:\n"
	var long strings.Builder
	long.WriteString("      - type: bumper\n        pins:\n")
	for i, g := range []int{0, 2, 4, 5, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22, 23, 25, 32, 33, 34, 35} {
		fmt.Fprintf(&long, "          bumper_switch_with_a_long_descriptive_name_%d: %d\n", i, g)
	}
	for name, tc := range map[string]struct{ modules, want string }{
		"UART clash":               {"      - {type: battery, num: 1}\n      - {type: serial, name: p0_serial, rx_pin: 16, tx_pin: 17, num: 1}\n", `line 8: hardware.lizard.modules[1] (serial "p0_serial"): num: UART 1`},
		"can behind expander":      {"      - {type: serial, name: s}\n      - {type: expander, name: p0, serial: s}\n      - {type: can, expander: p0}\n      - {type: wheels, can: can}\n", `line 10: hardware.lizard.modules[3] (wheels "wheels"): can:`},
		"two CAN buses":            {"      - {type: can}\n      - {type: can, name: c2, rx_pin: 4, tx_pin: 5}\n", `line 8: hardware.lizard.modules[1] (can "c2")`},
		"core line too long":       {long.String(), `line 7: hardware.lizard.modules: core output`},
		"code that does not parse": {"      - type: code\n        lines: [\"x = Input(4\"]\n", `line 7: hardware.lizard.modules[0] (code "code")`},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := filepath.Join(t.TempDir(), "robot.yaml")
			if err := os.WriteFile(cfg, []byte(head+tc.modules), 0o644); err != nil {
				t.Fatal(err)
			}
			code, out, stderr := runCLI(t, "lizard", "code", "--config", cfg)
			if code != 2 || out != "" || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stdout %q, stderr %s\nwant exit 2 naming %q", code, out, stderr, tc.want)
			}
			code, _, stderr = runCLI(t, "run", "--config", cfg, "--http", "off")
			if code != 2 || !regexp.MustCompile(`line \d+: hardware\.lizard\.modules`).MatchString(stderr) {
				t.Fatalf("run: exit %d %s", code, stderr)
			}
		})
	}
}
