package camera

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/jpeg"
	"strconv"
	"strings"
	"testing"
	"time"
)

var errFakeTimeout = errors.New("timeout")

// uvcDevice replays frames as a UVC camera's V4L2 buffers: WaitForFrame
// reports one ready (or a timeout when none is left), GetFrame lends it,
// and a lent buffer must come back before the next is taken. After the
// frames it fails as an unplugged device does.
type uvcDevice struct {
	t        *testing.T
	frames   [][]byte
	next     int
	lent     bool
	timeouts int // timeouts to report before the first frame
	end      error
}

func (d *uvcDevice) WaitForFrame(uint32) error {
	if d.timeouts > 0 {
		d.timeouts--
		return errFakeTimeout
	}
	if d.next == len(d.frames) {
		return d.end
	}
	return nil
}

func (d *uvcDevice) GetFrame() ([]byte, uint32, error) {
	if d.lent {
		d.t.Fatal("a buffer taken before the last one came back")
	}
	d.lent = true
	d.next++
	return d.frames[d.next-1], uint32(d.next - 1), nil
}

func (d *uvcDevice) ReleaseFrame(i uint32) error {
	if !d.lent || int(i) != d.next-1 {
		d.t.Fatalf("buffer %d given back, %d lent", i, d.next-1)
	}
	d.lent = false
	return nil
}

// uvcFrames are frames as UVC cameras deliver them: without Huffman
// tables, padded with zeros to the buffer's size, an empty buffer (a lost
// transfer), a torn frame. They are made here from Go's encoder output,
// not recorded from a device (there is none on this machine).
func uvcFrames(t *testing.T) (frames [][]byte, good [][]byte) {
	a, b := testJPEG(t, 640, 480, 1), testJPEG(t, 640, 480, 2)
	stripped := stripDHT(t, a)
	padded := append(bytes.Clone(stripDHT(t, b)), make([]byte, 3000)...)
	torn := stripDHT(t, a)[:len(stripped)/2]
	return [][]byte{stripped, {}, padded, torn, a}, [][]byte{a, b, a}
}

func TestV4L2FrameHandling(t *testing.T) {
	frames, good := uvcFrames(t)
	c, err := New("usb", newChanSource(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	unplugged := errors.New("no such device")
	dev := &uvcDevice{t: t, frames: frames, timeouts: 3, end: unplugged}
	var kept []Frame
	emit := func(j []byte, at time.Time) {
		c.emit(j, at)
		if f, ok := c.Latest(); ok && (len(kept) == 0 || kept[len(kept)-1].Seq != f.Seq) {
			kept = append(kept, f)
		}
	}
	err = pumpFrames(context.Background(), dev, func(err error) bool { return err == errFakeTimeout }, time.Minute, emit)
	if !errors.Is(err, unplugged) {
		t.Fatalf("pump ended with %v, want the device's error", err)
	}
	st := c.Status()
	if len(kept) != 3 || st.Frames != 3 || st.Dropped != 1 || !strings.Contains(st.Error, "torn frame") {
		t.Fatalf("kept %d frames, status %+v; want 3 kept and the torn one dropped", len(kept), st)
	}
	for k, f := range kept {
		// Served frames have the standard tables: Go decodes them, to
		// the pixels of the frame before its tables were stripped.
		got, err := jpeg.Decode(bytes.NewReader(f.JPEG))
		if err != nil {
			t.Fatalf("frame %d does not decode: %v", k, err)
		}
		want, _ := jpeg.Decode(bytes.NewReader(good[k]))
		if !bytes.Equal(got.(*image.YCbCr).Y, want.(*image.YCbCr).Y) {
			t.Fatalf("frame %d decodes to other pixels", k)
		}
		if f.Width != 640 || f.Height != 480 || f.JPEG[len(f.JPEG)-1] != 0xD9 {
			t.Fatalf("frame %d: %dx%d, ends %#x", k, f.Width, f.Height, f.JPEG[len(f.JPEG)-1])
		}
	}
}

func TestV4L2StallAndCancel(t *testing.T) {
	dev := &uvcDevice{t: t, timeouts: 1 << 30}
	isTimeout := func(err error) bool { return err == errFakeTimeout }
	err := pumpFrames(context.Background(), dev, isTimeout, time.Millisecond, func([]byte, time.Time) {})
	if err == nil || !strings.Contains(err.Error(), "no frame for 1ms") {
		t.Fatalf("stall: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := pumpFrames(ctx, dev, isTimeout, time.Hour, func([]byte, time.Time) {}); err != context.Canceled {
		t.Fatalf("cancelled: %v", err)
	}
}

func TestResolveControls(t *testing.T) {
	have := []deviceControl{
		{ID: 1, Name: "Brightness", Min: -64, Max: 64},
		{ID: 2, Name: "Gain", Min: 0, Max: 100},
		{ID: 3, Name: "White Balance Temperature", Min: 2800, Max: 6500},
		{ID: 4, Name: "White Balance Temperature, Auto", Min: 0, Max: 1},
		{ID: 5, Name: "Exposure, Auto", Min: 0, Max: 3},
		{ID: 6, Name: "Exposure (Absolute)", Min: 3, Max: 2047},
	}
	got, err := resolveControls(map[string]int32{
		"exposure": 100, "auto_exposure": 1, "white_balance": 4600, "auto_white_balance": 0, "Gain": 10, "BRIGHTNESS": -5,
	}, have)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, s := range got {
		order = append(order, s.ctl.Name+"="+strconv.Itoa(int(s.value)))
	}
	want := "Exposure, Auto=1|White Balance Temperature, Auto=0|Brightness=-5|Exposure (Absolute)=100|Gain=10|White Balance Temperature=4600"
	if strings.Join(order, "|") != want {
		t.Fatalf("settings %s\nwant     %s", strings.Join(order, "|"), want)
	}
	if _, err := resolveControls(map[string]int32{"gain": 101}, have); err == nil || !strings.Contains(err.Error(), "101 is outside the device's 0..100") {
		t.Fatalf("out of range: %v", err)
	}
	if _, err := resolveControls(map[string]int32{"zoom": 1}, have); err == nil || !strings.Contains(err.Error(), `"zoom": the device has no such control (it has "Brightness"`) {
		t.Fatalf("unknown: %v", err)
	}
}

func TestV4L2OptionsBounds(t *testing.T) {
	for _, tc := range []struct {
		opts V4L2Options
		want string
	}{
		{V4L2Options{}, "no device"},
		{V4L2Options{Device: "/dev/video0", Width: 640}, "both 1..16384 or both 0"},
		{V4L2Options{Device: "/dev/video0", FPS: 1000}, "fps 1000"},
	} {
		if err := tc.opts.check(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.opts, err, tc.want)
		}
	}
}
