// Command lizardsim runs a simulated Lizard motor controller on a
// pseudo-terminal, for trying rosys with its real serial driver without
// hardware (`make demo-serial`):
//
//	lizardsim --link /tmp/rosys-lizard/ttyLIZARD0
//
// It answers on the pty that the link points to until SIGINT or SIGTERM.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/gorosys/rosys/drivers/lizard/lizardtest"
	"github.com/gorosys/rosys/hardware/sim"
)

func main() {
	link := flag.String("link", "/tmp/rosys-lizard/ttyLIZARD0", "symlink to create for the controller's serial port")
	gnssLink := flag.String("gnss-link", "", "also run a simulated GNSS receiver (NMEA) on a pty at this symlink")
	gnssLat := flag.Float64("gnss-lat", 48.1173, "latitude of the simulated robot's start")
	gnssLon := flag.Float64("gnss-lon", 11.5167, "longitude of the simulated robot's start")
	flag.Parse()
	if err := os.MkdirAll(filepath.Dir(*link), 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "lizardsim:", err)
		os.Exit(1)
	}
	c, err := lizardtest.Start(lizardtest.Config{Link: *link, Wheels: sim.WheelsConfig{LinearAccel: 1, AngularAccel: 3}})
	if err != nil {
		fmt.Fprintln(os.Stderr, "lizardsim:", err)
		os.Exit(1)
	}
	fmt.Printf("simulated Lizard controller on %s\n", *link)
	stopGNSS, err := startGNSS(*gnssLink, *gnssLat, *gnssLon, c.Wheels)
	if err != nil {
		fmt.Fprintln(os.Stderr, "lizardsim: gnss:", err)
		os.Exit(1)
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	<-sigs
	stopGNSS()
	c.Close()
}
