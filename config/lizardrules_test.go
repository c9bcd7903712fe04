package config_test

import (
	"strings"
	"testing"

	"github.com/gorosys/rosys/config"
)

const lizardHead = "name: x\nboard: auto\nhardware:\n  lizard:\n    port: /dev/null\n    modules:\n"

// Each of these robot.yaml module lists would make Lizard reject its
// startup code: the error names the key and its line.
func TestLizardRulesRefuse(t *testing.T) {
	for _, tc := range []struct{ name, modules, want string }{
		{"UART taken twice", "      - {type: battery, num: 1}\n      - {type: serial, name: p0_serial, rx_pin: 16, tx_pin: 17, num: 1}\n",
			`line 8: hardware.lizard.modules[1] (serial "p0_serial"): num: UART 1 is already used by battery "battery" (line 7)`},
		{"UART 0", "      - {type: serial, num: 0}\n      - {type: serial, name: s2, rx_pin: 4, tx_pin: 5, num: 3}\n", `line 8: hardware.lizard.modules[1].num: 3 is out of range 1 to 2`},
		{"three serial ports", "      - {type: serial, name: a, rx_pin: 4, tx_pin: 5}\n      - {type: serial, name: b, rx_pin: 12, tx_pin: 13}\n      - {type: battery}\n",
			`line 9: hardware.lizard.modules[2] (battery "battery"): no UART left on the main controller`},
		{"can on an expander for the wheels", "      - {type: serial, name: s}\n      - {type: expander, name: p0, serial: s}\n      - {type: can, expander: p0}\n      - {type: wheels, can: can}\n",
			`line 10: hardware.lizard.modules[3] (wheels "wheels"): can: module "can" is on expander p0`},
		{"expander behind an expander", "      - {type: serial, name: s}\n      - {type: expander, name: p0, serial: s}\n      - {type: serial, name: qs, expander: p0}\n      - {type: expander, name: q, serial: qs}\n",
			`line 10: hardware.lizard.modules[3] (expander "q"): serial: module "qs" is on expander p0`},
		{"two expanders on one serial", "      - {type: serial, name: s}\n      - {type: expander, name: p0, serial: s}\n      - {type: expander, name: p1, serial: s}\n",
			`line 9: hardware.lizard.modules[2] (expander "p1"): serial: "s" already links expander "p0" (line 8)`},
		{"two IMUs on the main controller", "      - {type: imu}\n      - {type: imu, name: imu2}\n",
			`line 8: hardware.lizard.modules[1] (imu "imu2"): the main controller already has IMU "imu" (line 7)`},
		{"two IMUs on an expander", "      - {type: serial, name: s}\n      - {type: expander, name: p0, serial: s}\n      - {type: imu, expander: p0}\n      - {type: imu, name: imu2, expander: p0}\n",
			`line 10: hardware.lizard.modules[3] (imu "imu2"): expander p0 already has IMU "imu" (line 9)`},
		{"two CAN buses", "      - {type: can}\n      - {type: can, name: can2, rx_pin: 4, tx_pin: 5}\n",
			`line 8: hardware.lizard.modules[1] (can "can2"): the main controller already has CAN bus "can" (line 7)`},
		{"CAN baud", "      - {type: can, baud: 115200}\n", `line 7: hardware.lizard.modules[0] (can "can"): baud: 115200 is not a CAN baud rate`},
		{"TX on an input-only pin", "      - {type: serial, tx_pin: 35}\n", `line 7: hardware.lizard.modules[0] (serial "serial"): tx_pin: GPIO 35 is input-only`},
		{"boot on an input-only pin", "      - {type: serial}\n      - {type: expander, serial: serial, boot: 36, enable: 14}\n", `line 8: hardware.lizard.modules[1] (expander "p0"): boot: GPIO 36 is input-only`},
		{"flash pin", "      - type: bumper\n        pins: {front: 7}\n", `line 8: hardware.lizard.modules[0].pins.front: GPIO 7 is wired to the ESP32's SPI flash`},
		{"GPIO missing on the chip", "      - type: bumper\n        pins: {front: 40}\n", `line 8: hardware.lizard.modules[0].pins.front: GPIO 40 does not exist on an ESP32`},
		{"IMU on a taken I2C pin", "      - type: bumper\n        pins: {front: 21}\n      - {type: imu}\n", `line 9: hardware.lizard.modules[1] (imu "imu"): the IMU's I2C bus uses GPIO 21`},
		{"ODrive CAN IDs meet", "      - {type: can}\n      - {type: wheels, can: can, left_can_address: 0, right_can_address: 8}\n",
			`line 8: hardware.lizard.modules[1] (wheels "wheels"): right_can_address: the motor listens on CAN ID 0x009, as the left motor does`},
		{"code line too long", "      - type: code\n        lines: [\"core.print('" + strings.Repeat("x", 1010) + "')\"]\n", `line 7: hardware.lizard.modules[0] (code "code"): lines: a line of 1024 bytes`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.Parse([]byte(lizardHead + tc.modules))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v\nwant %q", err, tc.want)
			}
		})
	}
}

func TestLizardRulesAccept(t *testing.T) {
	for _, tc := range []struct{ name, modules string }{
		{"serial and battery with default UARTs", "      - {type: battery}\n      - {type: serial, name: p0_serial, rx_pin: 16, tx_pin: 17}\n"},
		{"input-only pins as inputs", "      - type: estop\n        pins: {a: 34, b: 39}\n      - {type: serial, rx_pin: 36, tx_pin: 4}\n"},
		{"one CAN bus per controller", "      - {type: serial, name: s}\n      - {type: expander, name: p0, serial: s}\n      - {type: can}\n      - {type: can, name: can2, expander: p0}\n"},
		{"esp32s3 pins", "    chip: esp32s3\n    modules:\n      - type: bumper\n        pins: {a: 40, b: 48}\n      - {type: serial, rx_pin: 4, tx_pin: 35}\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := lizardHead + tc.modules
			if strings.HasPrefix(tc.modules, "    chip:") {
				src = strings.TrimSuffix(lizardHead, "    modules:\n") + tc.modules
			}
			if _, err := config.Parse([]byte(src)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestLizardUARTsAllocateDistinct(t *testing.T) {
	r, err := config.Parse([]byte(lizardHead + "      - {type: battery, num: 2}\n      - {type: serial, name: s, rx_pin: 16, tx_pin: 17}\n" +
		"      - {type: expander, name: p0, serial: s}\n      - {type: battery, name: b2, expander: p0}\n      - {type: serial, name: c, expander: p0, rx_pin: 4, tx_pin: 5, num: 1}\n"))
	if err != nil {
		t.Fatal(err)
	}
	u, err := config.LizardUARTs(r.Hardware.Lizard.Modules)
	if err != nil {
		t.Fatal(err)
	}
	// A num given is kept and reserved first; a module without one gets
	// the lowest UART free on its own controller.
	if len(u) != 4 || u[0] != 2 || u[1] != 1 || u[3] != 2 || u[4] != 1 {
		t.Fatalf("uarts %v", u)
	}
}
