package config

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
}
