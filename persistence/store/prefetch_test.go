package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/persistencetest"
)

// TestRestoreManyModulesReadAhead restores enough modules for Restore to
// read files ahead on several goroutines, with every kind of bad file from
// corruptCases mixed in, with and without a good previous generation. Each
// module must end exactly as a lone module with the same files does, and
// modules must be restored one at a time, in registration order.
func TestRestoreManyModulesReadAhead(t *testing.T) {
	dir := t.TempDir()
	type want struct {
		key  string
		val  settings
		from string
		err  string
	}
	var wants []want
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	good := func(key string, speed int) string {
		return fmt.Sprintf(`{"format":"rosys-go/1","key":%q,"schema_version":1,"saved_at":"2026-01-01T00:00:00Z","data":{"Speed":%d,"Name":"file"}}`, key, speed)
	}
	for i := 0; len(wants) < 120; i++ {
		key := fmt.Sprintf("m%03d", len(wants))
		switch i % 4 {
		case 0: // a good file
			write(key+".json", good(key, i))
			wants = append(wants, want{key, settings{Speed: i, Name: "file"}, persistence.FromFile, ""})
		case 1: // nothing stored
			wants = append(wants, want{key, defaultSettings, persistence.FromDefaults, ""})
		default: // a bad file, with a good previous generation for i%4 == 3
			tc := corruptCases[(i/4)%len(corruptCases)]
			if tc.name == "unreadable" {
				continue // needs the capability-dropped thread of testCorrupt
			}
			path := filepath.Join(dir, key+".json")
			if tc.setup != nil {
				tc.setup(t, path)
			} else {
				write(key+".json", strings.ReplaceAll(tc.content, `"key":"m"`, fmt.Sprintf("%q:%q", "key", key)))
			}
			w := want{key, defaultSettings, persistence.FromDefaults, tc.wantErr}
			if i%4 == 3 {
				write(key+".json.prev", good(key, 1000+i))
				w.val, w.from = settings{Speed: 1000 + i, Name: "file"}, persistence.FromPrevious
			}
			wants = append(wants, w)
		}
	}
	s := persistencetest.Open(t, dir)
	var order []string
	vals := make([]*persistence.Value[settings], len(wants))
	for i, w := range wants {
		vals[i] = persistence.NewValue(defaultSettings, persistence.Validate(checkSettings)) // as testCorrupt registers them
		vals[i].OnChange(func(settings) { order = append(order, w.key) })
		if err := s.Register(w.key, vals[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Restore(context.Background()); err != nil {
		t.Fatal(err)
	}
	var restoredOrder []string
	for i, w := range wants {
		st, _ := s.ModuleStatus(w.key)
		if got := vals[i].Get(); got != w.val || st.RestoredFrom != w.from || !strings.Contains(st.RestoreError, w.err) || (w.err == "") != (st.RestoreError == "") {
			t.Errorf("%s: restored %+v from %s (error %q), want %+v from %s with %q", w.key, got, st.RestoredFrom, st.RestoreError, w.val, w.from, w.err)
		}
		if w.from != persistence.FromDefaults {
			restoredOrder = append(restoredOrder, w.key)
		}
	}
	if !slices.Equal(order, restoredOrder) {
		t.Errorf("modules restored in the order %v, want registration order %v", order, restoredOrder)
	}
}
