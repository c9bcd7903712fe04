package rosys_test

import (
	"testing"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/persistencetest"
)

func openStore(t *testing.T, dir string) *persistence.Store {
	return persistencetest.Open(t, dir)
}
