package boards

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Detection is what Detect found.
type Detection struct {
	Profile Profile
	// Model is the device tree's model string ("" when there is none).
	Model string
	// Reason says why Profile was chosen.
	Reason string
}

// Detect reads <root>/proc/device-tree/model (root is "/" on a robot; tests
// pass a directory of their own) and picks the matching profile. A machine
// that is no known board, such as a laptop or CI, gets "sim".
func Detect(root string) (Detection, error) {
	path := filepath.Join(root, "proc", "device-tree", "model")
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		sim, _ := ByName("sim")
		return Detection{Profile: sim, Reason: "no device tree (" + path + "): not an ARM board"}, nil
	} else if err != nil {
		return Detection{}, fmt.Errorf("detect board: %w", err)
	}
	model := strings.TrimRight(string(b), "\x00\n ")
	for _, p := range profiles() {
		if p.match != "" && strings.Contains(model, p.match) {
			return Detection{Profile: p, Model: model, Reason: "device tree model"}, nil
		}
	}
	sim, _ := ByName("sim")
	return Detection{Profile: sim, Model: model, Reason: "unknown board model; name one in robot.yaml"}, nil
}
