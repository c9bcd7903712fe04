package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Robot is robot.yaml. Optional sections are pointers: nil means absent.
type Robot struct {
	Name            string          `yaml:"name"`
	Board           Board           `yaml:"board"`
	ControlPeriod   Duration        `yaml:"control_period"`
	ShutdownTimeout Duration        `yaml:"shutdown_timeout"`
	HTTP            string          `yaml:"http"`
	HTTPToken       string          `yaml:"http_token"`
	LogLevel        string          `yaml:"log_level"`
	Persistence     Persistence     `yaml:"persistence"`
	BackupSchedule  *BackupSchedule `yaml:"backup_schedule"`
	Hardware        Hardware        `yaml:"hardware"`
	Automation      Automation      `yaml:"automation"`
	// Cameras are the robot's cameras (camera.go); with board: sim each
	// is simulated.
	Cameras []Camera `yaml:"cameras"`
	// RobotShape is the footprint the path planner keeps clear of
	// obstacles (shape.go); nil: RoSys's default.
	RobotShape *RobotShape `yaml:"robot_shape"`
	// Demo adds the demo's modules (waypoints, model) to this robot, as
	// `rosys run` does without a robot.yaml (examples/demo.yaml).
	Demo bool `yaml:"demo"`
}

// Automation configures the automator.
type Automation struct {
	// AutoResume resumes an automation that a restart interrupted. Off by
	// default: after a crash or power cut the robot stays paused at its
	// last checkpoint until someone resumes it.
	AutoResume bool `yaml:"auto_resume"`
	// StartOnFirstRun names an automation to start on a robot's first run
	// (no automation state stored yet), as a demo may. Empty by default:
	// a robot never starts moving on its own.
	StartOnFirstRun string `yaml:"start_on_first_run"`
}

// Persistence follows Pathway's persistence Config; see docs/storage.md for the
// meaning of each field on a robot.
type Persistence struct {
	// SnapshotInterval is the backup cycle; 0 commits as soon as a module
	// asks. Absent means 10 s.
	SnapshotInterval    *Duration       `yaml:"snapshot_interval"`
	SnapshotAccess      SnapshotAccess  `yaml:"snapshot_access"`
	PersistenceMode     PersistenceMode `yaml:"persistence_mode"`
	ContinueAfterReplay *bool           `yaml:"continue_after_replay"`
	// Backend is the simple config: one backend for metadata and snapshots.
	Backend *Backend `yaml:"backend"`
	// MetadataStorage and SnapshotStorage split them, instead of Backend.
	MetadataStorage *Backend `yaml:"metadata_storage"`
	SnapshotStorage *Backend `yaml:"snapshot_storage"`
	// KeepGenerations is how many old commits recovery can fall back to.
	KeepGenerations int `yaml:"keep_generations"`
	// MaxFileBytes is the largest module file read at start-up (left
	// out: 64 MiB; bounds in bounds.go); a larger one is moved aside
	// unread.
	MaxFileBytes Bytes `yaml:"max_file_bytes"`
	// Format is how module files are written: rosys-go (default, the
	// envelope) or rosys (the data object alone, as RoSys writes it).
	Format FileFormat `yaml:"format"`
	// Journal bounds the input journal (sources opt in, e.g.
	// hardware.lizard.journal).
	Journal *Journal `yaml:"journal"`
	// History keeps every committed version of every module (history.go).
	History *History `yaml:"history"`
}

// Journal bounds the input journal.
type Journal struct {
	SegmentBytes Bytes    `yaml:"segment_bytes"`
	MaxBytes     Bytes    `yaml:"max_bytes"`
	MaxAge       Duration `yaml:"max_age"`
}

// Backend is exactly one storage backend.
type Backend struct {
	Filesystem *Filesystem `yaml:"filesystem"`
	S3         *S3         `yaml:"s3"`
}

// Filesystem stores under a directory.
type Filesystem struct {
	Path string `yaml:"path"`
}

// S3 stores under a root path in a bucket.
type S3 struct {
	RootPath  string `yaml:"root_path"`
	Bucket    string `yaml:"bucket"`
	Endpoint  string `yaml:"endpoint"`
	Region    string `yaml:"region"`
	AccessKey string `yaml:"access_key"`
	SecretKey string `yaml:"secret_key"`
	TLS       *bool  `yaml:"tls"`
	PathStyle *bool  `yaml:"path_style"`
}

// BackupSchedule takes a daily export archive, as RoSys' BackupSchedule.
type BackupSchedule struct {
	Time        ClockTime `yaml:"time"`
	Directory   string    `yaml:"directory"`
	BackupCount int       `yaml:"backup_count"`
	// Storage is where archives go: local (default, Directory only) or
	// backend (Directory and the persistence backend's backups/, rotated
	// there by BackupCount too).
	Storage BackupStorage `yaml:"storage"`
}

// BackupStorage is backup_schedule.storage.
type BackupStorage string

// The backup_schedule.storage values.
const (
	BackupStorageLocal   BackupStorage = "local"
	BackupStorageBackend BackupStorage = "backend"
)

// UnmarshalYAML implements yaml.Unmarshaler.
func (b *BackupStorage) UnmarshalYAML(n *yaml.Node) error {
	v, err := oneOf(n, "storage", []string{string(BackupStorageLocal), string(BackupStorageBackend)})
	*b = BackupStorage(v)
	return err
}

// Hardware names the real drivers; a sim board needs none.
type Hardware struct {
	Lizard *Lizard `yaml:"lizard"`
	EStop  *EStop  `yaml:"estop"`
	GNSS   *GNSS   `yaml:"gnss"` // see gnss.go
}

// Lizard is an ESP32 motor controller running the Lizard firmware.
type Lizard struct {
	Port       string   `yaml:"port"`
	Baud       int      `yaml:"baud"`
	CoreFields []string `yaml:"core_fields"`
	// KeepAlive is the longest the host stays silent before sending
	// KeepAliveCommand (default 100ms).
	KeepAlive        Duration `yaml:"keep_alive"`
	KeepAliveCommand string   `yaml:"keep_alive_command"`
	// Journal records every line to and from the controller for replay
	// (opt-in: about 4 KB/s at 100 Hz).
	Journal bool `yaml:"journal"`
	// Configure decides what happens when the controller's startup code
	// differs from the generated one: check (default) | auto | off.
	Configure LizardConfigure `yaml:"configure"`
	// Chip is the controller's chip (esp32 | esp32s3; see lizardrules.go).
	Chip LizardChip `yaml:"chip"`
	// Modules are the hardware modules on the controller; the startup
	// code and the core fields are generated from them.
	Modules []LizardModule `yaml:"modules"`
}

// EStop is an emergency-stop input on a GPIO line: a kernel line name
// ("GPIO17", "PAC.06") or a 40-pin header position ("11").
type EStop struct {
	Pin       string   `yaml:"pin"`
	ActiveLow bool     `yaml:"active_low"`
	Debounce  Duration `yaml:"debounce"`
	Journal   bool     `yaml:"journal"` // record changes in the input journal
}

// DefaultHTTP is the API's listen address when neither robot.yaml, nor
// --http, nor ROSYS_HTTP names one.
const DefaultHTTP = "127.0.0.1:8080"

// Default is the simulated demo robot that `rosys run` starts without a
// configuration file. Its listen address is $ROSYS_HTTP when set, so a
// robot.yaml without an http key takes it too (as the data directory
// takes $ROSYS_DATA_DIR): flag, then robot.yaml, then the environment.
func Default() *Robot {
	addr := os.Getenv("ROSYS_HTTP")
	if addr == "" {
		addr = DefaultHTTP
	}
	return &Robot{Name: "demo", Board: "sim", HTTP: addr}
}

// MaxConfigBytes bounds robot.yaml: a real one is a few KiB, and the file
// is read whole and parsed into a tree several times its size (a 70 MB
// file took 421 MB), so a larger one is refused before it is read.
const MaxConfigBytes = 1 << 20

// ErrConfigTooLarge is a robot.yaml over MaxConfigBytes.
var ErrConfigTooLarge = errors.New("config larger than 1 MiB")

// Load reads and validates a robot.yaml. types are Lizard module types
// registered beside the built-in ones (a user's own; see LizardType).
func Load(path string, types ...LizardType) (*Robot, error) {
	b, err := readBounded(path)
	if err != nil {
		return nil, err
	}
	r, err := Parse(b, types...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// readBounded reads at most MaxConfigBytes of path, refusing a larger
// file by its size before reading and, for what has no size (a pipe, a
// device), once the limit is passed.
func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > MaxConfigBytes {
		return nil, fmt.Errorf("read config %s: %w (%d bytes; robot.yaml is a few KiB)", path, ErrConfigTooLarge, st.Size())
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxConfigBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	if len(b) > MaxConfigBytes {
		return nil, fmt.Errorf("read config %s: %w (robot.yaml is a few KiB)", path, ErrConfigTooLarge)
	}
	return b, nil
}

// Parse decodes and validates robot.yaml content. Keys left out take the
// demo robot's defaults. types are Lizard module types registered beside
// the built-in ones.
func Parse(b []byte, types ...LizardType) (*Robot, error) {
	if len(b) > MaxConfigBytes {
		return nil, fmt.Errorf("config: %w (%d bytes)", ErrConfigTooLarge, len(b))
	}
	// The document's tree first: the bounds table checks (and parses)
	// every number, size and duration with its key and line, and notes
	// the lines of all keys for the checks after decoding.
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, cleanYAMLError(err)
	}
	lines, err := checkDocument(&doc)
	if err != nil {
		return nil, err
	}
	r := Default()
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(r); err != nil && !errors.Is(err, io.EOF) {
		return nil, cleanYAMLError(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, errors.New("config holds more than one YAML document")
	}
	if err := checkRegistered(r, types); err != nil {
		return nil, err
	}
	if err := r.Validate(); err != nil {
		return nil, withLines(err, lines)
	}
	return r, nil
}

// cleanYAMLError drops Go type names from yaml.v3's messages: a robotics
// engineer reading "field foo not found in type config.Persistence" needs
// the key and the line, not our types.
func cleanYAMLError(err error) error {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "yaml: unmarshal errors:\n  ")
	msg = strings.ReplaceAll(msg, "\n  ", "; ")
	for _, typ := range []string{"Robot", "Persistence", "Backend", "Filesystem", "S3", "BackupSchedule", "Hardware", "Lizard", "EStop", "Automation", "Camera", "CameraRecord", "CameraDetector", "RobotShape", "ShapePoint"} {
		msg = strings.ReplaceAll(msg, " in type config."+typ, "")
	}
	msg = strings.ReplaceAll(msg, "field ", "unknown key ")
	msg = strings.ReplaceAll(msg, " not found", "")
	return errors.New("config: " + msg)
}

// Validate checks what the bounds table cannot: strings, and keys that
// depend on each other. Parse adds each problem's line.
func (r *Robot) Validate() error {
	var errs []error
	if r.Name == "" {
		errs = append(errs, keyErr("name", "must not be empty"))
	} else if err := checkName("robot name", r.Name); err != nil {
		// The name names the daily archives and the manifests.
		errs = append(errs, keyErr("name", "%v", err))
	}
	if err := checkToken(r.HTTPToken); err != nil {
		errs = append(errs, keyErr("http_token", "%v", err))
	} else if r.HTTPToken == "" {
		if err := checkToken(os.Getenv("ROSYS_HTTP_TOKEN")); err != nil {
			errs = append(errs, fmt.Errorf("ROSYS_HTTP_TOKEN (environment): %v", err))
		}
	}
	if r.HTTP != "off" {
		host, _, err := net.SplitHostPort(r.HTTP)
		if err != nil {
			errs = append(errs, keyErr("http", `%q is not host:port or "off"%s`, r.HTTP, fromEnv("ROSYS_HTTP", r.HTTP)))
		} else if !isLoopback(host) && r.Token() == "" {
			errs = append(errs, keyErr("http", "%s%s is reachable from other machines; set http_token (or ROSYS_HTTP_TOKEN)", r.HTTP, fromEnv("ROSYS_HTTP", r.HTTP)))
		}
	}
	if r.RobotShape != nil {
		if err := r.RobotShape.validate(); err != nil {
			errs = append(errs, keyErr("robot_shape.outline", "%v", err))
		}
	}
	p := r.Persistence
	if p.Backend != nil && (p.MetadataStorage != nil || p.SnapshotStorage != nil) {
		errs = append(errs, keyErr("persistence", "give either backend or metadata_storage/snapshot_storage, not both"))
	}
	if (p.MetadataStorage == nil) != (p.SnapshotStorage == nil) {
		errs = append(errs, keyErr("persistence", "metadata_storage and snapshot_storage go together"))
	}
	for _, b := range []struct {
		name string
		b    *Backend
	}{{"backend", p.Backend}, {"metadata_storage", p.MetadataStorage}, {"snapshot_storage", p.SnapshotStorage}} {
		if b.b != nil {
			if err := b.b.validate(); err != nil {
				errs = append(errs, keyErr("persistence."+b.name, "%v", err))
			}
		}
	}
	if j := p.Journal; j != nil && j.MaxBytes != 0 {
		segment := j.SegmentBytes
		if segment == 0 {
			segment = defaultSegmentBytes
		}
		if j.MaxBytes < segment {
			errs = append(errs, keyErr("persistence.journal.max_bytes", "%s is less than segment_bytes %s: not even one segment would be kept",
				formatBytes(int64(j.MaxBytes)), formatBytes(int64(segment))))
		}
	}
	if s := r.BackupSchedule; s != nil {
		if s.Storage == BackupStorageBackend && p.Backend == nil && p.MetadataStorage == nil {
			errs = append(errs, keyErr("backup_schedule.storage", "backend needs persistence.backend (or metadata_storage) to send the archives to"))
		}
	}
	if l := r.Hardware.Lizard; l != nil && len(l.Modules) > 0 {
		if len(l.CoreFields) > 0 {
			errs = append(errs, keyErr("hardware.lizard.core_fields", "generated from modules; leave it out when modules are given"))
		}
		if err := validateLizardModules(l.Modules); err != nil {
			errs = append(errs, err)
		}
		errs = append(errs, checkKeepAlive(l)...)
		if err := checkLizardRules(l); err != nil {
			errs = append(errs, err)
		}
	}
	if err := validateCameras(r.Cameras); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// checkKeepAlive: a host that stays silent longer than a module's host
// timeout (the wheels': builtinType.hostTimeout) has it stop on its own
// between two keep-alives.
func checkKeepAlive(l *Lizard) []error {
	keepAlive := l.KeepAlive.D()
	if keepAlive == 0 {
		keepAlive = defaultKeepAlive
	}
	var errs []error
	for i, m := range l.Modules {
		t, ok := lookupBuiltin(m.Type)
		if !ok || t.hostTimeout == nil {
			continue
		}
		hostTimeout := t.hostTimeout(&m)
		if hostTimeout == 0 {
			continue
		}
		if keepAlive >= hostTimeout {
			errs = append(errs, keyErr("hardware.lizard.keep_alive", "%s is not shorter than the host_timeout %s of hardware.lizard.modules[%d] (line %d): the wheels would stop between keep-alives",
				formatDuration(keepAlive), formatDuration(hostTimeout), i, m.Line))
		}
	}
	return errs
}

// defaultKeepAlive is the Lizard driver's keep-alive when robot.yaml
// gives none.
const defaultKeepAlive = 100 * time.Millisecond

// defaultSegmentBytes is the journal's segment size when robot.yaml gives
// none (package journal's default).
const defaultSegmentBytes = 4 << 20

func (b *Backend) validate() error {
	switch {
	case b.Filesystem == nil && b.S3 == nil:
		return errors.New("name filesystem or s3")
	case b.Filesystem != nil && b.S3 != nil:
		return errors.New("name only one of filesystem and s3")
	case b.Filesystem != nil && b.Filesystem.Path == "":
		return errors.New("filesystem.path: must not be empty")
	case b.S3 != nil && b.S3.Bucket == "":
		return errors.New("s3.bucket: must not be empty")
	}
	return nil
}

// fromEnv notes that value came from the environment variable name, when
// it is what that variable holds.
func fromEnv(name, value string) string {
	if value != "" && os.Getenv(name) == value {
		return " (from " + name + ")"
	}
	return ""
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// HTTPAddress is the API's listen address, or "" when it is off.
func (r *Robot) HTTPAddress() string {
	if r.HTTP == "off" {
		return ""
	}
	return r.HTTP
}

// Token is the API token from the config or ROSYS_HTTP_TOKEN.
func (r *Robot) Token() string {
	if r.HTTPToken != "" {
		return r.HTTPToken
	}
	return os.Getenv("ROSYS_HTTP_TOKEN")
}
