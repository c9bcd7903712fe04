// Command lizardsim runs a simulated Lizard controller on a
// pseudo-terminal, for trying rosys with its real serial driver without
// hardware (`make demo-serial`):
//
//	lizardsim --link /tmp/rosys-lizard/ttyLIZARD0
//
// It keeps the startup code `rosys lizard configure` uploads, restarts
// with "Ready.", and simulates the modules that code declares. Type
// commands on its standard input to play the outside world:
//
//	press bumper front      (or press bumper_front) — hold an input active
//	release bumper front
//	inputs                  — list the declared inputs
//	bms silent | bms on     — make the battery stop answering, or resume
//	startup                 — print the stored startup code
//
// It answers on the pty that the link points to until SIGINT, SIGTERM or
// the end of its input (with --stdin=false it ignores its input).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/gorosys/rosys/drivers/lizard/lizardtest"
	"github.com/gorosys/rosys/hardware/sim"
)

func main() {
	link := flag.String("link", "/tmp/rosys-lizard/ttyLIZARD0", "symlink to create for the controller's serial port")
	gnssLink := flag.String("gnss-link", "", "also run a simulated GNSS receiver (NMEA) on a pty at this symlink")
	gnssLat := flag.Float64("gnss-lat", 48.1173, "latitude of the simulated robot's start")
	gnssLon := flag.Float64("gnss-lon", 11.5167, "longitude of the simulated robot's start")
	useStdin := flag.Bool("stdin", true, "read press/release commands from standard input")
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
	defer c.Close()
	fmt.Printf("simulated Lizard controller on %s; type \"help\" for commands\n", *link)
	stopGNSS, err := startGNSS(*gnssLink, *gnssLat, *gnssLon, c.Wheels)
	if err != nil {
		fmt.Fprintln(os.Stderr, "lizardsim: gnss:", err)
		os.Exit(1)
	}
	defer stopGNSS()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	eof := make(chan struct{})
	if *useStdin {
		go func() {
			defer close(eof)
			console(c, os.Stdin, os.Stdout)
		}()
	}
	select {
	case <-sigs:
	case <-eof:
	}
}

// console runs the commands a person (or a test) types.
func console(c *lizardtest.Controller, in io.Reader, out io.Writer) {
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		words := strings.Fields(sc.Text())
		if len(words) == 0 {
			continue
		}
		name := strings.Join(words[1:], " ")
		var err error
		switch words[0] {
		case "press":
			err = c.Press(name)
		case "release":
			err = c.Release(name)
		case "inputs":
			fmt.Fprintln(out, strings.Join(c.Inputs(), " "))
			continue
		case "bms":
			c.SetBMSSilent(name == "silent")
		case "startup":
			fmt.Fprint(out, c.Startup().String())
			continue
		case "help":
			fmt.Fprintln(out, "press NAME | release NAME | inputs | bms silent|on | startup")
			continue
		default:
			err = fmt.Errorf("unknown command %q (help lists them)", words[0])
		}
		if err != nil {
			fmt.Fprintln(out, "error:", err)
		} else {
			fmt.Fprintln(out, "ok")
		}
	}
}
