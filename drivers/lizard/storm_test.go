package lizard_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/gorosys/rosys/drivers/lizard"
	"github.com/gorosys/rosys/drivers/lizard/lizardtest"
	"github.com/gorosys/rosys/drivers/lizard/wire"
	"github.com/gorosys/rosys/hardware"
	"go.uber.org/zap/zaptest"
)

// TestGarbageFlood sends 2 MiB of random bytes (noise, a wrong baud rate):
// the driver keeps reading in bounded memory, counts what it drops, and
// valid lines after it still arrive in order. While the noise holds up
// the core messages for longer than the telemetry timeout the controller
// counts as not ready; it is ready again once they flow.
func TestGarbageFlood(t *testing.T) {
	r := newRig(t, lizardtest.Config{})
	msgs, cancel := r.d.SubscribeMessages(16)
	defer cancel()
	vel, cancelV := r.d.SubscribeVelocity(4096)
	defer cancelV()
	ready, cancelR := r.d.SubscribeReady(64)
	defer cancelR()
	rng := rand.New(rand.NewPCG(1, 2))
	chunk := make([]byte, 64<<10)
	for range 32 {
		for i := range chunk {
			chunk[i] = byte(rng.Uint32())
		}
		if err := r.ctrl.SendRaw(append([]byte(nil), chunk...)); err != nil {
			t.Fatal(err)
		}
	}
	_ = r.ctrl.SendRaw([]byte("\n")) // end whatever line the noise left open
	_ = r.ctrl.Send("marker")
	waitString(t, msgs, "marker")
	after := time.Now()
	waitVelocity(t, vel, "a core message after the flood", func(v hardware.Velocity) bool { return v.Time.After(after) })
	// The driver publishes a message's values before it marks itself
	// ready (its safety inputs must be decoded first), so wait for that.
	for deadline := time.After(failAfter); !r.d.Ready(); {
		select {
		case <-ready:
		case <-deadline:
			t.Fatalf("not ready after the flood: %+v", r.d.Status())
		}
	}
	st := r.d.Status()
	if st.BadChecksums == 0 || st.Overlong == 0 || !st.Ready {
		t.Fatalf("status after the flood %+v", st)
	}
	for len(vel) > 0 {
		if v := <-vel; v.Linear > 1 || v.Linear < -1 {
			t.Fatalf("noise decoded as a velocity: %+v", v)
		}
	}
	t.Logf("2 MiB of noise: %d bad lines, %d overlong, ready", st.BadChecksums, st.Overlong)
}

// TestUnplugStorm unplugs and replugs the controller 20 times in quick
// succession: the driver ends up ready, driving works, and no goroutines
// are left behind.
func TestUnplugStorm(t *testing.T) {
	r := newRig(t, lizardtest.Config{})
	base := runtime.NumGoroutine()
	ready, cancel := r.d.SubscribeReady(64)
	defer cancel()
	for range 20 {
		r.ctrl.Unplug()
		if err := r.ctrl.Replug(); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.After(failAfter)
	for !r.d.Ready() {
		select {
		case <-ready:
		case <-deadline:
			t.Fatal("not ready after the storm")
		}
	}
	vel, cancelV := r.d.SubscribeVelocity(1024)
	defer cancelV()
	// The command is sent again every 50 ms, as the control loop sends
	// it every tick: on a loaded machine the storm's last reconnects can
	// still be under way once Ready first says yes, and a reconnect
	// zeroes the speed (and Drive says not ready meanwhile). Those
	// answers are transient; the test fails if driving never comes.
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			_ = r.d.Drive(0.2, 0)
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	waitVelocity(t, vel, "driving after the storm", func(v hardware.Velocity) bool { return v.Linear == 0.2 })
	close(stop)
	<-done
	if n := runtime.NumGoroutine(); n > base+4 {
		t.Fatalf("goroutines %d after the storm, %d before", n, base)
	}
}

// TestControllerNeverReady: a controller that answers nothing leaves the
// driver connected but not ready; commands are refused and the e-stop
// counts as pressed.
func TestControllerNeverReady(t *testing.T) {
	link := lizardtest.TempLink(t.TempDir())
	ctrl, err := lizardtest.Start(lizardtest.Config{Link: link, Mute: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ctrl.Close()
	d, err := lizard.New(lizard.Config{Port: link, Log: zaptest.NewLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	cmds, cancel := ctrl.Received(64)
	defer cancel()
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer d.Stop(context.Background())
	// The driver asked for telemetry and keeps the link alive...
	waitString(t, cmds, wire.OutputCommand(mustFields(t)))
	waitString(t, cmds, lizard.DefaultKeepAliveCommand)
	// ...but without telemetry it is not ready.
	if err := d.Drive(0.5, 0); !errors.Is(err, lizard.ErrNotReady) || !d.Connected() || d.Ready() || !d.EStop().Active() {
		t.Fatalf("drive %v connected %v ready %v estop %v", err, d.Connected(), d.Ready(), d.EStop().Active())
	}
}

func mustFields(t *testing.T) []wire.Field {
	f, err := wire.ParseFields(lizard.DefaultCoreFields)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
