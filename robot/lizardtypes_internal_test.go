package robot

import (
	"slices"
	"testing"

	"github.com/gorosys/rosys/config"
)

// The built-in registrations are exactly robot.yaml's built-in types, in
// its order, each with robot.yaml's keys and a Build.
func TestBuiltinRegistrationsMatchConfig(t *testing.T) {
	var got []string
	for _, r := range builtinLizardTypes() {
		got = append(got, r.Config.Type)
		if r.Build == nil || len(r.Config.Keys) == 0 {
			t.Errorf("%s: Build %v, keys %v", r.Config.Type, r.Build != nil, r.Config.Keys)
		}
	}
	if !slices.Equal(got, config.LizardModuleTypes) {
		t.Fatalf("registered %v, robot.yaml knows %v", got, config.LizardModuleTypes)
	}
}
