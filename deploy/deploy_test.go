package deploy

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// fakeBinary writes a script answering `version` like rosys.
func fakeBinary(t *testing.T, dir, version string) string {
	t.Helper()
	p := filepath.Join(dir, "rosys-"+version)
	if err := os.WriteFile(p, []byte("#!/bin/sh\necho 'rosys "+version+"'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// fakeRoot is a system root with accounts files; its runner applies
// useradd and usermod to them, as the real commands would.
func fakeRoot(t *testing.T) (Layout, Runner, *[]string) {
	t.Helper()
	root := t.TempDir()
	write := func(p, s string) {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, p), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("etc/passwd", "root:x:0:0:root:/root:/bin/bash\n")
	write("etc/group", "root:x:0:\ndialout:x:20:\nvideo:x:44:pi\n")
	var calls []string
	run := func(_ context.Context, name string, args ...string) error {
		calls = append(calls, name+" "+strings.Join(args, " "))
		switch name {
		case "useradd":
			f, _ := os.OpenFile(filepath.Join(root, "etc/passwd"), os.O_APPEND|os.O_WRONLY, 0)
			f.WriteString("robot:x:999:999::/var/lib/rosys:/usr/sbin/nologin\n")
			f.Close()
		case "usermod":
			groups := strings.Split(args[len(args)-2], ",")
			b, _ := os.ReadFile(filepath.Join(root, "etc/group"))
			lines := strings.Split(strings.TrimSpace(string(b)), "\n")
			for i, l := range lines {
				if slices.Contains(groups, strings.Split(l, ":")[0]) {
					if strings.HasSuffix(l, ":") {
						lines[i] = l + "robot"
					} else {
						lines[i] = l + ",robot"
					}
				}
			}
			os.WriteFile(filepath.Join(root, "etc/group"), []byte(strings.Join(lines, "\n")+"\n"), 0o644)
		}
		return nil
	}
	return Layout{Root: root}, run, &calls
}

func TestInstallIsIdempotent(t *testing.T) {
	l, run, calls := fakeRoot(t)
	bin := fakeBinary(t, t.TempDir(), "v1.0")
	var log bytes.Buffer
	o := InstallOptions{Layout: l, Binary: bin, Accounts: true, Systemd: true, Start: true, Run: run, Log: &log}
	if err := Install(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	id, err := l.CurrentID()
	if err != nil || !strings.HasPrefix(id, "v1.0-") || len(id) != len("v1.0-")+12 {
		t.Fatalf("current = %q, %v", id, err)
	}
	if got, _ := os.ReadFile(l.Binary(id)); !strings.Contains(string(got), "rosys v1.0") {
		t.Fatalf("installed binary holds %q", got)
	}
	if v := l.VersionOf(id); v != "v1.0" {
		t.Fatalf("VERSION = %q", v)
	}
	if target, _ := os.Readlink(l.path(BinLink)); target != "/opt/rosys/current/rosys" {
		t.Fatalf("%s -> %q", BinLink, target)
	}
	unit, _ := os.ReadFile(l.path(UnitPath))
	for _, want := range []string{"Type=notify", "WatchdogSec=5s", "TimeoutStopSec=30s", "SupplementaryGroups=dialout video\n"} {
		if !strings.Contains(string(unit), want) {
			t.Errorf("unit lacks %q:\n%s", want, unit)
		}
	}
	if cfg, _ := os.ReadFile(l.path(ConfigPath)); string(cfg) != DefaultConfig {
		t.Fatalf("config = %q", cfg)
	}
	wantCalls := []string{
		"useradd --root " + l.Root + " --system --user-group --home-dir /var/lib/rosys --no-create-home --shell /usr/sbin/nologin robot",
		"usermod --root " + l.Root + " --append --groups dialout,video robot",
		"systemctl daemon-reload", "systemctl enable rosys.service", "systemctl restart rosys.service",
	}
	if !slices.Equal(*calls, wantCalls) {
		t.Fatalf("first install ran\n%q\nwant\n%q", *calls, wantCalls)
	}

	// Again, with an edited robot.yaml: nothing changes, nothing is created.
	if err := os.WriteFile(l.path(ConfigPath), []byte("name: mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	*calls = nil
	log.Reset()
	o.Config = []byte("name: other\n")
	if err := Install(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	wantCalls = []string{"systemctl daemon-reload", "systemctl enable rosys.service", "systemctl start rosys.service"}
	if !slices.Equal(*calls, wantCalls) {
		t.Fatalf("second install ran %q, want %q", *calls, wantCalls)
	}
	if cfg, _ := os.ReadFile(l.path(ConfigPath)); string(cfg) != "name: mine\n" {
		t.Fatalf("second install replaced robot.yaml: %q", cfg)
	}
	for _, want := range []string{"already current", "user robot exists", "unchanged", "kept as it is"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("second install's log lacks %q:\n%s", want, log.String())
		}
	}

	// A different binary is update's business.
	o.Binary = fakeBinary(t, t.TempDir(), "v2.0")
	if err := Install(context.Background(), o); !errors.Is(err, ErrOtherVersion) {
		t.Fatalf("install of another version: %v, want ErrOtherVersion", err)
	}
	if cur, _ := l.CurrentID(); cur != id {
		t.Fatalf("refused install moved current to %s", cur)
	}
}

func TestInstallMovesAPlainBinaryAside(t *testing.T) {
	l, run, _ := fakeRoot(t)
	if err := os.MkdirAll(l.path("/usr/local/bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(l.path(BinLink), []byte("old"), 0o755); err != nil {
		t.Fatal(err)
	}
	err := Install(context.Background(), InstallOptions{Layout: l, Binary: fakeBinary(t, t.TempDir(), "v1"), Run: run})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(l.path(BinLink + ".before-install")); string(b) != "old" {
		t.Fatalf("the plain binary was not kept aside: %q", b)
	}
}

func TestInstallErrors(t *testing.T) {
	l, run, _ := fakeRoot(t)
	for _, bin := range []string{filepath.Join(l.Root, "missing"), l.Root} {
		err := Install(context.Background(), InstallOptions{Layout: l, Binary: bin, Run: run})
		if err == nil || !strings.Contains(err.Error(), "binary") {
			t.Errorf("install of %s: %v, want an error naming the binary", bin, err)
		}
	}
	empty := filepath.Join(t.TempDir(), "empty")
	os.WriteFile(empty, nil, 0o755)
	if err := Install(context.Background(), InstallOptions{Layout: l, Binary: empty, Run: run}); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("install of an empty file: %v", err)
	}
}

func TestUnitWithoutGroups(t *testing.T) {
	u := Unit(nil)
	if strings.Contains(u, "\nSupplementaryGroups") || !strings.Contains(u, "Type=notify") {
		t.Fatalf("unit without groups:\n%s", u)
	}
}

func TestVersionID(t *testing.T) {
	sum := bytes.Repeat([]byte{0xab}, 32)
	for version, want := range map[string]string{
		"v1.2.3":        "v1.2.3-abababababab",
		"":              "unknown-abababababab",
		"../../etc x/y": ".._.._etc_x_y-abababababab",
	} {
		if got := versionID(version, sum); got != want || !validID(got) {
			t.Errorf("versionID(%q) = %q, want %q", version, got, want)
		}
	}
}

func TestInstalledFrom(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "opt/rosys/versions/v1-abcdefabcdef")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "rosys"), []byte("x"), 0o755)
	os.Symlink("versions/v1-abcdefabcdef", filepath.Join(root, "opt/rosys/current"))
	l, id, ok := InstalledFrom(filepath.Join(root, "opt/rosys/current/rosys"))
	if !ok || id != "v1-abcdefabcdef" || l.Root != root {
		t.Fatalf("InstalledFrom = %+v %q %v", l, id, ok)
	}
	if _, _, ok := InstalledFrom(filepath.Join(dir, "..", "..", "rosys")); ok {
		t.Fatal("a binary outside versions/ counted as installed")
	}
}

// fakeService is systemd for one unit: a version listed in ready becomes
// ready after Restart, one in exits exits, any other stays activating.
type fakeService struct {
	l        Layout
	ready    map[string]bool
	exits    map[string]bool
	running  string
	restarts int
}

func (f *fakeService) Restart(context.Context) error {
	f.running, _ = f.l.CurrentID()
	f.restarts++
	return nil
}

func (f *fakeService) State(context.Context) (ServiceState, error) {
	switch {
	case f.ready[f.running]:
		return ServiceState{Active: "active", Sub: "running", MainPID: 100 + f.restarts}, nil
	case f.exits[f.running]:
		return ServiceState{Active: "activating", Sub: "auto-restart", Result: "exit-code"}, nil
	}
	return ServiceState{Active: "activating", Sub: "start"}, nil
}

func (f *fakeService) probe(context.Context) (string, error) { return f.running, nil }

func installed(t *testing.T) (Layout, string) {
	t.Helper()
	l, run, _ := fakeRoot(t)
	if err := Install(context.Background(), InstallOptions{Layout: l, Binary: fakeBinary(t, t.TempDir(), "v1"), Run: run}); err != nil {
		t.Fatal(err)
	}
	id, _ := l.CurrentID()
	return l, id
}

func TestUpdateKeepsAReadyVersion(t *testing.T) {
	l, v1 := installed(t)
	bin := fakeBinary(t, t.TempDir(), "v2")
	svc := &fakeService{l: l, running: v1}
	st := &readyAll{fakeService: svc}
	backups := 0
	rec, err := Update(context.Background(), UpdateOptions{Layout: l, Binary: bin, Service: st, Probe: svc.probe, Timeout: 5 * time.Second,
		Poll: time.Millisecond, Backup: func(context.Context) (string, error) { backups++; return "/b", nil }})
	if err != nil {
		t.Fatal(err)
	}
	cur, _ := l.CurrentID()
	prev, _ := l.PreviousID()
	if rec.Outcome != "kept" || cur != rec.To || !strings.HasPrefix(cur, "v2-") || prev != v1 || backups != 1 || rec.Backup != "/b" {
		t.Fatalf("record %+v, current %s, previous %s, backups %d", rec, cur, prev, backups)
	}
	if lu := l.LastUpdate(); lu == nil || lu.Outcome != "kept" || lu.To != cur {
		t.Fatalf("last-update.json = %+v", lu)
	}
	v := LayoutVersions(l, "x")
	if v.Current != cur || v.PreviousID != v1 || v.Previous != "v1" {
		t.Fatalf("LayoutVersions = %+v", v)
	}
	if _, err := Update(context.Background(), UpdateOptions{Layout: l, Binary: bin, Service: st, Timeout: time.Second}); !errors.Is(err, ErrSameVersion) {
		t.Fatalf("update to the running version: %v", err)
	}
}

// readyAll makes every version ready.
type readyAll struct{ *fakeService }

func (r *readyAll) State(context.Context) (ServiceState, error) {
	return ServiceState{Active: "active", Sub: "running", MainPID: 100 + r.restarts}, nil
}

func TestUpdateRollsBack(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		exits      bool
	}{
		{"exits at once", "the service exited", true},
		{"never ready", "not ready within 200ms: not ready (activating/start)", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, v1 := installed(t)
			svc := &fakeService{l: l, ready: map[string]bool{v1: true}, running: v1, exits: map[string]bool{}}
			bin := fakeBinary(t, t.TempDir(), "bad")
			if tc.exits {
				id, err := l.Stage(context.Background(), bin)
				if err != nil {
					t.Fatal(err)
				}
				svc.exits[id] = true
			}
			rec, err := Update(context.Background(), UpdateOptions{Layout: l, Binary: bin, Service: svc, Probe: svc.probe,
				Timeout: 200 * time.Millisecond, Poll: time.Millisecond})
			if !errors.Is(err, ErrRolledBack) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("update: %v, want ErrRolledBack saying %q", err, tc.want)
			}
			cur, _ := l.CurrentID()
			prev, _ := l.PreviousID()
			if cur != v1 || prev != "" || svc.running != v1 || svc.restarts != 2 || rec.Outcome != "rolled back" {
				t.Fatalf("after rollback: current %s previous %q running %s restarts %d record %+v", cur, prev, svc.running, svc.restarts, rec)
			}
			if lu := l.LastUpdate(); lu == nil || lu.Outcome != "rolled back" || !strings.HasPrefix(lu.To, "bad-") {
				t.Fatalf("last-update.json = %+v", lu)
			}
		})
	}
}

func TestUpdateErrors(t *testing.T) {
	l, _, _ := fakeRoot(t)
	if _, err := Update(context.Background(), UpdateOptions{Layout: l, Binary: "/bin/true", Timeout: time.Second}); !errors.Is(err, ErrNotInstalled) {
		t.Fatalf("update without install: %v", err)
	}
	l, v1 := installed(t)
	svc := &fakeService{l: l, running: v1}
	_, err := Update(context.Background(), UpdateOptions{Layout: l, Binary: fakeBinary(t, t.TempDir(), "v2"), Service: svc, Timeout: time.Second,
		Backup: func(context.Context) (string, error) { return "", errors.New("robot down") }})
	if err == nil || !strings.Contains(err.Error(), "robot down") || svc.restarts != 0 {
		t.Fatalf("update with a failing export: %v, restarts %d", err, svc.restarts)
	}
	if cur, _ := l.CurrentID(); cur != v1 {
		t.Fatalf("a failed export switched current to %s", cur)
	}
	// A stale lock holder is another update.
	unlock, err := l.lock()
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	if _, err := Update(context.Background(), UpdateOptions{Layout: l, Binary: "/bin/true", Service: svc, Timeout: time.Second}); err == nil || !strings.Contains(err.Error(), "another update") {
		t.Fatalf("concurrent update: %v", err)
	}
}

func TestParseShow(t *testing.T) {
	st := parseShow([]byte("ActiveState=active\nSubState=running\nMainPID=42\nNRestarts=3\nResult=success\n"))
	if !st.Ready() || st.Exited() || st.MainPID != 42 || st.NRestarts != 3 {
		t.Fatalf("%+v", st)
	}
	if st := parseShow([]byte("ActiveState=activating\nSubState=auto-restart\n")); !st.Exited() || st.Ready() {
		t.Fatalf("%+v", st)
	}
}

func TestVersionsNowReadsTheLastUpdateAgain(t *testing.T) {
	l, _ := installed(t)
	v := Versions{Running: "v1", InstallRoot: l.path(Prefix)}
	if got := v.Now().(Versions); got.LastUpdate != nil {
		t.Fatalf("before any update: %+v", got.LastUpdate)
	}
	if err := l.record(UpdateRecord{From: "a", To: "b", Outcome: "kept"}); err != nil {
		t.Fatal(err)
	}
	if got := v.Now().(Versions); got.LastUpdate == nil || got.LastUpdate.Outcome != "kept" || got.Running != "v1" {
		t.Fatalf("after an update: %+v", got)
	}
}

func TestPruneKeepsCurrentPreviousAndTheNewest(t *testing.T) {
	l, v1 := installed(t)
	base := time.Now().Add(-time.Hour)
	var ids []string
	for i := range 6 {
		id := versionID("old", []byte{byte(i), 1, 2, 3, 4, 5})
		dir := filepath.Join(l.Versions(), id)
		os.MkdirAll(dir, 0o755)
		os.Chtimes(dir, base.Add(time.Duration(i)*time.Minute), base.Add(time.Duration(i)*time.Minute))
		ids = append(ids, id)
		b := filepath.Join(l.path(Prefix), "backups", "pre-update-"+id+".tar.gz")
		os.MkdirAll(filepath.Dir(b), 0o700)
		os.WriteFile(b, nil, 0o600)
		os.Chtimes(b, base.Add(time.Duration(i)*time.Minute), base.Add(time.Duration(i)*time.Minute))
	}
	// previous is the oldest: it stays whatever its age.
	if err := l.setLink(l.Previous(), ids[0]); err != nil {
		t.Fatal(err)
	}
	if err := l.prune(); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(l.Versions())
	var left []string
	for _, e := range entries {
		left = append(left, e.Name())
	}
	want := []string{ids[0], ids[3], ids[4], ids[5], v1}
	slices.Sort(want)
	if !slices.Equal(left, want) {
		t.Fatalf("versions left %v, want %v", left, want)
	}
	backups, _ := os.ReadDir(filepath.Join(l.path(Prefix), "backups"))
	if len(backups) != Keep || backups[0].Name() != "pre-update-"+ids[3]+".tar.gz" {
		t.Fatalf("backups left %v", backups)
	}
}
