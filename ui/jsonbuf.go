package ui

import (
	"bytes"
	"encoding/json"
	"sync"
)

// jsonBuffer is a JSON encoder with the buffer it encodes into, kept from
// one answer to the next (issue 28: polling the API must not make the
// garbage that wakes the collector). json.NewEncoder(w) per answer gave
// each its own indentation buffer, as large as the answer.
type jsonBuffer struct {
	buf bytes.Buffer
	enc *json.Encoder // indented, into buf
}

// maxPooledJSON is the largest buffer kept for the next answer: a module
// list or an export of many large modules is rare and must not pin its
// megabytes for ever.
const maxPooledJSON = 256 << 10

var indentedJSON = sync.Pool{New: func() any {
	b := &jsonBuffer{}
	b.enc = json.NewEncoder(&b.buf)
	b.enc.SetIndent("", "  ")
	return b
}}

// encodeIndented encodes v as writeJSON answers it; the caller hands the
// buffer back with release once it wrote buf.Bytes().
func encodeIndented(v any) (*jsonBuffer, error) {
	b := indentedJSON.Get().(*jsonBuffer)
	b.buf.Reset()
	return b, b.enc.Encode(v)
}

func (b *jsonBuffer) release() {
	if b.buf.Cap() > maxPooledJSON {
		return // and its encoder's indentation buffer, as large, with it
	}
	indentedJSON.Put(b)
}

// trimNewline drops the newline json.Encoder ends each value with, so that
// values encoded one by one join as json.Marshal would join them.
func trimNewline(b *bytes.Buffer) {
	if n := b.Len(); n > 0 && b.Bytes()[n-1] == '\n' {
		b.Truncate(n - 1)
	}
}
