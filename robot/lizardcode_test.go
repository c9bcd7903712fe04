package robot_test

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gorosys/rosys/config"
	"github.com/gorosys/rosys/drivers/lizard/lizardrules"
	"github.com/gorosys/rosys/robot"
)

// checkScript runs the independent checker over generated code.
func checkScript(t *testing.T, name string, code []string, chip config.LizardChip) {
	t.Helper()
	for _, v := range lizardrules.Check(code, lizardrules.Options{Chip: chip.Rules()}) {
		t.Errorf("%s: %v", name, v)
	}
}

func TestLizardCodeOfEveryExampleObeysTheFirmware(t *testing.T) {
	files, _ := filepath.Glob("../examples/*.yaml")
	n := 0
	for _, f := range files {
		cfg, err := config.Load(f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		l := cfg.Hardware.Lizard
		if l == nil || len(l.Modules) == 0 {
			continue
		}
		code, err := robot.LizardCode(l)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		checkScript(t, f, code, l.Chip)
		n++
	}
	if n == 0 {
		t.Fatal("no example with Lizard modules")
	}
}

// everyModule has every module type on the main controller and on an
// expander (where a type can be there).
const everyModule = `name: every
board: auto
hardware:
  lizard:
    port: /dev/null
    modules:
      - {type: can}
      - {type: wheels, can: can, left_reversed: true}
      - {type: estop, pins: {front: 34, back: 35}}
      - {type: bumper, pins: {front: 36}}
      - {type: battery}
      - {type: serial, name: p0_serial, rx_pin: 16, tx_pin: 17}
      - {type: imu}
      - {type: expander, name: p0, serial: p0_serial, boot: 25, enable: 14}
      - {type: can, name: p0_can, expander: p0}
      - {type: estop, name: p0_estop, expander: p0, pins: {a: 4}}
      - {type: bumper, name: p0_bumper, expander: p0, pins: {left: 34, right: 35}}
      - {type: battery, name: p0_battery, expander: p0}
      - {type: serial, name: p0_link, expander: p0, rx_pin: 12, tx_pin: 13}
      - {type: imu, name: p0_imu, expander: p0}
      - type: code
        lines: ["when estop_front.active then wheels.off(); end"]
`

func TestLizardCodeWithEveryModuleObeysTheFirmware(t *testing.T) {
	cfg, err := config.Parse([]byte(everyModule))
	if err != nil {
		t.Fatal(err)
	}
	code, err := robot.LizardCode(cfg.Hardware.Lizard)
	if err != nil {
		t.Fatal(err)
	}
	checkScript(t, "every module", code, "")
	text := code.String()
	// serial and battery on the same controller get distinct UARTs.
	for _, want := range []string{"battery = Serial(26, 27, 9600, 1)", "p0_serial = Serial(16, 17, 115200, 2)",
		"p0_battery = p0.Serial(26, 27, 9600, 1)", "p0_link = p0.Serial(12, 13, 115200, 2)"} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("missing %q in\n%s", want, text)
		}
	}
}

func TestLizardCodeRefusesLinesTheFirmwareCannotRead(t *testing.T) {
	// 40 bumper pins (20 on the main controller, 20 on an expander) with
	// long names: each line is short, but the core.output line is longer
	// than Lizard's host line buffer.
	var b strings.Builder
	b.WriteString("name: x\nboard: auto\nhardware:\n  lizard:\n    port: /dev/null\n    modules:\n")
	b.WriteString("      - {type: serial, name: s}\n      - {type: expander, name: p0, serial: s}\n")
	gpios := []int{0, 1, 2, 3, 4, 5, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22, 23, 25, 32, 33}
	for _, e := range []string{"", "p0"} {
		fmt.Fprintf(&b, "      - type: bumper\n        name: bumper%s\n", e)
		if e != "" {
			b.WriteString("        expander: p0\n")
		}
		b.WriteString("        pins:\n")
		for i, g := range gpios {
			if e == "" && (g == 26 || g == 27) {
				continue
			}
			fmt.Fprintf(&b, "          a_rather_descriptive_bumper_name_%d: %d\n", i, g)
		}
	}
	cfg, err := config.Parse([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	_, err = robot.LizardCode(cfg.Hardware.Lizard)
	if err == nil || !regexp.MustCompile(`line \d+: hardware.lizard.modules: core output: .*line too long`).MatchString(err.Error()) {
		t.Fatalf("got %v", err)
	}
}

// randomModules writes a random module list: names, pins, UARTs, bauds,
// expanders and references, often wrong, sometimes long.
func randomModules(r *rand.Rand) string {
	var b strings.Builder
	b.WriteString("name: x\nboard: auto\nhardware:\n  lizard:\n    port: /dev/null\n")
	if r.IntN(4) == 0 {
		b.WriteString("    chip: esp32s3\n")
	}
	b.WriteString("    modules:\n")
	names := []string{}
	expanders := []string{}
	name := func(prefix string) string {
		n := fmt.Sprintf("%s%d", prefix, len(names))
		if r.IntN(8) == 0 {
			n += strings.Repeat("_x", r.IntN(300))
		}
		names = append(names, n)
		return n
	}
	pick := func(from []string) string {
		if len(from) == 0 || r.IntN(10) == 0 {
			return "nothing"
		}
		return from[r.IntN(len(from))]
	}
	gpio := func() int { return r.IntN(49) }
	exp := func() string {
		if len(expanders) > 0 && r.IntN(2) == 0 {
			return ", expander: " + pick(expanders)
		}
		return ""
	}
	for range 1 + r.IntN(10) {
		switch r.IntN(9) {
		case 0:
			fmt.Fprintf(&b, "      - {type: serial, name: %s, rx_pin: %d, tx_pin: %d, num: %d%s}\n", name("s"), gpio(), gpio(), r.IntN(4), exp())
		case 1:
			fmt.Fprintf(&b, "      - {type: battery, name: %s, rx_pin: %d, tx_pin: %d%s}\n", name("b"), gpio(), gpio(), exp())
		case 2:
			bauds := []int{0, 1000000, 500000, 115200}
			fmt.Fprintf(&b, "      - {type: can, name: %s, rx_pin: %d, tx_pin: %d, baud: %d%s}\n", name("c"), gpio(), gpio(), bauds[r.IntN(4)], exp())
		case 3:
			fmt.Fprintf(&b, "      - {type: wheels, name: %s, can: %s, left_can_address: %d, right_can_address: %d}\n", name("w"), pick(names), r.IntN(64), 0x100+r.IntN(64))
		case 4, 5:
			typ := []string{"estop", "bumper"}[r.IntN(2)]
			fmt.Fprintf(&b, "      - type: %s\n        name: %s\n", typ, name(typ[:1]))
			if e := exp(); e != "" {
				fmt.Fprintf(&b, "        expander: %s\n", strings.TrimPrefix(e, ", expander: "))
			}
			b.WriteString("        pins:\n")
			for i := range 1 + r.IntN(12) {
				fmt.Fprintf(&b, "          p%d: %d\n", i, gpio())
			}
		case 6:
			fmt.Fprintf(&b, "      - {type: imu, name: %s%s}\n", name("i"), exp())
		case 7:
			n := name("e")
			if r.IntN(2) == 0 {
				fmt.Fprintf(&b, "      - {type: expander, name: %s, serial: %s}\n", n, pick(names))
			} else {
				fmt.Fprintf(&b, "      - {type: expander, name: %s, serial: %s, boot: %d, enable: %d}\n", n, pick(names), gpio(), gpio())
			}
			expanders = append(expanders, n)
		case 8:
			fmt.Fprintf(&b, "      - type: code\n        name: %s\n        lines: [\"core.print('%s')\"]\n", name("k"), strings.Repeat("y", r.IntN(1100)))
		}
	}
	return b.String()
}

// What robot.yaml validation accepts, the firmware accepts: a property
// over random module lists. The only refusals left to the generated-code
// check are the lengths of lines the names make, and those name the key
// and line too.
func TestLizardCodeOfRandomConfigsObeysTheFirmware(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 6))
	const configs = 3000
	accepted, generated := 0, 0
	attributed := regexp.MustCompile(`^line \d+: hardware\.lizard\.modules`)
	for i := range configs {
		src := randomModules(r)
		cfg, err := config.Parse([]byte(src))
		if err != nil {
			continue
		}
		accepted++
		code, err := robot.LizardCode(cfg.Hardware.Lizard)
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				if !attributed.MatchString(line) || !(strings.Contains(line, "line too long") || strings.Contains(line, "send_proxy") || strings.Contains(line, "core line")) {
					t.Fatalf("config %d passed validation but its code breaks a rule the config check should have caught:\n%s\n%s", i, line, src)
				}
			}
			continue
		}
		generated++
		checkScript(t, fmt.Sprintf("config %d", i), code, cfg.Hardware.Lizard.Chip)
	}
	t.Logf("%d of %d random configs valid, %d generated", accepted, configs, generated)
	if generated < 100 {
		t.Fatalf("only %d random configs got as far as code: the generator is too wild to test anything", generated)
	}
}
