package robot

import (
	"time"

	"github.com/gorosys/rosys/drivers/lizard"
	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/hardware/sim"
)

// batteryType: a JBD BMS behind a Serial, asked every request_interval.
func batteryType() LizardType {
	return LizardType{
		Config: builtinConfig("battery"),
		Build: func(d LizardDecl) (lizard.Module, error) {
			m := d.LizardModule
			rx, tx := m.SerialPins()
			b := &lizard.Battery{Object: m.Name, RxPin: rx, TxPin: tx, Baud: m.Baud, Num: d.UART, Expander: m.Expander,
				ChargeDetectThreshold: -0.4, RequestInterval: m.RequestInterval.D(), StaleAfter: m.StaleAfter.D()}
			if m.ChargeDetectThreshold != nil {
				b.ChargeDetectThreshold = *m.ChargeDetectThreshold
			}
			return b, nil
		},
		Sim: func(d LizardDecl) (SimModule, error) {
			b := sim.NewBattery(26.5, 0.001)
			stale := 3 * d.RequestInterval.D()
			if stale == 0 {
				stale = 15 * time.Second
			}
			if d.StaleAfter.D() > 0 {
				stale = d.StaleAfter.D()
			}
			return SimModule{Name: d.Name, Build: func(hardware.Wheels) any { return b },
				Status: func(now time.Time) any { return lizard.BatteryStatus(b.Battery(), now, stale) }}, nil
		},
	}
}
