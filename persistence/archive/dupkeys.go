package archive

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// maxDupDepth bounds the walk of checkDuplicateKeys (module data is a few
// levels deep; the decoder that follows refuses much deeper nesting).
const maxDupDepth = 10000

// checkDuplicateKeys refuses JSON in which an object names a key twice,
// at any depth, naming the key and where: encoding/json keeps the last of
// two equal keys without a word, so {"model": {...}, "model": {...}} or
// {"value": 3, "value": 5} in an imported file would apply a value the
// sender may not have meant, where PUT refuses the same body. Invalid
// JSON is left to the decoder that follows.
func checkDuplicateKeys(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil
	}
	if err := dupWalk(dec, tok, "$", 0); err != nil && !errors.Is(err, io.EOF) {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil
		}
		return err
	}
	return nil
}

func dupWalk(dec *json.Decoder, tok json.Token, path string, depth int) error {
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	if depth > maxDupDepth {
		return fmt.Errorf("JSON nests deeper than %d levels at %s", maxDupDepth, path)
	}
	switch d {
	case '{':
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return err
			}
			key, _ := kt.(string)
			if seen[key] {
				return fmt.Errorf("key %q appears twice in %s", key, path)
			}
			seen[key] = true
			vt, err := dec.Token()
			if err != nil {
				return err
			}
			if err := dupWalk(dec, vt, path+"."+key, depth+1); err != nil {
				return err
			}
		}
	case '[':
		for i := 0; dec.More(); i++ {
			vt, err := dec.Token()
			if err != nil {
				return err
			}
			if err := dupWalk(dec, vt, fmt.Sprintf("%s[%d]", path, i), depth+1); err != nil {
				return err
			}
		}
	}
	_, err := dec.Token() // the closing delimiter
	return err
}
