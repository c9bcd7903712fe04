package rosys_test

import (
	"testing"

	"github.com/gorosys/rosys/persistence/persistencetest"
	"github.com/gorosys/rosys/persistence/store"
)

func openStore(t *testing.T, dir string) *store.Store {
	return persistencetest.Open(t, dir)
}
