package store

import "github.com/gorosys/rosys/persistence"

// Status reports every module in registration order.
func (s *Store) Status() []persistence.ModuleStatus {
	entries := s.snapshotEntries()
	out := make([]persistence.ModuleStatus, len(entries))
	for i, e := range entries {
		out[i] = s.withHistory(e.status())
	}
	return out
}

// StatusInto is Status written over dst's room (dst[:0]), so that a caller
// polling with the same slice (the API's status, a scrape) makes no
// garbage here: only a module's MovedAside or HistoryIgnored, when it has
// any, is a new slice.
func (s *Store) StatusInto(dst []persistence.ModuleStatus) []persistence.ModuleStatus {
	// The entries are copied out under s.mu into room kept for this, and
	// read after it, as snapshotEntries does: e.status takes the entry's
	// lock, never while s.mu is held.
	s.statusMu.Lock()
	defer s.statusMu.Unlock()
	s.mu.Lock()
	s.statusEntries = append(s.statusEntries[:0], s.order...)
	s.mu.Unlock()
	dst = dst[:0]
	for _, e := range s.statusEntries {
		dst = append(dst, s.withHistory(e.status()))
	}
	return dst
}

// persistence.ModuleStatus reports one module.
func (s *Store) ModuleStatus(key string) (persistence.ModuleStatus, error) {
	e, err := s.entry(key)
	if err != nil {
		return persistence.ModuleStatus{}, err
	}
	return s.withHistory(e.status()), nil
}

// withHistory adds what the history ignored of the module's files.
func (s *Store) withHistory(st persistence.ModuleStatus) persistence.ModuleStatus {
	if s.hist != nil {
		st.HistoryIgnored = s.hist.Ignored(st.Key)
	}
	return st
}

func (e *entry) status() persistence.ModuleStatus {
	e.stMu.Lock()
	st := e.st
	st.MovedAside = append([]string(nil), e.st.MovedAside...)
	e.stMu.Unlock()
	st.Pending = e.restored.Load() && e.generation() != e.saved.Load()
	return st
}

func (e *entry) setError(err error) {
	e.stMu.Lock()
	defer e.stMu.Unlock()
	if err == nil {
		e.st.LastError = ""
		return
	}
	e.st.LastError = err.Error()
}
