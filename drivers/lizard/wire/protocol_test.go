package wire_test

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/gorosys/rosys/drivers/lizard/wire"
)

func TestChecksumMatchesLizardDocs(t *testing.T) {
	// The example of Lizard's machine-safety documentation.
	if got := string(wire.AppendLine(nil, "1 + 2")); got != "1 + 2@28\n" {
		t.Fatalf("got %q", got)
	}
	if got := string(wire.AppendLine(nil, "wheels.speed(0.500, 0.000)")); !strings.HasSuffix(got, "\n") || got[len(got)-4] != '@' {
		t.Fatalf("got %q", got)
	}
}

func TestParseLine(t *testing.T) {
	for line, want := range map[string]error{
		"1 + 2@28":    nil,
		"1 + 2@2A":    wire.ErrBadChecksum,
		"1 + 2@29":    wire.ErrBadChecksum,
		"1 + 2":       wire.ErrNoChecksum,
		"1 + 2@2":     wire.ErrNoChecksum,
		"1 + 2@zz":    wire.ErrNoChecksum,
		"":            wire.ErrNoChecksum,
		"core 1@00":   wire.ErrBadChecksum,
		"\x00\xff@ff": nil,
	} {
		p, err := wire.ParseLine([]byte(line))
		if !errors.Is(err, want) {
			t.Errorf("ParseLine(%q) = %q, %v; want %v", line, p, err, want)
		}
	}
	if p, err := wire.ParseLine([]byte("1 + 2@28")); err != nil || string(p) != "1 + 2" {
		t.Fatalf("%q %v", p, err)
	}
}

func TestLineReader(t *testing.T) {
	long := strings.Repeat("x", 5*wire.MaxLineLength)
	in := "a\r\nb\n" + long + "\nc\r\n\r\npartial"
	// One byte at a time, as a slow serial line delivers it.
	lr := wire.NewLineReader(iotest.OneByteReader(strings.NewReader(in)))
	var got []string
	for {
		l, err := lr.ReadLine()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatal(err)
			}
			break
		}
		got = append(got, string(l))
	}
	if strings.Join(got, "|") != "a|b|c|" || lr.Overlong != 1 {
		t.Fatalf("lines %q, overlong %d", got, lr.Overlong)
	}
}

func TestFieldsAndOutputCommand(t *testing.T) {
	fs, err := wire.ParseFields([]string{"wheels.linear_speed:3", "estop.active"})
	if err != nil {
		t.Fatal(err)
	}
	if got := wire.OutputCommand(fs); got != `core.output("core.millis wheels.linear_speed:3 estop.active")` {
		t.Fatal(got)
	}
	for _, bad := range [][]string{{"a:x"}, {"a:12"}, {""}, {"a", "a"}, {"a b"}} {
		if _, err := wire.ParseFields(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestCoreDecoder(t *testing.T) {
	fs, _ := wire.ParseFields([]string{"wheels.linear_speed:3", "wheels.angular_speed:3", "estop.active"})
	d := wire.NewCoreDecoder(fs)
	v := make([]float64, 3)
	ms, err := d.Decode([]byte("core 1234 0.500 -0.250 true"), v)
	if err != nil || ms != 1234 || v[0] != 0.5 || v[1] != -0.25 || v[2] != 1 {
		t.Fatalf("%d %v %v", ms, v, err)
	}
	_, err = d.Decode([]byte("core 1234 0.500 true"), v)
	var mm *wire.MismatchError
	if !errors.As(err, &mm) || !strings.Contains(err.Error(), "core.millis wheels.linear_speed:3 wheels.angular_speed:3 estop.active") ||
		!strings.Contains(err.Error(), `"1234 0.500 true"`) {
		t.Fatalf("mismatch error: %v", err)
	}
	if _, err := d.Decode([]byte("core x 1 2 true"), v); err == nil {
		t.Fatal("bad millis accepted")
	}
	if _, err := d.Decode([]byte("core 1 1 fast true"), v); err == nil || !strings.Contains(err.Error(), "wheels.angular_speed") {
		t.Fatalf("bad value: %v", err)
	}
}

func TestClockSyncAveragesAndResets(t *testing.T) {
	var c wire.ClockSync
	host := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	// Messages every 10 ms, received with 0..4 ms of transfer jitter.
	var last time.Time
	for i := range 100 {
		millis := int64(1000 + 10*i)
		recv := host.Add(time.Duration(10*i)*time.Millisecond + time.Duration(i%5)*time.Millisecond)
		last = c.Map(millis, recv)
	}
	// The mapped time of the last message is within the jitter's mean
	// (2 ms) of its true host time.
	truth := host.Add(990 * time.Millisecond)
	if d := last.Sub(truth); d < time.Millisecond || d > 3*time.Millisecond {
		t.Fatalf("mapped %v from the true time", d)
	}
	// The controller restarts: millis go back; the average starts again.
	got := c.Map(5, host.Add(2*time.Second))
	if c.Resets != 1 || !got.Equal(host.Add(2*time.Second)) {
		t.Fatalf("after restart: %v resets %d", got.Sub(host), c.Resets)
	}
}
