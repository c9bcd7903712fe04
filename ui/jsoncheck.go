package ui

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
)

// maxJSONDepth bounds how deeply a request body may nest: module state is
// a few levels deep, and the checker below keeps one set of keys per level.
const maxJSONDepth = 64

// checkBody refuses a PUT body that is not one JSON value, is null, nests
// beyond maxJSONDepth, or repeats a key in an object. encoding/json lets
// the last of two equal keys win silently, so {"side": 1, "side": -5}
// would change a field the sender may not have meant to change.
func checkBody(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	first, err := dec.Token()
	if err != nil {
		return fmt.Errorf("body is not JSON: %w", err)
	}
	if first == nil {
		return errors.New("body is null; send the module's data")
	}
	if err := checkValue(dec, first, 1, "$"); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("body holds more than one JSON value")
	}
	return nil
}

// checkValue walks the value that starts with tok.
func checkValue(dec *json.Decoder, tok json.Token, depth int, path string) error {
	d, ok := tok.(json.Delim)
	if !ok {
		return nil // a scalar
	}
	if depth > maxJSONDepth {
		return fmt.Errorf("body nests deeper than %d levels at %s", maxJSONDepth, path)
	}
	switch d {
	case '{':
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return fmt.Errorf("body is not JSON: %w", err)
			}
			key, _ := kt.(string)
			if seen[key] {
				return fmt.Errorf("key %q appears twice in %s", key, path)
			}
			seen[key] = true
			if err := next(dec, depth, path+"."+key); err != nil {
				return err
			}
		}
	case '[':
		for i := 0; dec.More(); i++ {
			if err := next(dec, depth, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	}
	if _, err := dec.Token(); err != nil { // the closing delimiter
		return fmt.Errorf("body is not JSON: %w", err)
	}
	return nil
}

func next(dec *json.Decoder, depth int, path string) error {
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("body is not JSON: %w", err)
	}
	return checkValue(dec, tok, depth+1, path)
}

// decodeCommand decodes a command body (a small JSON object) into the
// struct *dst: the body passes checkBody (one value, no key twice), and
// each key is exactly one of the struct's JSON names. encoding/json alone
// matches names case-insensitively and lets the last of two keys win, so
// {"version": 3, "Version": 1} would restore version 1.
func decodeCommand(body []byte, dst any) error {
	if err := checkBody(body); err != nil {
		return err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil || fields == nil {
		return fmt.Errorf("body is not a JSON object: %s", truncate(string(body), 60))
	}
	names := jsonNames(reflect.TypeOf(dst).Elem())
	for k := range fields {
		if !slices.Contains(names, k) {
			return fmt.Errorf("%q: unknown field (%s; names match exactly)", k, strings.Join(names, ", "))
		}
	}
	return json.Unmarshal(body, dst)
}

// jsonNames lists the JSON names of struct type t's fields.
func jsonNames(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = f.Name
		}
		names = append(names, name)
	}
	return names
}
