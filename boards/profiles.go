package boards

import (
	"fmt"
	"maps"
	"slices"
)

// Profile describes a board.
type Profile struct {
	Name  string `json:"name"`  // as in robot.yaml's board key
	Model string `json:"model"` // human name
	// SerialPort is where the motor controller is usually wired: the
	// header UART on a Pi, the Tegra high-speed UART on a Jetson.
	SerialPort string `json:"serial_port"`
	// Pins maps a 40-pin header position to the kernel's GPIO line name,
	// the name drivers/gpio opens.
	Pins  map[int]string `json:"pins,omitempty"`
	Notes string         `json:"notes,omitempty"`
	// match is a substring of /proc/device-tree/model.
	match string
}

// The Raspberry Pi header: position → BCM line name, identical on the
// Pi 4 and Pi 5 (the Pi 5's RP1 names its lines the same way).
func raspberryPiPins() map[int]string {
	return map[int]string{
		3: "GPIO2", 5: "GPIO3", 7: "GPIO4", 8: "GPIO14", 10: "GPIO15", 11: "GPIO17", 12: "GPIO18",
		13: "GPIO27", 15: "GPIO22", 16: "GPIO23", 18: "GPIO24", 19: "GPIO10", 21: "GPIO9", 22: "GPIO25",
		23: "GPIO11", 24: "GPIO8", 26: "GPIO7", 27: "GPIO0", 28: "GPIO1", 29: "GPIO5", 31: "GPIO6",
		32: "GPIO12", 33: "GPIO13", 35: "GPIO19", 36: "GPIO16", 37: "GPIO26", 38: "GPIO20", 40: "GPIO21",
	}
}

// profiles is the table of known boards, most specific match first
// ("Jetson Orin Nano" before "Jetson Nano").
func profiles() []Profile {
	return []Profile{
		{Name: "sim", Model: "simulated hardware", Notes: "no hardware: simulated wheels, e-stop and pins"},
		{
			Name: "rpi5", Model: "Raspberry Pi 5", SerialPort: "/dev/serial0", Pins: raspberryPiPins(), match: "Raspberry Pi 5",
			Notes: "GPIO goes through the RP1 chip: digital I/O and edges only via the character device (/dev/gpiochip*); no /dev/gpiomem register access. Enable the header UART with dtparam=uart0=on.",
		},
		{
			Name: "rpi4", Model: "Raspberry Pi 4", SerialPort: "/dev/serial0", Pins: raspberryPiPins(), match: "Raspberry Pi 4",
			Notes: "Enable the header UART (enable_uart=1) and disable the serial console; /dev/serial0 then points at it.",
		},
		{
			Name: "jetson-orin-nano", Model: "NVIDIA Jetson Orin Nano", SerialPort: "/dev/ttyTHS0", match: "Orin Nano",
			Pins: map[int]string{
				7: "PAC.06", 11: "PR.04", 12: "PH.07", 13: "PY.00", 15: "PN.01", 16: "PY.04",
				18: "PY.03", 19: "PZ.05", 21: "PZ.04", 22: "PY.01", 23: "PZ.03",
			},
			Notes: "Lines of gpiochip0 (tegra234-gpio) by Tegra name, as gpioinfo prints them; pins not listed are not mapped yet. Pins must be in GPIO mode (jetson-io).",
		},
		{
			Name: "jetson-nano", Model: "NVIDIA Jetson Nano", SerialPort: "/dev/ttyTHS1", match: "Jetson Nano",
			Pins: map[int]string{
				7: "PBB.00", 11: "PG.02", 12: "PJ.07", 13: "PB.06", 15: "PY.02", 16: "PDD.00", 18: "PB.07",
				19: "PC.00", 21: "PC.01", 22: "PB.05", 23: "PC.02", 24: "PC.03", 26: "PC.04", 29: "PS.05",
				31: "PZ.00", 32: "PV.00", 33: "PE.06", 35: "PJ.04", 36: "PG.03", 37: "PB.04", 38: "PJ.05", 40: "PJ.06",
			},
			Notes: "Tegra210 port names; kernels that leave lines unnamed (L4T 32) need the sysfs number instead.",
		},
	}
}

// Profiles lists every known board.
func Profiles() []Profile { return profiles() }

// ByName returns the profile for a robot.yaml board name.
func ByName(name string) (Profile, error) {
	for _, p := range profiles() {
		if p.Name == name {
			return p, nil
		}
	}
	names := make([]string, 0, 5)
	for _, p := range profiles() {
		names = append(names, p.Name)
	}
	return Profile{}, fmt.Errorf("unknown board %q (known: %v)", name, names)
}

// Line is the kernel line name of a header pin.
func (p Profile) Line(header int) (string, error) {
	if l, ok := p.Pins[header]; ok {
		return l, nil
	}
	return "", fmt.Errorf("board %s has no GPIO line mapped at header pin %d (mapped: %v)", p.Name, header, slices.Sorted(maps.Keys(p.Pins)))
}
