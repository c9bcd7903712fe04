//go:build !linux

package clock

import "time"

var monoBase = time.Now()

func sleepPrecise(d time.Duration) { time.Sleep(d) }

// monoNow stands in for CLOCK_MONOTONIC: nanoseconds on Go's monotonic clock.
func monoNow() int64 { return int64(time.Since(monoBase)) }

func sleepHoldingP(deadline int64) { time.Sleep(time.Duration(deadline - monoNow())) }
