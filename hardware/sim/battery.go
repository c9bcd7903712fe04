package sim

import (
	"math"
	"time"

	"github.com/gorosys/rosys/hardware"
)

// Battery is a simulated battery that drains (RoSys's BmsSimulation):
// the voltage falls at DrainPerSecond between 27.5 V (100 %) and 22.5 V
// (0 %). It is a rosys Stepper.
type Battery struct {
	DrainPerSecond float64 // V/s; negative charges
	voltage        float64
	state          hardware.Topic[hardware.BatteryState]
}

var _ hardware.Battery = (*Battery)(nil)

// NewBattery returns a battery at voltage.
func NewBattery(voltage, drainPerSecond float64) *Battery {
	return &Battery{DrainPerSecond: drainPerSecond, voltage: voltage}
}

// Step implements rosys.Stepper.
func (b *Battery) Step(now time.Time, period time.Duration) {
	b.voltage = math.Max(22.5, math.Min(27.5, b.voltage-b.DrainPerSecond*period.Seconds()))
	charging := b.DrainPerSecond < 0
	current := -0.7
	if charging {
		current = 1
	}
	b.state.Publish(hardware.BatteryState{
		Voltage: b.voltage, Percentage: (b.voltage - 22.5) / 5 * 100, Current: current,
		Temperature: 20 + math.Sin(0.01*float64(now.Unix())), Charging: charging, Time: now,
	})
}

// Battery implements hardware.Battery.
func (b *Battery) Battery() hardware.BatteryState { return b.state.Latest() }
