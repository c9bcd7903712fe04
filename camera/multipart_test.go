package camera

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
)

// multipart builds a multipart/x-mixed-replace body of the frames.
func multipart(boundaryLine string, withLength bool, frames ...[]byte) []byte {
	var b bytes.Buffer
	for _, f := range frames {
		fmt.Fprintf(&b, "%s\r\nContent-Type: image/jpeg\r\n", boundaryLine)
		if withLength {
			fmt.Fprintf(&b, "Content-Length: %d\r\n", len(f))
		}
		b.WriteString("\r\n")
		b.Write(f)
		b.WriteString("\r\n")
	}
	return b.Bytes()
}

func TestPartReader(t *testing.T) {
	frames := [][]byte{testJPEG(t, 64, 48, 1), testJPEG(t, 64, 48, 2), testJPEG(t, 32, 32, 3)}
	for _, tc := range []struct {
		name, declared, line string
		length               bool
	}{
		{"with lengths", "frame", "--frame", true},
		{"without lengths", "frame", "--frame", false},
		{"dashes declared", "--myboundary", "--myboundary", true},
		{"dashes declared, no lengths", "--myboundary", "--myboundary", false},
	} {
		body := append([]byte("preamble\r\n"), multipart(tc.line, tc.length, frames...)...)
		body = append(body, tc.line+"--\r\n"...)
		pr := newPartReader(bytes.NewReader(body), tc.declared, 1<<20)
		for k, want := range frames {
			got, err := pr.next()
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("%s: part %d: %d bytes, %v; want %d bytes", tc.name, k, len(got), err, len(want))
			}
		}
		if _, err := pr.next(); err == nil {
			t.Fatalf("%s: a part after the closing boundary", tc.name)
		}
	}
}

func TestPartReaderBounds(t *testing.T) {
	big := bytes.Repeat([]byte{0xAB}, 5000)
	bigJPEG := testJPEG(t, 320, 240, 1)
	for _, tc := range []struct {
		name string
		body string
		want string
	}{
		{"part over the bound", string(multipart("--b", true, big)), "part of 5000 bytes, more than the 4096 allowed"},
		{"JPEG over the bound, no length", string(multipart("--b", false, bigJPEG)), "more than 4096 bytes without an end of image"},
		{"no JPEG, no length", string(multipart("--b", false, big)), "without a start of image"},
		{"no boundary", strings.Repeat("x", 5000) + "\n", "no boundary"},
		{"header line too long", "--b\r\nX: " + strings.Repeat("y", 2000) + "\r\n", "header line longer"},
		{"too many headers", "--b\r\n" + strings.Repeat("X: y\r\n", 40), "more than 32 header lines"},
		{"bad length", "--b\r\nContent-Length: -4\r\n\r\n", "bad Content-Length"},
		{"truncated part", "--b\r\nContent-Length: 100\r\n\r\nabc", io.ErrUnexpectedEOF.Error()},
	} {
		pr := newPartReader(strings.NewReader(tc.body), "b", 4096)
		if _, err := pr.next(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

// repeatReader plays a body again and again.
type repeatReader struct {
	body []byte
	off  int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := copy(p, r.body[r.off:])
	r.off = (r.off + n) % len(r.body)
	return n, nil
}

// The parse path of a stream allocates nothing per frame once warm, with
// Content-Length and without.
func TestPartReaderAllocatesNothing(t *testing.T) {
	frames := [][]byte{testJPEG(t, 320, 240, 1), testJPEG(t, 320, 240, 2)}
	for _, length := range []bool{true, false} {
		pr := newPartReader(&repeatReader{body: multipart("--b", length, frames...)}, "b", 1<<20)
		next := func() {
			if _, err := pr.next(); err != nil {
				t.Fatal(err)
			}
		}
		for range 4 {
			next()
		}
		if a := testing.AllocsPerRun(200, next); a != 0 {
			t.Errorf("content length %v: %v allocations per frame", length, a)
		}
	}
}
