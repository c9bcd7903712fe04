package deploy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/gorosys/rosys/internal/durable"
)

// Runner runs a system command (useradd, usermod, systemctl); tests
// record instead.
type Runner func(ctx context.Context, name string, args ...string) error

// ExecRunner runs the command, its output kept for the error.
func ExecRunner(ctx context.Context, name string, args ...string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var out bytes.Buffer
	cmd.Stdout = &limitedWriter{w: &out, n: 8192}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(out.String()))
	}
	return nil
}

// DefaultConfig is the robot.yaml an install writes when none is there
// and none is given: the detected board, the API on loopback, state in
// the service's state directory.
const DefaultConfig = `# Written by rosys install; edit and restart: sudo systemctl restart rosys.
# Keys: docs/configuration.md. The service runs with --data-dir /var/lib/rosys.
name: robot
board: auto
http: 127.0.0.1:8080
`

// InstallOptions says what `rosys install` does.
type InstallOptions struct {
	Layout Layout
	// Binary is the rosys binary to install (the running one by default).
	Binary string
	// Config is a robot.yaml to put in place when none is there (empty:
	// DefaultConfig). An existing /etc/rosys/robot.yaml is never replaced.
	Config []byte
	// Accounts creates the robot user and adds it to the groups that exist
	// (useradd/usermod; needs root).
	Accounts bool
	// Systemd reloads systemd, enables the unit, and starts it if Start.
	Systemd bool
	Start   bool
	Run     Runner
	Log     io.Writer
}

// ErrOtherVersion is returned when a different version is installed
// already: switching is `rosys update`'s, with its readiness check.
var ErrOtherVersion = errors.New("a different version is installed")

// Install puts rosys in place; run again, it changes nothing that is
// right already.
func Install(ctx context.Context, o InstallOptions) error {
	l := o.Layout
	say := func(format string, a ...any) { fmt.Fprintf(o.Log, "install: "+format+"\n", a...) }
	if o.Run == nil {
		o.Run = ExecRunner
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	id, err := l.Stage(ctx, o.Binary)
	if err != nil {
		return err
	}
	cur, err := l.CurrentID()
	if err != nil {
		return err
	}
	switch cur {
	case "":
		if err := l.setLink(l.Current(), id); err != nil {
			return fmt.Errorf("current: %w", err)
		}
		say("binary %s is current (%s)", id, l.Binary(id))
	case id:
		say("binary %s already current", id)
	default:
		return fmt.Errorf("%w (current %s, this binary %s): use `rosys update %s`, which keeps it only once it runs", ErrOtherVersion, cur, id, o.Binary)
	}

	if err := l.binLink(say); err != nil {
		return err
	}

	var groups []string
	if o.Accounts {
		if groups, err = l.accounts(ctx, o.Run, say); err != nil {
			return err
		}
	} else {
		groups, _, err = l.existingGroups(User, WantedGroups)
		if err != nil {
			return err
		}
		say("user %s not checked (not root): create it with useradd --system --user-group %s", User, User)
	}
	unit := []byte(Unit(groups))
	unitChanged := true
	if have, err := readBounded(l.path(UnitPath), 1<<20); err == nil && bytes.Equal(have, unit) {
		unitChanged = false
		say("unit %s unchanged", UnitPath)
	} else {
		if err := writeFileAtomic(l.path(UnitPath), unit, 0o644); err != nil {
			return fmt.Errorf("unit: %w", err)
		}
		say("unit %s written (groups: %s)", UnitPath, strings.Join(groups, " "))
	}

	cfgPath := l.path(ConfigPath)
	if _, err := os.Lstat(cfgPath); err == nil {
		say("config %s kept as it is", ConfigPath)
	} else if errors.Is(err, os.ErrNotExist) {
		cfg := o.Config
		if cfg == nil {
			cfg = []byte(DefaultConfig)
		}
		if err := writeFileAtomic(cfgPath, cfg, 0o644); err != nil {
			return fmt.Errorf("config: %w", err)
		}
		say("config %s written", ConfigPath)
	} else {
		return fmt.Errorf("config: %w", err)
	}

	if !o.Systemd {
		say("systemd left alone (--root or --no-systemd): systemctl daemon-reload && systemctl enable --now %s", UnitName)
		return nil
	}
	if err := o.Run(ctx, "systemctl", "daemon-reload"); err != nil {
		return err
	}
	if err := o.Run(ctx, "systemctl", "enable", UnitName); err != nil {
		return err
	}
	say("%s enabled", UnitName)
	if o.Start {
		verb := "start"
		if unitChanged {
			verb = "restart" // a running service picks the new unit up
		}
		if err := o.Run(ctx, "systemctl", verb, UnitName); err != nil {
			return fmt.Errorf("%w (journalctl -u rosys says why)", err)
		}
		say("%s %sed", UnitName, verb)
	}
	return nil
}

// binLink makes /usr/local/bin/rosys the current binary's symlink; a
// plain file there (an install by hand) is moved aside, not lost.
func (l Layout) binLink(say func(string, ...any)) error {
	link := l.path(BinLink)
	want := Prefix + "/current/rosys"
	fi, err := os.Lstat(link)
	switch {
	case err == nil && fi.Mode()&os.ModeSymlink != 0:
		if t, _ := os.Readlink(link); t == want {
			say("%s already links %s", BinLink, want)
			return nil
		}
	case err == nil && fi.Mode().IsRegular():
		aside := link + ".before-install"
		if err := os.Rename(link, aside); err != nil {
			return err
		}
		say("%s was a plain file: moved to %s", BinLink, BinLink+".before-install")
	case err == nil:
		return fmt.Errorf("%s is neither a file nor a symlink", BinLink)
	case !errors.Is(err, os.ErrNotExist):
		return err
	}
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		return err
	}
	tmp := link + ".new"
	_ = os.Remove(tmp)
	if err := os.Symlink(want, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, link); err != nil {
		return err
	}
	say("%s -> %s", BinLink, want)
	return durable.SyncDir(filepath.Dir(link))
}

// accounts creates the robot user (a system user with its own group, home
// the data directory, no login) and adds it to the wanted groups that
// exist. It returns those groups.
func (l Layout) accounts(ctx context.Context, run Runner, say func(string, ...any)) ([]string, error) {
	var rootArgs []string
	if l.Root != "" && l.Root != "/" {
		rootArgs = []string{"--root", l.Root}
	}
	ok, err := l.hasUser(User)
	if err != nil {
		return nil, fmt.Errorf("reading users: %w", err)
	}
	if ok {
		say("user %s exists", User)
	} else {
		args := append(append([]string{}, rootArgs...), "--system", "--user-group", "--home-dir", DataDir, "--no-create-home", "--shell", "/usr/sbin/nologin", User)
		if err := run(ctx, "useradd", args...); err != nil {
			return nil, err
		}
		say("user %s created", User)
	}
	have, missing, err := l.existingGroups(User, WantedGroups)
	if err != nil {
		return nil, err
	}
	if len(missing) > 0 {
		args := append(append([]string{}, rootArgs...), "--append", "--groups", strings.Join(missing, ","), User)
		if err := run(ctx, "usermod", args...); err != nil {
			return nil, err
		}
		say("user %s added to %s", User, strings.Join(missing, " "))
	} else {
		say("user %s in groups %s", User, strings.Join(have, " "))
	}
	return have, nil
}
