package wire

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// Field is one value of a core message, as configured with core.output:
// a property name and, for numbers, a precision ("wheels.linear_speed:3").
type Field struct {
	Name      string
	Precision int // -1 when not given
}

func (f Field) String() string {
	if f.Precision < 0 {
		return f.Name
	}
	return fmt.Sprintf("%s:%d", f.Name, f.Precision)
}

// ParseFields parses field specifications such as "estop.active" or
// "wheels.linear_speed:3".
func ParseFields(specs []string) ([]Field, error) {
	out := make([]Field, 0, len(specs))
	seen := map[string]bool{}
	for _, s := range specs {
		name, prec, hasPrec := strings.Cut(s, ":")
		f := Field{Name: name, Precision: -1}
		if name == "" || strings.ContainsAny(name, " \t\"@") {
			return nil, fmt.Errorf("core field %q: not a property name", s)
		}
		if hasPrec {
			p, err := strconv.Atoi(prec)
			if err != nil || p < 0 || p > 9 {
				return nil, fmt.Errorf("core field %q: precision must be 0 to 9", s)
			}
			f.Precision = p
		}
		if seen[name] {
			return nil, fmt.Errorf("core field %q: given twice", name)
		}
		seen[name] = true
		out = append(out, f)
	}
	return out, nil
}

// OutputCommand is the command that makes Lizard send core messages with
// these fields, led by core.millis.
func OutputCommand(fields []Field) string {
	var b strings.Builder
	b.WriteString(`core.output("core.millis`)
	for _, f := range fields {
		b.WriteByte(' ')
		b.WriteString(f.String())
	}
	b.WriteString(`")`)
	return b.String()
}

// CoreDecoder decodes "core <millis> <values...>" by field position.
type CoreDecoder struct {
	fields []Field
	index  map[string]int
}

// NewCoreDecoder decodes messages carrying fields in this order.
func NewCoreDecoder(fields []Field) *CoreDecoder {
	d := &CoreDecoder{fields: fields, index: make(map[string]int, len(fields))}
	for i, f := range fields {
		d.index[f.Name] = i
	}
	return d
}

// Index is the position of a field in decoded values, or -1.
func (d *CoreDecoder) Index(name string) int {
	if i, ok := d.index[name]; ok {
		return i
	}
	return -1
}

// MismatchError is a core message whose word count is not the configured
// one: its values are not assigned, since by position they would land in
// the wrong fields.
type MismatchError struct {
	Expected []Field
	Received []string
}

func (e *MismatchError) Error() string {
	want := make([]string, len(e.Expected))
	for i, f := range e.Expected {
		want[i] = f.String()
	}
	return fmt.Sprintf("core message has %d values, configured fields are %d (core.millis %s); received %q",
		len(e.Received), len(e.Expected)+1, strings.Join(want, " "), strings.Join(e.Received, " "))
}

// IsCore reports whether a payload is a core message.
func IsCore(payload []byte) bool { return bytes.HasPrefix(payload, []byte("core ")) }

// Decode parses a core message into values (len(values) must be the
// number of fields). Booleans decode to 1 and 0. It allocates nothing
// unless the message is bad.
func (d *CoreDecoder) Decode(payload []byte, values []float64) (millis int64, err error) {
	rest := payload
	word, rest := nextWord(rest)
	if string(word) != "core" {
		return 0, fmt.Errorf("not a core message: %q", payload)
	}
	if n := countWords(rest); n != len(d.fields)+1 {
		words := bytes.Fields(rest)
		recv := make([]string, len(words))
		for i, w := range words {
			recv[i] = string(w)
		}
		return 0, &MismatchError{Expected: d.fields, Received: recv}
	}
	word, rest = nextWord(rest)
	millis, err = strconv.ParseInt(string(word), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("core.millis %q is not an integer", word)
	}
	for i := range d.fields {
		word, rest = nextWord(rest)
		switch string(word) {
		case "true":
			values[i] = 1
		case "false":
			values[i] = 0
		default:
			v, err := strconv.ParseFloat(string(word), 64)
			if err != nil {
				return 0, fmt.Errorf("core field %s: %q is not a number", d.fields[i].Name, word)
			}
			values[i] = v
		}
	}
	return millis, nil
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'
}

// nextWord splits off the first space-separated word of b.
func nextWord(b []byte) (word, rest []byte) {
	i := 0
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	j := i
	for j < len(b) && !isSpace(b[j]) {
		j++
	}
	return b[i:j], b[j:]
}

func countWords(b []byte) int {
	n := 0
	for len(b) > 0 {
		var w []byte
		w, b = nextWord(b)
		if len(w) > 0 {
			n++
		}
	}
	return n
}
