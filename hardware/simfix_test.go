package hardware_test

import (
	"testing"

	"github.com/gorosys/rosys/hardware"
)

func TestSimFixDefaults(t *testing.T) {
	t.Parallel()
	want := hardware.SimFix{Quality: hardware.QualityRTKFixed, Satellites: 14, HDOP: 0.7, StdDev: 0.014}
	if got := (hardware.SimFix{}).Defaults(); got != want {
		t.Fatalf("defaults %+v, want %+v", got, want)
	}
	// Set fields are kept, each on its own.
	own := hardware.SimFix{Quality: hardware.QualityDGPS, Satellites: 5, HDOP: 2, StdDev: 0.5}
	if got := own.Defaults(); got != own {
		t.Fatalf("own values %+v became %+v", own, got)
	}
	if got := (hardware.SimFix{Satellites: 6}).Defaults(); got.Satellites != 6 || got.HDOP != 0.7 {
		t.Fatalf("partly set: %+v", got)
	}
}
