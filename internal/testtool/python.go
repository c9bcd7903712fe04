package testtool

import (
	"context"
	"os/exec"
	"testing"
	"time"
)

// OpenCV is Debian's Python binding of OpenCV, the oracle of the camera
// calibration tests (camera/calib).
var OpenCV = PythonModule{Name: "cv2", Install: "apt-get install python3-opencv"}

// PythonModule is a module Debian's python3 must be able to import.
type PythonModule struct {
	Name    string
	Install string
}

// RequirePython returns the path of Debian's python3 once it imports the
// module. Without either it skips the test, or fails it under CI.
func RequirePython(t testing.TB, m PythonModule) string {
	t.Helper()
	py := Require(t, Python3)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, py, "-c", "import "+m.Name).CombinedOutput(); err != nil {
		Missing(t, "python3 cannot import %s (%s): %v: %s", m.Name, m.Install, err, out)
	}
	return py
}
