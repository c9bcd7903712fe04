package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"

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

// Persistence follows Pathway's persistence Config; see the README for the
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
	// MaxFileBytes is the largest module file read at start-up (0: the
	// default, 64 MiB); a larger one is moved aside unread.
	MaxFileBytes int64 `yaml:"max_file_bytes"`
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
	SegmentBytes int64    `yaml:"segment_bytes"`
	MaxBytes     int64    `yaml:"max_bytes"`
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

// Default is the simulated demo robot that `rosys run` starts without a
// configuration file.
func Default() *Robot {
	return &Robot{Name: "demo", Board: "sim", HTTP: "127.0.0.1:8080"}
}

// Load reads and validates a robot.yaml.
func Load(path string) (*Robot, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	r, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// Parse decodes and validates robot.yaml content. Keys left out take the
// demo robot's defaults.
func Parse(b []byte) (*Robot, error) {
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
	if err := r.Validate(); err != nil {
		return nil, err
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
	for _, typ := range []string{"Robot", "Persistence", "Backend", "Filesystem", "S3", "BackupSchedule", "Hardware", "Lizard", "EStop", "Automation"} {
		msg = strings.ReplaceAll(msg, " in type config."+typ, "")
	}
	msg = strings.ReplaceAll(msg, "field ", "unknown key ")
	msg = strings.ReplaceAll(msg, " not found", "")
	return errors.New("config: " + msg)
}

// Validate checks what no single key can: combinations of keys.
func (r *Robot) Validate() error {
	var errs []error
	if r.Name == "" {
		errs = append(errs, errors.New("name: must not be empty"))
	}
	if r.HTTP != "off" {
		host, _, err := net.SplitHostPort(r.HTTP)
		if err != nil {
			errs = append(errs, fmt.Errorf(`http: %q is not host:port or "off"`, r.HTTP))
		} else if !isLoopback(host) && r.HTTPToken == "" && os.Getenv("ROSYS_HTTP_TOKEN") == "" {
			errs = append(errs, fmt.Errorf("http: %s is reachable from other machines; set http_token (or ROSYS_HTTP_TOKEN)", r.HTTP))
		}
	}
	p := r.Persistence
	if p.Backend != nil && (p.MetadataStorage != nil || p.SnapshotStorage != nil) {
		errs = append(errs, errors.New("persistence: give either backend or metadata_storage/snapshot_storage, not both"))
	}
	if (p.MetadataStorage == nil) != (p.SnapshotStorage == nil) {
		errs = append(errs, errors.New("persistence: metadata_storage and snapshot_storage go together"))
	}
	for name, b := range map[string]*Backend{"backend": p.Backend, "metadata_storage": p.MetadataStorage, "snapshot_storage": p.SnapshotStorage} {
		if b != nil {
			if err := b.validate(); err != nil {
				errs = append(errs, fmt.Errorf("persistence.%s: %w", name, err))
			}
		}
	}
	if p.KeepGenerations < 0 {
		errs = append(errs, errors.New("persistence.keep_generations: must not be negative"))
	}
	if p.MaxFileBytes < 0 {
		errs = append(errs, errors.New("persistence.max_file_bytes: must not be negative"))
	}
	if s := r.BackupSchedule; s != nil {
		if s.BackupCount < 0 {
			errs = append(errs, errors.New("backup_schedule.backup_count: must not be negative"))
		}
		if s.Storage == BackupStorageBackend && p.Backend == nil && p.MetadataStorage == nil {
			errs = append(errs, errors.New("backup_schedule.storage: backend needs persistence.backend (or metadata_storage) to send the archives to"))
		}
	}
	if l := r.Hardware.Lizard; l != nil && l.Baud < 0 {
		errs = append(errs, errors.New("hardware.lizard.baud: must be positive"))
	}
	if l := r.Hardware.Lizard; l != nil && len(l.Modules) > 0 {
		if len(l.CoreFields) > 0 {
			errs = append(errs, errors.New("hardware.lizard.core_fields: generated from modules; leave it out when modules are given"))
		}
		if err := validateLizardModules(l.Modules); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

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
