package backend

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Memory is a Backend in memory, for fast tests.
type Memory struct {
	mu      sync.Mutex
	objects map[string]memObject
	seq     int
}

type memObject struct {
	data    []byte
	version Version
}

var _ Backend = (*Memory)(nil)

// NewMemory returns an empty in-memory backend.
func NewMemory() *Memory { return &Memory{objects: map[string]memObject{}} }

func (m *Memory) String() string { return "memory" }

// Get implements Backend.
func (m *Memory) Get(_ context.Context, name string) ([]byte, Version, error) {
	if err := ValidateName(name); err != nil {
		return nil, "", err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	o, ok := m.objects[name]
	if !ok {
		return nil, "", fmt.Errorf("memory: %s: %w", name, ErrNotFound)
	}
	return slices.Clone(o.data), o.version, nil
}

// Put implements Backend.
func (m *Memory) Put(_ context.Context, name string, data []byte, cond Condition) (Version, error) {
	if err := ValidateName(name); err != nil {
		return "", err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, exists := m.objects[name]
	if cond.IfAbsent && exists {
		return "", fmt.Errorf("memory: %s exists: %w", name, ErrConflict)
	}
	if cond.IfMatch != "" && (!exists || cur.version != cond.IfMatch) {
		return "", fmt.Errorf("memory: %s is not at version %s: %w", name, cond.IfMatch, ErrConflict)
	}
	m.seq++
	v := Version(strconv.Itoa(m.seq))
	m.objects[name] = memObject{slices.Clone(data), v}
	return v, nil
}

// List implements Backend.
func (m *Memory) List(_ context.Context, prefix string) ([]ObjectInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []ObjectInfo
	for name, o := range m.objects {
		if strings.HasPrefix(name, prefix) {
			out = append(out, ObjectInfo{Name: name, Size: int64(len(o.data)), Version: o.version})
		}
	}
	slices.SortFunc(out, func(a, b ObjectInfo) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// Delete implements Backend.
func (m *Memory) Delete(_ context.Context, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.objects, name)
	return nil
}
