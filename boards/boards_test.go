package boards_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorosys/rosys/boards"
)

func fakeRoot(t *testing.T, model string) string {
	root := t.TempDir()
	dir := filepath.Join(root, "proc", "device-tree")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// The device tree stores the model NUL-terminated.
	if err := os.WriteFile(filepath.Join(dir, "model"), []byte(model+"\x00"), 0o444); err != nil {
		t.Fatal(err)
	}
	return root
}

func TestDetect(t *testing.T) {
	for model, want := range map[string]string{
		"Raspberry Pi 5 Model B Rev 1.0":                                    "rpi5",
		"Raspberry Pi 4 Model B Rev 1.5":                                    "rpi4",
		"Raspberry Pi Compute Module 4 Rev 1.1":                             "sim", // not a Pi 4 Model B header
		"NVIDIA Jetson Orin Nano Developer Kit":                             "jetson-orin-nano",
		"NVIDIA Jetson Orin Nano Engineering Reference Developer Kit Super": "jetson-orin-nano",
		"NVIDIA Jetson Nano Developer Kit":                                  "jetson-nano",
		"Pine64 RockPro64 v2.1":                                             "sim",
	} {
		d, err := boards.Detect(fakeRoot(t, model))
		if err != nil || d.Profile.Name != want || d.Model != model {
			t.Errorf("%q: %+v %v, want %s", model, d, err, want)
		}
	}
	d, err := boards.Detect(t.TempDir())
	if err != nil || d.Profile.Name != "sim" || !strings.Contains(d.Reason, "no device tree") {
		t.Fatalf("no device tree: %+v %v", d, err)
	}
}

func TestProfiles(t *testing.T) {
	p, err := boards.ByName("rpi4")
	if err != nil || p.SerialPort != "/dev/serial0" {
		t.Fatal(p, err)
	}
	if l, err := p.Line(11); err != nil || l != "GPIO17" {
		t.Fatal(l, err)
	}
	if _, err := p.Line(1); err == nil || !strings.Contains(err.Error(), "header pin 1") {
		t.Fatal(err)
	}
	if _, err := boards.ByName("rpi9"); err == nil {
		t.Fatal("unknown board accepted")
	}
	for _, p := range boards.Profiles() {
		if p.Name != "sim" && p.SerialPort == "" {
			t.Errorf("%s has no serial port", p.Name)
		}
	}
}
