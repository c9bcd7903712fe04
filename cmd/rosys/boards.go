package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/gorosys/rosys/boards"
)

func (a app) boardsCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("boards", flag.ContinueOnError)
	fs.SetOutput(stderr)
	root := fs.String("root", "/", "file system root to detect from (for inspecting an SD card)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	d, err := boards.Detect(*root)
	if err != nil {
		fmt.Fprintln(stderr, "rosys boards:", err)
		return 1
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(map[string]any{"detected": d, "profiles": boards.Profiles()})
		return 0
	}
	model := d.Model
	if model == "" {
		model = "-"
	}
	fmt.Fprintf(stdout, "detected: %s (model %q: %s)\n\n", d.Profile.Name, model, d.Reason)
	for _, p := range boards.Profiles() {
		fmt.Fprintf(stdout, "%-17s %s\n", p.Name, p.Model)
		if p.SerialPort != "" {
			fmt.Fprintf(stdout, "  serial:  %s\n", p.SerialPort)
		}
		if len(p.Pins) > 0 {
			fmt.Fprint(stdout, "  pins:   ")
			for _, n := range slices.Sorted(maps.Keys(p.Pins)) {
				fmt.Fprintf(stdout, " %d=%s", n, p.Pins[n])
			}
			fmt.Fprintln(stdout)
		}
		if p.Notes != "" {
			fmt.Fprintf(stdout, "  notes:   %s\n", p.Notes)
		}
	}
	return 0
}
