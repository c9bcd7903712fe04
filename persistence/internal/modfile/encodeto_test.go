package modfile

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// EncodeTo appends to what the buffer holds, and a snapshot it cannot
// encode leaves the buffer exactly as it was: the data is encoded in place
// after the envelope's head, so a failure must take that head back out.
func TestEncodeToAppendsAndLeavesBufferOnFailure(t *testing.T) {
	at := time.Unix(1700000000, 0)
	want, err := Encode("k", 2, at, map[string]string{"s": strings.Repeat("y", indentLimit+1)})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	out.WriteString("before|")
	if err := EncodeTo(&out, "k", 2, at, map[string]string{"s": strings.Repeat("y", indentLimit+1)}); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "before|"+string(want) {
		t.Fatalf("EncodeTo did not append the file after the buffer's content: %.60q…", got)
	}
	if st, err := Decode("k", want); err != nil || st.SchemaVersion != 2 || len(st.Data) != indentLimit+1+len(`{"s":""}`) {
		t.Fatalf("Decode of a large encoded file: %+v, %v", st, err)
	}
	out.Reset()
	out.WriteString("before|")
	if err := EncodeTo(&out, "k", 1, at, map[string]any{"ch": make(chan int)}); err == nil {
		t.Fatal("EncodeTo encoded a channel")
	}
	if out.String() != "before|" {
		t.Fatalf("a failed EncodeTo left %q in the buffer", out.String())
	}
}
