package gnsstest

import (
	"sync"

	"github.com/gorosys/rosys/hardware"
)

// FollowWheels integrates the measured velocities of wheels (a simulated
// controller's, say) into a pose, on its own goroutine until stop: pass
// pose as Config.Pose and the receiver reports where those wheels drove.
// Stop integrates what was measured before it, then ends.
func FollowWheels(w hardware.Wheels) (pose func() hardware.Pose, stop func()) {
	odo := hardware.NewOdometry(hardware.Pose{})
	updates, cancel := w.SubscribeVelocity(1024)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case v := <-updates:
				if !v.Time.IsZero() {
					odo.Update(v)
				}
			case <-done:
				for { // what arrived before stop still counts
					select {
					case v := <-updates:
						if !v.Time.IsZero() {
							odo.Update(v)
						}
					default:
						return
					}
				}
			}
		}
	}()
	var once sync.Once
	return odo.Pose, func() {
		once.Do(func() {
			close(done)
			wg.Wait()
			cancel()
		})
	}
}
