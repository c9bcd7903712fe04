package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/archive"
	"github.com/gorosys/rosys/persistence/history"
	"github.com/gorosys/rosys/persistence/persistencetest"
	"github.com/gorosys/rosys/persistence/store"
)

type model struct {
	Value float64 `json:"value"`
}

// commitModel commits model at schema version schema holding value, with
// history on, and closes the store.
func commitModel(t *testing.T, dir string, schema int, value float64) {
	t.Helper()
	s := persistencetest.Open(t, dir, store.WithHistory(history.Config{}))
	v := persistence.NewValue(model{}, persistence.WithSchema[model](schema, nil))
	mustRegisterRestore(t, s, "model", v)
	v.Set(model{Value: value})
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.HistorySettled(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func envelopeOf(t *testing.T, key string, value float64) []byte {
	t.Helper()
	return []byte(`{"format": "rosys-go/1", "key": "` + key + `", "schema_version": 1, "saved_at": "2026-11-23T12:00:00Z", "data": {"value": ` +
		strings.TrimSpace(string(mustJSON(t, value))) + `}}`)
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Issue 21.11: an offline import is a history version per module it
// wrote, as an import into a running robot is; without history (nil
// bounds) none; an import that changes nothing or fails, none either.
func TestOfflineImportRecordsHistory(t *testing.T) {
	dir := t.TempDir()
	commitModel(t, dir, 1, 1.5)
	before, err := store.ListHistoryDir(dir, "model")
	if err != nil || len(before) != 1 {
		t.Fatalf("history before: %v %v", before, err)
	}
	a := &archive.Archive{Files: map[string][]byte{"model": envelopeOf(t, "model", 7.5), "extra": envelopeOf(t, "extra", 2)}}
	res, err := store.ImportDir(dir, a, time.Now(), &history.Config{})
	if err != nil || res.HistoryError != nil {
		t.Fatalf("import: %v %v", err, res.HistoryError)
	}
	for key, want := range map[string]int{"model": 2, "extra": 1} {
		vs, err := store.ListHistoryDir(dir, key)
		if err != nil || len(vs) != want || res.Versions[key] != vs[len(vs)-1].Version {
			t.Fatalf("%s: versions %v %v, import said %v", key, vs, err, res.Versions)
		}
		b, _ := os.ReadFile(filepath.Join(dir, key+".json"))
		if vs[len(vs)-1].Size != int64(len(b)) {
			t.Fatalf("%s: newest version %+v is not the imported file (%d bytes)", key, vs[len(vs)-1], len(b))
		}
	}
	// The same archive again changes nothing: no new version.
	if _, err := store.ImportDir(dir, a, time.Now(), &history.Config{}); err != nil {
		t.Fatal(err)
	}
	// A refused archive (a reserved key) writes nothing, records nothing.
	bad := &archive.Archive{Files: map[string][]byte{"model": envelopeOf(t, "model", 9), "calib.tmp-2024": envelopeOf(t, "calib.tmp-2024", 1)}}
	if _, err := store.ImportDir(dir, bad, time.Now(), &history.Config{}); !errors.Is(err, archive.ErrInvalid) || !strings.Contains(err.Error(), `"calib.tmp-2024"`) || !strings.Contains(err.Error(), ".tmp-") {
		t.Fatalf("reserved key: %v", err)
	}
	// History off: the import is written, no version.
	if _, err := store.ImportDir(dir, &archive.Archive{Files: map[string][]byte{"model": envelopeOf(t, "model", 3)}}, time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	if vs, _ := store.ListHistoryDir(dir, "model"); len(vs) != 2 {
		t.Fatalf("versions after the unchanged, refused and history-less imports: %v", vs)
	}
}

// Issue 21.11: offline, a version at a schema newer than the robot writes
// is refused as on the running robot (ErrNewerSchema), nothing written;
// the robot's schema is its module file's, else its .prev's, else 1.
func TestOfflineRestoreRefusesNewerSchema(t *testing.T) {
	dir := t.TempDir()
	commitModel(t, dir, 99, 99) // version 1: schema 99, a newer program's
	commitModel(t, dir, 1, 1)   // the file is set aside, defaults written: version 2
	commitModel(t, dir, 1, 2)   // version 3
	vs, err := store.ListHistoryDir(dir, "model")
	if err != nil || len(vs) != 3 {
		t.Fatalf("versions %v %v", vs, err)
	}
	main := filepath.Join(dir, "model.json")
	for _, variant := range []string{"module file", "only .prev", "no file"} {
		switch variant {
		case "only .prev":
			if err := os.Remove(main); err != nil {
				t.Fatal(err)
			}
		case "no file":
			if err := os.Remove(main + ".prev"); err != nil {
				t.Fatal(err)
			}
		}
		names := dirNames(t, dir)
		cur, _ := os.ReadFile(main)
		for _, sel := range []history.Selector{{Version: 1}} {
			_, _, err := store.RestoreVersionDir(dir, "model", sel, time.Now(), history.Config{})
			if !errors.Is(err, store.ErrNewerSchema) || !strings.Contains(err.Error(), "schema version 99") || !strings.Contains(err.Error(), "nothing changed") {
				t.Fatalf("%s: restore of the schema 99 version: %v", variant, err)
			}
			if got, _ := os.ReadFile(main); !bytes.Equal(got, cur) || strings.Join(dirNames(t, dir), ",") != strings.Join(names, ",") {
				t.Fatalf("%s: the refused restore changed the directory", variant)
			}
			if after, _ := store.ListHistoryDir(dir, "model"); len(after) != 3 {
				t.Fatalf("%s: the refused restore is in the history: %v", variant, after)
			}
		}
	}
	// A version the robot reads restores.
	if _, to, err := store.RestoreVersionDir(dir, "model", history.Selector{Version: 3}, time.Now(), history.Config{}); err != nil || to.Version != 4 {
		t.Fatalf("restore of version 3: %v %v", to, err)
	}
}
