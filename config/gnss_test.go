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

func TestNTRIPConfig(t *testing.T) {
	r, err := config.Parse([]byte("hardware:\n  gnss:\n    port: /dev/ttyACM0\n    ntrip: {host: caster.example.com, mountpoint: RTCM3_EU, user: rover, send_gga_interval: 0}\n"))
	if err != nil {
		t.Fatal(err)
	}
	n := r.Hardware.GNSS.NTRIP
	if n == nil || n.Host != "caster.example.com" || n.Mountpoint != "RTCM3_EU" || n.User != "rover" || n.Port != 0 ||
		n.SendGGAInterval == nil || *n.SendGGAInterval != 0 || n.PasswordVariable() != config.DefaultNTRIPPasswordEnv {
		t.Fatalf("%+v", n)
	}
	r, err = config.Parse([]byte("hardware:\n  gnss:\n    port: /dev/x\n    ntrip: {host: 10.0.0.1, port: 2102, mountpoint: M, password_env: MY_PW, version: 1}\n"))
	if err != nil || r.Hardware.GNSS.NTRIP.SendGGAInterval != nil || r.Hardware.GNSS.NTRIP.PasswordVariable() != "MY_PW" || r.Hardware.GNSS.NTRIP.Version != 1 {
		t.Fatalf("%v %+v", err, r.Hardware.GNSS.NTRIP)
	}
}

func TestBadNTRIPConfigsNameKeyAndLine(t *testing.T) {
	const head = "hardware:\n  gnss:\n    port: /dev/x\n    ntrip:\n"
	for name, c := range map[string]struct{ yaml, want string }{
		"password":      {head + "      host: h\n      mountpoint: M\n      password: hunter2\n", "line 7: hardware.gnss.ntrip.password: a password does not belong in robot.yaml"},
		"with gpsd":     {"hardware:\n  gnss:\n    gpsd: localhost:2947\n    ntrip: {host: h, mountpoint: M}\n", "line 4: hardware.gnss.ntrip: needs the serial source (port); with gpsd"},
		"no host":       {head + "      mountpoint: M\n", "line 5: hardware.gnss.ntrip: name the caster's host"},
		"no mount":      {head + "      host: h\n", `hardware.gnss.ntrip.mountpoint: "": want 1 to 100 letters`},
		"mount slash":   {head + "      host: h\n      mountpoint: /M\n", `hardware.gnss.ntrip.mountpoint: "/M"`},
		"host url":      {head + "      host: http://h:2101\n      mountpoint: M\n", `line 5: hardware.gnss.ntrip.host: "http://h:2101": a host name`},
		"user colon":    {head + "      host: h\n      mountpoint: M\n      user: a:b\n", "line 7: hardware.gnss.ntrip.user: no ':'"},
		"env name":      {head + "      host: h\n      mountpoint: M\n      password_env: $PW\n", `line 7: hardware.gnss.ntrip.password_env: "$PW" is not`},
		"port":          {head + "      host: h\n      mountpoint: M\n      port: 70000\n", "line 7: hardware.gnss.ntrip.port: 70000 is out of range 1 to 65535"},
		"version":       {head + "      host: h\n      mountpoint: M\n      version: 3\n", "line 7: hardware.gnss.ntrip.version: 3 is out of range 1 to 2"},
		"gga too often": {head + "      host: h\n      mountpoint: M\n      send_gga_interval: 10ms\n", "line 7: hardware.gnss.ntrip.send_gga_interval: 10ms is out of range"},
		"unknown":       {head + "      host: h\n      mountpoint: M\n      pass: x\n", "line 7: unknown key pass in hardware.gnss.ntrip"},
	} {
		_, err := config.Parse([]byte(c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want %q", name, err, c.want)
		}
	}
}
