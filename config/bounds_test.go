package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys/config"
	"github.com/gorosys/rosys/persistence/journal"
)

// hostileConfigs are robot.yaml files whose values type correctly but
// make no sense; each must be refused naming its key and line. The first
// ones are issue 21's examples, the rest variants of the same classes.
var hostileConfigs = []struct{ name, yaml, want string }{
	{"control period 1ns", "name: a\ncontrol_period: 1ns\n", "line 2: control_period: 1ns is out of range 1ms to 100ms"},
	{"control period 100000h", "name: a\ncontrol_period: 100000h\n", "line 2: control_period: 100000h is out of range"},
	{"control period 999us", "control_period: 999us\n", "line 1: control_period: 999us is out of range"},
	{"control period 0", "control_period: 0\n", "line 1: control_period: 0 is out of range"},
	{"control period 101ms", "control_period: 101ms\n", "line 1: control_period: 101ms"},
	{"shutdown 1ms", "shutdown_timeout: 1ms\n", "line 1: shutdown_timeout: 1ms is out of range 1s to 5m"},
	{"shutdown a day", "shutdown_timeout: 24h\n", "line 1: shutdown_timeout: 24h is out of range"},
	{"snapshot 1ns", "persistence:\n  snapshot_interval: 1ns\n", "line 2: persistence.snapshot_interval: 1ns is out of range 10ms to 24h, or 0: commit at once"},
	{"snapshot a year", "persistence:\n  snapshot_interval: 8760h\n", "line 2: persistence.snapshot_interval"},
	{"segment 0", "persistence:\n  journal:\n    segment_bytes: 0\n", "line 3: persistence.journal.segment_bytes: 0 is out of range 64KiB to 256MiB"},
	{"segment 1", "persistence:\n  journal: {segment_bytes: 1}\n", "line 2: persistence.journal.segment_bytes: 1 is out of range"},
	{"segment beyond replay", "persistence:\n  journal: {segment_bytes: 257MiB}\n", "line 2: persistence.journal.segment_bytes: 257MiB"},
	{"journal max -1", "persistence:\n  journal:\n    max_bytes: -1\n", "line 3: persistence.journal.max_bytes: -1 is out of range"},
	{"journal below segment", "persistence:\n  journal:\n    segment_bytes: 8MiB\n    max_bytes: 4MiB\n", "line 4: persistence.journal.max_bytes: 4MiB is less than segment_bytes 8MiB"},
	{"journal below default segment", "persistence:\n  journal:\n    max_bytes: 2MiB\n", "line 3: persistence.journal.max_bytes: 2MiB is less than segment_bytes 4MiB"},
	{"journal age 1ns", "persistence:\n  journal: {max_age: 1ns}\n", "line 2: persistence.journal.max_age: 1ns"},
	{"max file 1", "persistence:\n  max_file_bytes: 1\n", "line 2: persistence.max_file_bytes: 1 is out of range 4KiB to 1GiB"},
	{"max file 64 meant as MiB", "persistence:\n  max_file_bytes: 64\n", "a bare number is bytes: write 64MiB"},
	{"max file 4095", "persistence:\n  max_file_bytes: 4095\n", "line 2: persistence.max_file_bytes: 4095"},
	{"max file 0", "persistence:\n  max_file_bytes: 0\n", "line 2: persistence.max_file_bytes: 0 is out of range"},
	{"max file 2GiB", "persistence:\n  max_file_bytes: 2GiB\n", "line 2: persistence.max_file_bytes: 2GiB is out of range"},
	{"max file huge", "persistence:\n  max_file_bytes: 9223372036854775807\n", "line 2: persistence.max_file_bytes"},
	{"max file not a size", "persistence:\n  max_file_bytes: lots\n", `line 2: persistence.max_file_bytes: "lots" is not a size`},
	{"generations 0", "persistence:\n  keep_generations: 0\n", "line 2: persistence.keep_generations: 0 is out of range 1 to 1000"},
	{"generations -1", "persistence:\n  keep_generations: -1\n", "line 2: persistence.keep_generations"},
	{"backup count 0", "backup_schedule: {backup_count: 0}\n", "line 1: backup_schedule.backup_count: 0"},
	{"backup count huge", "backup_schedule:\n  backup_count: 1000000000\n", "line 2: backup_schedule.backup_count"},
	{"history keep huge", "persistence:\n  history: {keep: 100000000}\n", "line 2: persistence.history.keep"},
	{"history override ../", "persistence:\n  history:\n    modules:\n      ../../etc: {keep: 3}\n", `line 4: persistence.history.modules: module key "../../etc"`},
	{"history override empty", "persistence:\n  history:\n    modules:\n      \"\": {keep: 3}\n", "line 4: persistence.history.modules: module key is empty"},
	{"history override slash", "persistence:\n  history:\n    modules: {a/b: {keep: 3}}\n", `module key "a/b" has '/'`},
	{"history override tmp", "persistence:\n  history:\n    modules: {calib.tmp-2024: {keep: 3}}\n", `module key "calib.tmp-2024" holds ".tmp-"`},
	{"history override dot", "persistence:\n  history:\n    modules: {.hidden: {keep: 3}}\n", `module key ".hidden" has '.' at 0`},
	{"history override long", "persistence:\n  history:\n    modules: {" + strings.Repeat("a", 129) + ": {keep: 3}}\n", "is longer than 128 bytes"},
	{"history override max_bytes", "persistence:\n  history:\n    modules:\n      model: {max_bytes: 1}\n", "line 4: persistence.history.modules.model.max_bytes: 1 is out of range"},
	{"robot name path", "name: ../../x\n", `line 1: name: robot name "../../x" has '.' at 0`},
	{"robot name slash", "name: a/b\n", `line 1: name: robot name "a/b" has '/'`},
	{"robot name space", "name: field friend\n", `line 1: name: robot name "field friend" has ' '`},
	{"token blank", "http_token: \" \"\n", "line 1: http_token: has a blank"},
	{"token tab", "http_token: \"abcdefghijklmnop\\t\"\n", "line 1: http_token: has a blank"},
	{"token short", "http_token: s3cret\n", "line 1: http_token: is 6 characters, want at least 16"},
	{"token inner space", "http_token: \"abcdefgh ijklmnop\"\n", "line 1: http_token: has a blank"},
	{"token non-ascii", "http_token: \"ünïcödé-ünïcödé-ünïcödé\"\n", "line 1: http_token: has a blank, control or non-ASCII"},
	{"lizard baud 0", "hardware:\n  lizard: {baud: 0}\n", "line 2: hardware.lizard.baud: 0 is out of range"},
	{"lizard baud huge", "hardware:\n  lizard:\n    baud: 100000000\n", "line 3: hardware.lizard.baud"},
	{"keep alive 1ns", "hardware:\n  lizard:\n    keep_alive: 1ns\n", "line 3: hardware.lizard.keep_alive: 1ns"},
	{"keep alive past host timeout", "hardware:\n  lizard:\n    keep_alive: 2s\n    modules:\n      - {type: can, name: can}\n      - {type: wheels, can: can}\n",
		"line 3: hardware.lizard.keep_alive: 2s is not shorter than the host_timeout 1s"},
	{"module width 0", "hardware:\n  lizard:\n    modules:\n      - {type: can, name: can}\n      - type: wheels\n        can: can\n        width: 0\n",
		"line 7: hardware.lizard.modules[1].width: 0 is out of range"},
	{"module m_per_tick 0", "hardware:\n  lizard:\n    modules:\n      - {type: wheels, driver: custom, m_per_tick: 0}\n", "line 4: hardware.lizard.modules[0].m_per_tick: 0 is out of range -1 to 1, not 0"},
	{"module can address", "hardware:\n  lizard:\n    modules:\n      - {type: wheels, driver: custom, left_can_address: 4096}\n", "hardware.lizard.modules[0].left_can_address: 4096"},
	{"module host timeout 1ns", "hardware:\n  lizard:\n    modules:\n      - {type: wheels, driver: custom, host_timeout: 1ns}\n", "hardware.lizard.modules[0].host_timeout: 1ns"},
	{"module pin 49", "hardware:\n  lizard:\n    modules:\n      - type: bumper\n        pins: {front: 49}\n", "line 5: hardware.lizard.modules[0].pins.front: 49 is out of range 0 to 48"},
	{"module num 0", "hardware:\n  lizard:\n    modules:\n      - {type: serial, num: 0}\n", "hardware.lizard.modules[0].num: 0"},
	{"module baud -1", "hardware:\n  lizard:\n    modules:\n      - {type: can, baud: -1}\n", "hardware.lizard.modules[0].baud: -1"},
	{"battery interval 0", "hardware:\n  lizard:\n    modules:\n      - {type: battery, request_interval: 0}\n", "hardware.lizard.modules[0].request_interval: 0"},
	{"estop debounce 1s", "hardware:\n  estop: {pin: GPIO17, debounce: 1s}\n", "line 2: hardware.estop.debounce: 1s"},
	{"gnss stale 1ns", "hardware:\n  gnss: {port: /dev/x, stale_after: 1ns}\n", "line 2: hardware.gnss.stale_after: 1ns"},
	{"gnss lat NaN", "hardware:\n  gnss:\n    port: /dev/x\n    reference: {lat: .nan, lon: 1}\n", "line 4: hardware.gnss.reference.lat: .nan is out of range"},
	{"gnss yaw inf", "hardware:\n  gnss:\n    port: /dev/x\n    antenna: {yaw: .inf}\n", "line 4: hardware.gnss.antenna.yaw: .inf"},
	// The same classes behind YAML's indirections.
	{"through an alias", "x: &p 1ns\n", "line 1: unknown key x"},
	{"through a merge", "persistence:\n  <<: {snapshot_interval: 1ns}\n", "line 2: persistence.snapshot_interval: 1ns"},
	{"alias as value", "shutdown_timeout: &t 1ms\ncontrol_period: *t\n", "line 1: shutdown_timeout: 1ms"},
}

func TestHostileConfigsNameKeyAndLine(t *testing.T) {
	t.Setenv("ROSYS_HTTP_TOKEN", "")
	for _, tc := range hostileConfigs {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.Parse([]byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

// The bounds themselves are reachable: the values just inside them load.
func TestBoundsEdgesLoad(t *testing.T) {
	t.Setenv("ROSYS_HTTP_TOKEN", "")
	for _, y := range []string{
		"control_period: 1ms\nshutdown_timeout: 1s\n",
		"control_period: 100ms\nshutdown_timeout: 5m\n",
		"persistence:\n  snapshot_interval: 0\n  max_file_bytes: 4096\n  keep_generations: 1\n",
		"persistence:\n  snapshot_interval: 10ms\n  max_file_bytes: 1GiB\n  keep_generations: 1000\n",
		"persistence:\n  max_file_bytes: 64MiB\n  journal: {segment_bytes: 64KiB, max_bytes: 1MiB, max_age: 1m}\n",
		"persistence:\n  journal: {segment_bytes: 256MiB, max_bytes: 1024GiB, max_age: 8760h}\n",
		"persistence:\n  history: {keep: 1, max_age: 1m, max_bytes: 4KiB, modules: {driving_parameters: {keep: 100000}, survey.v2: {keep: 2}}}\n",
		"http_token: 0123456789abcdef\n",
		"hardware:\n  estop: {pin: GPIO17, debounce: 0}\n",
		"hardware:\n  gnss: {port: /dev/x, reference: {lat: -89, lon: 180}, antenna: {x: -10, y: 10, yaw: -6.28}}\n",
		"hardware:\n  lizard:\n    keep_alive: 900ms\n    modules:\n      - {type: wheels, driver: custom, m_per_tick: -1, host_timeout: 0, left_can_address: 0x7ff}\n",
	} {
		if _, err := config.Parse([]byte(y)); err != nil {
			t.Errorf("%q: %v", y, err)
		}
	}
}

// A short or blank token in the environment is refused as in robot.yaml.
func TestTokenFromEnvironmentFollowsTheRule(t *testing.T) {
	for _, tok := range []string{" ", "short", "sixteen chars ok"} {
		t.Setenv("ROSYS_HTTP_TOKEN", tok)
		_, err := config.Parse([]byte("name: a\n"))
		if err == nil || !strings.Contains(err.Error(), "ROSYS_HTTP_TOKEN") {
			t.Errorf("ROSYS_HTTP_TOKEN=%q: %v", tok, err)
		}
	}
}

// replay reads a journal segment whole, up to journal.MaxSegmentBytes: a
// larger segment_bytes would write segments replay refuses.
func TestSegmentBoundFitsReplay(t *testing.T) {
	if _, err := config.Parse([]byte("persistence:\n  journal: {segment_bytes: 256MiB}\n")); err != nil {
		t.Fatal(err)
	}
	if journal.MaxSegmentBytes < 256<<20 {
		t.Fatalf("journal.MaxSegmentBytes %d is below the config's bound", journal.MaxSegmentBytes)
	}
}

func TestLoadBoundsTheFile(t *testing.T) {
	dir := t.TempDir()
	// A 70 MB robot.yaml, sparse: refused by its size, before it is read.
	huge := filepath.Join(dir, "huge.yaml")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("name: a\n")
	f.Truncate(70 << 20)
	f.Close()
	// One byte over, and a valid file exactly at the limit.
	over := filepath.Join(dir, "over.yaml")
	os.WriteFile(over, []byte("name: a\n"+strings.Repeat("#", config.MaxConfigBytes-7)), 0o644)
	at := filepath.Join(dir, "at.yaml")
	os.WriteFile(at, []byte("name: a\n"+strings.Repeat("#", config.MaxConfigBytes-8)), 0o644)
	for _, p := range []string{huge, over, "/dev/zero"} {
		begin := time.Now()
		_, err := config.Load(p)
		if !errors.Is(err, config.ErrConfigTooLarge) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: %v, want ErrConfigTooLarge naming the file", p, err)
		}
		t.Logf("%s refused in %v", filepath.Base(p), time.Since(begin))
	}
	if _, err := config.Load(at); err != nil {
		t.Errorf("a file of exactly %d bytes: %v", config.MaxConfigBytes, err)
	}
	if _, err := config.Parse(make([]byte, config.MaxConfigBytes+1)); !errors.Is(err, config.ErrConfigTooLarge) {
		t.Errorf("Parse of an oversized buffer: %v", err)
	}
}

// Aliases expanding a small document into a huge tree are refused fast,
// and an alias inside its own anchor does not recurse.
func TestAliasesCannotBlowUpTheBoundsWalk(t *testing.T) {
	laughs := "a: &a [1,1,1,1,1,1,1,1,1,1]\n"
	prev := "a"
	for _, n := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		laughs += n + ": &" + n + " [" + strings.TrimSuffix(strings.Repeat("*"+prev+",", 10), ",") + "]\n"
		prev = n
	}
	for _, y := range []string{laughs, "&a [*a]", "persistence: &p\n  <<: *p\n", "persistence: &p {history: {modules: *p}}\n"} {
		begin := time.Now()
		_, err := config.Parse([]byte(y))
		if err == nil {
			t.Errorf("%.40q accepted", y)
		}
		if took := time.Since(begin); took > 5*time.Second {
			t.Errorf("%.40q took %v", y, took)
		}
	}
}
