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
	if err := knownKeys(n, "hardware.gnss", "port", "baud", "gpsd", "reference", "stale_after", "antenna", "confirm_restored_pose"); err != nil {
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
