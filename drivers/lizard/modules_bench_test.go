package lizard

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys/drivers/lizard/wire"
)

// benchRobot has every module type that reads core fields.
func benchRobot() []Module {
	return []Module{
		&Can{Object: "can", RxPin: 32, TxPin: 33},
		&Wheels{Can: "can", RightCanAddress: 256},
		NewEStop("estop", []Pin{{Name: "front", GPIO: 34}, {Name: "back", GPIO: 35}}, true, ""),
		&Serial{Object: "p0_serial", RxPin: 26, TxPin: 27},
		&Expander{Object: "p0", Serial: "p0_serial", Boot: 25, Enable: 14},
		NewBumper("bumper", []Pin{{Name: "front_left", GPIO: 21}, {Name: "front_right", GPIO: 22}}, false, "p0"),
		&Battery{RxPin: 26, TxPin: 27, Expander: "p0"},
		&IMU{},
	}
}

// benchLines are core messages of benchRobot at 100 Hz, as the
// controller sends them (checksums included).
func benchLines(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		p := "core " + strconv.Itoa(1000+10*i) + " 0.512 -0.250 false false true false false 3 3 3 3 0.9999 0.0000 0.0000 " +
			strconv.FormatFloat(0.01*float64(i%100), 'f', 4, 64)
		l := wire.AppendLine(nil, p)
		out[i] = l[:len(l)-1]
	}
	return out
}

func newBenchDriver(tb testing.TB) *Driver {
	d, err := New(Config{Replay: true, Modules: benchRobot()})
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// BenchmarkModuleTelemetry decodes one core message carrying every
// module's fields and hands each module its values (wheels, e-stops,
// bumpers, IMU, expander) plus the safety check: the whole control-path
// receive of a field robot. Its "x100Hz" is how many times the 100 Hz
// line rate one core keeps up with; allocs/op must stay 0.
func BenchmarkModuleTelemetry(b *testing.B) {
	d := newBenchDriver(b)
	lines := benchLines(1000)
	at := time.Unix(1_700_000_000, 0)
	d.Feed(lines[0], at) // first message: ready
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		at = at.Add(10 * time.Millisecond)
		d.Feed(lines[i%len(lines)], at)
		i++
	}
	perSec := float64(b.N) / b.Elapsed().Seconds()
	b.ReportMetric(perSec, "lines/s")
	b.ReportMetric(perSec/100, "x100Hz")
}

// BenchmarkDrive is the control loop's call into the driver.
func BenchmarkDrive(b *testing.B) {
	d := newBenchDriver(b)
	d.Feed(benchLines(1)[0], time.Now())
	b.ReportAllocs()
	for b.Loop() {
		_ = d.Drive(0.3, 0.1)
	}
}

// TestControlPathAllocatesNothing: decoding every module's telemetry and
// Drive allocate nothing per message, and the values arrive.
func TestControlPathAllocatesNothing(t *testing.T) {
	d := newBenchDriver(t)
	lines := benchLines(100)
	at := time.Unix(1_700_000_000, 0)
	d.Feed(lines[0], at)
	i := 1
	allocs := testing.AllocsPerRun(200, func() {
		at = at.Add(10 * time.Millisecond)
		d.Feed(lines[i%len(lines)], at)
		i++
		_ = d.Drive(0.3, 0.1)
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per message", allocs)
	}
	if v := d.Velocity(); v.Linear != 0.512 || v.Angular != -0.25 {
		t.Fatalf("velocity %+v", v)
	}
	imu := d.modules[7].(*IMU).IMU()
	if imu.Calibration.Gyroscope != 3 || imu.Time.IsZero() || !d.modules[4].(*Expander).Ready() {
		t.Fatalf("imu %+v", imu)
	}
	if r := d.Refusing(); len(r) != 0 || strings.Join(r, "") != "" {
		t.Fatalf("refusing %q", r)
	}
}
