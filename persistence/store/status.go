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
