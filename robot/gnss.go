package robot

import (
	"os"
	"time"

	"github.com/gorosys/rosys/config"
	"github.com/gorosys/rosys/drivers/gnss"
	"github.com/gorosys/rosys/drivers/ntrip"
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
		if g.NTRIP != nil {
			log.Info("hardware.gnss.ntrip is not used with board: sim (the simulated receiver needs no corrections)")
		}
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
		if g.NTRIP != nil {
			c, err := newNTRIP(g.NTRIP, d, log)
			if err != nil {
				return err
			}
			// After the receiver's driver: started after it, stopped before.
			hw.Drivers = append(hw.Drivers, Driver{Name: "ntrip", V: c})
			status = func() any {
				st := c.Status()
				return gnssWithNTRIP{Status: d.Status(), NTRIP: &st}
			}
		}
	}
	hw.Status = withStatus(hw.Status, "gnss", status)
	return nil
}

// gnssWithNTRIP is the GNSS driver's status with its NTRIP client's, at
// hardware.drivers.gnss.ntrip.
type gnssWithNTRIP struct {
	gnss.Status
	NTRIP *ntrip.Status `json:"ntrip"`
}

// newNTRIP makes the client robot.yaml's hardware.gnss.ntrip describes,
// feeding d's port. The password is read from the environment here and
// kept only inside the client.
func newNTRIP(n *config.NTRIP, d *gnss.Driver, log *zap.Logger) (*ntrip.Client, error) {
	nc := ntrip.Config{Host: n.Host, Port: n.Port, Mountpoint: n.Mountpoint, User: n.User, Version: n.Version,
		GGAInterval: 10 * time.Second, Position: d.Fresh, Sink: d.WriteCorrections,
		ReadTimeout: n.ReadTimeout.D(), ReconnectMax: n.ReconnectMax.D(), Log: log}
	if n.SendGGAInterval != nil {
		nc.GGAInterval = n.SendGGAInterval.D()
	}
	if n.User != "" {
		env := n.PasswordVariable()
		nc.Password = os.Getenv(env)
		if nc.Password == "" {
			log.Warn("NTRIP: the password variable is empty or unset; the caster will likely refuse (401)",
				zap.String("variable", env))
		}
	}
	return ntrip.New(nc)
}
