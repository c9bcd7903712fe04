//go:build !linux

package rosys

import "time"

func sleepPrecise(d time.Duration) { time.Sleep(d) }

func sleepHoldingP(d time.Duration) { time.Sleep(d) }
