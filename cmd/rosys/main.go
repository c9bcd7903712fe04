// Command rosys runs a robot and works on its data offline.
//
//	rosys run [--config robot.yaml] [--data-dir DIR] [--http ADDR] [--sim] [--demo]
//	rosys backup export|import|list
//	rosys replay --data-dir DIR [--config robot.yaml] [--demo] [--speedrun|--realtime|--batch]
//	rosys lizard code|configure|send [--config robot.yaml] [--port DEV]
//	rosys fleet list|restore --config robot.yaml
//	rosys boards
//	rosys install|update|rollback
//	rosys version
//
// See `rosys --help`, the README and docs/cli.md.
package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/gorosys/rosys"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

type command struct {
	name string
	args string
	help string
	run  func(args []string, stdout, stderr io.Writer) int
}

// app is the command line; extraModules lets end-to-end tests add a module
// to the real command.
type app struct {
	extraModules func(*rosys.Runtime) error
	// signalWindow replaces the 2 s in which a repeated stop signal is
	// ignored (tests; 0: signalWindow).
	signalWindow time.Duration
}

func (a app) commands() []command {
	return []command{
		{"run", "[--config robot.yaml] [--data-dir DIR] [--http ADDR] [--sim] [--demo] [--log-level LEVEL]",
			"run the robot (without --config, or with --demo: the simulated demo robot's modules)", a.runCommand},
		{"backup", "export [--data-dir DIR] [--format tar.gz|rosys-json] -o FILE | import [--data-dir DIR] [--config robot.yaml] FILE | list [--data-dir DIR] [--dir BACKUPS] | history [--data-dir DIR] KEY | restore [--data-dir DIR] KEY --version N|--at TIME",
			"export, import (a .tar.gz or a RoSys export.json) or list archives; list a module's versions or restore one, offline", a.backupCommand},
		{"replay", "--data-dir DIR [--config robot.yaml] [--demo] [--speedrun|--realtime|--batch]",
			"replay a recorded run from its input journal and print the final pose and module states", a.replayCommand},
		{"lizard", "code|configure|send [--config robot.yaml] [--port DEV] [LINE]",
			"print the Lizard startup code robot.yaml generates, upload and check it, or send one command", a.lizardCommand},
		{"fleet", "list --config robot.yaml [--json] | restore NAME --config robot.yaml --data-dir DIR [--generation N] [--force]",
			"list the robots sharing robot.yaml's S3 bucket, or bring one's state onto a replacement board", a.fleetCommand},
		{"boards", "[--root DIR] [--json]", "list board profiles and the board this machine is", a.boardsCommand},
		{"install", "[--root DIR] [--binary FILE] [--config robot.yaml] [--no-systemd] [--no-start]",
			"install this binary (or --binary) as the robot's service: /opt/rosys, the unit, /etc/rosys/robot.yaml (kept if there), the robot user; idempotent", a.installCommand},
		{"update", "[--timeout 90s] [--no-backup] [--root DIR] NEW_BINARY",
			"switch the service to NEW_BINARY; keep it only if it becomes ready, else roll back by itself (exit 3)", a.updateCommand},
		{"rollback", "[--timeout 90s] [--no-backup] [--root DIR]", "switch the service back to the previous version, with update's readiness check", a.rollbackCommand},
		{"version", "", "print the version, and the installed current and previous versions", func(_ []string, out, _ io.Writer) int {
			printVersions(out)
			return 0
		}},
	}
}

func (a app) usage(w io.Writer) {
	fmt.Fprintf(w, "rosys %s: a robot runtime for ARM boards\n\nUsage:\n", version)
	for _, c := range a.commands() {
		fmt.Fprintf(w, "  rosys %s %s\n      %s\n", c.name, c.args, c.help)
	}
	fmt.Fprintf(w, "\nRun `rosys COMMAND --help` for a command's flags. Data lives in ~/.rosys unless\n--data-dir or ROSYS_DATA_DIR say otherwise; the API listens on 127.0.0.1:8080\nunless --http or ROSYS_HTTP do.\n")
}

func main() { os.Exit(app{}.dispatch(os.Args[1:], os.Stdout, os.Stderr)) }

func (a app) dispatch(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		a.usage(stderr)
		return 2
	}
	switch args[0] {
	case "-h", "--help", "-help", "help":
		a.usage(stdout)
		return 0
	case "--version", "-version":
		args[0] = "version"
	}
	for _, c := range a.commands() {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "rosys: unknown command %q\n\n", args[0])
	a.usage(stderr)
	return 2
}
