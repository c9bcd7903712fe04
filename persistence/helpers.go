package persistence

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	"github.com/gorosys/rosys/persistence/internal/modfile"
)

// The Go counterparts of RoSys' persistence helpers. JSON plays the part of
// Python's dict: to_dict is ToJSON, from_dict is FromJSON, and the replace_*
// helpers replace a container's contents in place, so that references held
// elsewhere (the UI, the control loop) stay valid. Unlike RoSys, a field
// missing from the stored data keeps its default instead of becoming zero,
// and a failed decode leaves the destination unchanged.

// ToJSON encodes v (a struct, or maps and slices of them) for storage.
// Integral floats keep their point (7.0), as Python's json writes them.
func ToJSON(v any) (json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("to JSON: %w", err)
	}
	return modfile.KeepFloats(v, b, true, nil), nil // floats stay floats for RoSys
}

// FromJSON decodes data into a copy of defaults: fields present in data
// replace the defaults, missing ones keep them. defaults is not modified.
func FromJSON[T any](data json.RawMessage, defaults T) (T, error) {
	return fromJSON(data, defaults, false)
}

// fromJSON decodes data over a copy of defaults; strict refuses fields that
// T does not have (for data typed by a person, where a typo must not pass).
// Either way a field name matches exactly: one that differs from T's only
// in letter case is refused (checkFieldNames), never taken for the field.
// It is the one place module data becomes a Go value (Value's Restore and
// RestoreStrict, the Replace helpers, FromJSON).
func fromJSON[T any](data json.RawMessage, defaults T, strict bool) (T, error) {
	if err := checkFieldNames(data, reflect.TypeFor[T]()); err != nil {
		var zero T
		return zero, fmt.Errorf("decode %T: %w", zero, err)
	}
	v := deepCopy(defaults, needsDeepCopy(reflect.TypeFor[T]()))
	var err error
	if strict {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err = dec.Decode(&v); err == nil && dec.More() {
			err = errors.New("data after the JSON value")
		}
	} else {
		// Unmarshal rejects data after the value itself, and decodes
		// from data in place, where a Decoder first copies it into its
		// own buffer: at start-up that copy was a tenth of the restore.
		err = json.Unmarshal(data, &v)
	}
	if err != nil {
		var zero T
		return zero, fmt.Errorf("decode %T: %w", zero, err)
	}
	return v, nil
}

// ReplaceStruct replaces *dst with data decoded over a copy of *dst (so a
// field missing from data keeps its current value, which at start-up is its
// default). On error *dst is unchanged.
func ReplaceStruct[T any](dst *T, data json.RawMessage) error {
	v, err := FromJSON(data, *dst)
	if err != nil {
		return err
	}
	*dst = v
	return nil
}

// ReplaceMap replaces the contents of dst with the JSON object data. Each
// item is decoded over newItem() (the zero value when newItem is nil).
func ReplaceMap[K comparable, V any](dst map[K]V, data json.RawMessage, newItem func() V) error {
	var raw map[K]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("decode map: %w", err)
	}
	items := make(map[K]V, len(raw))
	for k, r := range raw {
		v, err := FromJSON(r, item(newItem))
		if err != nil {
			return fmt.Errorf("item %v: %w", k, err)
		}
		items[k] = v
	}
	clear(dst)
	for k, v := range items {
		dst[k] = v
	}
	return nil
}

// ReplaceSlice replaces the contents of *dst with the JSON array data. Go
// slices are values, so share the pointer, not the slice, to see the change;
// the backing array is reused when it is large enough.
func ReplaceSlice[V any](dst *[]V, data json.RawMessage, newItem func() V) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("decode list: %w", err)
	}
	items := make([]V, len(raw))
	for i, r := range raw {
		v, err := FromJSON(r, item(newItem))
		if err != nil {
			return fmt.Errorf("item %d: %w", i, err)
		}
		items[i] = v
	}
	*dst = append((*dst)[:0], items...)
	return nil
}

// ReplaceSet replaces the contents of the set dst with the JSON array data.
func ReplaceSet[K comparable](dst map[K]struct{}, data json.RawMessage) error {
	var raw []K
	if err := checkFieldNames(data, reflect.TypeFor[[]K]()); err != nil {
		return fmt.Errorf("decode set: %w", err)
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("decode set: %w", err)
	}
	clear(dst)
	for _, k := range raw {
		dst[k] = struct{}{}
	}
	return nil
}

func item[V any](newItem func() V) V {
	if newItem == nil {
		var zero V
		return zero
	}
	return newItem()
}
