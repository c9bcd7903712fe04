package persistence

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
)

// ErrFieldCase: stored or sent data names a field with other letter case
// than the Go type's JSON name ({"VALUE": 5} for "value"). encoding/json
// would take it for that field (it matches names case-insensitively), so
// {"limit": 0.3, "LIMIT": 9.9} would set 9.9; here field names match
// exactly, and such a name is refused wherever module data is decoded:
// PUT, import, restore from a file or a history version.
var ErrFieldCase = errors.New("field name differs from the module's only in letter case")

// checkFieldNames walks data along the type t and refuses an object key
// that is not a field name of its struct but equals one when case is
// ignored (strings.EqualFold is encoding/json's own folding), at any
// depth: nested structs, maps and slices of them, pointers. Keys that are
// no field at all are left to the caller (refused by strict decoding,
// ignored otherwise). Values of types that decode themselves
// (json.Unmarshaler, encoding.TextUnmarshaler, interfaces) are not
// walked. Invalid JSON is left to the decoder that follows.
func checkFieldNames(data []byte, t reflect.Type) error {
	if !hasStructs(t) || !mayMisspell(data, foldedNames(t)) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := walkField(dec, t, "$"); err != nil && errors.Is(err, ErrFieldCase) {
		return err
	}
	return nil
}

// walkField walks the next value of dec as type t (nil: unknown, only
// consumed).
func walkField(dec *json.Decoder, t reflect.Type, path string) error {
	t = concrete(t)
	if !hasStructs(t) {
		var skip json.RawMessage
		return dec.Decode(&skip)
	}
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil // a scalar where the type wants more: the decoder's error
	}
	switch {
	case d == '{' && t.Kind() == reflect.Struct:
		fields := fieldsOf(t)
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return err
			}
			key, _ := kt.(string)
			ft, known := fields.types[key]
			if !known {
				for _, name := range fields.names {
					if strings.EqualFold(key, name) {
						return fmt.Errorf("%w: %q at %s is not %q; field names match exactly", ErrFieldCase, key, path, name)
					}
				}
			}
			if err := walkField(dec, ft, path+"."+key); err != nil {
				return err
			}
		}
	case d == '{' && t.Kind() == reflect.Map:
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return err
			}
			if err := walkField(dec, t.Elem(), fmt.Sprintf("%s.%v", path, kt)); err != nil {
				return err
			}
		}
	case d == '[' && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array):
		for i := 0; dec.More(); i++ {
			if err := walkField(dec, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	default: // the wrong kind of value: consumed, the decoder names it
		for dec.More() {
			if d == '{' {
				if _, err := dec.Token(); err != nil {
					return err
				}
			}
			if err := walkField(dec, nil, path); err != nil {
				return err
			}
		}
	}
	_, err = dec.Token() // the closing delimiter
	return err
}

var (
	unmarshalerType     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// concrete follows pointers; a type that decodes itself, an interface or
// nil is nil (nothing to check inside).
func concrete(t reflect.Type) reflect.Type {
	for t != nil {
		if t.Kind() == reflect.Interface || t.Implements(unmarshalerType) || reflect.PointerTo(t).Implements(unmarshalerType) ||
			t.Implements(textUnmarshalerType) || reflect.PointerTo(t).Implements(textUnmarshalerType) {
			return nil
		}
		if t.Kind() != reflect.Pointer {
			return t
		}
		t = t.Elem()
	}
	return nil
}

// structFields are a struct type's JSON field names, as encoding/json
// decodes them (tags, "-", embedded structs promoted), with their types.
type structFields struct {
	names []string
	types map[string]reflect.Type
}

var (
	fieldCache  sync.Map // reflect.Type → structFields
	structCache sync.Map // reflect.Type → bool (hasStructs)
)

func fieldsOf(t reflect.Type) structFields {
	if f, ok := fieldCache.Load(t); ok {
		return f.(structFields)
	}
	f := structFields{types: map[string]reflect.Type{}}
	collectFields(t, &f, map[reflect.Type]bool{})
	fieldCache.Store(t, f)
	return f
}

// collectFields adds t's fields, its own before those of embedded
// structs (the shallower name wins, as in encoding/json).
func collectFields(t reflect.Type, f *structFields, seen map[reflect.Type]bool) {
	if seen[t] {
		return
	}
	seen[t] = true
	var embedded []reflect.Type
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		ft := sf.Type
		if sf.Anonymous && name == "" {
			et := ft
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				embedded = append(embedded, et)
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		if strings.Contains(","+opts+",", ",string,") {
			ft = nil // a value quoted as a string: nothing inside to check
		}
		if _, dup := f.types[name]; !dup {
			f.names = append(f.names, name)
			f.types[name] = ft
		}
	}
	for _, et := range embedded {
		collectFields(et, f, seen)
	}
}

// hasStructs says whether a value of t can hold a struct that
// encoding/json decodes field by field: only then are names checked.
func hasStructs(t reflect.Type) bool {
	t = concrete(t)
	if t == nil {
		return false
	}
	if v, ok := structCache.Load(t); ok {
		return v.(bool)
	}
	has := containsStruct(t, map[reflect.Type]bool{})
	structCache.Store(t, has)
	return has
}

func containsStruct(t reflect.Type, visiting map[reflect.Type]bool) bool {
	t = concrete(t)
	if t == nil || visiting[t] {
		return false // a recursive container type: settled by its other paths
	}
	visiting[t] = true
	switch t.Kind() {
	case reflect.Struct:
		return true
	case reflect.Map, reflect.Slice, reflect.Array:
		return containsStruct(t.Elem(), visiting)
	}
	return false
}

// foldedNames maps the lower-case form of every field name reachable in t
// to that name, or to "" where two names share it (ID and Id in two
// structs): the set mayMisspell checks object keys against.
func foldedNames(t reflect.Type) map[string]string {
	if m, ok := foldCache.Load(t); ok {
		return m.(map[string]string)
	}
	m := map[string]string{}
	var visit func(t reflect.Type)
	seen := map[reflect.Type]bool{}
	visit = func(t reflect.Type) {
		t = concrete(t)
		if t == nil || seen[t] {
			return
		}
		seen[t] = true
		switch t.Kind() {
		case reflect.Struct:
			f := fieldsOf(t)
			for _, name := range f.names {
				low := strings.ToLower(name)
				if prev, dup := m[low]; dup && prev != name {
					m[low] = ""
				} else {
					m[low] = name
				}
				visit(f.types[name])
			}
		case reflect.Map, reflect.Slice, reflect.Array:
			visit(t.Elem())
		}
	}
	visit(t)
	foldCache.Store(t, m)
	return m
}

var foldCache sync.Map // reflect.Type → map[string]string

// mayMisspell is the walk's cheap first pass, one scan over data with no
// allocation: it reports whether some object key could be a field name
// in other letter case (its lower-case form is a field's, and it is not
// that very name; or it has an escape or a non-ASCII byte, which only
// the walk judges). Start-up restores every module through it, and a
// file the store wrote never has such a key, so the walk rarely runs.
func mayMisspell(data []byte, folded map[string]string) bool {
	var buf [64]byte
	for i := 0; i < len(data); i++ {
		if data[i] != '"' {
			continue
		}
		start, plain := i+1, true
		for i++; i < len(data) && data[i] != '"'; i++ {
			if data[i] == '\\' {
				i++
				plain = false
			} else if data[i] >= 0x80 {
				plain = false
			}
		}
		if i >= len(data) {
			return true // invalid: the decoder names it
		}
		str := data[start:i]
		j := i + 1
		for j < len(data) && (data[j] == ' ' || data[j] == '\t' || data[j] == '\n' || data[j] == '\r') {
			j++
		}
		if j >= len(data) || data[j] != ':' {
			continue // a string value, not a key
		}
		if !plain {
			return true
		}
		low := buf[:0]
		if len(str) > len(buf) {
			low = make([]byte, 0, len(str)) // a long key: rare
		}
		low = low[:len(str)]
		for k, c := range str {
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			low[k] = c
		}
		if name, ok := folded[string(low)]; ok && (name == "" || name != string(str)) {
			return true
		}
	}
	return false
}
