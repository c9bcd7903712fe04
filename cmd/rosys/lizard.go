package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/gorosys/rosys/config"
	"github.com/gorosys/rosys/drivers/lizard"
	"github.com/gorosys/rosys/robot"
	"go.bug.st/serial"
	"go.uber.org/zap"
)

// lizardCommand: rosys lizard code|configure|send.
func (a app) lizardCommand(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: rosys lizard code|configure|send [--config robot.yaml] [--port DEV] [LINE]")
		return 2
	}
	switch args[0] {
	case "code":
		return lizardCode(args[1:], stdout, stderr)
	case "configure":
		return lizardConfigure(args[1:], stdout, stderr)
	case "send":
		return lizardSend(args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprintln(stdout, "rosys lizard code       print the startup code generated from robot.yaml's hardware.lizard.modules\n"+
			"rosys lizard configure  upload it to the controller and check its checksum (exit 0 on a match)\n"+
			"rosys lizard send LINE  send one Lizard command and print the replies for a second")
		return 0
	}
	fmt.Fprintf(stderr, "rosys lizard: unknown subcommand %q (code, configure or send)\n", args[0])
	return 2
}

type lizardFlags struct {
	fs     *flag.FlagSet
	config *string
	port   *string
	baud   *int
}

func newLizardFlags(name string, stderr io.Writer) lizardFlags {
	fs := flag.NewFlagSet("lizard "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return lizardFlags{fs: fs,
		config: fs.String("config", "", "robot description (default ./robot.yaml if it exists)"),
		port:   fs.String("port", "", "serial device (default: hardware.lizard.port, then the board's)"),
		baud:   fs.Int("baud", 0, "baud rate (default: hardware.lizard.baud, then 115200)"),
	}
}

// load reads robot.yaml: --config, else ./robot.yaml if there is one.
// required: no robot.yaml is an error.
func (f lizardFlags) load(required bool) (*config.Robot, error) {
	path := *f.config
	if path == "" {
		if _, err := os.Stat("robot.yaml"); err != nil {
			if required {
				return nil, errors.New("no robot.yaml here; name one with --config")
			}
			return config.Default(), nil
		}
		path = "robot.yaml"
	}
	return config.Load(path)
}

// code is the generated startup code of robot.yaml.
func generatedCode(cfg *config.Robot) (lizard.Code, error) {
	return robot.LizardCode(cfg.Hardware.Lizard)
}

// portOf is --port, then hardware.lizard.port, then the board's.
func (f lizardFlags) portOf(cfg *config.Robot) (string, int, error) {
	port, baud := *f.port, *f.baud
	if l := cfg.Hardware.Lizard; l != nil {
		if port == "" {
			port = l.Port
		}
		if baud == 0 {
			baud = l.Baud
		}
	}
	if port == "" && cfg.Board != "sim" {
		if b, err := robot.ResolveBoard(cfg, zap.NewNop()); err == nil {
			port = b.SerialPort
		}
	}
	if port == "" {
		return "", 0, errors.New("no serial port: give --port or hardware.lizard.port")
	}
	return port, baud, nil
}

func lizardCode(args []string, stdout, stderr io.Writer) int {
	f := newLizardFlags("code", stderr)
	if err := f.fs.Parse(args); err != nil {
		return flagExit(err)
	}
	cfg, err := f.load(true)
	if err != nil {
		fmt.Fprintln(stderr, "rosys lizard code:", err)
		return 2
	}
	code, err := generatedCode(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "rosys lizard code:", err)
		return 2
	}
	fmt.Fprint(stdout, code.String())
	return 0
}

func lizardConfigure(args []string, stdout, stderr io.Writer) int {
	f := newLizardFlags("configure", stderr)
	readyTimeout := f.fs.Duration("ready-timeout", 0, "how long to wait for Ready. after core.restart() (default as Lizard's configure.py: 3s + 0.5s per line + 3s per expander)")
	if err := f.fs.Parse(args); err != nil {
		return flagExit(err)
	}
	fail := func(code int, err error) int { fmt.Fprintln(stderr, "rosys lizard configure:", err); return code }
	cfg, err := f.load(true)
	if err != nil {
		return fail(2, err)
	}
	code, err := generatedCode(cfg)
	if err != nil {
		return fail(2, err)
	}
	port, baud, err := f.portOf(cfg)
	if err != nil {
		return fail(2, err)
	}
	link, err := lizard.Dial(port, baud)
	if err != nil {
		return fail(1, openError(port, err))
	}
	defer link.Close()
	fmt.Fprintf(stdout, "uploading %d lines of startup code (checksum %04x) to %s\n", len(code), code.Checksum(), port)
	res, err := lizard.Configure(context.Background(), link, link.Replies(), code, lizard.ConfigureOptions{ReadyTimeout: *readyTimeout})
	if err != nil {
		if g := link.Garbage.Load(); g > 0 {
			err = fmt.Errorf("%w; %d lines failed the checksum (wrong baud rate, or not Lizard?)", err, g)
		}
		return fail(1, err)
	}
	fmt.Fprintf(stdout, "startup checksum %04x matches: the controller runs robot.yaml's code (it had %s)\n", res.Actual, oldSum(res.Old))
	return 0
}

func oldSum(v int) string {
	if v < 0 {
		return "an unknown checksum"
	}
	return fmt.Sprintf("%04x", v)
}

func lizardSend(args []string, stdout, stderr io.Writer) int {
	f := newLizardFlags("send", stderr)
	wait := f.fs.Duration("wait", time.Second, "how long to print replies")
	if err := f.fs.Parse(args); err != nil {
		return flagExit(err)
	}
	line := strings.Join(f.fs.Args(), " ")
	if line == "" {
		fmt.Fprintln(stderr, "usage: rosys lizard send [--config robot.yaml] [--port DEV] LINE")
		return 2
	}
	cfg, err := f.load(false)
	if err != nil {
		fmt.Fprintln(stderr, "rosys lizard send:", err)
		return 2
	}
	port, baud, err := f.portOf(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "rosys lizard send:", err)
		return 2
	}
	link, err := lizard.Dial(port, baud)
	if err != nil {
		fmt.Fprintln(stderr, "rosys lizard send:", openError(port, err))
		return 1
	}
	defer link.Close()
	if err := link.SendLine(context.Background(), line); err != nil {
		fmt.Fprintln(stderr, "rosys lizard send:", err)
		return 1
	}
	t := time.NewTimer(*wait)
	defer t.Stop()
	for {
		select {
		case r, ok := <-link.Replies():
			if !ok {
				fmt.Fprintln(stderr, "rosys lizard send: connection lost")
				return 1
			}
			fmt.Fprintln(stdout, r)
		case <-t.C:
			return 0
		}
	}
}

// openError explains why the port could not be opened: a port another
// process holds says so itself (lizard.PortBusyError names it).
func openError(port string, err error) error {
	if errors.Is(err, lizard.ErrPortBusy) {
		return err
	}
	return fmt.Errorf("open %s: %w%s", port, err, busyHint(err))
}

// busyHint explains a busy port: rosys run holds it.
func busyHint(err error) string {
	var pe *serial.PortError
	if errors.As(err, &pe) && pe.Code() == serial.PortBusy {
		return " (is rosys run using it? stop it, or send through POST /api/lizard/send)"
	}
	return ""
}

func flagExit(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	return 2
}
