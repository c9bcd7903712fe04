package robot

import (
	"time"

	"github.com/gorosys/rosys/drivers/lizard"
)

// defaultHostTimeout is the wheels' rule that stops them when the host
// is silent this long (hardware.lizard.modules[].host_timeout; 0 = none).
const defaultHostTimeout = time.Second

// wheelsType: ODrive (or custom) wheels. Simulated robots have simulated
// wheels whatever robot.yaml says, so there is no twin.
func wheelsType() LizardType {
	return LizardType{
		Config: builtinConfig("wheels"),
		Build: func(d LizardDecl) (lizard.Module, error) {
			m := d.LizardModule
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
			return w, nil
		},
	}
}
