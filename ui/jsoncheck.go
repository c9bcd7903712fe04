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

	"github.com/gorosys/rosys/internal/jsonkeys"
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
	var se *jsonkeys.SyntaxError
	switch err := jsonkeys.Walk(dec, first, "$", 1, maxJSONDepth); {
	case errors.As(err, &se):
		return fmt.Errorf("body is not JSON: %w", se.Err)
	case errors.Is(err, jsonkeys.ErrTooDeep):
		return fmt.Errorf("body %w", err)
	case err != nil:
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("body holds more than one JSON value")
	}
	return nil
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
