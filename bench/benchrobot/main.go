// Command benchrobot is a robot with many persisted modules, for the
// start-up and shutdown benchmarks: it runs the rosys runtime exactly as
// cmd/rosys does (same store, same shutdown), only with -modules modules
// of -size bytes instead of the demo's few. It prints READY at the first
// control tick and MARKED once every module asked for a backup; with
// -cycle it then runs one backup cycle of every module and prints
// "CYCLE <nanoseconds>".
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/store"
	"github.com/gorosys/rosys/storage"
	"go.uber.org/zap"
)

type firstTick struct {
	once sync.Once
	ch   chan struct{}
}

func (f *firstTick) Step(time.Time, time.Duration) { f.once.Do(func() { close(f.ch) }) }

func main() {
	data := flag.String("data", "", "data directory")
	modules := flag.Int("modules", 100, "persisted modules")
	size := flag.Int("size", 10<<10, "bytes per module")
	mark := flag.Bool("mark", false, "mark every module for backup after start")
	cycle := flag.Bool("cycle", false, "after start, time one backup cycle of every module")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	store, err := store.Open(*data)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	r := rosys.New(rosys.Config{Name: "bench", Storage: storage.New(store, nil), BackupInterval: time.Hour, Log: zap.NewNop()})
	vals := make([]*persistence.Value[map[string]string], *modules)
	for i := range vals {
		vals[i] = persistence.NewValue(map[string]string{"text": strings.Repeat("x", *size)})
		if err := r.Add(fmt.Sprintf("m%05d", i), vals[i]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	tick := &firstTick{ch: make(chan struct{})}
	if err := r.Add("first-tick", tick); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	go func() {
		select {
		case <-tick.ch:
		case <-ctx.Done():
			return
		}
		fmt.Println("READY")
		if *mark {
			for _, v := range vals {
				v.RequestBackup()
			}
			fmt.Println("MARKED")
		}
		if *cycle {
			for _, v := range vals {
				v.RequestBackup()
			}
			start := time.Now()
			if err := store.BackupRequested(ctx); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			fmt.Println("CYCLE", time.Since(start).Nanoseconds())
		}
	}()
	if err := r.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
