package config

import (
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Every number, size and duration robot.yaml can hold has an entry in the
// bounds table: a key added to the structs without one fails here.
func TestEveryNumericKeyIsBounded(t *testing.T) {
	var missing []string
	seen := map[string]bool{}
	var visit func(typ reflect.Type, path string)
	visit = func(typ reflect.Type, path string) {
		for typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		seen[path] = true
		switch typ {
		case reflect.TypeFor[Duration](), reflect.TypeFor[Bytes]():
			if boundsByKey[path] == nil {
				missing = append(missing, path)
			}
			return
		case reflect.TypeFor[History]():
			for _, k := range historyKeys {
				visit(reflect.TypeFor[int](), path+"."+k)
				visit(reflect.TypeFor[int](), path+".modules.*."+k)
			}
			return
		case reflect.TypeFor[PinMap]():
			visit(reflect.TypeFor[int](), path+".*")
			return
		}
		switch typ.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
			if boundsByKey[path] == nil {
				missing = append(missing, path)
			}
		case reflect.Slice:
			visit(typ.Elem(), path+"[]")
		case reflect.Struct:
			for f := range typ.Fields() {
				tag, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
				switch {
				case tag == "" && opts == "inline": // its fields are the struct's
					visit(f.Type, path)
				case tag != "" && tag != "-":
					visit(f.Type, join(path, tag))
				}
			}
		}
	}
	visit(reflect.TypeFor[Robot](), "")
	if len(missing) > 0 {
		t.Fatalf("numeric keys without bounds (add them to bounds in bounds.go and to docs/configuration.md): %v", missing)
	}
	// And the table names no key that does not exist (nor one the walk
	// missed, such as the fields of a type's keys inlined in LizardModule).
	for _, b := range bounds {
		if !seen[b.key] {
			t.Errorf("bounds table has %s, which is no key of Robot's", b.key)
		}
	}
	if len(bounds) != len(boundsByKey) {
		t.Fatalf("a key appears twice in the bounds table")
	}
}

// The configuration reference shows the table as the code has it.
func TestConfigurationReferenceHoldsBounds(t *testing.T) {
	ref, err := os.ReadFile(referencePath)
	if err != nil {
		t.Fatal(err)
	}
	if want := BoundsReference(); !strings.Contains(string(ref), want) {
		t.Fatalf("%s does not hold the bounds table as BoundsReference writes it; paste this under \"Bounds\":\n%s", referencePath, want)
	}
}

func TestBoundsAreOrdered(t *testing.T) {
	for _, b := range bounds {
		if !(b.min <= b.max) || b.why == "" {
			t.Errorf("%s: min %v max %v why %q", b.key, b.min, b.max, b.why)
		}
		if b.kind == kindDuration && b.max > float64(time.Duration(1<<62)) {
			t.Errorf("%s: max overflows a duration", b.key)
		}
	}
}
