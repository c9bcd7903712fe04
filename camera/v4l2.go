package camera

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// V4L2Options configure a USB camera (UVC) read through Linux's V4L2 in
// MJPEG format.
type V4L2Options struct {
	Device        string // /dev/video0
	Width, Height int    // the MJPEG frame size to ask for (0: the device's current one)
	FPS           int    // 0: the device's default
	// Controls set by name after opening, such as "exposure",
	// "auto_exposure", "gain", "white_balance", "auto_white_balance"
	// (aliases of the names UVC drivers give) or any name the driver
	// lists, matched without regard to case, spaces and punctuation.
	// Automatic modes are set before the values they govern.
	Controls map[string]int32
	// StallTimeout ends a run when the device delivers nothing for this
	// long (default 5 s): a camera gone without an error.
	StallTimeout time.Duration
}

func (o *V4L2Options) check() error {
	if o.Device == "" {
		return errors.New("usb camera: no device")
	}
	if o.Width < 0 || o.Height < 0 || o.Width > 16384 || o.Height > 16384 || (o.Width == 0) != (o.Height == 0) {
		return fmt.Errorf("usb camera %s: size %dx%d: both 1..16384 or both 0", o.Device, o.Width, o.Height)
	}
	if o.FPS < 0 || o.FPS > 240 {
		return fmt.Errorf("usb camera %s: fps %d: must be 0..240", o.Device, o.FPS)
	}
	if o.StallTimeout == 0 {
		o.StallTimeout = 5 * time.Second
	}
	if o.StallTimeout < 0 {
		return fmt.Errorf("usb camera %s: negative stall timeout", o.Device)
	}
	return nil
}

// controlAliases are the short names of the controls a field robot sets,
// each with the names UVC drivers give them (normalized).
var controlAliases = map[string][]string{
	"exposure":           {"exposuretimeabsolute", "exposureabsolute", "exposure"},
	"auto_exposure":      {"autoexposure", "exposureauto"},
	"gain":               {"gain"},
	"white_balance":      {"whitebalancetemperature"},
	"auto_white_balance": {"whitebalancetemperatureauto", "whitebalanceautomatic", "autowhitebalance"},
	"brightness":         {"brightness"},
	"focus":              {"focusabsolute"},
	"auto_focus":         {"focusautomaticcontinuous", "focusauto"},
}

// normalizeControl lowers a control name and drops everything but
// letters and digits: "Exposure Time, Absolute" → "exposuretimeabsolute".
func normalizeControl(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// deviceControl is a control the driver lists.
type deviceControl struct {
	ID        uint32
	Name      string
	Min, Max  int32
	automatic bool
}

// controlSetting is a control to set, resolved.
type controlSetting struct {
	ctl   deviceControl
	value int32
}

// resolveControls maps the wanted controls onto the driver's, checking
// names and ranges, automatic modes first.
func resolveControls(want map[string]int32, have []deviceControl) ([]controlSetting, error) {
	byName := map[string]deviceControl{}
	for _, c := range have {
		byName[normalizeControl(c.Name)] = c
	}
	var out []controlSetting
	for name, v := range want {
		candidates := controlAliases[strings.ToLower(name)]
		if candidates == nil {
			candidates = []string{normalizeControl(name)}
		}
		var c deviceControl
		found := false
		for _, n := range candidates {
			if c, found = byName[n]; found {
				break
			}
		}
		if !found {
			names := make([]string, 0, len(have))
			for _, h := range have {
				names = append(names, fmt.Sprintf("%q", h.Name))
			}
			slices.Sort(names)
			return nil, fmt.Errorf("control %q: the device has no such control (it has %s)", name, strings.Join(names, ", "))
		}
		if v < c.Min || v > c.Max {
			return nil, fmt.Errorf("control %q (%s): %d is outside the device's %d..%d", name, c.Name, v, c.Min, c.Max)
		}
		c.automatic = strings.Contains(normalizeControl(c.Name), "auto")
		out = append(out, controlSetting{ctl: c, value: v})
	}
	slices.SortFunc(out, func(a, b controlSetting) int {
		if a.ctl.automatic != b.ctl.automatic {
			if a.ctl.automatic {
				return -1
			}
			return 1
		}
		return strings.Compare(a.ctl.Name, b.ctl.Name)
	})
	return out, nil
}

// frameDevice is what the frame loop needs of a V4L2 device (the webcam
// package's Webcam; a recorded stream in tests).
type frameDevice interface {
	// WaitForFrame waits up to timeout seconds; errTimeout-like errors
	// are reported by isTimeout.
	WaitForFrame(timeout uint32) error
	// GetFrame lends a filled buffer until ReleaseFrame(index).
	GetFrame() ([]byte, uint32, error)
	ReleaseFrame(index uint32) error
}

// pumpFrames hands the device's frames to emit until ctx ends, the
// device fails (unplugged: ENODEV) or stalls. Buffers go back to the
// driver right after emit copied them. Empty buffers (a UVC transfer
// that lost its payload) are skipped; others go to emit, which drops and
// counts torn ones.
func pumpFrames(ctx context.Context, dev frameDevice, isTimeout func(error) bool, stall time.Duration, emit func([]byte, time.Time)) error {
	last := time.Now()
	for ctx.Err() == nil {
		if err := dev.WaitForFrame(1); err != nil {
			if isTimeout(err) {
				if time.Since(last) > stall {
					return fmt.Errorf("no frame for %v", stall)
				}
				continue
			}
			return fmt.Errorf("waiting for a frame: %w", err)
		}
		frame, index, err := dev.GetFrame()
		if err != nil {
			return fmt.Errorf("dequeuing a frame: %w", err)
		}
		if len(frame) > 0 {
			last = time.Now()
			emit(frame, time.Time{})
		}
		if err := dev.ReleaseFrame(index); err != nil {
			return fmt.Errorf("giving a buffer back: %w", err)
		}
	}
	return ctx.Err()
}
