package config

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// The bounds of every number, size and duration robot.yaml takes, in one
// table. A value that types correctly but makes no sense (a 1 ns control
// period spinning the SCHED_FIFO loop, a 100000 h one that never ticks, a
// 1-byte file limit that sets every module aside) is refused here, naming
// its key and line. TestEveryNumericKeyIsBounded holds every numeric field
// of Robot to an entry, and TestConfigurationReferenceHoldsBounds holds
// docs/configuration.md to BoundsReference.

type boundKind int

const (
	kindDuration boundKind = iota
	kindInt
	kindBytes
	kindFloat
)

// bound is one key's range. Min and Max are nanoseconds for durations,
// bytes for sizes.
type bound struct {
	key  string // dotted path; [] is any list item, * any mapping key
	kind boundKind
	min  float64
	max  float64
	// def is the value when the key is left out (documentation only).
	def string
	// zero, when set, lets a written 0 through with the meaning it
	// names. Elsewhere a written 0 is refused: it meant "the default" by
	// accident of Go's zero values, and hid slips like segment_bytes: 0.
	zero string
	// nonZero refuses 0 inside a range that spans it (m_per_tick).
	nonZero bool
	why     string
}

const (
	ms  = float64(time.Millisecond)
	sec = float64(time.Second)
	kiB = float64(1 << 10)
	miB = float64(1 << 20)
	giB = float64(1 << 30)
)

// bounds is the table: robot.yaml's keys in the order of the reference,
// the Lizard modules' as their types declare them.
var bounds = slices.Concat(generalBounds, lizardModuleBounds, hardwareBounds, cameraBounds)

var generalBounds = []bound{
	{key: "control_period", kind: kindDuration, min: 1 * ms, max: 100 * ms, def: "10ms",
		why: "1 kHz is the fastest rate the loop is measured at; slower than 10 Hz, steering, the deadman and the soft e-stop act too late"},
	{key: "shutdown_timeout", kind: kindDuration, min: 1 * sec, max: 300 * sec, def: "10s",
		why: "the final flush needs time; keep it below systemd's TimeoutStopSec (30s in deploy/rosys.service)"},
	{key: "persistence.snapshot_interval", kind: kindDuration, min: 10 * ms, max: 24 * 3600 * sec, def: "10s", zero: "commit at once",
		why: "a shorter cycle only spins; a longer one risks a day of changes"},
	{key: "persistence.keep_generations", kind: kindInt, min: 1, max: 1000, def: "5",
		why: "manifests kept in the remote storage"},
	{key: "persistence.max_file_bytes", kind: kindBytes, min: 4 * kiB, max: 1 * giB, def: "64MiB",
		why: "a module file over it is set aside unread, so a tiny limit (a bare 64 is bytes, not MiB) sets the whole state aside; the floor is one page, which every module file of ours fits; files are read whole, hence the ceiling"},
	{key: "persistence.journal.segment_bytes", kind: kindBytes, min: 64 * kiB, max: 256 * miB, def: "4MiB",
		why: "replay reads a segment whole, up to 256 MiB"},
	{key: "persistence.journal.max_bytes", kind: kindBytes, min: 1 * miB, max: 1024 * giB, def: "256MiB",
		why: "at least one segment; not below segment_bytes"},
	{key: "persistence.journal.max_age", kind: kindDuration, min: 60 * sec, max: 8760 * 3600 * sec, def: "168h",
		why: "a minute to a year"},
	{key: "persistence.history.keep", kind: kindInt, min: 1, max: 100000, def: "100",
		why: "to keep no history, write history: off"},
	{key: "persistence.history.max_age", kind: kindDuration, min: 60 * sec, max: 87600 * 3600 * sec, def: "720h",
		why: "a minute to ten years"},
	{key: "persistence.history.max_bytes", kind: kindBytes, min: 4 * kiB, max: 1024 * giB, def: "64MiB",
		why: "the newest version is kept whatever this says"},
	{key: "persistence.history.modules.*.keep", kind: kindInt, min: 1, max: 100000, def: "the history's", why: "as persistence.history.keep"},
	{key: "persistence.history.modules.*.max_age", kind: kindDuration, min: 60 * sec, max: 87600 * 3600 * sec, def: "the history's", why: "as persistence.history.max_age"},
	{key: "persistence.history.modules.*.max_bytes", kind: kindBytes, min: 4 * kiB, max: 1024 * giB, def: "the history's", why: "as persistence.history.max_bytes"},
	{key: "backup_schedule.backup_count", kind: kindInt, min: 1, max: 10000, def: "100",
		why: "daily archives kept"},
	{key: "hardware.lizard.baud", kind: kindInt, min: 1200, max: 4000000, def: "115200", why: "serial line rates"},
	{key: "hardware.lizard.keep_alive", kind: kindDuration, min: 10 * ms, max: 10 * sec, def: "100ms",
		why: "shorter than the wheels' host_timeout (checked)"},
	{key: "robot_shape.outline[].x", kind: kindFloat, min: -10, max: 10, def: "RoSys's shape, -0.5 to 0.75",
		why: "metres from the pose's reference point, forward; not centimetres"},
	{key: "robot_shape.outline[].y", kind: kindFloat, min: -10, max: 10, def: "RoSys's shape, -0.5 to 0.5",
		why: "metres from the pose's reference point, left; not centimetres"},
}

// lizardModuleBounds are the rows of hardware.lizard.modules[].<key>:
// each built-in type declares its keys' (builtinType.bounds, in its
// lizardtype_<type>.go); a key that several types take (rx_pin) is one
// row, declared alike by each.
var lizardModuleBounds = func() []bound {
	var out []bound
	seen := map[string]bool{}
	for _, t := range builtinLizardTypes {
		for _, b := range t.bounds {
			if b.key = "hardware.lizard.modules[]." + b.key; !seen[b.key] {
				seen[b.key] = true
				out = append(out, b)
			}
		}
	}
	return out
}()

var hardwareBounds = []bound{
	{key: "hardware.estop.debounce", kind: kindDuration, min: 0, max: 100 * ms, def: "0 (none)", why: "a longer debounce delays the stop"},
	{key: "hardware.gnss.baud", kind: kindInt, min: 1200, max: 4000000, def: "115200", why: "serial line rates"},
	{key: "hardware.gnss.stale_after", kind: kindDuration, min: 100 * ms, max: 60 * sec, def: "2s", why: "an older fix is stale"},
	{key: "hardware.gnss.reference.lat", kind: kindFloat, min: -89, max: 89, why: "degrees; within a degree of a pole longitude degenerates"},
	{key: "hardware.gnss.reference.lon", kind: kindFloat, min: -180, max: 180, why: "degrees"},
	{key: "hardware.gnss.antenna.x", kind: kindFloat, min: -10, max: 10, why: "metres, not centimetres"},
	{key: "hardware.gnss.antenna.y", kind: kindFloat, min: -10, max: 10, why: "metres, not centimetres"},
	{key: "hardware.gnss.antenna.yaw", kind: kindFloat, min: -2 * math.Pi, max: 2 * math.Pi, why: "radians, not degrees"},
	{key: "hardware.gnss.ntrip.port", kind: kindInt, min: 1, max: 65535, def: "2101", why: "TCP ports"},
	{key: "hardware.gnss.ntrip.version", kind: kindInt, min: 1, max: 2, def: "2", why: "NTRIP 1 (ICY) or 2 (HTTP/1.1)"},
	{key: "hardware.gnss.ntrip.send_gga_interval", kind: kindDuration, min: 1 * sec, max: 600 * sec, def: "10s", zero: "never send the position",
		why: "casters want a position every few seconds to a minute; faster only costs bandwidth"},
	{key: "hardware.gnss.ntrip.read_timeout", kind: kindDuration, min: 1 * sec, max: 600 * sec, def: "30s",
		why: "a mountpoint sends every second or so; longer leaves the receiver without corrections"},
	{key: "hardware.gnss.ntrip.reconnect_max", kind: kindDuration, min: 1 * sec, max: 3600 * sec, def: "60s",
		why: "the longest wait between attempts; shorter hammers a caster that refuses"},
}

var cameraBounds = []bound{
	{key: "cameras[].width", kind: kindInt, min: 16, max: 8192, def: "the camera's (sim: 640)", why: "pixels; 8K is the largest sensor mode we know of"},
	{key: "cameras[].height", kind: kindInt, min: 16, max: 8192, def: "the camera's (sim: 480)", why: "pixels"},
	{key: "cameras[].fps", kind: kindInt, min: 1, max: 240, def: "the camera's (sim: 10)", why: "frames per second"},
	{key: "cameras[].exposure", kind: kindInt, min: 1, max: 100000, def: "automatic", why: "V4L2 exposure_time_absolute in 100 µs: up to 10 s"},
	{key: "cameras[].gain", kind: kindInt, min: 0, max: 10000, def: "automatic", why: "V4L2 gain, in the camera's own unit"},
	{key: "cameras[].white_balance", kind: kindInt, min: 1000, max: 15000, def: "automatic", why: "kelvin"},
	{key: "cameras[].record.interval", kind: kindDuration, min: 100 * ms, max: 24 * 3600 * sec, def: "0 (on request only)", zero: "on request only",
		why: "a timelapse; faster than 10 Hz is a video, not a recording of images"},
	{key: "cameras[].record.keep", kind: kindInt, min: 1, max: 1000000, def: "1000", why: "images kept; the oldest go first"},
	{key: "cameras[].record.max_bytes", kind: kindBytes, min: 1 * miB, max: 1024 * giB, def: "1GiB", why: "the images' bytes; the oldest go first"},
	{key: "cameras[].record.max_age", kind: kindDuration, min: 60 * sec, max: 87600 * 3600 * sec, def: "720h", why: "older images go"},
	{key: "cameras[].detector.interval", kind: kindDuration, min: 10 * ms, max: 3600 * sec, def: "1s", why: "how often the newest image is sent to the detector"},
	{key: "cameras[].detector.timeout", kind: kindDuration, min: 100 * ms, max: 60 * sec, def: "5s", why: "a detector that answers later is given up on"},
}

var boundsByKey = func() map[string]*bound {
	m := make(map[string]*bound, len(bounds))
	for i := range bounds {
		m[bounds[i].key] = &bounds[i]
	}
	return m
}()

// value reads a scalar as the bound's kind.
func (b *bound) value(n *yaml.Node) (float64, error) {
	switch b.kind {
	case kindDuration:
		if n.Value == "0" {
			return 0, nil
		}
		// A bare number is refused: 10 could mean seconds or nanoseconds.
		d, err := time.ParseDuration(n.Value)
		if err == nil && strings.Trim(n.Value, "+-0123456789.") == "" {
			err = fmt.Errorf("no unit")
		}
		return float64(d), err
	case kindBytes:
		v, err := parseBytes(n.Value)
		return float64(v), err
	case kindInt:
		// yaml.v3 decodes 1.5 into an int as 1: a fraction is refused
		// here, or a pin 26.9 would quietly become GPIO 26.
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil && f != math.Trunc(f) {
			return f, fmt.Errorf("a fraction")
		}
		// yaml.v3 reads 025 as octal 21: a pin written 025 would quietly
		// be GPIO 21. A leading zero is refused (0o25 and 0x15 say it).
		if v := strings.TrimLeft(n.Value, "+-"); len(v) > 1 && v[0] == '0' && v[1] >= '0' && v[1] <= '9' {
			return 0, fmt.Errorf("a leading zero")
		}
		var v int64
		err := n.Decode(&v)
		return float64(v), err
	default:
		var v float64
		err := n.Decode(&v)
		return v, err
	}
}

func (b *bound) format(v float64) string {
	switch b.kind {
	case kindDuration:
		return formatDuration(time.Duration(v))
	case kindBytes:
		return formatBytes(int64(v))
	case kindFloat:
		return strconv.FormatFloat(v, 'g', 4, 64)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// Range is the bound as docs/configuration.md writes it.
func (b *bound) Range() string {
	r := b.format(b.min) + " to " + b.format(b.max)
	switch {
	case b.nonZero:
		r += ", not 0"
	case b.zero != "":
		r += ", or 0: " + b.zero
	}
	return r
}

// check refuses v outside the bound; where names the key and line.
func (b *bound) check(where string, raw string, v float64) error {
	if v == 0 && b.zero != "" {
		return nil
	}
	if !(v >= b.min && v <= b.max) || (v == 0 && b.nonZero) {
		msg := fmt.Sprintf("%s: %s is out of range %s: %s", where, raw, b.Range(), b.why)
		if b.kind == kindBytes && !strings.ContainsAny(raw, "BKMGi") && v > 0 && v < b.min {
			msg += "; a bare number is bytes: write 64MiB for mebibytes"
		}
		return fmt.Errorf("%s", msg)
	}
	return nil
}

// formatDuration writes d in the largest unit that divides it (24h, not
// 24h0m0s).
func formatDuration(d time.Duration) string {
	for _, u := range []struct {
		suffix string
		unit   time.Duration
	}{{"h", time.Hour}, {"m", time.Minute}, {"s", time.Second}, {"ms", time.Millisecond}, {"µs", time.Microsecond}} {
		if d != 0 && d%u.unit == 0 {
			return strconv.FormatInt(int64(d/u.unit), 10) + u.suffix
		}
	}
	return d.String()
}

// BoundsReference is the table of bounds as Markdown rows (key, range,
// why), for docs/configuration.md.
func BoundsReference() string {
	var sb strings.Builder
	sb.WriteString("| key | range | left out | why |\n|---|---|---|---|\n")
	for i := range bounds {
		b := &bounds[i]
		def := b.def
		if def == "" {
			def = "—"
		}
		fmt.Fprintf(&sb, "| `%s` | %s | %s | %s |\n", b.key, b.Range(), def, b.why)
	}
	return sb.String()
}
