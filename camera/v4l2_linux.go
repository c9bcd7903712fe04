package camera

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/blackjack/webcam"
)

// pixMJPEG is V4L2_PIX_FMT_MJPEG, the fourcc "MJPG".
const pixMJPEG webcam.PixelFormat = 'M' | 'J'<<8 | 'P'<<16 | 'G'<<24

// V4L2 is a USB camera read through V4L2 (github.com/blackjack/webcam,
// pure Go) in MJPEG format, with memory-mapped driver buffers.
type V4L2 struct {
	opts V4L2Options
}

var _ Source = (*V4L2)(nil)

// NewV4L2 checks the options; the device is opened by Run.
func NewV4L2(opts V4L2Options) (*V4L2, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	return &V4L2{opts: opts}, nil
}

// Name implements Source.
func (v *V4L2) Name() string { return "usb " + v.opts.Device }

// Run implements Source: open, choose MJPEG at the size asked for, set
// the controls, stream until the device fails or ctx ends, close.
func (v *V4L2) Run(ctx context.Context, emit func([]byte, time.Time)) error {
	cam, err := webcam.Open(v.opts.Device)
	if err != nil {
		return fmt.Errorf("opening: %w", err)
	}
	defer cam.Close()
	formats := cam.GetSupportedFormats()
	if _, ok := formats[pixMJPEG]; !ok {
		names := make([]string, 0, len(formats))
		for _, n := range formats {
			names = append(names, n)
		}
		return fmt.Errorf("the device offers no MJPEG (it offers %s)", strings.Join(names, ", "))
	}
	w, h := uint32(v.opts.Width), uint32(v.opts.Height)
	if w > 0 {
		_, gw, gh, err := cam.SetImageFormat(pixMJPEG, w, h)
		if err != nil {
			return fmt.Errorf("setting MJPEG %dx%d: %w", w, h, err)
		}
		if gw != w || gh != h {
			var sizes []string
			for _, s := range cam.GetSupportedFrameSizes(pixMJPEG) {
				sizes = append(sizes, s.GetString())
			}
			return fmt.Errorf("asked for MJPEG %dx%d, the device gives %dx%d (it offers %s)", w, h, gw, gh, strings.Join(sizes, ", "))
		}
	}
	if v.opts.FPS > 0 {
		// Not every driver lets the rate be set: the measured fps in
		// status shows what it gives.
		_ = cam.SetFramerate(float32(v.opts.FPS))
	}
	if len(v.opts.Controls) > 0 {
		var have []deviceControl
		for id, c := range cam.GetControls() {
			have = append(have, deviceControl{ID: uint32(id), Name: c.Name, Min: c.Min, Max: c.Max})
		}
		settings, err := resolveControls(v.opts.Controls, have)
		if err != nil {
			return err
		}
		for _, s := range settings {
			if err := cam.SetControl(webcam.ControlID(s.ctl.ID), s.value); err != nil {
				return fmt.Errorf("setting control %s to %d: %w", s.ctl.Name, s.value, err)
			}
		}
	}
	if err := cam.SetBufferCount(4); err != nil {
		return fmt.Errorf("asking for 4 buffers: %w", err)
	}
	if err := cam.StartStreaming(); err != nil {
		return err
	}
	isTimeout := func(err error) bool {
		var t *webcam.Timeout
		return errors.As(err, &t)
	}
	return pumpFrames(ctx, cam, isTimeout, v.opts.StallTimeout, emit)
}
