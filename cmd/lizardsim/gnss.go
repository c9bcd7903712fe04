package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/gorosys/rosys/drivers/gnss/gnsstest"
	"github.com/gorosys/rosys/hardware"
)

// startGNSS runs a simulated GNSS receiver on a second pty at link, which
// reports where the simulated controller's wheels drove, around lat, lon
// (hardware.gnss: {port: LINK} in robot.yaml reads it). "" runs none.
func startGNSS(link string, lat, lon float64, wheels hardware.Wheels) (stop func(), err error) {
	if link == "" {
		return func() {}, nil
	}
	ref, err := hardware.NewGeoReference(lat, lon)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		return nil, err
	}
	pose, stopFollow := gnsstest.FollowWheels(wheels)
	rx, err := gnsstest.Start(gnsstest.Config{Link: link, Reference: ref, Pose: pose})
	if err != nil {
		stopFollow()
		return nil, err
	}
	fmt.Printf("simulated GNSS receiver (NMEA, 10 Hz) on %s\n", link)
	return func() { rx.Close(); stopFollow() }, nil
}
