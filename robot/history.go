package robot

import (
	"github.com/gorosys/rosys/config"
	"github.com/gorosys/rosys/persistence/history"
)

// HistoryConfig is the store's history configuration for robot.yaml's
// persistence.history, or nil when it is off. It lives on the assembly's
// side so that config imports nothing of persistence.
func HistoryConfig(h *config.History) *history.Config {
	if h == nil {
		return &history.Config{Default: history.DefaultBounds}
	}
	if h.Off {
		return nil
	}
	c := &history.Config{Default: history.Bounds(h.Default)}
	if h.Modules != nil {
		c.Modules = make(map[string]history.Bounds, len(h.Modules))
		for k, b := range h.Modules {
			c.Modules[k] = history.Bounds(b)
		}
	}
	return c
}
