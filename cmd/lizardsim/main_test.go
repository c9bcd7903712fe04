package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorosys/rosys/drivers/lizard/lizardtest"
)

// TestConsole: the commands a person types press and release the inputs
// the startup code declares, and unknown names are errors naming the
// inputs there are.
func TestConsole(t *testing.T) {
	c, err := lizardtest.Start(lizardtest.Config{Link: filepath.Join(t.TempDir(), "tty"),
		Startup: []string{"bumper_front = Input(21)", "estop_front = Input(34)"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var out bytes.Buffer
	console(c, strings.NewReader("inputs\npress bumper front\npress bumper_nope\nrelease bumper_front\nfly\nstartup\n"), &out)
	want := "bumper_front estop_front\nok\n" +
		`error: lizardtest: no input "bumper_nope" (inputs: bumper_front, estop_front)` + "\nok\n" +
		`error: unknown command "fly" (help lists them)` + "\nbumper_front = Input(21)\nestop_front = Input(34)\n"
	if out.String() != want {
		t.Fatalf("console said:\n%s\nwant:\n%s", out.String(), want)
	}
}
