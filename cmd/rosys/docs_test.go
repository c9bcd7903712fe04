package main

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// Issue 24.5: docs/cli.md lists every command and subcommand `rosys
// --help` does.
func TestCLIDocListsEveryCommand(t *testing.T) {
	raw, err := os.ReadFile("../../docs/cli.md")
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile("(?s)```\n(.*?)```").FindStringSubmatch(string(raw))
	if block == nil {
		t.Fatal("docs/cli.md has no usage block")
	}
	word := regexp.MustCompile(`^[a-z]+(\|[a-z]+)*$`)
	// documented: "lizard" → {"code", "configure", "send"}; "" for none.
	documented := map[string][]string{}
	for _, line := range strings.Split(block[1], "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || f[0] != "rosys" {
			continue
		}
		subs := []string{""}
		if len(f) > 2 && word.MatchString(f[2]) {
			subs = strings.Split(f[2], "|")
		}
		documented[f[1]] = append(documented[f[1]], subs...)
	}
	for _, c := range (app{}).commands() {
		// Subcommands: the first word of each alternative of the usage
		// ("export ... | import ...", "code|configure|send ...").
		var subs []string
		for _, alt := range strings.Split(c.args, " | ") {
			if first, _, _ := strings.Cut(alt, " "); word.MatchString(first) {
				subs = append(subs, strings.Split(first, "|")...)
			}
		}
		got, ok := documented[c.name]
		if !ok {
			t.Errorf("docs/cli.md does not list rosys %s", c.name)
			continue
		}
		for _, s := range subs {
			if !slices.Contains(got, s) {
				t.Errorf("docs/cli.md does not list rosys %s %s", c.name, s)
			}
		}
	}
}
