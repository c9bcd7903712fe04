package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/gorosys/rosys/config"
	"github.com/gorosys/rosys/persistence/archive"
	"github.com/gorosys/rosys/persistence/store"
	"github.com/gorosys/rosys/persistence/vfs"
	"github.com/gorosys/rosys/robot"
)

func (a app) backupCommand(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: rosys backup export|import|list|history|restore [flags]")
		return 2
	}
	switch args[0] {
	case "export":
		return backupExport(args[1:], stdout, stderr)
	case "import":
		return backupImport(args[1:], stdout, stderr)
	case "list":
		return backupList(args[1:], stdout, stderr)
	case "history":
		return backupHistory(args[1:], stdout, stderr)
	case "restore":
		return backupRestore(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "rosys backup: unknown subcommand %q (export, import, list, history, restore)\n", args[0])
	return 2
}

// parseAnyOrder parses flags before and after positional arguments
// ("import FILE --data-dir D" as well as "import --data-dir D FILE").
func parseAnyOrder(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func dataDirFlag(fs *flag.FlagSet) *string {
	return fs.String("data-dir", "", "data directory (default $ROSYS_DATA_DIR, else ~/.rosys)")
}

// exitCode is 2 for an error the configuration must fix (a committed
// module file over max_file_bytes), else 1.
func exitCode(err error) int {
	if errors.Is(err, store.ErrCommittedOverLimit) {
		return 2
	}
	return 1
}

func resolveDir(flagDir string) (string, error) {
	if flagDir != "" {
		return vfs.ExpandHome(flagDir)
	}
	return store.DefaultDir()
}

func backupExport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("backup export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := dataDirFlag(fs)
	out := fs.String("o", "", "archive to write (.tar.gz); - for standard output")
	robot := fs.String("robot", "robot", "robot name recorded in the archive")
	format := fs.String("format", "tar.gz", "tar.gz (this program's archive) or rosys-json (RoSys' export.json)")
	if _, err := parseAnyOrder(fs, args); err != nil {
		return 2
	}
	if *format != "tar.gz" && *format != "rosys-json" {
		fmt.Fprintf(stderr, "rosys backup export: --format %q: use tar.gz or rosys-json\n", *format)
		return 2
	}
	if *out == "" {
		fmt.Fprintln(stderr, "rosys backup export: -o FILE is required")
		return 2
	}
	d, err := resolveDir(*dir)
	if err != nil {
		fmt.Fprintln(stderr, "rosys backup export:", err)
		return 1
	}
	var buf bytes.Buffer
	var modules int
	if *format == "rosys-json" {
		modules, err = archive.ExportDirRoSysJSON(d, &buf, *robot, time.Now())
	} else {
		var m archive.Manifest
		m, err = archive.ExportDir(d, &buf, *robot, time.Now())
		modules = len(m.Files)
	}
	if errors.Is(err, store.ErrLocked) {
		fmt.Fprintf(stderr, "rosys backup export: %v\nthe robot is running: download GET /api/export instead, or stop it\n", err)
		return 1
	} else if err != nil {
		fmt.Fprintln(stderr, "rosys backup export:", err)
		return exitCode(err)
	}
	if *out == "-" {
		_, _ = stdout.Write(buf.Bytes())
		warnReserved(stderr, d)
		return 0
	}
	if err := store.WriteFileAtomic(*out, buf.Bytes()); err != nil {
		fmt.Fprintln(stderr, "rosys backup export:", err)
		return 1
	}
	fmt.Fprintf(stderr, "exported %d modules from %s to %s\n", modules, d, *out)
	warnReserved(stderr, d)
	return 0
}

func backupImport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("backup import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := dataDirFlag(fs)
	cfgPath := fs.String("config", "", "robot.yaml to take persistence.history from (each imported module becomes a version)")
	pos, err := parseAnyOrder(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		fmt.Fprintln(stderr, "usage: rosys backup import [--data-dir DIR] [--config robot.yaml] FILE (a .tar.gz export or a RoSys export.json)")
		return 2
	}
	hcfg := robot.HistoryConfig(nil) // the default bounds, as rosys run keeps
	if *cfgPath != "" {
		cfg, err := config.Load(*cfgPath)
		if err != nil {
			fmt.Fprintln(stderr, "rosys backup import:", err)
			return 2
		}
		hcfg = robot.HistoryConfig(cfg.Persistence.History)
	}
	d, err := resolveDir(*dir)
	if err != nil {
		fmt.Fprintln(stderr, "rosys backup import:", err)
		return 1
	}
	f, err := os.Open(pos[0])
	if err != nil {
		fmt.Fprintln(stderr, "rosys backup import:", err)
		return 1
	}
	defer f.Close()
	a, err := archive.Read(f, archive.DefaultLimits)
	if err != nil {
		fmt.Fprintf(stderr, "rosys backup import: %s: %v\nnothing was changed\n", pos[0], err)
		return 1
	}
	res, err := store.ImportDir(d, a, time.Now(), hcfg)
	if errors.Is(err, store.ErrLocked) {
		fmt.Fprintf(stderr, "rosys backup import: %v\nthe robot is running: POST the file to /api/import instead, or stop it\n", err)
		return 1
	} else if err != nil {
		fmt.Fprintln(stderr, "rosys backup import:", err)
		return exitCode(err)
	}
	if res.Rollback == "" {
		fmt.Fprintf(stdout, "%s already holds this state (%d modules: %v); nothing changed\n", d, len(res.Imported)+len(res.Unknown), append(res.Imported, res.Unknown...))
		return 0
	}
	all := append(res.Imported, res.Unknown...)
	fmt.Fprintf(stdout, "imported %d modules into %s: %v\narchive %s applied; previous state kept in %s\n", len(all), d, all, res.ID, res.Rollback)
	printUnknown(stdout, res.Unknown)
	if len(res.Versions) > 0 {
		fmt.Fprintf(stdout, "recorded in the history: %v\n", res.Versions)
	}
	if res.HistoryError != nil {
		// As on a running robot: the import stands, the history says why not.
		fmt.Fprintf(stderr, "rosys backup import: imported, but not all of it is in the history: %v\n", res.HistoryError)
	}
	return 0
}

func backupList(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("backup list", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := dataDirFlag(fs)
	backups := fs.String("dir", "", "backup directory (default: the config's backup_schedule.directory, else ~/.rosys_backup)")
	cfgPath := fs.String("config", "", "robot.yaml to take backup_schedule.directory from")
	if _, err := parseAnyOrder(fs, args); err != nil {
		return 2
	}
	bdir := *backups
	if bdir == "" && *cfgPath != "" {
		cfg, err := config.Load(*cfgPath)
		if err != nil {
			fmt.Fprintln(stderr, "rosys backup list:", err)
			return 2
		}
		if cfg.BackupSchedule != nil {
			bdir = cfg.BackupSchedule.Directory
		}
	}
	if bdir == "" {
		bdir = "~/.rosys_backup"
	}
	bdir, err := vfs.ExpandHome(bdir)
	if err != nil {
		fmt.Fprintln(stderr, "rosys backup list:", err)
		return 1
	}
	d, err := resolveDir(*dir)
	if err != nil {
		fmt.Fprintln(stderr, "rosys backup list:", err)
		return 1
	}
	found := 0
	for _, place := range []struct{ title, dir string }{
		{"daily backups", bdir},
		{"rollback archives (state before each import)", filepath.Join(d, archive.RollbackDir)},
	} {
		list, err := archive.List(place.dir)
		if errors.Is(err, os.ErrNotExist) {
			continue
		} else if err != nil {
			fmt.Fprintln(stderr, "rosys backup list:", err)
			return 1
		}
		fmt.Fprintf(stdout, "%s in %s:\n", place.title, place.dir)
		for _, a := range list {
			kind := "rosys-go archive"
			if a.RoSys {
				kind = "RoSys daily backup (export.json)"
			}
			fmt.Fprintf(stdout, "  %-40s %10d bytes  %s  %s\n", filepath.Base(a.Path), a.Size, a.ModTime.Format(time.DateTime), kind)
			found++
		}
	}
	if found == 0 {
		fmt.Fprintf(stdout, "no archives in %s or %s\n", bdir, filepath.Join(d, archive.RollbackDir))
	}
	return printImports(stdout, stderr, d)
}

// printImports lists the import journal: which archive each import
// brought and what became of it (a client cut off learns it here).
func printImports(stdout, stderr io.Writer, dir string) int {
	recs, err := archive.Imports(vfs.OS{}, dir)
	if err != nil {
		fmt.Fprintln(stderr, "rosys backup list:", err)
		return 1
	}
	if len(recs) == 0 {
		return 0
	}
	fmt.Fprintf(stdout, "imports in %s (oldest first):\n", dir)
	for _, r := range recs {
		outcome := r.Outcome
		if outcome == archive.OutcomeApplying {
			outcome += " (cut off: rolled back when the data directory is next opened)"
		}
		fmt.Fprintf(stdout, "  %s  archive %s (robot %q, %d modules)  %s", r.Started.Local().Format(time.DateTime), r.ID, r.Robot, r.Modules, outcome)
		if r.Rollback != "" {
			fmt.Fprintf(stdout, "  rollback %s", r.Rollback)
		}
		if r.Error != "" {
			fmt.Fprintf(stdout, "  (%s)", r.Error)
		}
		fmt.Fprintln(stdout)
	}
	return 0
}

// printUnknown reports the keys the data directory had no file for: they
// are written all the same (the rule of archive.SplitKnown).
func printUnknown(w io.Writer, unknown []string) {
	if len(unknown) > 0 {
		fmt.Fprintf(w, "%d modules new to this data directory, written all the same: %v\n", len(unknown), unknown)
	}
}

// warnReserved names the module files an earlier version wrote under keys
// now reserved (persistence.ValidateKey): no export holds them, no import
// would take them; they stay in the data directory until renamed.
func warnReserved(w io.Writer, dir string) {
	if paths, err := store.ReservedFilesDir(dir); err == nil && len(paths) > 0 {
		fmt.Fprintf(w, "not exported: %d module files under names now reserved (kept in place; rename file and key to use them): %v\n", len(paths), paths)
	}
}
