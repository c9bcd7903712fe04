package persistence

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
)

// Float is a float64 that keeps NaN and the infinities through JSON, which
// has no such numbers. Python's json (so RoSys) writes them as bare tokens;
// the store reads those as the strings "NaN", "Infinity" and "-Infinity"
// and writes the strings back as tokens in format rosys (see docs/storage.md's
// rule). A plain float64 field cannot take those strings: restoring such
// a file fails and the file is kept aside. Use Float for any field that
// may hold them:
//
//	type Model struct {
//		Value persistence.Float `json:"value"`
//	}
//
// Finite values encode exactly as a float64 does.
type Float float64

// The JSON spellings of the non-finite values.
const (
	nanString    = "NaN"
	posInfString = "Infinity"
	negInfString = "-Infinity"
)

// MarshalJSON implements json.Marshaler.
func (f Float) MarshalJSON() ([]byte, error) {
	x := float64(f)
	switch {
	case math.IsNaN(x):
		return []byte(`"` + nanString + `"`), nil
	case math.IsInf(x, 1):
		return []byte(`"` + posInfString + `"`), nil
	case math.IsInf(x, -1):
		return []byte(`"` + negInfString + `"`), nil
	}
	return json.Marshal(x)
}

// UnmarshalJSON implements json.Unmarshaler: a number, or one of the three
// strings. null leaves the value unchanged, as for a float64.
func (f *Float) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		switch s {
		case nanString:
			*f = Float(math.NaN())
		case posInfString:
			*f = Float(math.Inf(1))
		case negInfString:
			*f = Float(math.Inf(-1))
		default:
			// The error encoding/json gives a float64 for a string, so
			// the API's 400 reads the same for both.
			return &json.UnmarshalTypeError{Value: fmt.Sprintf("string %q (a number, or NaN, Infinity, -Infinity)", s), Type: reflect.TypeFor[Float]()}
		}
		return nil
	}
	var x float64
	if err := json.Unmarshal(b, &x); err != nil {
		return err
	}
	*f = Float(x)
	return nil
}
