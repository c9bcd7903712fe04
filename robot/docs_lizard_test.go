package robot_test

import (
	"os"
	"regexp"
	"testing"

	"github.com/gorosys/rosys/config"
	"github.com/gorosys/rosys/robot"
)

// Issue 24.5: the Lizard modules the configuration reference shows
// generate startup code the firmware runs, as the examples' do.
func TestLizardCodeOfTheConfigurationReferenceObeysTheFirmware(t *testing.T) {
	raw, err := os.ReadFile("../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(raw), -1) {
		cfg, err := config.Parse([]byte(m[1]))
		if err != nil {
			t.Fatalf("docs/configuration.md: %v\n%s", err, m[1])
		}
		l := cfg.Hardware.Lizard
		if l == nil || len(l.Modules) == 0 {
			continue
		}
		code, err := robot.LizardCode(l)
		if err != nil {
			t.Fatalf("docs/configuration.md: %v\n%s", err, m[1])
		}
		checkScript(t, "docs/configuration.md", code, l.Chip)
		n++
	}
	if n < 2 {
		t.Fatalf("%d YAML examples with Lizard modules in docs/configuration.md, want 2", n)
	}
}
