package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/history"
	"github.com/gorosys/rosys/persistence/store"
)

// BenchmarkBackupHistory100x10KiB is BenchmarkBackup100x10KiB with the
// history on and off in the same run: each b.Loop is one cycle of 100
// modules of 10 KiB, its history record included (ns/op: the total
// work). durable-ns/op is the time to the cycle's durable point (it
// returns, WaitDurable wakes), before the history record that follows
// off that path. Compare the two sub-benchmarks.
func BenchmarkBackupHistory100x10KiB(b *testing.B) {
	for _, on := range []bool{false, true} {
		b.Run(fmt.Sprintf("history=%v", on), func(b *testing.B) {
			var opts []store.Option
			if on {
				// Bounded by count, as a robot is: pruning runs every cycle.
				opts = append(opts, store.WithHistory(history.Config{Default: history.Bounds{Keep: 20, MaxAge: history.DefaultBounds.MaxAge, MaxBytes: history.DefaultBounds.MaxBytes}}))
			}
			s, err := store.Open(b.TempDir(), opts...)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			values := make([]*persistence.Value[blob], 100)
			for i := range values {
				values[i] = persistence.NewValue(blob{Text: strings.Repeat("x", 10<<10)})
				if err := s.Register(fmt.Sprintf("m%05d", i), values[i]); err != nil {
					b.Fatal(err)
				}
			}
			ctx := context.Background()
			if err := s.Restore(ctx); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(100 * 10 << 10)
			b.ReportAllocs()
			var durable time.Duration
			n := 0
			for b.Loop() {
				for _, v := range values {
					v.RequestBackup()
				}
				start := time.Now()
				if err := s.BackupRequested(ctx); err != nil {
					b.Fatal(err)
				}
				durable += time.Since(start)
				n++
				if err := s.HistorySettled(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(durable.Nanoseconds())/float64(n), "durable-ns/op")
		})
	}
}
