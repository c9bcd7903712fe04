package pathplanning

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gorosys/rosys/hardware"
)

// boxesMap is n boxes of lo to hi m in a 20 × 20 m field, none within 2 m
// of (2, 2) and (18, 18).
func boxesMap(n int, seed uint64, lo, hi float64) Map {
	rng := rand.New(rand.NewPCG(seed, 26))
	var obs []Obstacle
	for len(obs) < n {
		x, y := rng.Float64()*19, rng.Float64()*19
		w, h := lo+rng.Float64()*(hi-lo), lo+rng.Float64()*(hi-lo)
		if (x-2 < 2 && 2 < x+w+2 && y-2 < 2 && 2 < y+h+2) || (x-2 < 18 && 18 < x+w+2 && y-2 < 18 && 18 < y+h+2) {
			continue
		}
		obs = append(obs, rect(fmt.Sprint("box", len(obs)), x, y, x+w, y+h))
	}
	return mapOf(obs, rectArea("field", "", 0, 0, 20, 20))
}

func BenchmarkPlan100Obstacles(b *testing.B) {
	m := boxesMap(100, 2, 0.2, 0.6)
	start, goal := hardware.Pose{X: 2, Y: 2}, hardware.Pose{X: 18, Y: 18, Yaw: math.Pi / 2}
	var pl Planner
	for b.Loop() {
		if _, err := pl.Plan(context.Background(), m, DefaultShape(), start, goal, Options{AllowReverse: true}); err != nil {
			b.Fatal(err)
		}
	}
}
