package metrics_test

import (
	"testing"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/metrics"
	"github.com/gorosys/rosys/rosystest"
)

type fakeCorrections struct{}

func (fakeCorrections) CorrectionCounts() (uint64, uint64, uint64, bool) { return 2500, 100, 3, true }

// A driver with a correction stream (drivers/ntrip) is exported by
// WithDriver alone.
func TestCorrectionSourceIsExported(t *testing.T) {
	r := rosystest.New(t, rosys.Config{})
	reg, err := metrics.NewRegistry(r.Runtime, metrics.WithDriver("ntrip", fakeCorrections{}), metrics.WithoutProcess())
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]float64{"rosys_corrections_bytes_total": 2500, "rosys_corrections_messages_total": 100,
		"rosys_corrections_bad_frames_total": 3, "rosys_corrections_connected": 1} {
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, mf := range mfs {
			if mf.GetName() != name {
				continue
			}
			m := mf.GetMetric()[0]
			v := m.GetCounter().GetValue() + m.GetGauge().GetValue()
			if m.GetLabel()[0].GetValue() != "ntrip" || v != want {
				t.Errorf("%s = %v %v; want %v", name, m.GetLabel(), v, want)
			}
			found = true
		}
		if !found {
			t.Errorf("%s missing", name)
		}
	}
}
