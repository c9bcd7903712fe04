package ntrip

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"
)

// FuzzCasterAnswer feeds anything as a caster's answer: it never panics,
// never reads past the header's bound before deciding, and either refuses
// with an error or yields a stream that reads to its end.
func FuzzCasterAnswer(f *testing.F) {
	for _, s := range []string{
		"ICY 200 OK\r\n\xd3\x00\x00\x47\xea\x4b",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
		"HTTP/1.1 401 Unauthorized\r\n\r\n",
		"SOURCETABLE 200 OK\r\n",
		"HTTP/1.1 200 OK\r\nContent-Type: gnss/sourcetable\r\n\r\n",
		"HTTP/1.0 200 OK\r\nX: y\r\n\r\nbody",
		"\x00\x01garbage",
	} {
		f.Add([]byte(s))
	}
	c, err := New(Config{Host: "h", Mountpoint: "M", Sink: func([]byte) error { return nil }})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r := &countingReader{r: bytes.NewReader(b)}
		body, err := c.answer(bufio.NewReaderSize(r, maxHeaderLine))
		if err != nil {
			if r.n > maxHeaderBytes+2*maxHeaderLine {
				t.Fatalf("read %d bytes before refusing", r.n)
			}
			return
		}
		var fr Framer
		buf := make([]byte, 512)
		for {
			n, err := body.Read(buf)
			fr.Write(buf[:n], func([]byte) {})
			if err != nil {
				if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && err.Error() == "" {
					t.Fatal("an error without a message")
				}
				return
			}
		}
	})
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}
