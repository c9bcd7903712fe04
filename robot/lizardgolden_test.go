package robot_test

import (
	"os"
	"testing"

	"github.com/gorosys/rosys/config"
	"github.com/gorosys/rosys/robot"
)

// TestLizardCodeOfTheExampleIsGolden: the startup code generated from
// examples/lizard-robot.yaml is byte for byte what `rosys lizard code`
// printed before the module types became registrations (and what robots
// in the field hold): a change to a registration that changes it changes
// every robot's startup checksum, so it must be deliberate
// (regenerate with `rosys lizard code --config examples/lizard-robot.yaml`).
func TestLizardCodeOfTheExampleIsGolden(t *testing.T) {
	cfg, err := config.Load("../examples/lizard-robot.yaml")
	if err != nil {
		t.Fatal(err)
	}
	code, err := robot.LizardCode(cfg.Hardware.Lizard)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("testdata/lizard-robot.code.golden")
	if err != nil {
		t.Fatal(err)
	}
	if got := code.String(); got != string(want) {
		t.Fatalf("generated code changed:\n--- got\n%s--- want\n%s", got, want)
	}
}
