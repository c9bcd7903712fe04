//go:build !linux

package rosys

import "errors"

func setRealtime(int) error { return errors.New("real-time scheduling is only supported on Linux") }

func setTimerSlack() error { return nil }
