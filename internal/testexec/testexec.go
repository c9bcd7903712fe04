// Package testexec starts child processes in tests. When the tests run
// compiled for another architecture under an emulator (make test-arm64:
// qemu-aarch64-static), the children they build or re-execute are for that
// architecture too and must run under the same emulator; the kernel here
// has no binfmt_misc handler to do it on its own.
package testexec

import (
	"os"
	"os/exec"
)

// EnvWrapper names the variable holding the emulator, if any.
const EnvWrapper = "ROSYS_TEST_EXEC_WRAPPER"

// Command is exec.Command, run through $ROSYS_TEST_EXEC_WRAPPER when set.
func Command(name string, args ...string) *exec.Cmd {
	if w := os.Getenv(EnvWrapper); w != "" {
		return exec.Command(w, append([]string{name}, args...)...)
	}
	return exec.Command(name, args...)
}
