// Package jsonkeys walks a JSON value token by token and refuses an object
// that names a key twice, or nesting beyond a bound. encoding/json keeps
// the last of two equal keys without a word, so {"side": 1, "side": -5}
// would apply a value its sender may not have meant; request bodies (ui)
// and imported files (persistence/archive) are held to this one walk.
package jsonkeys

import (
	"encoding/json"
	"errors"
	"fmt"
)

// ErrTooDeep begins the error of a value that nests beyond the bound;
// callers prefix what it was ("body", "JSON").
var ErrTooDeep = errors.New("nests deeper")

// SyntaxError is a token the decoder refused: the input is no JSON.
type SyntaxError struct{ Err error }

func (e *SyntaxError) Error() string { return e.Err.Error() }
func (e *SyntaxError) Unwrap() error { return e.Err }

// Walk reads the value that starts with tok (already read from dec) at
// nesting depth depth, with path naming it ("$", "$.model"). A key twice
// in one object is an error naming the key and the path; a depth above
// maxDepth wraps ErrTooDeep; a decoder error is a *SyntaxError.
func Walk(dec *json.Decoder, tok json.Token, path string, depth, maxDepth int) error {
	d, ok := tok.(json.Delim)
	if !ok {
		return nil // a scalar
	}
	if depth > maxDepth {
		return fmt.Errorf("%w than %d levels at %s", ErrTooDeep, maxDepth, path)
	}
	switch d {
	case '{':
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return &SyntaxError{err}
			}
			key, _ := kt.(string)
			if seen[key] {
				return fmt.Errorf("key %q appears twice in %s", key, path)
			}
			seen[key] = true
			if err := next(dec, path+"."+key, depth, maxDepth); err != nil {
				return err
			}
		}
	case '[':
		for i := 0; dec.More(); i++ {
			if err := next(dec, fmt.Sprintf("%s[%d]", path, i), depth, maxDepth); err != nil {
				return err
			}
		}
	}
	if _, err := dec.Token(); err != nil { // the closing delimiter
		return &SyntaxError{err}
	}
	return nil
}

func next(dec *json.Decoder, path string, depth, maxDepth int) error {
	tok, err := dec.Token()
	if err != nil {
		return &SyntaxError{err}
	}
	return Walk(dec, tok, path, depth+1, maxDepth)
}
