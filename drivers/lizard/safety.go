package lizard

import "github.com/gorosys/rosys/hardware"

// EStop is every e-stop of the controller together: active while any is,
// and while the controller is not ready (its state is then unknown).
func (d *Driver) EStop() hardware.EStop { return estopView{d} }

type estopView struct{ d *Driver }

func (e estopView) Active() bool {
	if !e.d.ready.Load() {
		return true
	}
	for _, m := range e.d.estops {
		if m.active() {
			return true
		}
	}
	return false
}

func (e estopView) SubscribeChanges(buffer int) (<-chan bool, func()) {
	return e.d.estop.Subscribe(buffer)
}

// SafetyInputs are every e-stop and bumper pin, each on its own, for an
// arbiter that stops the robot while any is active (fail-safe: a pin is
// active while its state is unknown).
func (d *Driver) SafetyInputs() []hardware.SafetyInput {
	var out []hardware.SafetyInput
	for _, m := range d.inputs {
		out = append(out, m.Inputs()...)
	}
	return append(out, d.customSafety...)
}

// updateSafety stops the wheels at once when an e-stop or bumper became
// active (or was never reported), and lets them drive again when all
// are released. Called on the reader goroutine after each core message.
func (d *Driver) updateSafety() {
	active := false
	for _, m := range d.inputs {
		active = active || m.reported()
	}
	if active {
		if d.refuse.Or(refuseSafety)&refuseSafety == 0 {
			d.setSpeed(0, 0)
			d.log.Warn("wheels stopped: an e-stop or bumper is active")
		}
	} else if d.refuse.And(^refuseSafety)&refuseSafety != 0 {
		d.log.Info("e-stops and bumpers released; wheels may drive")
	}
	anyEStop := false
	for _, m := range d.estops {
		anyEStop = anyEStop || m.reported()
	}
	if anyEStop != d.estop.Latest() {
		d.estop.Publish(anyEStop)
	}
}
