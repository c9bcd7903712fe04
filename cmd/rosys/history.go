package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/gorosys/rosys/config"
	"github.com/gorosys/rosys/persistence/history"
	"github.com/gorosys/rosys/persistence/store"
	"github.com/gorosys/rosys/robot"
)

// backupHistory lists a module's kept versions (rosys backup history KEY).
func backupHistory(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("backup history", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := dataDirFlag(fs)
	asJSON := fs.Bool("json", false, "print the versions as JSON")
	pos, err := parseAnyOrder(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		fmt.Fprintln(stderr, "usage: rosys backup history [--data-dir DIR] [--json] KEY")
		return 2
	}
	d, err := resolveDir(*dir)
	if err != nil {
		fmt.Fprintln(stderr, "rosys backup history:", err)
		return 1
	}
	vs, err := store.ListHistoryDir(d, pos[0])
	if errors.Is(err, store.ErrLocked) {
		fmt.Fprintf(stderr, "rosys backup history: %v\nthe robot is running: GET /api/modules/%s/history instead, or stop it\n", err, pos[0])
		return 1
	} else if err != nil {
		fmt.Fprintln(stderr, "rosys backup history:", err)
		return 1
	}
	if *asJSON {
		if vs == nil {
			vs = []history.Version{}
		}
		// The API's shape (GET /api/modules/{key}/history), one for both.
		b, _ := json.MarshalIndent(store.HistoryList{Key: pos[0], Versions: vs}, "", "  ")
		fmt.Fprintf(stdout, "%s\n", b)
		return 0
	}
	if len(vs) == 0 {
		fmt.Fprintf(stdout, "no versions of %q in %s\n", pos[0], d)
		return 0
	}
	fmt.Fprintf(stdout, "%8s  %-24s  %10s  %s\n", "VERSION", "SAVED (UTC)", "BYTES", "SHA256")
	for _, v := range vs {
		fmt.Fprintf(stdout, "%8d  %-24s  %10d  %s\n", v.Version, v.SavedAt.UTC().Format(time.RFC3339), v.Size, v.SHA256)
		if v.Damaged != "" {
			fmt.Fprintf(stdout, "%8s  DAMAGED, never restored: %s\n", "", v.Damaged)
		}
	}
	return 0
}

// backupRestore puts a module back to a kept version, offline.
func backupRestore(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("backup restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := dataDirFlag(fs)
	version := fs.Uint64("version", 0, "version number to restore (see rosys backup history)")
	at := fs.String("at", "", "restore the newest version saved at or before this time (RFC 3339)")
	cfgPath := fs.String("config", "", "robot.yaml to take persistence.history's bounds from")
	pos, err := parseAnyOrder(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 || (*version == 0) == (*at == "") {
		fmt.Fprintln(stderr, "usage: rosys backup restore [--data-dir DIR] KEY --version N | --at RFC3339")
		return 2
	}
	sel := history.Selector{Version: *version}
	if *at != "" {
		if sel.At, err = time.Parse(time.RFC3339, *at); err != nil {
			fmt.Fprintf(stderr, "rosys backup restore: --at %q is not an RFC 3339 time such as 2026-11-30T12:00:00Z\n", *at)
			return 2
		}
	}
	hcfg := history.Config{}
	if *cfgPath != "" {
		cfg, err := config.Load(*cfgPath)
		if err != nil {
			fmt.Fprintln(stderr, "rosys backup restore:", err)
			return 2
		}
		if c := robot.HistoryConfig(cfg.Persistence.History); c != nil {
			hcfg = *c
		}
	}
	d, err := resolveDir(*dir)
	if err != nil {
		fmt.Fprintln(stderr, "rosys backup restore:", err)
		return 1
	}
	from, to, err := store.RestoreVersionDir(d, pos[0], sel, time.Now(), hcfg)
	switch {
	case errors.Is(err, store.ErrLocked):
		fmt.Fprintf(stderr, "rosys backup restore: %v\nthe robot is running: POST /api/modules/%s/restore instead, or stop it\n", err, pos[0])
		return 1
	case errors.Is(err, store.ErrNewerSchema):
		fmt.Fprintf(stderr, "rosys backup restore: %v\n", err)
		return 1
	case errors.Is(err, store.ErrNoVersion):
		fmt.Fprintf(stderr, "rosys backup restore: %v\nnothing was changed; list the versions with rosys backup history %s\n", err, pos[0])
		return 1
	case err != nil:
		fmt.Fprintln(stderr, "rosys backup restore:", err)
		return 1
	}
	fmt.Fprintf(stdout, "restored %s version %d (saved %s) as version %d\n", pos[0], from.Version,
		from.SavedAt.UTC().Format(time.RFC3339), to.Version)
	return 0
}
