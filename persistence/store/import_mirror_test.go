package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorosys/rosys/persistence/archive"
	"github.com/gorosys/rosys/persistence/backend"
	"github.com/gorosys/rosys/persistence/internal/modfile"
	"github.com/gorosys/rosys/persistence/mirror"
	"github.com/gorosys/rosys/persistence/vfs/crashfs"
)

// TestImportNeverHalfInAManifest: a mirrored robot imports an archive
// (three modules and a key it does not have) while the mirror tries to
// upload after every single file-system operation of the import. No
// manifest ever names a half-applied import: each names every module of
// the archive at its imported generation, or none of them; and once the
// import is done the next upload names all of it.
func TestImportNeverHalfInAManifest(t *testing.T) {
	ctx := context.Background()
	when := time.Unix(1700000000, 0)
	fsys := crashfs.New()
	fsys.Now = func() time.Time { return when }
	m := plMirror(t, fsys)
	s, vals, err := plStoreAt(t, fsys, "/robot/data", WithMirror(m))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, k := range plKeys {
		vals[k].Set(plValue(1))
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := m.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, k := range append([]string{plExtra}, plKeys...) {
		files[k], _ = modfile.Encode(k, 1, when, plValue(50))
	}
	var buf bytes.Buffer
	if err := archive.Write(&buf, archive.Describe(files, "other", when), files); err != nil {
		t.Fatal(err)
	}
	incoming, err := archive.Read(&buf, archive.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	meta, _ := backend.NewFilesystem(fsys, "/remote/meta")
	snap, _ := backend.NewFilesystem(fsys, "/remote/snap")
	// A manifest is half-applied if it names some but not all of the
	// archive's keys at generation 50.
	check := func() error {
		names, err := meta.List(ctx, "manifests/")
		if err != nil {
			return err
		}
		for _, n := range names {
			b, _, err := meta.Get(ctx, n.Name)
			if err != nil {
				return err
			}
			var man mirror.Manifest
			if err := json.Unmarshal(b, &man); err != nil {
				return err
			}
			imported := 0
			for k := range files {
				e, ok := man.Modules[k]
				if !ok {
					continue
				}
				ob, _, err := snap.Get(ctx, e.Object)
				if err != nil {
					return err
				}
				st, err := modfile.Decode(k, ob)
				var p plPayload
				if err != nil || json.Unmarshal(st.Data, &p) != nil {
					return fmt.Errorf("object %s: %v", e.Object, err)
				}
				if p.Gen == 50 {
					imported++
				}
			}
			if imported != 0 && imported != len(files) {
				return fmt.Errorf("manifest %s names %d of the %d modules of the import", n.Name, imported, len(files))
			}
		}
		return nil
	}
	var inSync atomic.Bool
	syncs := 0
	var failed error
	fsys.OnOp = func(n int, op, path string) {
		if failed != nil || !inSync.CompareAndSwap(false, true) {
			return // the upload's own operations
		}
		defer inSync.Store(false)
		syncs++
		if err := m.Sync(ctx); err != nil {
			failed = fmt.Errorf("sync after operation %d: %w", n, err)
			return
		}
		if err := check(); err != nil {
			failed = fmt.Errorf("after operation %d (%s %s): %w", n, op, path, err)
		}
	}
	if _, err := s.Import(ctx, incoming); err != nil {
		t.Fatal(err)
	}
	fsys.OnOp = nil
	if failed != nil {
		t.Fatal(failed)
	}
	if err := m.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if err := check(); err != nil {
		t.Fatal(err)
	}
	st := m.Status()
	if len(st.Pending) != 0 {
		t.Fatalf("still pending after the import and a sync: %+v", st)
	}
	names, _ := meta.List(ctx, "manifests/")
	b, _, _ := meta.Get(ctx, names[len(names)-1].Name)
	var man mirror.Manifest
	_ = json.Unmarshal(b, &man)
	if _, ok := man.Modules[plExtra]; !ok {
		t.Fatalf("the newest manifest lacks the imported key %s", plExtra)
	}
	t.Logf("an upload tried after each of %d operations of the import: no manifest named a half-applied import", syncs)
}
