package mirror

import (
	"fmt"
	"slices"

	"go.uber.org/zap"
)

// maxRefused bounds the refused objects kept for the status: a hostile
// bucket may hold any number of them.
const maxRefused = 100

// refuse notes an object of remote storage that was not taken, with why,
// in the log and the status (at most maxRefused, each once). The caller
// holds m.mu.
func (m *Mirror) refuse(object string, why error) {
	line := fmt.Sprintf("%s: %v", object, why)
	if slices.Contains(m.refused, line) {
		return
	}
	m.log.Warn("remote object refused", zap.String("object", object), zap.Error(why))
	if len(m.refused) < maxRefused {
		m.refused = append(m.refused, line)
	}
}
