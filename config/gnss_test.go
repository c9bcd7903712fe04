package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys/config"
)

func TestGNSSConfig(t *testing.T) {
	r, err := config.Parse([]byte("hardware:\n  gnss:\n    port: /dev/ttyACM0\n    baud: 115200\n    reference: {lat: 48.1173, lon: -11.5167}\n    stale_after: 1500ms\n"))
	if err != nil {
		t.Fatal(err)
	}
	g := r.Hardware.GNSS
	if g == nil || g.Port != "/dev/ttyACM0" || g.Baud != 115200 || g.GPSD != "" || g.Reference == nil ||
		g.Reference.Lat != 48.1173 || g.Reference.Lon != -11.5167 || g.StaleAfter.D() != 1500*time.Millisecond {
		t.Fatalf("%+v", g)
	}
	r, err = config.Parse([]byte("hardware:\n  gnss: {gpsd: 127.0.0.1:2947, antenna: {x: 0.3, y: -0.1, yaw: 1.5708}}\n"))
	if err != nil || r.Hardware.GNSS.GPSD != "127.0.0.1:2947" || r.Hardware.GNSS.Reference != nil ||
		*r.Hardware.GNSS.Antenna != (config.Antenna{X: 0.3, Y: -0.1, Yaw: 1.5708}) {
		t.Fatalf("%v %+v", err, r.Hardware.GNSS)
	}
	if r, err = config.Parse([]byte("name: x\n")); err != nil || r.Hardware.GNSS != nil {
		t.Fatal("gnss present without being configured")
	}
}

func TestBadGNSSConfigsNameKeyAndLine(t *testing.T) {
	for name, tc := range map[string]struct{ yaml, want string }{
		"neither":        {"hardware:\n  gnss: {baud: 9600}\n", "line 2: hardware.gnss: name port"},
		"both":           {"hardware:\n  gnss:\n    port: /dev/ttyACM0\n    gpsd: 127.0.0.1:2947\n", "line 3: hardware.gnss: name port or gpsd, not both"},
		"unknown key":    {"hardware:\n  gnss:\n    port: /dev/ttyACM0\n    rate: 10\n", "line 4: unknown key rate in hardware.gnss"},
		"baud for gpsd":  {"hardware:\n  gnss:\n    gpsd: localhost:2947\n    baud: 9600\n", "line 4: hardware.gnss.baud: only for a serial port"},
		"negative baud":  {"hardware:\n  gnss:\n    port: /dev/x\n    baud: -1\n", "line 4: hardware.gnss.baud: -1 is out of range 1200 to 4000000"},
		"gpsd no port":   {"hardware:\n  gnss:\n    gpsd: localhost\n", `line 3: hardware.gnss.gpsd: "localhost" is not host:port`},
		"bare duration":  {"hardware:\n  gnss:\n    port: /dev/x\n    stale_after: 2\n", `line 4: hardware.gnss.stale_after: "2" is not a duration with a unit`},
		"not a mapping":  {"hardware:\n  gnss: /dev/ttyACM0\n", "line 2: hardware.gnss: want a mapping"},
		"lat missing":    {"hardware:\n  gnss:\n    port: /dev/x\n    reference: {lon: 11}\n", "line 4: hardware.gnss.reference: give both lat and lon"},
		"lat at pole":    {"hardware:\n  gnss:\n    port: /dev/x\n    reference:\n      lat: 89.5\n      lon: 11\n", "line 5: hardware.gnss.reference.lat: 89.5 is out of range -89 to 89"},
		"lon too big":    {"hardware:\n  gnss:\n    port: /dev/x\n    reference:\n      lat: 48\n      lon: 181\n", "line 6: hardware.gnss.reference.lon: 181 is out of range -180 to 180"},
		"lat a word":     {"hardware:\n  gnss:\n    port: /dev/x\n    reference: {lat: north, lon: 1}\n", `line 4: hardware.gnss.reference.lat: "north" is not a number`},
		"reference key":  {"hardware:\n  gnss:\n    port: /dev/x\n    reference: {lat: 1, lon: 1, alt: 3}\n", "line 4: unknown key alt in hardware.gnss.reference"},
		"antenna in cm":  {"hardware:\n  gnss:\n    port: /dev/x\n    antenna: {x: 30, y: 0}\n", "line 4: hardware.gnss.antenna.x: 30 is out of range -10 to 10: metres"},
		"antenna in deg": {"hardware:\n  gnss:\n    port: /dev/x\n    antenna:\n      yaw: 90\n", "line 5: hardware.gnss.antenna.yaw: 90 is out of range -6.283 to 6.283: radians"},
		"antenna key":    {"hardware:\n  gnss:\n    port: /dev/x\n    antenna: {z: 1}\n", "line 4: unknown key z in hardware.gnss.antenna"},
		"wrong key type": {"hardware:\n  gnss:\n    port: [a]\n", "line 3: cannot unmarshal !!seq into string"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := config.Parse([]byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}
