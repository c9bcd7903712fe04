package persistencetest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/gorosys/rosys/persistence/backend"
)

// TestBackend runs the conformance tests every backend.Backend must
// pass. newBackend returns an empty backend.
func TestBackend(t *testing.T, newBackend func(t *testing.T) backend.Backend) {
	ctx := context.Background()
	t.Run("round trip", func(t *testing.T) {
		b := newBackend(t)
		v1, err := b.Put(ctx, "snapshots/model/1.json", []byte(`{"value":1}`), backend.Condition{})
		if err != nil {
			t.Fatal(err)
		}
		got, v, err := b.Get(ctx, "snapshots/model/1.json")
		if err != nil || string(got) != `{"value":1}` || v != v1 || v == "" {
			t.Fatalf("%q %q %v (put gave %q)", got, v, err, v1)
		}
		if _, _, err := b.Get(ctx, "snapshots/nope.json"); !errors.Is(err, backend.ErrNotFound) {
			t.Fatalf("missing object: %v", err)
		}
	})
	t.Run("list by prefix, sorted", func(t *testing.T) {
		b := newBackend(t)
		for _, n := range []string{"meta/2.json", "meta/1.json", "snapshots/a.json", "meta/10.json"} {
			if _, err := b.Put(ctx, n, []byte(n), backend.Condition{}); err != nil {
				t.Fatal(err)
			}
		}
		list, err := b.List(ctx, "meta/")
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, o := range list {
			names = append(names, o.Name)
			if o.Size != int64(len(o.Name)) {
				t.Errorf("%s: size %d", o.Name, o.Size)
			}
		}
		if fmt.Sprint(names) != "[meta/1.json meta/10.json meta/2.json]" {
			t.Fatalf("%v", names)
		}
	})
	t.Run("delete", func(t *testing.T) {
		b := newBackend(t)
		_, _ = b.Put(ctx, "x.json", []byte("1"), backend.Condition{})
		if err := b.Delete(ctx, "x.json"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := b.Get(ctx, "x.json"); !errors.Is(err, backend.ErrNotFound) {
			t.Fatalf("after delete: %v", err)
		}
		if err := b.Delete(ctx, "x.json"); err != nil {
			t.Fatalf("deleting a missing object: %v", err)
		}
	})
	t.Run("conditional puts", func(t *testing.T) {
		b := newBackend(t)
		v1, err := b.Put(ctx, "meta/lease.json", []byte("robot-a"), backend.Condition{IfAbsent: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Put(ctx, "meta/lease.json", []byte("robot-b"), backend.Condition{IfAbsent: true}); !errors.Is(err, backend.ErrConflict) {
			t.Fatalf("second if-absent put: %v", err)
		}
		v2, err := b.Put(ctx, "meta/lease.json", []byte("robot-a again"), backend.Condition{IfMatch: v1})
		if err != nil {
			t.Fatalf("if-match with the current version: %v", err)
		}
		if _, err := b.Put(ctx, "meta/lease.json", []byte("robot-b"), backend.Condition{IfMatch: v1}); !errors.Is(err, backend.ErrConflict) {
			t.Fatalf("if-match with a stale version: %v", err)
		}
		if got, v, _ := b.Get(ctx, "meta/lease.json"); string(got) != "robot-a again" || v != v2 {
			t.Fatalf("%q %q", got, v)
		}
	})
	t.Run("bad names", func(t *testing.T) {
		b := newBackend(t)
		for _, n := range []string{"", "/abs.json", "../x.json", "a/../b", "a//b", "dir/"} {
			if _, err := b.Put(ctx, n, []byte("x"), backend.Condition{}); err == nil {
				t.Errorf("Put(%q) accepted", n)
			}
		}
	})
}
