package deploy

import (
	_ "embed"
	"strings"
)

// unitTemplate is deploy/rosys.service, the one unit file: `rosys
// install` writes it with the supplementary groups that exist.
//
//go:embed rosys.service
var unitTemplate string

// WantedGroups are the groups the robot user joins where they exist:
// serial ports (dialout), GPIO character devices (gpio on Raspberry Pi
// OS), I2C and SPI buses, cameras (video).
var WantedGroups = []string{"dialout", "gpio", "i2c", "spi", "video"}

// Unit returns the unit file with SupplementaryGroups= naming groups (the
// line is left out when there are none: systemd refuses to start a unit
// naming a group that does not exist).
func Unit(groups []string) string {
	var out []string
	for _, line := range strings.SplitAfter(unitTemplate, "\n") {
		if strings.HasPrefix(line, "SupplementaryGroups=") {
			if len(groups) == 0 {
				continue
			}
			line = "SupplementaryGroups=" + strings.Join(groups, " ") + "\n"
		}
		out = append(out, line)
	}
	return strings.Join(out, "")
}
