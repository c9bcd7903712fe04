package persistencetest

import (
	"context"
	"errors"
	"sync/atomic"

	"github.com/gorosys/rosys/persistence/backend"
)

// ErrDown is what a Flaky backend answers while down.
var ErrDown = errors.New("backend down (injected)")

// Flaky wraps a Backend and fails every call while Down is set, as an
// unreachable bucket does.
type Flaky struct {
	backend.Backend
	Down  atomic.Bool
	Calls atomic.Int64
}

func (f *Flaky) check() error {
	f.Calls.Add(1)
	if f.Down.Load() {
		return ErrDown
	}
	return nil
}

// Get implements backend.Backend.
func (f *Flaky) Get(ctx context.Context, name string) ([]byte, backend.Version, error) {
	if err := f.check(); err != nil {
		return nil, "", err
	}
	return f.Backend.Get(ctx, name)
}

// Put implements backend.Backend.
func (f *Flaky) Put(ctx context.Context, name string, data []byte, c backend.Condition) (backend.Version, error) {
	if err := f.check(); err != nil {
		return "", err
	}
	return f.Backend.Put(ctx, name, data, c)
}

// List implements backend.Backend.
func (f *Flaky) List(ctx context.Context, prefix string) ([]backend.ObjectInfo, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	return f.Backend.List(ctx, prefix)
}

// Delete implements backend.Backend.
func (f *Flaky) Delete(ctx context.Context, name string) error {
	if err := f.check(); err != nil {
		return err
	}
	return f.Backend.Delete(ctx, name)
}
