package robot

import (
	"fmt"
	"maps"
	"strconv"

	"github.com/gorosys/rosys/boards"
	"github.com/gorosys/rosys/config"
	"github.com/gorosys/rosys/drivers/gpio"
	"github.com/gorosys/rosys/drivers/lizard"
	"github.com/gorosys/rosys/persistence/journal"
	"go.uber.org/zap"
)

// ResolveBoard turns robot.yaml's board into a profile; "auto" reads the
// device tree.
func ResolveBoard(cfg *config.Robot, log *zap.Logger) (boards.Profile, error) {
	if cfg.Board != "auto" {
		return boards.ByName(string(cfg.Board))
	}
	d, err := boards.Detect("/")
	if err != nil {
		return boards.Profile{}, err
	}
	log.Info("board detected", zap.String("board", d.Profile.Name), zap.String("model", d.Model), zap.String("reason", d.Reason))
	return d.Profile, nil
}

// buildHardware creates the drivers robot.yaml names; what it does not name
// is simulated. "board: sim" (or --sim) simulates everything. With "auto"
// on a machine that is no known board (a laptop with the controller on
// USB), configured drivers still run; the board only supplies defaults.
func buildHardware(cfg *config.Robot, board boards.Profile, journal *journal.Journal, types []LizardType, log *zap.Logger) (Hardware, error) {
	var hw Hardware
	if cfg.Board == "sim" {
		if cfg.Hardware.Lizard != nil || cfg.Hardware.EStop != nil || cfg.Hardware.GNSS != nil {
			log.Info("board sim: hardware drivers in the config are simulated")
		}
		if l := cfg.Hardware.Lizard; l != nil {
			sims, err := simModules(l.Modules, types)
			if err != nil {
				return hw, err
			}
			hw.Sim = sims
		}
		return hw, addGNSS(cfg, &hw, log)
	}
	if journal != nil && cfg.Hardware.GNSS != nil {
		// The pose estimate's inputs (odometry, GNSS fixes, IMU yaw), so
		// that localization.Replay computes the same estimate.
		hw.Pose.Journal = journal
	}
	status := map[string]func() any{}
	var moduleStatus func() map[string]any
	if l := cfg.Hardware.Lizard; l != nil {
		port := l.Port
		if port == "" {
			port = board.SerialPort
		}
		if port == "" {
			return hw, fmt.Errorf("hardware.lizard.port: board %s has no default serial port; name one", board.Name)
		}
		mods, err := LizardModules(l.Modules, types...)
		if err != nil {
			return hw, err
		}
		lc := lizard.Config{
			Port: port, Baud: l.Baud, CoreFields: l.CoreFields,
			KeepAlive: l.KeepAlive.D(), KeepAliveCommand: l.KeepAliveCommand, Log: log,
			Modules: mods, Configure: string(l.Configure), Chip: string(l.Chip.Rules()),
		}
		if l.Journal && journal != nil {
			lc.Journal = journal
		}
		d, err := lizard.New(lc)
		if err != nil {
			return hw, err
		}
		hw.Wheels, hw.EStop = d.Wheels(), d.EStop()
		hw.Safety, hw.Exchange, hw.Refusing = d.SafetyInputs(), d.Exchange, d.Refusing
		hw.Drivers = append(hw.Drivers, Driver{Name: "lizard", V: d})
		for _, m := range mods {
			if c, ok := lizard.AsCustom(m); ok {
				hw.setModule(c.Name(), c) // the user's own type, not its wrapper
			} else {
				hw.setModule(m.Name(), m)
			}
		}
		status["lizard"] = func() any { return d.Status() }
		moduleStatus = d.ModuleStatus
	}
	if e := cfg.Hardware.EStop; e != nil {
		if err := gpio.Init(); err != nil {
			return hw, fmt.Errorf("gpio: %w", err)
		}
		line := e.Pin
		if n, err := strconv.Atoi(e.Pin); err == nil {
			if line, err = board.Line(n); err != nil {
				return hw, fmt.Errorf("hardware.estop.pin: %w", err)
			}
		}
		p, err := gpio.Lookup(line, board.Name)
		if err != nil {
			return hw, fmt.Errorf("hardware.estop.pin: %w", err)
		}
		es, err := gpio.NewEStop(p, e.ActiveLow, e.Debounce.D())
		if err != nil {
			return hw, err
		}
		if e.Journal && journal != nil {
			es.Journal(journal)
		}
		hw.EStop = es
		hw.Drivers = append(hw.Drivers, Driver{Name: "estop", V: es})
	}
	if len(status) > 0 {
		hw.Status = func() any {
			out := map[string]any{}
			if moduleStatus != nil {
				maps.Copy(out, moduleStatus()) // hardware.drivers.<module name>
			}
			for k, fn := range status {
				out[k] = fn()
			}
			return out
		}
	}
	return hw, addGNSS(cfg, &hw, log)
}
