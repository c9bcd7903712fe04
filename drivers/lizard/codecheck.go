package lizard

import (
	"errors"
	"fmt"

	"github.com/gorosys/rosys/drivers/lizard/lizardrules"
	"github.com/gorosys/rosys/drivers/lizard/wire"
)

// ErrRejected is startup code the firmware would reject: Lizard stops its
// startup run at the first error, so nothing after it (core.output
// included) would run.
var ErrRejected = errors.New("lizard: the firmware would reject the generated startup code")

// RuleError is one line of generated code that breaks a rule of the
// firmware, with the module it comes from.
type RuleError struct {
	// Module is the module whose code the line is; "" for the
	// core.output line, which every module's fields make.
	Module    string
	Violation lizardrules.Violation
}

func (e *RuleError) Error() string {
	if e.Module == "" {
		return "core output: " + e.Violation.Error()
	}
	return fmt.Sprintf("module %q: %s", e.Module, e.Violation.Error())
}

func (e *RuleError) Unwrap() error { return ErrRejected }

// GenerateChecked is Generate, then the check of the code against the
// firmware's rules (package lizardrules) for a controller with this chip
// ("" is an ESP32): code the firmware rejects is an error (errors.Join of
// *RuleError), never returned.
func GenerateChecked(modules []Module, chip string) (Code, []wire.Field, error) {
	code, fields, owners, err := generate(modules)
	if err != nil {
		return nil, nil, err
	}
	var errs []error
	for _, v := range lizardrules.Check(code, lizardrules.Options{Chip: lizardrules.Chip(chip)}) {
		errs = append(errs, &RuleError{Module: owners[v.Line], Violation: v})
	}
	if len(errs) > 0 {
		return nil, nil, errors.Join(errs...)
	}
	return code, fields, nil
}

// ErrLineTooLong is a command longer than Lizard reads: main.cpp reads
// host lines into a 1 024-byte buffer, the "@xx" checksum and the newline
// included, and a longer line overruns it.
var ErrLineTooLong = errors.New("lizard: line too long for the controller")

// checkLineLength refuses a command that, framed as sent, does not fit
// Lizard's host line buffer.
func checkLineLength(cmd string) error {
	if n := len(cmd) + len("@xx\n"); n > lizardrules.HostLineMax {
		return fmt.Errorf("%w: %d bytes framed, Lizard reads at most %d", ErrLineTooLong, n, lizardrules.HostLineMax)
	}
	return nil
}
