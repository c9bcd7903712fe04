package mirror

import (
	"fmt"
	"testing"
)

func TestVersionRunRefusesVersionsFarFromTheOthers(t *testing.T) {
	for _, c := range []struct {
		in        []uint64
		take, far string
	}{
		{nil, "[]", "[]"},
		{[]uint64{7}, "[7]", "[]"},
		{[]uint64{3, 4, 5}, "[3 4 5]", "[]"},
		{[]uint64{3, 4, 5, 9007199254740990}, "[3 4 5]", "[9007199254740990]"},
		{[]uint64{1, 3, 4, 5, 9007199254740990}, "[1 3 4 5]", "[9007199254740990]"},
		{[]uint64{5, 20000, 20001}, "[20000 20001]", "[5]"},
		{[]uint64{5, 9007199254740990}, "[5]", "[9007199254740990]"},
		{[]uint64{100, 10100, 20100}, "[100 10100 20100]", "[]"},
	} {
		take, far := versionRun(c.in)
		if fmt.Sprint(take) != c.take && !(len(take) == 0 && c.take == "[]") || fmt.Sprint(far) != c.far && !(len(far) == 0 && c.far == "[]") {
			t.Errorf("versionRun(%v) = %v, %v; want %s, %s", c.in, take, far, c.take, c.far)
		}
	}
}
