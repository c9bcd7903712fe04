package robot

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/localization"
	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/store"
	"github.com/gorosys/rosys/storage"
	"go.uber.org/zap"
)

// PoseConfig is how the robot estimates its pose (package localization),
// from robot.yaml's hardware.gnss and the hardware found.
type PoseConfig struct {
	// Antenna is the GNSS main antenna in the robot's frame.
	Antenna hardware.Pose
	// StaleAfter is hardware.gnss.stale_after.
	StaleAfter time.Duration
	// ConfirmRestored is hardware.gnss.confirm_restored_pose (default
	// true): a restored pose waits for a fix that agrees with it before a
	// path is driven on it.
	ConfirmRestored *bool
	// IMU turns the estimate between ticks; nil takes the first IMU among
	// the Lizard modules and their twins.
	IMU hardware.IMU
	// Journal records the estimator's inputs for a replay.
	Journal localization.Recorder
	Mode    localization.Mode
}

// referenceKeeper is a receiver whose local frame's origin the robot
// persists (drivers/gnss.Driver, sim.GNSS).
type referenceKeeper interface {
	UseReference(hardware.GeoReference) bool
	OnReference(func(hardware.GeoReference))
	ReferenceInUse() (hardware.GeoReference, string, bool)
}

// ReferenceKey is the persistent module of the GNSS reference in use.
const ReferenceKey = "gnss_reference"

// Reference is the persistent module "gnss_reference": the local frame's
// origin (degrees) and where it came from ("config", "first_fix",
// "restored").
type Reference struct {
	Lat    float64 `json:"lat"`
	Lon    float64 `json:"lon"`
	Source string  `json:"source"`
}

// Validate refuses a point off the globe.
func (r Reference) Validate() error {
	if r.Source == "" && r.Lat == 0 && r.Lon == 0 {
		return nil // none yet
	}
	_, err := hardware.NewGeoReference(r.Lat, r.Lon)
	return err
}

// buildPose adds the estimator (and the GNSS reference module) to r.
func (r *Robot) buildPose(pc PoseConfig, fresh bool) (*localization.Estimator, *persistence.Value[Reference], error) {
	imu := pc.IMU
	if imu == nil {
		for _, v := range r.hw.Modules {
			if i, ok := v.(hardware.IMU); ok {
				imu = i
				break
			}
		}
	}
	confirm := pc.ConfirmRestored == nil || *pc.ConfirmRestored
	cfg := localization.Config{
		Odometer: r.Odometer, GNSS: r.GNSS, IMU: imu, Antenna: pc.Antenna, StaleAfter: pc.StaleAfter,
		ConfirmRestored: confirm, Mode: pc.Mode, Recorder: pc.Journal, Log: r.log, Fresh: fresh,
	}
	if s := r.SimWheels; s != nil {
		// The simulated robot stands where its restored pose says.
		cfg.OnRestore = s.PlaceAt
	}
	est, err := localization.New(cfg)
	if err != nil {
		return nil, nil, err
	}
	keeper, _ := r.GNSS.(referenceKeeper)
	if keeper == nil {
		return est, nil, nil
	}
	ref := persistence.NewValue(Reference{}, persistence.Validate(Reference.Validate))
	var once sync.Once
	restoreRef := func(v Reference) {
		once.Do(func() {
			if v.Source == "" {
				return
			}
			g, err := hardware.NewGeoReference(v.Lat, v.Lon)
			if err == nil && keeper.UseReference(g) {
				r.log.Info("GNSS reference restored: the local frame stays where it was",
					zap.Float64("lat", v.Lat), zap.Float64("lon", v.Lon))
			}
		})
	}
	ref.OnChange(restoreRef)
	keeper.OnReference(func(g hardware.GeoReference) {
		ref.Set(Reference{Lat: g.Lat, Lon: g.Lon, Source: "first_fix"})
		r.commitSoon(ReferenceKey)
	})
	return est, ref, nil
}

// syncReference records a configured reference in the module once the
// store has restored it (a configured reference wins over a stored one).
func syncReference(keeper referenceKeeper, ref *persistence.Value[Reference]) {
	if g, src, ok := keeper.ReferenceInUse(); ok && src == "config" {
		want := Reference{Lat: g.Lat, Lon: g.Lon, Source: "config"}
		if ref.Get() != want {
			ref.Set(want)
		}
	}
}

// commitSoon makes key durable now, off the caller's goroutine.
func (r *Robot) commitSoon(key string) {
	st := storage.StoreOf(r.Runtime)
	if st == nil || st.ReadOnly() {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := st.CommitNow(ctx, key); err != nil && !errors.Is(err, store.ErrReadOnly) {
			r.log.Warn("not committed", zap.String("module", key), zap.Error(err))
		}
	}()
}
