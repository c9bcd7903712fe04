package main

import (
	"fmt"
	"strings"
)

// report collects RESULTS.md.
type report struct {
	b strings.Builder
}

func (r *report) h2(s string)                  { fmt.Fprintf(&r.b, "\n## %s\n\n", s) }
func (r *report) h3(s string)                  { fmt.Fprintf(&r.b, "### %s\n\n", s) }
func (r *report) p(format string, a ...any)    { fmt.Fprintf(&r.b, format+"\n\n", a...) }
func (r *report) line(format string, a ...any) { fmt.Fprintf(&r.b, format+"\n", a...) }

func (r *report) table(head []string, rows [][]string) {
	r.line("| %s |", strings.Join(head, " | "))
	seps := make([]string, len(head))
	for i := range seps {
		seps[i] = "---"
	}
	r.line("| %s |", strings.Join(seps, " | "))
	for _, row := range rows {
		r.line("| %s |", strings.Join(row, " | "))
	}
	r.line("")
}
