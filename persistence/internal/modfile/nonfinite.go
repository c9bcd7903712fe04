package modfile

import (
	"bytes"
	"errors"
)

// Python's json module writes float('nan'), float('inf') and
// float('-inf') as the bare tokens NaN, Infinity and -Infinity, which are
// not JSON. RoSys files may hold them. The rule of this project:
//
//   - on reading, each bare token becomes the JSON string "NaN",
//     "Infinity" or "-Infinity", so the data is valid JSON for modules,
//     the HTTP API and the dashboard;
//   - on writing a file RoSys reads (persistence format rosys, the
//     rosys-json export), each of those three strings that is a value
//     (not an object key) is written back as the bare token, so a RoSys
//     file read and written again is byte-for-byte the same value and
//     Python's json.load gives float('nan') again.
//
// The price, documented in docs/storage.md: a module's genuine string value
// "NaN" is written as a number in RoSys format.

// The three spellings, as bare tokens and as JSON strings.
var nonFinite = [][]byte{[]byte("-Infinity"), []byte("Infinity"), []byte("NaN")}

// errNonFinite is returned for a bare token that starts like one of the
// three but is not one.
var errNonFinite = errors.New("invalid bare token")

// HasBareNonFinite reports cheaply whether b may hold a bare token: it
// holds the letters of one at all.
func HasBareNonFinite(b []byte) bool {
	return bytes.Contains(b, []byte("NaN")) || bytes.Contains(b, []byte("Infinity"))
}

// NonFiniteToStrings returns b with every bare NaN, Infinity and
// -Infinity outside a string replaced by its quoted spelling. b is
// scanned once, linearly; the result is at most len(b)+2·(number of
// tokens) long. Anything else is left as it is for the JSON parser to
// judge. b itself is not modified.
func NonFiniteToStrings(b []byte) ([]byte, error) {
	if !HasBareNonFinite(b) {
		return b, nil
	}
	out := make([]byte, 0, len(b)+16)
	inString, escaped := false, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inString {
			out = append(out, c)
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		if c == '"' {
			inString = true
			out = append(out, c)
			continue
		}
		if c == 'N' || c == 'I' || (c == '-' && i+1 < len(b) && b[i+1] == 'I') {
			tok := matchNonFinite(b[i:])
			if tok == nil {
				return nil, errNonFinite
			}
			out = append(out, '"')
			out = append(out, tok...)
			out = append(out, '"')
			i += len(tok) - 1
			continue
		}
		out = append(out, c)
	}
	return out, nil
}

func matchNonFinite(b []byte) []byte {
	for _, t := range nonFinite {
		if bytes.HasPrefix(b, t) {
			return t
		}
	}
	return nil
}

// NonFiniteToTokens is the inverse of NonFiniteToStrings for valid JSON
// b: every string value (not an object key) that is exactly "NaN",
// "Infinity" or "-Infinity" becomes the bare token. It tracks only
// whether the next string in an object is a key; nesting depth is what
// the JSON encoder produced, so b is trusted to be valid JSON.
func NonFiniteToTokens(b []byte) []byte {
	if !HasBareNonFinite(b) {
		return b
	}
	out := make([]byte, 0, len(b))
	// stack holds '{' or '[' per open container; key is true when the
	// next string in the innermost object is a key.
	var stack []byte
	key := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch c {
		case '{':
			stack = append(stack, c)
			key = true
		case '[':
			stack = append(stack, c)
			key = false
		case '}', ']':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			key = false
		case ',':
			key = len(stack) > 0 && stack[len(stack)-1] == '{'
		case ':':
			key = false
		case '"':
			end := stringEnd(b, i)
			s := b[i : end+1]
			if !key {
				if t := matchNonFinite(s[1:]); t != nil && len(t) == len(s)-2 {
					out = append(out, t...)
					i = end
					continue
				}
			}
			out = append(out, s...)
			i = end
			continue
		}
		out = append(out, c)
	}
	return out
}

// stringEnd is the index of the quote that closes the string opening at
// b[start] (len(b)-1 if it never closes).
func stringEnd(b []byte, start int) int {
	for i := start + 1; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return len(b) - 1
}
