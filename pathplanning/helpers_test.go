package pathplanning

import "math"

func abs(x float64) float64      { return math.Abs(x) }
func hypot(x, y float64) float64 { return math.Hypot(x, y) }
