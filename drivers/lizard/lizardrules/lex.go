package lizardrules

import (
	"fmt"
	"strings"
)

// tokKind is the kind of a token of Lizard's language (language.owl).
type tokKind int

const (
	tEOF tokKind = iota
	tNewline
	tIdent
	tKeyword
	tInt
	tNumber
	tString
	tOp
)

type token struct {
	kind tokKind
	text string
	pos  int
}

// keywords are language.owl's literal words; none can be an identifier.
var keywords = map[string]bool{
	"true": true, "false": true, "when": true, "then": true, "end": true, "let": true, "do": true, "at": true,
	"await": true, "bool": true, "int": true, "float": true, "str": true, "not": true, "and": true, "or": true,
}

// operators, longest first so that "**" wins over "*".
var operators = []string{"**", "//", "<<", ">>", ">=", "<=", "==", "!=", "&&", "||",
	"*", "/", "%", "+", "-", "&", "^", "|", ">", "<", "!", "=", ".", ",", "(", ")", ";"}

// lex splits src into tokens: owl's whitespace is ' ' and '\t', '#' starts
// a comment to the end of the line, '\n' is a token of its own.
func lex(src string) ([]token, error) {
	var out []token
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c == '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '\n':
			out = append(out, token{tNewline, "\n", i})
			i++
		case isLetter(c):
			j := i + 1
			for j < len(src) && (isLetter(src[j]) || isDigit(src[j])) {
				j++
			}
			k := tIdent
			if keywords[src[i:j]] {
				k = tKeyword
			}
			out = append(out, token{k, src[i:j], i})
			i = j
		case isDigit(c) || (c == '.' && i+1 < len(src) && isDigit(src[i+1])):
			t, n, err := lexNumber(src, i)
			if err != nil {
				return nil, err
			}
			out = append(out, t)
			i += n
		case c == '"' || c == '\'':
			j := i + 1
			for j < len(src) && src[j] != c {
				if src[j] == '\\' {
					j++
				}
				if j < len(src) && src[j] == '\n' {
					break
				}
				j++
			}
			if j >= len(src) || src[j] != c {
				return nil, fmt.Errorf("unterminated string at %d", i)
			}
			out = append(out, token{tString, src[i : j+1], i})
			i = j + 1
		default:
			op := ""
			for _, o := range operators {
				if strings.HasPrefix(src[i:], o) {
					op = o
					break
				}
			}
			if op == "" {
				return nil, fmt.Errorf("invalid token %q at %d", c, i)
			}
			out = append(out, token{tOp, op, i})
			i += len(op)
		}
	}
	return append(out, token{tEOF, "", len(src)}), nil
}

// lexNumber reads an integer (decimal or 0x hex) or a number (with a
// fraction or an exponent), as owl's integer and number tokens.
func lexNumber(src string, i int) (token, int, error) {
	j := i
	if strings.HasPrefix(src[i:], "0x") || strings.HasPrefix(src[i:], "0X") {
		j += 2
		for j < len(src) && isHex(src[j]) {
			j++
		}
		if j == i+2 {
			return token{}, 0, fmt.Errorf("invalid token at %d: hex without digits", i)
		}
		return token{tInt, src[i:j], i}, j - i, nil
	}
	kind := tInt
	for j < len(src) && isDigit(src[j]) {
		j++
	}
	if j < len(src) && src[j] == '.' && !(j+1 < len(src) && isLetter(src[j+1])) {
		kind = tNumber
		j++
		for j < len(src) && isDigit(src[j]) {
			j++
		}
	}
	if j < len(src) && (src[j] == 'e' || src[j] == 'E') {
		k := j + 1
		if k < len(src) && (src[k] == '+' || src[k] == '-') {
			k++
		}
		if k < len(src) && isDigit(src[k]) {
			kind = tNumber
			j = k
			for j < len(src) && isDigit(src[j]) {
				j++
			}
		}
	}
	if j < len(src) && (isLetter(src[j])) {
		return token{}, 0, fmt.Errorf("invalid token at %d: %q", i, src[i:j+1])
	}
	return token{kind, src[i:j], i}, j - i, nil
}

func isLetter(c byte) bool { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isHex(c byte) bool    { return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') }
