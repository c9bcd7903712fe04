package robot

import (
	"time"

	"github.com/gorosys/rosys/config"
	"github.com/gorosys/rosys/drivers/lizard"
)

// defaultHostTimeout is the wheels' rule that stops them when the host
// is silent this long (hardware.lizard.modules[].host_timeout; 0 = none).
const defaultHostTimeout = time.Second

// LizardModules turns robot.yaml's hardware.lizard.modules into driver
// modules, applying RoSys's defaults. robot.yaml was validated on load.
func LizardModules(mods []config.LizardModule) []lizard.Module {
	out := make([]lizard.Module, 0, len(mods))
	uarts, _ := config.LizardUARTs(mods) // errors refused robot.yaml on load
	for i := range mods {
		m := &mods[i]
		switch m.Type {
		case "wheels":
			w := &lizard.Wheels{Object: m.Name, Driver: m.Driver, Can: m.Can, ODriveVersion: m.ODriveVersion,
				LeftReversed: m.LeftReversed, RightReversed: m.RightReversed, HostTimeout: defaultHostTimeout, RightCanAddress: 0x100}
			if m.LeftCanAddress != nil {
				w.LeftCanAddress = *m.LeftCanAddress
			}
			if m.RightCanAddress != nil {
				w.RightCanAddress = *m.RightCanAddress
			}
			if m.MPerTick != nil {
				w.MPerTick = *m.MPerTick
			}
			if m.Width != nil {
				w.Width = *m.Width
			}
			if m.HostTimeout != nil {
				w.HostTimeout = m.HostTimeout.D()
			}
			out = append(out, w)
		case "estop", "bumper":
			pins := make([]lizard.Pin, len(m.Pins))
			for j, p := range m.Pins {
				pins[j] = lizard.Pin{Name: p.Name, GPIO: p.Pin}
			}
			inverted := m.Type == "estop" // e-stop chains are wired active-low (RoSys's default)
			if m.Inverted != nil {
				inverted = *m.Inverted
			}
			if m.Type == "estop" {
				out = append(out, lizard.NewEStop(m.Name, pins, inverted, m.Expander))
			} else {
				out = append(out, lizard.NewBumper(m.Name, pins, inverted, m.Expander))
			}
		case "battery":
			rx, tx := m.SerialPins()
			b := &lizard.Battery{Object: m.Name, RxPin: rx, TxPin: tx, Baud: m.Baud, Num: uarts[i], Expander: m.Expander,
				ChargeDetectThreshold: -0.4, RequestInterval: m.RequestInterval.D(), StaleAfter: m.StaleAfter.D()}
			if m.ChargeDetectThreshold != nil {
				b.ChargeDetectThreshold = *m.ChargeDetectThreshold
			}
			out = append(out, b)
		case "imu":
			out = append(out, &lizard.IMU{Object: m.Name, Expander: m.Expander})
		case "expander":
			e := &lizard.Expander{Object: m.Name, Serial: m.Serial, Boot: -1, Enable: -1}
			if m.Boot != nil && m.Enable != nil {
				e.Boot, e.Enable = *m.Boot, *m.Enable
			}
			out = append(out, e)
		case "serial":
			rx, tx := m.SerialPins()
			out = append(out, &lizard.Serial{Object: m.Name, RxPin: rx, TxPin: tx, Baud: m.Baud, Num: uarts[i], Expander: m.Expander})
		case "can":
			rx, tx := m.SerialPins()
			out = append(out, &lizard.Can{Object: m.Name, RxPin: rx, TxPin: tx, Baud: m.Baud, Expander: m.Expander})
		case "code":
			out = append(out, &lizard.CodeLines{Object: m.Name, Lines: m.Lines})
		}
	}
	return out
}
