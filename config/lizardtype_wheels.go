package config

import (
	"fmt"
	"time"

	"github.com/gorosys/rosys/drivers/lizard/lizardrules"
)

// WheelsKeys are the keys of a wheels module.
type WheelsKeys struct {
	Driver          string    `yaml:"driver"` // odrive | custom
	Can             string    `yaml:"can"`
	LeftCanAddress  *int      `yaml:"left_can_address"`
	RightCanAddress *int      `yaml:"right_can_address"`
	ODriveVersion   int       `yaml:"odrive_version"`
	MPerTick        *float64  `yaml:"m_per_tick"`
	Width           *float64  `yaml:"width"`
	LeftReversed    bool      `yaml:"left_reversed"`
	RightReversed   bool      `yaml:"right_reversed"`
	HostTimeout     *Duration `yaml:"host_timeout"`
}

// defaultHostTimeout is the wheels' host_timeout when robot.yaml gives
// none (package robot applies it).
const defaultHostTimeout = time.Second

// wheelsType: ODrive (or custom) wheels, robot.yaml's half (the driver
// module and startup code are robot/lizardtype_wheels.go's and
// drivers/lizard/module_wheels.go's).
var wheelsType = builtinType{
	LizardType: LizardType{Type: "wheels", DefaultName: "wheels", Keys: []string{"driver", "can", "left_can_address", "right_can_address",
		"odrive_version", "m_per_tick", "width", "left_reversed", "right_reversed", "host_timeout"},
		Objects: func(m *LizardModule) []string {
			if m.Driver == "" || m.Driver == "odrive" {
				return []string{m.Name, m.Name + "_left", m.Name + "_right"}
			}
			return []string{m.Name}
		}},
	validate: func(c *moduleCheck, i int, m *LizardModule) {
		if _, taken := c.claim("wheels", i); taken {
			c.errorf(i, "only one wheels module is supported")
		}
		switch m.Driver {
		case "", "odrive":
			if m.Can == "" {
				c.errorf(i, "can: ODrive wheels need the name of a can module")
			} else {
				c.ref(i, "can", m.Can, "can")
			}
		case "custom":
			if m.Can != "" {
				c.errorf(i, "can: custom wheels take no can module")
			}
		default:
			c.errorf(i, "driver: %q is not odrive or custom", m.Driver)
		}
	},
	bounds: []bound{
		{key: "left_can_address", kind: kindInt, min: 0, max: 0x7ff, why: "11-bit CAN identifiers"},
		{key: "right_can_address", kind: kindInt, min: 0, max: 0x7ff, why: "11-bit CAN identifiers"},
		{key: "odrive_version", kind: kindInt, min: 4, max: 6, def: "the driver's", why: "ODrive firmware 4, 5 or 6"},
		{key: "m_per_tick", kind: kindFloat, min: -1, max: 1, nonZero: true, why: "metres per encoder tick; negative reverses"},
		{key: "width", kind: kindFloat, min: 0.01, max: 10, why: "wheel distance in metres"},
		{key: "host_timeout", kind: kindDuration, min: 10 * ms, max: 60 * sec, def: "1s", zero: "no host timeout",
			why: "the wheels stop when the host is silent this long (default 1s)"},
	},
	hostTimeout: func(m *LizardModule) time.Duration {
		if m.HostTimeout != nil {
			return m.HostTimeout.D()
		}
		return defaultHostTimeout
	},
	rules: func(c *rulesCheck, i int, m *LizardModule) {
		if e := c.onExpander(m.Can); m.Can != "" && e != "" {
			c.errorf(i, "can: module %q is on expander %s; Lizard's ODriveMotor takes a Can of its own controller, not a proxy", m.Can, e)
		}
		if m.Driver != "" && m.Driver != "odrive" {
			return
		}
		left, right := 0, 0x100
		if m.LeftCanAddress != nil {
			left = *m.LeftCanAddress
		}
		if m.RightCanAddress != nil {
			right = *m.RightCanAddress
		}
		for _, side := range []struct {
			key string
			id  int
		}{{"left_can_address", left}, {"right_can_address", right}} {
			if side.id < 0 || side.id > 0x7ff-0x1e {
				c.errorf(i, "%s: 0x%x is not a CAN node address (0 to 0x%x)", side.key, side.id, 0x7ff-0x1e)
				continue
			}
			for _, cid := range lizardrules.ODriveCANIDs(side.id) {
				k := fmt.Sprintf("odrive/%s/%d", m.Can, cid)
				if prev, ok := c.tags[k]; ok {
					c.errorf(i, "%s: the motor listens on CAN ID 0x%03x, as the %s motor does; Lizard refuses a second subscriber", side.key, cid, prev)
					break
				}
				c.tags[k] = side.key[:len(side.key)-len("_can_address")]
			}
		}
	},
}
