//go:build !linux

package camera

import (
	"context"
	"errors"
	"time"
)

// V4L2 is a USB camera read through V4L2: Linux only.
type V4L2 struct{ opts V4L2Options }

// NewV4L2 fails off Linux: V4L2 is Linux's.
func NewV4L2(opts V4L2Options) (*V4L2, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	return nil, errors.New("usb camera: V4L2 exists on Linux only")
}

// Name implements Source.
func (v *V4L2) Name() string { return "usb " + v.opts.Device }

// Run implements Source.
func (v *V4L2) Run(context.Context, func([]byte, time.Time)) error {
	return errors.New("usb camera: V4L2 exists on Linux only")
}
