package config

import (
	"fmt"
	"net"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// GNSS is a GNSS receiver, read either from its serial port (NMEA 0183) or
// through gpsd: exactly one of Port and GPSD.
//
//	gnss: {port: /dev/ttyACM0, baud: 115200, reference: {lat: 48.1173, lon: 11.5167}, stale_after: 2s,
//	       antenna: {x: 0.3, y: 0, yaw: 1.5708}}
//	gnss: {gpsd: 127.0.0.1:2947}
type GNSS struct {
	Port string `yaml:"port"`
	Baud int    `yaml:"baud"` // default 115200
	GPSD string `yaml:"gpsd"` // host:port
	// Reference is the local frame's origin; absent takes the first fix.
	Reference *GeoPoint `yaml:"reference"`
	// StaleAfter: an older measurement is stale (default 2s).
	StaleAfter Duration `yaml:"stale_after"`
	// Antenna is where the main antenna sits on the robot, as RoSys's
	// antenna_pose; absent means at the robot's origin.
	Antenna *Antenna `yaml:"antenna"`
	// ConfirmRestoredPose: after a restart the restored pose waits for a
	// fix that agrees with it before the Driver follows a path on it
	// (default true); false drives on at once from the restored pose.
	ConfirmRestoredPose *bool `yaml:"confirm_restored_pose"`
	// NTRIP streams RTK corrections from a caster to the receiver's
	// serial port (not with gpsd, which takes a caster itself).
	NTRIP *NTRIP `yaml:"ntrip"`
}

// DefaultNTRIPPasswordEnv is the environment variable the NTRIP password
// comes from when password_env does not name another.
const DefaultNTRIPPasswordEnv = "ROSYS_NTRIP_PASSWORD"

// NTRIP is a caster's mountpoint to take corrections from. The password
// is never in robot.yaml: PasswordEnv names the environment variable
// holding it.
//
//	ntrip: {host: caster.example.com, port: 2101, mountpoint: RTCM3, user: rover, password_env: NTRIP_PASSWORD,
//	        version: 2, send_gga_interval: 10s}
type NTRIP struct {
	Host       string `yaml:"host"`
	Port       int    `yaml:"port"` // default 2101
	Mountpoint string `yaml:"mountpoint"`
	User       string `yaml:"user"` // empty: no authentication
	// PasswordEnv names the environment variable with the password
	// (default ROSYS_NTRIP_PASSWORD).
	PasswordEnv string `yaml:"password_env"`
	Version     int    `yaml:"version"` // 1 or 2, default 2
	// SendGGAInterval: how often the current fix goes up to the caster
	// (default 10s; 0 never).
	SendGGAInterval *Duration `yaml:"send_gga_interval"`
	// ReadTimeout: the longest the stream may bring no correction before
	// the client reconnects (default 30s); ReconnectMax: the longest
	// wait between attempts (default 60s).
	ReadTimeout  Duration `yaml:"read_timeout"`
	ReconnectMax Duration `yaml:"reconnect_max"`
}

// UnmarshalYAML implements yaml.Unmarshaler.
func (c *NTRIP) UnmarshalYAML(n *yaml.Node) error {
	const key = "hardware.gnss.ntrip"
	if l := keyLine(n, "password"); l != 0 {
		return fmt.Errorf("line %d: %s.password: a password does not belong in robot.yaml; put it in the environment and name the variable with password_env (default %s)",
			l, key, DefaultNTRIPPasswordEnv)
	}
	if err := knownKeys(n, key, "host", "port", "mountpoint", "user", "password_env", "version", "send_gga_interval", "read_timeout", "reconnect_max"); err != nil {
		return err
	}
	type plain NTRIP
	var v plain
	if err := n.Decode(&v); err != nil {
		return err
	}
	switch {
	case v.Host == "":
		return fmt.Errorf("line %d: %s: name the caster's host", n.Line, key)
	case !ntripName(v.Mountpoint, false):
		return fmt.Errorf("line %d: %s.mountpoint: %q: want 1 to 100 letters, digits, '-', '_' or '.'", n.Line, key, v.Mountpoint)
	case strings.ContainsAny(v.Host, "/:@ ") && net.ParseIP(v.Host) == nil:
		return fmt.Errorf("line %d: %s.host: %q: a host name or address, without scheme, port or user", keyLine(n, "host"), key, v.Host)
	case strings.ContainsAny(v.User, ":\r\n\t") || len(v.User) > 256:
		return fmt.Errorf("line %d: %s.user: no ':' or control characters, at most 256 bytes", keyLine(n, "user"), key)
	case v.PasswordEnv != "" && !ntripName(v.PasswordEnv, true):
		return fmt.Errorf("line %d: %s.password_env: %q is not an environment variable's name", keyLine(n, "password_env"), key, v.PasswordEnv)
	}
	// The ranges of port, version and the durations are in the bounds
	// table (bounds.go).
	*c = NTRIP(v)
	return nil
}

// PasswordVariable is the environment variable the password comes from.
func (c *NTRIP) PasswordVariable() string {
	if c.PasswordEnv != "" {
		return c.PasswordEnv
	}
	return DefaultNTRIPPasswordEnv
}

// ntripName reports whether s is a mountpoint (letters, digits, -_.) or,
// with env, an environment variable's name (letters, digits, _).
func ntripName(s string, env bool) bool {
	if len(s) == 0 || len(s) > 100 {
		return false
	}
	for i, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_' || i > 0 && r >= '0' && r <= '9'
		if !env {
			ok = ok || r >= '0' && r <= '9' || r == '-' || r == '.'
		}
		if !ok {
			return false
		}
	}
	return true
}

// Antenna is the main antenna's pose in the robot's frame: x forward and y
// left in metres, yaw (radians, counter-clockwise) from the robot's
// forward direction to the baseline towards the auxiliary antenna.
type Antenna struct {
	X   float64 `yaml:"x"`
	Y   float64 `yaml:"y"`
	Yaw float64 `yaml:"yaw"`
}

// GeoPoint is a latitude and longitude in degrees.
type GeoPoint struct {
	Lat float64 `yaml:"lat"`
	Lon float64 `yaml:"lon"`
}

// UnmarshalYAML implements yaml.Unmarshaler: the keys are checked here,
// with their lines, since a custom unmarshaler's inner decode does not
// refuse unknown keys by itself.
func (g *GNSS) UnmarshalYAML(n *yaml.Node) error {
	if err := knownKeys(n, "hardware.gnss", "port", "baud", "gpsd", "reference", "stale_after", "antenna", "confirm_restored_pose", "ntrip"); err != nil {
		return err
	}
	type plain GNSS
	var p plain
	if err := n.Decode(&p); err != nil {
		return err
	}
	switch {
	case p.Port == "" && p.GPSD == "":
		return fmt.Errorf("line %d: hardware.gnss: name port (the receiver's serial device) or gpsd (host:port)", n.Line)
	case p.Port != "" && p.GPSD != "":
		return fmt.Errorf("line %d: hardware.gnss: name port or gpsd, not both", n.Line)
	case p.GPSD != "" && p.Baud != 0:
		return fmt.Errorf("line %d: hardware.gnss.baud: only for a serial port, not gpsd", keyLine(n, "baud"))
	case p.GPSD != "" && p.NTRIP != nil:
		// Our client writes to the port, which gpsd holds; gpsd has an
		// NTRIP client of its own that feeds its receivers.
		return fmt.Errorf("line %d: hardware.gnss.ntrip: needs the serial source (port); with gpsd, give gpsd the caster as a source of its own: gpsd /dev/ttyACM0 ntrip://user:password@caster:2101/MOUNT",
			keyLine(n, "ntrip"))
	}
	if p.GPSD != "" {
		if _, port, err := net.SplitHostPort(p.GPSD); err != nil || port == "" {
			return fmt.Errorf("line %d: hardware.gnss.gpsd: %q is not host:port, such as 127.0.0.1:2947", keyLine(n, "gpsd"), p.GPSD)
		}
	}
	*g = GNSS(p)
	return nil
}

// UnmarshalYAML implements yaml.Unmarshaler.
func (p *GeoPoint) UnmarshalYAML(n *yaml.Node) error {
	const key = "hardware.gnss.reference"
	if err := knownKeys(n, key, "lat", "lon"); err != nil {
		return err
	}
	if keyLine(n, "lat") == 0 || keyLine(n, "lon") == 0 {
		return fmt.Errorf("line %d: %s: give both lat and lon, in degrees", n.Line, key)
	}
	type plain GeoPoint
	var v plain
	if err := n.Decode(&v); err != nil {
		return err
	}
	// The ranges of lat and lon are in the bounds table (bounds.go).
	*p = GeoPoint(v)
	return nil
}

// UnmarshalYAML implements yaml.Unmarshaler.
func (a *Antenna) UnmarshalYAML(n *yaml.Node) error {
	const key = "hardware.gnss.antenna"
	if err := knownKeys(n, key, "x", "y", "yaw"); err != nil {
		return err
	}
	type plain Antenna
	var v plain
	if err := n.Decode(&v); err != nil {
		return err
	}
	// The ranges are in the bounds table (bounds.go): they catch
	// centimetres for metres and degrees for radians.
	*a = Antenna(v)
	return nil
}

// knownKeys checks that n is a mapping whose keys are all allowed.
func knownKeys(n *yaml.Node, key string, allowed ...string) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: %s: want a mapping of %s", n.Line, key, strings.Join(allowed, ", "))
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if !slices.Contains(allowed, k.Value) {
			return fmt.Errorf("line %d: unknown key %s in %s (known: %s)", k.Line, k.Value, key, strings.Join(allowed, ", "))
		}
	}
	return nil
}

// keyLine is the line of key in mapping n, 0 if absent.
func keyLine(n *yaml.Node, key string) int {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i].Line
		}
	}
	return 0
}
