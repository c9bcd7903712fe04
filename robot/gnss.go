package robot

import (
	"time"

	"github.com/gorosys/rosys/config"
	"github.com/gorosys/rosys/drivers/gnss"
	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/hardware/sim"
	"go.uber.org/zap"
)

// addGNSS adds the GNSS receiver that robot.yaml's hardware.gnss names,
// as a driver reported at hardware.drivers.gnss: the real one, or with
// "board: sim" the simulated twin, which reports the demo's odometry
// around the configured reference (Assemble connects it). Without
// hardware.gnss there is none.
func addGNSS(cfg *config.Robot, hw *Hardware, log *zap.Logger) error {
	g := cfg.Hardware.GNSS
	if g == nil {
		return nil
	}
	var ref *hardware.GeoReference
	if g.Reference != nil {
		r, err := hardware.NewGeoReference(g.Reference.Lat, g.Reference.Lon)
		if err != nil {
			return err
		}
		ref = &r
	}
	staleAfter := g.StaleAfter.D()
	if staleAfter <= 0 {
		staleAfter = gnss.DefaultStaleAfter
	}
	hw.Pose.StaleAfter, hw.Pose.ConfirmRestored = staleAfter, g.ConfirmRestoredPose
	if a := g.Antenna; a != nil {
		hw.Pose.Antenna = hardware.Pose{X: a.X, Y: a.Y, Yaw: a.Yaw}
	}
	var status func() any
	if cfg.Board == "sim" {
		// Without a configured reference the twin takes its frame from its
		// first fix, as a real receiver does (kept across restarts in the
		// module gnss_reference).
		sc := sim.GNSSConfig{FirstFix: ref == nil}
		if ref != nil {
			sc.Reference = *ref
		}
		s := sim.NewGNSS(sc)
		hw.GNSS = s
		hw.Drivers = append(hw.Drivers, Driver{Name: "gnss", V: s})
		status = func() any {
			st := gnss.StatusOf(s.GNSS(), time.Now(), staleAfter)
			st.Source, st.Connected = "sim", true
			if r, src, ok := s.ReferenceInUse(); ok {
				st.Reference = &gnss.Reference{Lat: r.Lat, Lon: r.Lon, Source: src}
			}
			return st
		}
	} else {
		gc := gnss.Config{Port: g.Port, Baud: g.Baud, GPSD: g.GPSD, Reference: ref, StaleAfter: staleAfter, Log: log}
		if a := g.Antenna; a != nil {
			gc.Antenna = hardware.Pose{X: a.X, Y: a.Y, Yaw: a.Yaw}
		}
		d, err := gnss.New(gc)
		if err != nil {
			return err
		}
		hw.GNSS = d
		hw.Drivers = append(hw.Drivers, Driver{Name: "gnss", V: d})
		status = func() any { return d.Status() }
	}
	hw.Status = withStatus(hw.Status, "gnss", status)
	return nil
}
