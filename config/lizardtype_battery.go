package config

import "slices"

// BatteryKeys are the keys of a battery module beside its serial
// port's (SerialKeys).
type BatteryKeys struct {
	ChargeDetectThreshold *float64 `yaml:"charge_detect_threshold"`
	RequestInterval       Duration `yaml:"request_interval"`
	StaleAfter            Duration `yaml:"stale_after"`
}

// batteryType: a JBD BMS behind a Serial, robot.yaml's half
// (robot/lizardtype_battery.go registers its driver module and twin). Its
// UART and RX/TX pins are checked by the rules every serial port shares.
var batteryType = builtinType{
	LizardType: LizardType{Type: "battery", DefaultName: "battery", Keys: []string{"rx_pin", "tx_pin", "baud", "num", "expander",
		"charge_detect_threshold", "request_interval", "stale_after"}},
	uart:       true,
	serialPins: &[2]int{26, 27},
	bounds: append(slices.Clone(serialPortBounds),
		bound{key: "charge_detect_threshold", kind: kindFloat, min: -100, max: 100, why: "amperes"},
		bound{key: "request_interval", kind: kindDuration, min: 10 * ms, max: 60 * sec, def: "5s",
			why: "how often the BMS is asked"},
		bound{key: "stale_after", kind: kindDuration, min: 10 * ms, max: 600 * sec, def: "3 times request_interval",
			why: "an older BMS reading is stale"}),
}
