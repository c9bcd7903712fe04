package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/gorosys/rosys/config"
	"github.com/gorosys/rosys/deploy"
)

func (a app) installCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("install", flag.ContinueOnError)
	fs.SetOutput(stderr)
	root := fs.String("root", "/", "lay the install out below this directory (tests, an SD card's root); systemd and, unless root, the user are left alone")
	binary := fs.String("binary", "", "the rosys binary to install (default: this one)")
	cfgFile := fs.String("config", "", "robot.yaml to put in place when /etc/rosys/robot.yaml does not exist (checked first; default: a minimal one)")
	noSystemd := fs.Bool("no-systemd", false, "do not reload, enable or start the unit")
	noStart := fs.Bool("no-start", false, "enable the unit but do not start it")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "rosys install: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	o := deploy.InstallOptions{Layout: deploy.Layout{Root: *root}, Binary: *binary, Log: stdout}
	if o.Binary == "" {
		exe, err := os.Executable()
		if err != nil {
			fmt.Fprintln(stderr, "rosys install: cannot find this binary:", err)
			return 1
		}
		o.Binary = exe
	}
	if *cfgFile != "" {
		if _, err := config.Load(*cfgFile); err != nil {
			fmt.Fprintln(stderr, "rosys install:", err)
			return 1
		}
		b, err := os.ReadFile(*cfgFile) // bounded by config.Load above
		if err != nil {
			fmt.Fprintln(stderr, "rosys install:", err)
			return 1
		}
		o.Config = b
	}
	isRoot := os.Geteuid() == 0
	onSystem := filepath.Clean(*root) == "/"
	if onSystem && !isRoot {
		fmt.Fprintln(stderr, "rosys install: needs root to install on this system (sudo rosys install), or --root DIR to lay it out below DIR")
		return 1
	}
	o.Accounts = isRoot
	o.Systemd = onSystem && !*noSystemd
	o.Start = !*noStart
	if err := deploy.Install(context.Background(), o); err != nil {
		fmt.Fprintln(stderr, "rosys install:", err)
		return 1
	}
	return 0
}

func (a app) updateCommand(args []string, stdout, stderr io.Writer) int {
	return a.switchCommand("update", args, stdout, stderr)
}

func (a app) rollbackCommand(args []string, stdout, stderr io.Writer) int {
	return a.switchCommand("rollback", args, stdout, stderr)
}

// switchCommand is update NEW_BINARY and rollback (to the previous
// version's binary): both keep the new one only once it is ready.
func (a app) switchCommand(name string, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	root := fs.String("root", "/", "the install layout's root")
	cfgFile := fs.String("config", "", "robot.yaml naming the API address and token (default: /etc/rosys/robot.yaml below --root)")
	statusURL := fs.String("status-url", "", "the robot's /api/status (default: from robot.yaml's http, on loopback)")
	timeout := fs.Duration("timeout", 90*time.Second, "how long the new version has to become ready (sd_notify READY and /api/status answering)")
	noBackup := fs.Bool("no-backup", false, "skip the export of the robot's state before the switch")
	unit := fs.String("unit", deploy.UnitName, "the systemd unit")
	if err := fs.Parse(reorder(args)); err != nil {
		return 2
	}
	l := deploy.Layout{Root: *root}
	var binary string
	switch {
	case name == "update" && fs.NArg() == 1:
		binary = fs.Arg(0)
	case name == "update":
		fmt.Fprintln(stderr, "rosys update: give the new binary: rosys update [flags] NEW_BINARY")
		return 2
	case fs.NArg() != 0:
		fmt.Fprintf(stderr, "rosys rollback: unexpected argument %q\n", fs.Arg(0))
		return 2
	default:
		prev, err := l.PreviousID()
		if err == nil && prev == "" {
			err = errors.New("no previous version to roll back to")
		}
		if err != nil {
			fmt.Fprintln(stderr, "rosys rollback:", err)
			return 1
		}
		binary = l.Binary(prev)
	}
	if *timeout <= 0 || *timeout > time.Hour {
		fmt.Fprintf(stderr, "rosys %s: --timeout %s out of range (0, 1h]\n", name, *timeout)
		return 2
	}
	if *cfgFile == "" {
		*cfgFile = filepath.Join(*root, deploy.ConfigPath)
	}
	api, err := apiFromConfig(*cfgFile, *statusURL)
	if err != nil {
		fmt.Fprintf(stderr, "rosys %s: %v\n", name, err)
		return 1
	}
	o := deploy.UpdateOptions{Layout: l, Binary: binary, Service: deploy.Systemctl{Unit: *unit}, Timeout: *timeout, Log: stdout}
	if api.statusURL != "" {
		o.Probe = api.runningID
		if !*noBackup {
			o.Backup = func(ctx context.Context) (string, error) { return api.export(ctx, l) }
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rec, err := deploy.Update(ctx, o)
	if err != nil {
		fmt.Fprintf(stderr, "rosys %s: %v\n", name, err)
		if errors.Is(err, deploy.ErrRolledBack) {
			return 3
		}
		return 1
	}
	fmt.Fprintf(stdout, "rosys %s: %s runs (previous %s)\n", name, rec.To, rec.From)
	return 0
}

// reorder puts flags before positional arguments (rosys update BIN --timeout 1m).
func reorder(args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		s := args[i]
		switch {
		case s == "--":
			pos = append(pos, args[i+1:]...)
			i = len(args)
		case len(s) > 1 && s[0] == '-':
			flags = append(flags, s)
			if i+1 < len(args) && !hasValue(s) && !isBoolFlag(s) {
				flags = append(flags, args[i+1])
				i++
			}
		default:
			pos = append(pos, s)
		}
	}
	return append(flags, pos...)
}

func hasValue(s string) bool {
	for _, c := range s {
		if c == '=' {
			return true
		}
	}
	return false
}

func isBoolFlag(s string) bool {
	return s == "--no-backup" || s == "-no-backup" || s == "-h" || s == "--help" || s == "-help"
}

// robotAPI is the running robot's API as update talks to it.
type robotAPI struct {
	statusURL, exportURL, token string
	client                      *http.Client
}

func apiFromConfig(cfgFile, statusURL string) (robotAPI, error) {
	api := robotAPI{client: &http.Client{Timeout: 5 * time.Second}}
	cfg, err := config.Load(cfgFile)
	if err != nil {
		if statusURL == "" {
			return api, fmt.Errorf("%w (or give --status-url)", err)
		}
	} else {
		api.token = cfg.Token()
	}
	if statusURL == "" && cfg != nil {
		addr := cfg.HTTPAddress()
		if addr == "" {
			return api, nil // http: off: systemd's word alone
		}
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return api, fmt.Errorf("%s: http %q: %w", cfgFile, addr, err)
		}
		if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
			host = "127.0.0.1"
		}
		statusURL = "http://" + net.JoinHostPort(host, port) + "/api/status"
	}
	api.statusURL = statusURL
	if u, ok := cutSuffix(statusURL, "/api/status"); ok {
		api.exportURL = u + "/api/export"
	}
	return api, nil
}

func cutSuffix(s, suffix string) (string, bool) {
	if len(s) >= len(suffix) && s[len(s)-len(suffix):] == suffix {
		return s[:len(s)-len(suffix)], true
	}
	return s, false
}

func (api robotAPI) get(ctx context.Context, url string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	if api.token != "" {
		req.Header.Set("Authorization", "Bearer "+api.token)
	}
	resp, err := api.client.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("%s: %s", url, resp.Status)
	}
	return resp, nil
}

// runningID asks /api/status which install id the robot runs from.
func (api robotAPI) runningID(ctx context.Context) (string, error) {
	resp, err := api.get(ctx, api.statusURL)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var st struct {
		Version deploy.Versions `json:"version"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 8<<20)).Decode(&st); err != nil {
		return "", fmt.Errorf("%s: %w", api.statusURL, err)
	}
	return st.Version.RunningID, nil
}

// maxExport bounds the export update keeps before a switch.
const maxExport = 1 << 30

// export saves the running robot's state (GET /api/export) under
// /opt/rosys/backups before a switch, so a new version's migrations can
// always be undone: `rosys backup import` of this file into the old one.
func (api robotAPI) export(ctx context.Context, l deploy.Layout) (string, error) {
	if api.exportURL == "" {
		return "", errors.New("no export URL beside " + api.statusURL)
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	client := *api.client
	client.Timeout = 0 // the context bounds it; an export may take a while
	api.client = &client
	resp, err := api.get(ctx, api.exportURL)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	dir := filepath.Join(l.Root, deploy.Prefix, "backups")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	cur, _ := l.CurrentID()
	path := filepath.Join(dir, fmt.Sprintf("pre-update-%s-%s.tar.gz", time.Now().UTC().Format("20060102T150405Z"), cur))
	f, err := os.OpenFile(path+".tmp", os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return "", err
	}
	n, err := io.Copy(f, io.LimitReader(resp.Body, maxExport+1))
	if err == nil && n > maxExport {
		err = fmt.Errorf("export larger than %d bytes", maxExport)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(path+".tmp", path)
	}
	if err != nil {
		os.Remove(path + ".tmp")
		return "", err
	}
	return path, nil
}

// printVersions is `rosys version`: the build, then the install layout's
// versions when this binary runs from one or /opt/rosys exists.
func printVersions(out io.Writer) {
	fmt.Fprintf(out, "rosys %s\n", version)
	v := deploy.RunningVersions(version)
	if v.InstallRoot == "" {
		v = deploy.LayoutVersions(deploy.Layout{Root: "/"}, version)
	}
	if v.InstallRoot == "" {
		return
	}
	fmt.Fprintf(out, "install: %s\n", v.InstallRoot)
	if v.RunningID != "" {
		fmt.Fprintf(out, "this binary: %s\n", v.RunningID)
	}
	fmt.Fprintf(out, "current: %s\n", v.Current)
	if v.PreviousID != "" {
		fmt.Fprintf(out, "previous: %s (%s)\n", v.PreviousID, v.Previous)
	}
	if u := v.LastUpdate; u != nil {
		fmt.Fprintf(out, "last update: %s %s -> %s: %s", u.At.Format(time.RFC3339), u.From, u.To, u.Outcome)
		if u.Reason != "" {
			fmt.Fprintf(out, " (%s)", u.Reason)
		}
		fmt.Fprintln(out)
	}
}
