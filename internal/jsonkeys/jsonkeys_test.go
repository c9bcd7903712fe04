package jsonkeys

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func walk(s string, maxDepth int) error {
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	tok, err := dec.Token()
	if err != nil {
		return &SyntaxError{err}
	}
	return Walk(dec, tok, "$", 0, maxDepth)
}

func TestWalk(t *testing.T) {
	for _, c := range []struct {
		in, want string
		max      int
	}{
		{`{"a": 1, "b": [1, {"c": 2}]}`, "", 8},
		{`{"a": 1, "a": 2}`, `key "a" appears twice in $`, 8},
		{`{"a": {"b": [0, {"c": 1, "c": 1}]}}`, `key "c" appears twice in $.a.b[1]`, 8},
		{`{"a": 1, "A": 2}`, "", 8}, // case is the decoder's business, not this walk's
		{`[[[[1]]]]`, "nests deeper than 2 levels at $[0][0][0]", 2},
	} {
		err := walk(c.in, c.max)
		if c.want == "" && err != nil || c.want != "" && (err == nil || err.Error() != c.want) {
			t.Errorf("%s: %v, want %q", c.in, err, c.want)
		}
	}
	if err := walk(`[[[[1]]]]`, 2); !errors.Is(err, ErrTooDeep) {
		t.Errorf("too deep: %v is no ErrTooDeep", err)
	}
	var se *SyntaxError
	if err := walk(`{"a": }`, 8); !errors.As(err, &se) || !strings.Contains(err.Error(), "invalid character") {
		t.Errorf("not JSON: %v is no SyntaxError", err)
	}
}
