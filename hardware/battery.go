package hardware

import "time"

// BatteryState is what a battery management system reports (RoSys's
// BmsState). Time is when it was measured; zero before the first report.
type BatteryState struct {
	Voltage     float64   `json:"voltage"`     // V
	Percentage  float64   `json:"percentage"`  // state of charge, 0..100
	Current     float64   `json:"current"`     // A, positive while charging
	Temperature float64   `json:"temperature"` // °C, mean of the sensors
	Charging    bool      `json:"charging"`
	Time        time.Time `json:"time"`
}

// Stale reports whether the state is older than maxAge at now, or was
// never measured: a silent BMS must never look fresh.
func (s BatteryState) Stale(now time.Time, maxAge time.Duration) bool {
	return s.Time.IsZero() || now.Sub(s.Time) > maxAge
}

// Battery reports the latest battery state without blocking.
type Battery interface {
	Battery() BatteryState
}
