package main

import (
	"fmt"
	"slices"
	"time"
)

// dist summarises durations.
type dist struct {
	N             int
	P50, P99, Max time.Duration
}

func summarise(d []time.Duration) dist {
	if len(d) == 0 {
		return dist{}
	}
	s := slices.Clone(d)
	slices.Sort(s)
	q := func(p float64) time.Duration { return s[min(len(s)-1, int(p*float64(len(s))))] }
	return dist{N: len(s), P50: q(0.50), P99: q(0.99), Max: s[len(s)-1]}
}

// median of a few repetitions: the figure least disturbed by neighbours
// on a shared machine.
func median(d []time.Duration) time.Duration { return summarise(d).P50 }

func us(d time.Duration) string { return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond)) }

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

func ratio(a, b time.Duration) string {
	if b <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", float64(a)/float64(b))
}
