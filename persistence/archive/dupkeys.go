package archive

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/gorosys/rosys/internal/jsonkeys"
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
	err = jsonkeys.Walk(dec, tok, "$", 0, maxDupDepth)
	var se *jsonkeys.SyntaxError
	switch {
	case err == nil, errors.As(err, &se):
		return nil // invalid JSON: the decoder that follows says so
	case errors.Is(err, jsonkeys.ErrTooDeep):
		return fmt.Errorf("JSON %w", err)
	}
	return err
}
