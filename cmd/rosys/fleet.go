package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/gorosys/rosys/config"
	"github.com/gorosys/rosys/persistence/backend/s3"
	"github.com/gorosys/rosys/persistence/fleet"
	"github.com/gorosys/rosys/persistence/mirror"
	"github.com/gorosys/rosys/persistence/vfs"
)

func (a app) fleetCommand(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: rosys fleet list|restore --config robot.yaml [flags]")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch args[0] {
	case "list":
		return fleetList(ctx, args[1:], stdout, stderr)
	case "restore":
		return fleetRestore(ctx, args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "rosys fleet: unknown subcommand %q (list, restore)\n", args[0])
	return 2
}

// fleetBucket opens the bucket robot.yaml's S3 settings name, at its top:
// every robot's root_path is found below it.
func fleetBucket(cfgPath string) (*s3.Backend, error) {
	if cfgPath == "" {
		return nil, errors.New("--config robot.yaml is required (its persistence S3 settings name the bucket)")
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		return nil, err
	}
	var b *config.Backend
	switch p := cfg.Persistence; {
	case p.Backend != nil:
		b = p.Backend
	case p.MetadataStorage != nil:
		b = p.MetadataStorage
	}
	if b == nil || b.S3 == nil {
		return nil, fmt.Errorf("%s: persistence.backend (or metadata_storage) is not s3: there is no bucket to list", cfgPath)
	}
	s := b.S3
	return s3.New("", s3.Settings{Bucket: s.Bucket, Endpoint: s.Endpoint, Region: s.Region, AccessKey: s.AccessKey, SecretKey: s.SecretKey,
		TLS: s.TLS == nil || *s.TLS, PathStyle: s.PathStyle != nil && *s.PathStyle})
}

func fleetList(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("fleet list", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "robot.yaml whose S3 settings name the bucket")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseAnyOrder(fs, args); err != nil {
		return 2
	}
	bucket, err := fleetBucket(*cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, "rosys fleet list:", err)
		return 2
	}
	robots, err := fleet.List(ctx, bucket, fleet.DefaultLimits)
	if err != nil {
		fmt.Fprintf(stderr, "rosys fleet list: %s: %v\n", bucket, err)
		return 1
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(robots)
		return 0
	}
	if len(robots) == 0 {
		fmt.Fprintf(stdout, "no robots in %s\n", bucket)
		return 0
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROOT\tHOST\tLAST COMMIT\tGENERATION\tSHUTDOWN\tMIRROR LAG\tLAST DAILY BACKUP\tSTATE")
	for _, r := range robots {
		last := "-"
		if !r.LastCommit.IsZero() {
			last = r.LastCommit.Local().Format(time.DateTime)
		}
		shutdown := "unclean"
		if r.CleanShutdown {
			shutdown = "clean"
		}
		state := "ok"
		if r.Damaged != "" {
			state = "DAMAGED: " + r.Damaged
		}
		if n := len(r.Refused); n > 0 && r.Damaged == "" {
			state = fmt.Sprintf("ok, %d manifest(s) refused (--json lists them)", n)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", r.Name, r.Root, dash(r.Host), last, r.Generation, shutdown,
			r.MirrorLag.Round(time.Millisecond), dash(r.LastDailyBackup), state)
	}
	_ = tw.Flush()
	for _, r := range robots {
		for _, why := range r.Refused {
			fmt.Fprintf(stdout, "%s: refused %s\n", r.Root, why)
		}
	}
	return 0
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func fleetRestore(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("fleet restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "robot.yaml whose S3 settings name the bucket")
	dir := fs.String("data-dir", "", "data directory of the replacement board (required)")
	gen := fs.Uint64("generation", 0, "generation to restore (default: the newest)")
	force := fs.Bool("force", false, "restore into a data directory that holds module files (their state is kept as a rollback archive)")
	takeOver := fs.Bool("take-over", false, "hand the robot's lease to this machine (run it on the replacement board, once the old one is gone for good)")
	pos, err := parseAnyOrder(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 || *dir == "" {
		fmt.Fprintln(stderr, "usage: rosys fleet restore NAME --config robot.yaml --data-dir DIR [--generation N] [--force] [--take-over]")
		return 2
	}
	d, err := vfs.ExpandHome(*dir)
	if err != nil {
		fmt.Fprintln(stderr, "rosys fleet restore:", err)
		return 1
	}
	bucket, err := fleetBucket(*cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, "rosys fleet restore:", err)
		return 2
	}
	r, err := fleet.Find(ctx, bucket, pos[0], fleet.DefaultLimits)
	if err != nil {
		fmt.Fprintln(stderr, "rosys fleet restore:", err)
		return 1
	}
	bar := newProgressBar(stderr, time.Now)
	res, err := fleet.Restore(ctx, bucket, r, fleet.RestoreOptions{Generation: *gen, Dir: d, Force: *force, Now: time.Now(), Progress: bar.update}, fleet.DefaultLimits)
	bar.done()
	if err != nil {
		fmt.Fprintf(stderr, "rosys fleet restore: %s: %v\nnothing was changed\n", r.Name, err)
		return 1
	}
	fmt.Fprintf(stdout, "restored %s generation %d (%d modules, %d bytes, checksums verified) into %s: %s\n",
		r.Name, res.Generation, len(res.Modules), res.Bytes, d, strings.Join(res.Modules, ", "))
	if res.Rollback != "" {
		fmt.Fprintf(stdout, "previous state kept in %s\n", res.Rollback)
	}
	if !*takeOver {
		if r.Host != "" {
			fmt.Fprintf(stdout, "the lease in %s still names host %s: once the old board is gone for good, run this again on the new board with --take-over (or delete %s/lease.json) so it can mirror there\n", r.Root, r.Host, r.Root)
		}
		return 0
	}
	host := mirror.HostID()
	from, err := fleet.TakeOver(ctx, bucket, r, host, time.Now())
	switch {
	case errors.Is(err, mirror.ErrNoLease):
		fmt.Fprintf(stdout, "%s holds no lease: the new board takes it when it starts\n", r.Root)
	case err != nil:
		fmt.Fprintf(stderr, "rosys fleet restore: the state is restored, but the lease was not handed over: %v\n", err)
		return 1
	case from.Host == host:
		fmt.Fprintf(stdout, "the lease in %s already names this machine (%s)\n", r.Root, host)
	default:
		fmt.Fprintf(stdout, "the lease in %s now names this machine (%s) instead of %s: start rosys here with robot name %q and root_path %q\n", r.Root, host, from.Host, from.Robot, r.Root)
	}
	return 0
}
