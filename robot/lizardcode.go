package robot

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gorosys/rosys/config"
	"github.com/gorosys/rosys/drivers/lizard"
)

// LizardCode is the startup code generated from hardware.lizard.modules,
// checked against the Lizard firmware's rules: code the firmware would
// reject is an error naming the robot.yaml module (key and line) whose
// line breaks a rule, never code. `rosys lizard code|configure` and
// `rosys run` refuse such a robot.yaml (exit 2). registered are the
// module types of users' packages (Options.LizardTypes).
func LizardCode(l *config.Lizard, registered ...LizardType) (lizard.Code, error) {
	if l == nil || len(l.Modules) == 0 {
		return nil, errors.New("robot.yaml has no hardware.lizard.modules to generate startup code from")
	}
	mods, err := LizardModules(l.Modules, registered...)
	if err != nil {
		return nil, err
	}
	code, _, err := lizard.GenerateChecked(mods, string(l.Chip.Rules()))
	if err == nil {
		return code, nil
	}
	var errs []error
	for _, e := range unjoin(err) {
		var re *lizard.RuleError
		if !errors.As(e, &re) {
			errs = append(errs, e)
			continue
		}
		errs = append(errs, lizardRuleError(l.Modules, re))
	}
	return nil, errors.Join(errs...)
}

func lizardRuleError(mods []config.LizardModule, re *lizard.RuleError) error {
	for i := range mods {
		if mods[i].Name == re.Module {
			return fmt.Errorf("line %d: hardware.lizard.modules[%d] (%s %q): %w", mods[i].Line, i, mods[i].Type, mods[i].Name, re)
		}
	}
	// The core.output line: every module's fields make it.
	hint := ""
	if strings.Contains(re.Violation.Msg, "too long") || strings.Contains(re.Violation.Msg, "buffer") {
		hint = " (fewer modules or pins, or shorter names, make it shorter)"
	}
	return fmt.Errorf("line %d: hardware.lizard.modules: %w%s", mods[0].Line, re, hint)
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
