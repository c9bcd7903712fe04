package config

// imuType: the controller's BNO055 (Lizard's Imu), robot.yaml's half
// (robot/lizardtype_imu.go registers its driver module and twin).
var imuType = builtinType{
	LizardType: LizardType{Type: "imu", DefaultName: "imu", Keys: []string{"expander"}},
	// Lizard's Imu() installs the driver of its controller's I2C port: a
	// second Imu on one controller fails ("could not install i2c driver")
	// and the startup code stops there.
	rules: func(c *rulesCheck, i int, m *LizardModule) {
		if j, taken := c.claim("i2c/"+m.Expander, i); taken {
			c.errorf(i, "%s already has IMU %q (line %d) on its I2C port; Lizard's Imu() installs the port's driver and refuses a second", controllerName(m.Expander), c.mods[j].Name, c.mods[j].Line)
		}
	},
	// The IMU takes the chip's default I2C pins (Lizard's Imu()), which
	// no other module on its controller may use.
	afterRules: func(c *rulesCheck, i int, m *LizardModule) {
		sda, scl := c.chip.I2CDefaults()
		for _, p := range []int{sda, scl} {
			if j, ok := c.pins[pinKey(m.Expander, p)]; ok {
				c.errorf(i, "the IMU's I2C bus uses GPIO %d, which %s %q (line %d) uses too", p, c.mods[j].Type, c.mods[j].Name, c.mods[j].Line)
			}
		}
	},
}
