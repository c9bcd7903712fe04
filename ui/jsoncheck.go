package ui

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
