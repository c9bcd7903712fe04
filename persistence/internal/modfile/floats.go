package modfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// NumberKinds records how a stored data object spelled its numbers whose
// type JSON alone leaves open: for each path, whether an integral value
// was written as a float ("7.0", "1e2") or as an integer ("7"), and the
// value. Other numbers ("2.5") cannot be mistaken and are not kept. It
// also holds the length of each array (under lenKey) and, for the numbers
// of arrays, their kinds by value whatever their index (under anyIndexKey),
// so an element that only moved (a point inserted before it) keeps its
// spelling.
type NumberKinds map[string]numberKind

type numberKind struct {
	float     bool
	ambiguous bool    // by value: the array spelled this value both ways
	n         int     // an array's length (lenKey entries)
	val       float64 // the value (path entries)
}

// lenKey is where an array's length is kept; anyIndexKey where a number
// of an array is kept by value, its indices left out. Paths start with
// 0x00, so neither can be a path.
func lenKey(arrayPath string) string { return "\x01" + arrayPath }

func anyIndexKey(path, lit string) string {
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil {
		return ""
	}
	b := make([]byte, 0, len(path)+24)
	b = append(b, 2)
	for i := 0; i < len(path); i++ {
		b = append(b, path[i])
		if path[i] == 0 && i+1 < len(path) && path[i+1] == 'i' {
			b = append(b, 'i', '*')
			i++
			for i+1 < len(path) && path[i+1] >= '0' && path[i+1] <= '9' {
				i++
			}
		}
	}
	b = append(b, 0)
	return string(strconv.AppendFloat(b, f, 'g', -1, 64))
}

// kindsMaxBytes bounds the data whose number kinds are recorded: beyond
// it the Go types alone decide (start-up time and memory stay linear in
// the data, as without the record).
const kindsMaxBytes = 1 << 20

// ReadNumberKinds records the number kinds of data (valid JSON); nil when
// it has none to record or is larger than kindsMaxBytes.
func ReadNumberKinds(data []byte) NumberKinds {
	if len(data) > kindsMaxBytes || !bytes.ContainsAny(data, "0123456789") {
		return nil
	}
	lens := map[string]int{}
	nums, err := scanNumbers(data, false, lens)
	if err != nil {
		return nil
	}
	var k NumberKinds
	for _, n := range nums {
		isFloat := strings.ContainsAny(n.lit, ".eE")
		if isFloat {
			f, err := strconv.ParseFloat(n.lit, 64)
			if err != nil || f != math.Trunc(f) || math.IsInf(f, 0) {
				continue
			}
		}
		if k == nil {
			k = make(NumberKinds, len(lens)+len(nums))
			for p, l := range lens {
				k[lenKey(p)] = numberKind{n: l}
			}
		}
		f, _ := strconv.ParseFloat(n.lit, 64)
		k[n.path] = numberKind{float: isFloat, val: f}
		if strings.Contains(n.path, "\x00i") {
			if key := anyIndexKey(n.path, n.lit); key != "" {
				if prev, seen := k[key]; seen && prev.float != isFloat {
					k[key] = numberKind{ambiguous: true}
				} else if !seen {
					k[key] = numberKind{float: isFloat}
				}
			}
		}
	}
	return k
}

// kindOf is how the stored data spelled the number now at path with
// literal lit. Outside arrays, as at the same path. In arrays: as at the
// same path if the value is the one stored there; else as the arrays'
// elements spelled that value, whatever their index (an element that
// only moved keeps its spelling), unless they spelled it both ways; else
// as at the same path while every array on the path has its stored length
// (an element changed in place); else not known (a new element goes by
// its Go type).
func (k NumberKinds) kindOf(path, lit string, lens map[string]int) (isFloat, known bool) {
	if len(k) == 0 {
		return false, false
	}
	e, ok := k[path]
	if !strings.Contains(path, "\x00i") {
		return e.float, ok
	}
	f, err := strconv.ParseFloat(lit, 64)
	if ok && err == nil && f == e.val {
		return e.float, true
	}
	if byValue, found := k[anyIndexKey(path, lit)]; found && !byValue.ambiguous {
		return byValue.float, true
	}
	for i := 0; i+1 < len(path); i++ {
		if path[i] != 0 || path[i+1] != 'i' {
			continue
		}
		if was, stored := k[lenKey(path[:i])]; !stored || was.n != lens[path[:i]] {
			return false, false
		}
	}
	return e.float, ok
}

// KeepFloats keeps Python's number types through Go: encoding/json writes
// 7.0 as "7", which Python (RoSys) reads back as an int. enc is json's
// encoding of v, escapeHTML the encoder's setting, kinds what the data v
// was restored from said (nil if none). The result is enc with ".0" added
// after each integral number that is a float:
//
//   - where kinds knows the path, as the stored data spelled it: a float
//     RoSys wrote stays a float, an int an int (also in a float64 field,
//     and in an interface value, whose Go type says nothing);
//   - elsewhere, by the Go type: a float kind (float64, float32,
//     persistence.Float) is a float, an integer kind an integer, and a
//     value held in an interface is left as encoding/json spells it.
//
// Which numbers come from a float kind is found by encoding a copy of v in
// which every integral float is changed: a number that changes with it is
// one. On any doubt (a value the copy cannot be made of) only kinds is
// applied.
func KeepFloats(v any, enc []byte, escapeHTML bool, kinds NumberKinds) []byte {
	if !hasIntegralNumber(enc) {
		return enc
	}
	var lens map[string]int
	if len(kinds) > 0 {
		lens = map[string]int{}
	}
	a, err := scanNumbers(enc, true, lens)
	if err != nil {
		return enc
	}
	// Paths kinds does not settle go by the Go type.
	var byType map[string]string
	for _, n := range a {
		if _, known := kinds.kindOf(n.path, n.lit, lens); !known && !strings.ContainsAny(n.lit, ".eE") {
			byType = floatPaths(v, escapeHTML)
			break
		}
	}
	var out []byte
	last := 0
	for _, n := range a {
		if strings.ContainsAny(n.lit, ".eE") {
			continue
		}
		isFloat, known := kinds.kindOf(n.path, n.lit, lens)
		if !known {
			other, ok := byType[n.path]
			isFloat = ok && other != n.lit
		}
		if !isFloat {
			continue
		}
		if out == nil {
			out = make([]byte, 0, len(enc)+16)
		}
		out = append(out, enc[last:n.end]...)
		out = append(out, ".0"...)
		last = n.end
	}
	if out == nil {
		return enc
	}
	return append(out, enc[last:]...)
}

// floatPaths encodes v with its integral floats changed and returns the
// numbers by path (nil if v holds no float kind or cannot be copied).
func floatPaths(v any, escapeHTML bool) map[string]string {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || !hasFloat(rv.Type(), map[reflect.Type]bool{}) {
		return nil
	}
	p, ok := perturbed(rv, 0)
	if !ok {
		return nil
	}
	var buf bytes.Buffer
	e := json.NewEncoder(&buf)
	e.SetEscapeHTML(escapeHTML)
	if e.Encode(p.Interface()) != nil {
		return nil
	}
	b, err := integerPaths(buf.Bytes())
	if err != nil {
		return nil
	}
	out := make(map[string]string, len(b))
	for _, n := range b {
		out[n.path] = n.lit
	}
	return out
}

// hasIntegralNumber reports whether enc holds a number without a point or
// an exponent, outside strings: without one there is nothing to do.
func hasIntegralNumber(enc []byte) bool {
	inString, esc := false, false
	for i := 0; i < len(enc); i++ {
		c := enc[i]
		switch {
		case inString:
			if esc {
				esc = false
			} else if c == '\\' {
				esc = true
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
		case c == '-' || (c >= '0' && c <= '9'):
			j := i
			for j < len(enc) && strings.IndexByte("+-0123456789.eE", enc[j]) >= 0 {
				j++
			}
			if !bytes.ContainsAny(enc[i:j], ".eE") {
				return true
			}
			i = j - 1
		}
	}
	return false
}

// hasFloat reports whether a value of t can hold a float outside an
// interface.
func hasFloat(t reflect.Type, visiting map[reflect.Type]bool) bool {
	if visiting[t] {
		return false // the other paths through t decide
	}
	visiting[t] = true
	defer delete(visiting, t)
	switch t.Kind() {
	case reflect.Float32, reflect.Float64:
		return true
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		return hasFloat(t.Elem(), visiting)
	case reflect.Struct:
		for i := range t.NumField() {
			if hasFloat(t.Field(i).Type, visiting) {
				return true
			}
		}
	}
	return false
}

// perturbed is a deep copy of v with every integral finite float changed
// to another integral value (so its encoding changes and its structure,
// omitempty aside, does not).
func perturbed(v reflect.Value, depth int) (reflect.Value, bool) {
	if depth > 200 {
		return v, false
	}
	t := v.Type()
	switch t.Kind() {
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		if math.IsInf(f, 0) || math.IsNaN(f) || f != math.Trunc(f) {
			return v, true
		}
		limit := float64(1 << 52)
		if t.Kind() == reflect.Float32 {
			limit = 1 << 23
		}
		if math.Abs(f) < limit {
			f++
		} else {
			f /= 2
		}
		n := reflect.New(t).Elem()
		n.SetFloat(f)
		return n, true
	case reflect.Pointer:
		if v.IsNil() || !hasFloat(t, map[reflect.Type]bool{}) {
			return v, true
		}
		e, ok := perturbed(v.Elem(), depth+1)
		n := reflect.New(t.Elem())
		n.Elem().Set(e)
		return n, ok
	case reflect.Struct:
		n := reflect.New(t).Elem()
		n.Set(v)
		for i := range t.NumField() {
			if !n.Field(i).CanSet() || !hasFloat(t.Field(i).Type, map[reflect.Type]bool{}) {
				continue
			}
			f, ok := perturbed(v.Field(i), depth+1)
			if !ok {
				return v, false
			}
			n.Field(i).Set(f)
		}
		return n, true
	case reflect.Slice, reflect.Array:
		if (t.Kind() == reflect.Slice && v.IsNil()) || !hasFloat(t.Elem(), map[reflect.Type]bool{}) {
			return v, true
		}
		var n reflect.Value
		if t.Kind() == reflect.Slice {
			n = reflect.MakeSlice(t, v.Len(), v.Len())
		} else {
			n = reflect.New(t).Elem()
		}
		for i := range v.Len() {
			e, ok := perturbed(v.Index(i), depth+1)
			if !ok {
				return v, false
			}
			n.Index(i).Set(e)
		}
		return n, true
	case reflect.Map:
		if v.IsNil() || !hasFloat(t.Elem(), map[reflect.Type]bool{}) {
			return v, true
		}
		n := reflect.MakeMapWithSize(t, v.Len())
		it := v.MapRange()
		for it.Next() {
			e, ok := perturbed(it.Value(), depth+1)
			if !ok {
				return v, false
			}
			n.SetMapIndex(it.Key(), e)
		}
		return n, true
	}
	return v, true
}

// numberAt is a number of a JSON document: its path, its text and where
// it ends.
type numberAt struct {
	path string
	lit  string
	end  int
}

type frame struct {
	object bool
	key    string
	index  int
	seen   bool // an array: it has an element
}

// numberPaths lists the numbers of a JSON document (valid JSON, as
// encoding/json writes it or json.Valid accepts) with their paths. It is a
// scanner of its own, not json.Decoder's tokens: it runs over every file
// written and every file restored, and allocates only the paths.
func numberPaths(b []byte) ([]numberAt, error) { return scanNumbers(b, false, nil) }

// integerPaths is numberPaths for the numbers spelled as integers only
// (the only ones KeepFloats may change): a large module of fractions
// costs no paths.
func integerPaths(b []byte) ([]numberAt, error) { return scanNumbers(b, true, nil) }

// scanNumbers also puts the length of each array into lens, by its path,
// when lens is not nil.
func scanNumbers(b []byte, integersOnly bool, lens map[string]int) ([]numberAt, error) {
	var stack []frame
	var out []numberAt
	var path []byte
	appendPath := func() string {
		path = path[:0]
		for _, f := range stack {
			if f.object {
				path = append(path, 0, 'k')
				path = append(path, f.key...)
			} else {
				path = append(path, 0, 'i')
				path = strconv.AppendInt(path, int64(f.index), 10)
			}
		}
		return string(path)
	}
	markSeen := func() {
		if len(stack) > 0 && !stack[len(stack)-1].object {
			stack[len(stack)-1].seen = true
		}
	}
	expectKey := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch c {
		case ' ', '\t', '\n', '\r', ':':
		case '{':
			markSeen()
			stack = append(stack, frame{object: true})
			expectKey = true
		case '[':
			markSeen()
			stack = append(stack, frame{})
		case '}', ']':
			if len(stack) == 0 {
				return nil, errors.New("unbalanced JSON")
			}
			if top := stack[len(stack)-1]; c == ']' && lens != nil && !top.object {
				n := 0
				if top.seen {
					n = top.index + 1
				}
				stack = stack[:len(stack)-1]
				lens[appendPath()] = n
				continue
			}
			stack = stack[:len(stack)-1]
		case ',':
			if len(stack) == 0 {
				return nil, errors.New("misplaced comma")
			}
			if top := &stack[len(stack)-1]; top.object {
				expectKey = true
			} else {
				top.index++
			}
		case '"':
			j := i + 1
			escaped := false
			for j < len(b) && b[j] != '"' {
				if b[j] == '\\' {
					escaped = true
					j++
				}
				j++
			}
			if j >= len(b) {
				return nil, errors.New("unterminated string")
			}
			if expectKey && len(stack) > 0 && stack[len(stack)-1].object {
				key := string(b[i+1 : j])
				if escaped {
					if err := json.Unmarshal(b[i:j+1], &key); err != nil {
						return nil, err
					}
				}
				stack[len(stack)-1].key = key
				expectKey = false
			} else {
				markSeen()
			}
			i = j
		case 't', 'f', 'n':
			markSeen()
			for i+1 < len(b) && b[i+1] >= 'a' && b[i+1] <= 'z' {
				i++
			}
		default:
			if c != '-' && (c < '0' || c > '9') {
				return nil, fmt.Errorf("unexpected %q in JSON", c)
			}
			markSeen()
			j := i
			for j < len(b) && strings.IndexByte("+-0123456789.eE", b[j]) >= 0 {
				j++
			}
			if !integersOnly || !bytes.ContainsAny(b[i:j], ".eE") {
				out = append(out, numberAt{path: appendPath(), lit: string(b[i:j]), end: j})
			}
			i = j - 1
		}
	}
	if len(stack) != 0 {
		return nil, errors.New("unbalanced JSON")
	}
	return out, nil
}
