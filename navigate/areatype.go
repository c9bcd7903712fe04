package navigate

import "github.com/gorosys/rosys/pathplanning"

// areaType is an area's type as RoSys writes it: a string, or null for
// none (the planner keeps "" for none).
func areaType(a pathplanning.Area) *string {
	if a.Type == "" {
		return nil
	}
	t := a.Type
	return &t
}

func setAreaType(a *pathplanning.Area, t *string) {
	a.Type = ""
	if t != nil {
		a.Type = *t
	}
}
