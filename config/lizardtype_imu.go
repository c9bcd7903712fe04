package config

// imuType: the controller's BNO055 (Lizard's Imu), robot.yaml's half
// (robot/lizardtype_imu.go registers its driver module and twin).
var imuType = builtinType{
	LizardType: LizardType{Type: "imu", DefaultName: "imu", Keys: []string{"expander"}},
	// An imu module is Lizard's Imu() with its defaults: the BNO055 at
	// address 0x28 on the controller's I2C port 0. Lizard lets a second
	// Imu share the port (I2cBusManager), but a second imu module would
	// drive the same chip, so one per controller.
	rules: func(c *rulesCheck, i int, m *LizardModule) {
		if j, taken := c.claim("i2c/"+m.Expander, i); taken {
			c.errorf(i, "%s already has IMU %q (line %d): an imu module is the BNO055 at I2C address 0x28 on its controller's port 0, so a second would drive the same chip", controllerName(m.Expander), c.mods[j].Name, c.mods[j].Line)
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
