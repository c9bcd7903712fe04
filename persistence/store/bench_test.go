package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/store"
)

type blob struct {
	Text string `json:"text"`
}

// BenchmarkBackup100x10KiB commits 100 requested modules of about 10 KiB:
// one backup cycle of the store.
func BenchmarkBackup100x10KiB(b *testing.B) {
	benchBackup(b, 100, 10<<10)
}

// BenchmarkBackup10x1MiB commits 10 requested modules of 1 MiB, the cell
// where encoding weighs most against the durable write (bench section 2).
func BenchmarkBackup10x1MiB(b *testing.B) {
	benchBackup(b, 10, 1<<20)
}

func benchBackup(b *testing.B, modules, size int) {
	dir := b.TempDir()
	s, err := store.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	values := make([]*persistence.Value[blob], modules)
	for i := range values {
		values[i] = persistence.NewValue(blob{Text: strings.Repeat("x", size)})
		if err := s.Register(fmt.Sprintf("m%05d", i), values[i]); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	if err := s.Restore(ctx); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(modules * size))
	b.ReportAllocs()
	for b.Loop() {
		for _, v := range values {
			v.RequestBackup()
		}
		if err := s.BackupRequested(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRawDurable100x10KiB is the physical baseline for the same bytes:
// the minimal durable sequence (temp file, write, fsync, rename, fsync
// directory) per file, with no encoding.
func BenchmarkRawDurable100x10KiB(b *testing.B) {
	dir := b.TempDir()
	data := []byte(strings.Repeat("x", 10<<10))
	b.SetBytes(int64(100 * len(data)))
	for b.Loop() {
		for i := range 100 {
			path := filepath.Join(dir, fmt.Sprintf("m%05d.json", i))
			f, err := os.CreateTemp(dir, "tmp-*")
			if err != nil {
				b.Fatal(err)
			}
			if _, err := f.Write(data); err != nil {
				b.Fatal(err)
			}
			if err := f.Sync(); err != nil {
				b.Fatal(err)
			}
			f.Close()
			if err := os.Rename(f.Name(), path); err != nil {
				b.Fatal(err)
			}
			d, err := os.Open(dir)
			if err != nil {
				b.Fatal(err)
			}
			if err := d.Sync(); err != nil {
				b.Fatal(err)
			}
			d.Close()
		}
	}
}

func BenchmarkValueUpdate(b *testing.B) {
	v := persistence.NewValue(struct{ P, I, D float64 }{})
	b.ReportAllocs()
	for b.Loop() {
		v.Update(func(g *struct{ P, I, D float64 }) { g.P++ })
	}
}
