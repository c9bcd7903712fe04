package docs

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// root is the repository, seen from this package.
const root = "../.."

// maxReadmeLines keeps the README a newcomer's guide (issue 24.5); the
// reference lives in docs/.
const maxReadmeLines = 300

// pages returns the README and every page of docs/, relative to root.
func pages(t *testing.T) []string {
	t.Helper()
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil || len(docs) < 10 {
		t.Fatalf("docs/*.md: %v %v", docs, err)
	}
	out := []string{"README.md"}
	for _, d := range docs {
		rel, _ := filepath.Rel(root, d)
		out = append(out, rel)
	}
	return out
}

func read(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestReadmeIsShort(t *testing.T) {
	if n := strings.Count(read(t, "README.md"), "\n"); n > maxReadmeLines {
		t.Errorf("README.md has %d lines, at most %d: move reference text to a page of docs/ and link it", n, maxReadmeLines)
	}
}

// Every page of docs/ is listed in the index, docs/README.md, and the
// README links the index.
func TestIndexListsEveryDoc(t *testing.T) {
	index := links(read(t, "docs/README.md"))
	for _, p := range pages(t) {
		if p == "README.md" || p == filepath.Join("docs", "README.md") {
			continue
		}
		if !index[filepath.Base(p)] {
			t.Errorf("docs/README.md does not list %s", p)
		}
	}
	if !links(read(t, "README.md"))["docs/README.md"] {
		t.Error("README.md does not link docs/README.md")
	}
}

// Every relative link of the README and docs/ names an existing file, and
// a link to a heading (page.md#heading) names a heading of that page.
func TestLinksResolve(t *testing.T) {
	n := 0
	for _, page := range pages(t) {
		for target := range links(read(t, page)) {
			n++
			if err := resolve(page, target); err != nil {
				t.Errorf("%s: %v", page, err)
			}
		}
	}
	if n < 50 {
		t.Errorf("only %d links found: is the pattern broken?", n)
	}
}

// resolve checks one link target of page.
func resolve(page, target string) error {
	if regexp.MustCompile(`^[a-z][a-z0-9+.-]*:`).MatchString(target) {
		return nil // http:, https:, mailto:
	}
	file, anchor, _ := strings.Cut(target, "#")
	path := filepath.Join(filepath.Dir(page), file)
	if file == "" {
		path = page
	}
	if _, err := os.Stat(filepath.Join(root, path)); err != nil {
		return fmt.Errorf("link %s: no file %s", target, path)
	}
	if anchor == "" || !strings.HasSuffix(path, ".md") {
		return nil
	}
	b, err := os.ReadFile(filepath.Join(root, path))
	if err != nil {
		return err
	}
	if !anchors(string(b))[anchor] {
		return fmt.Errorf("link %s: %s has no heading #%s", target, path, anchor)
	}
	return nil
}

// links returns the targets of the Markdown links and images in md, outside
// code blocks and code spans.
func links(md string) map[string]bool {
	out := map[string]bool{}
	for _, m := range regexp.MustCompile(`\]\(([^)\s]+)(?:\s+"[^"]*")?\)`).FindAllStringSubmatch(prose(md), -1) {
		out[m[1]] = true
	}
	return out
}

// prose is md without fenced code blocks and code spans.
func prose(md string) string {
	md = regexp.MustCompile("(?ms)^```.*?^```").ReplaceAllString(md, "")
	return regexp.MustCompile("`[^`\n]*`").ReplaceAllString(md, "")
}

// anchors returns the ids GitHub gives md's headings: lower case, letters,
// digits, '-' and '_' kept, spaces made '-', the rest dropped; a repeated
// id gets -1, -2, ...
func anchors(md string) map[string]bool {
	out := map[string]bool{}
	md = regexp.MustCompile("(?ms)^```.*?^```").ReplaceAllString(md, "")
	for _, m := range regexp.MustCompile(`(?m)^#{1,6} +(.+?) *#* *$`).FindAllStringSubmatch(md, -1) {
		id := slug(m[1])
		base := id
		for i := 1; out[id]; i++ {
			id = fmt.Sprintf("%s-%d", base, i)
		}
		out[id] = true
	}
	return out
}

func slug(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

func TestAnchors(t *testing.T) {
	got := anchors("# Configuration reference (`robot.yaml`)\n## From a bare ESP32 to a driving robot (Lizard)\n" +
		"```sh\n# not a heading\n```\n## Where state lives: backends, access modes\n## Notes\n## Notes\n")
	for _, want := range []string{"configuration-reference-robotyaml", "from-a-bare-esp32-to-a-driving-robot-lizard",
		"where-state-lives-backends-access-modes", "notes", "notes-1"} {
		if !got[want] {
			t.Errorf("no anchor %s in %v", want, got)
		}
	}
	if got["not-a-heading"] {
		t.Error("a comment in a code block was taken for a heading")
	}
	if l := links("see [a](a.md#x) and `[b](b.md)`\n```\n[c](c.md)\n```\n![d](d.png)"); !l["a.md#x"] || l["b.md"] || l["c.md"] || !l["d.png"] {
		t.Errorf("links: %v", l)
	}
	if resolve("docs/gnss.md", "storage.md#no-such-heading") == nil || resolve("docs/gnss.md", "nothing.md") == nil ||
		resolve("docs/gnss.md", "storage.md#how-persistence-behaves") != nil || resolve("README.md", "examples/demo.yaml") != nil {
		t.Error("resolve does not tell good links from bad ones")
	}
}

// Every `make TARGET` the README and docs/ tell a reader to run is a
// target of the Makefile.
func TestMakeTargetsExist(t *testing.T) {
	targets := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^([a-zA-Z0-9_-]+):`).FindAllStringSubmatch(read(t, "Makefile"), -1) {
		targets[m[1]] = true
	}
	n := 0
	for _, page := range pages(t) {
		for _, target := range makeTargets(read(t, page)) {
			n++
			if !targets[target] {
				t.Errorf("%s tells to run make %s, which the Makefile does not have", page, target)
			}
		}
	}
	if n < 20 {
		t.Errorf("only %d make commands found: is the pattern broken?", n)
	}
}

// makeTargets returns the targets of the make commands in md's code: in
// code spans (`make run`) and at the start of a line of a code block
// (after variables: ROSYS_HTTP=... make run).
func makeTargets(md string) []string {
	var out []string
	for _, m := range regexp.MustCompile("`make ([a-z0-9-]+)").FindAllStringSubmatch(md, -1) {
		out = append(out, m[1])
	}
	for _, block := range regexp.MustCompile("(?ms)^```[a-z]*\n(.*?)^```").FindAllStringSubmatch(md, -1) {
		for _, m := range regexp.MustCompile(`(?m)^(?:[A-Z_]+=\S+\s+)*make ([a-z0-9-]+)`).FindAllStringSubmatch(block[1], -1) {
			out = append(out, m[1])
		}
	}
	return out
}

func TestMakeTargetsPattern(t *testing.T) {
	got := makeTargets("run `make run` or `make test-arm64`; make no sense\n```sh\nmake fuzz  # x\nA=1 B=2 make soak\n  # make nothing\n```\n")
	if want := []string{"run", "test-arm64", "fuzz", "soak"}; !slices.Equal(got, want) {
		t.Errorf("makeTargets: %v, want %v", got, want)
	}
}

// docs/layout.md names directories that exist, and every directory holding
// Go code is one of them or below one.
func TestLayoutListsEveryPackage(t *testing.T) {
	block := regexp.MustCompile("(?s)```\n(.*?)```").FindStringSubmatch(read(t, "docs/layout.md"))
	if block == nil {
		t.Fatal("docs/layout.md has no layout block")
	}
	var listed []string
	for _, line := range strings.Split(block[1], "\n") {
		if line == "" || line[0] == ' ' {
			continue // a description going on
		}
		dir := strings.TrimSuffix(strings.Fields(line)[0], "/")
		listed = append(listed, dir)
		if fi, err := os.Stat(filepath.Join(root, dir)); err != nil || !fi.IsDir() {
			t.Errorf("docs/layout.md lists %s, which is no directory", dir)
		}
	}
	n := 0
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if rel != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		dir := filepath.Dir(rel)
		n++
		for _, l := range listed {
			if dir == l || strings.HasPrefix(dir, l+"/") {
				return nil
			}
		}
		t.Errorf("docs/layout.md does not list %s (%s)", dir, rel)
		return filepath.SkipDir // one error a directory
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 100 {
		t.Errorf("only %d Go files found", n)
	}
}

// The README's minimal robot in Go is a whole program that compiles
// against today's API: its Go block is built as a package of this module
// (through an overlay, so nothing is written into the tree).
func TestReadmeGoProgramCompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go build")
	}
	readme := read(t, "README.md")
	_, rest, ok := strings.Cut(readme, "## A minimal robot in Go")
	if !ok {
		t.Fatal(`README.md has no section "A minimal robot in Go"`)
	}
	_, rest, ok = strings.Cut(rest, "```go\n")
	program, _, closed := strings.Cut(rest, "```")
	if !ok || !closed || !strings.HasPrefix(program, "package main\n") || !strings.Contains(program, "func main()") {
		t.Fatalf("the section's first Go block is not a whole program (package main, func main):\n%s", program)
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "main.go")
	if err := os.WriteFile(src, []byte(program), 0o644); err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	pkg := filepath.Join(abs, "internal", "docs", "readmeexample") // on no disk: the overlay's
	overlay, err := json.Marshal(map[string]map[string]string{"Replace": {filepath.Join(pkg, "main.go"): src}})
	if err != nil {
		t.Fatal(err)
	}
	ov := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(ov, overlay, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "build", "-overlay", ov, "-o", filepath.Join(dir, "robot"), "./internal/docs/readmeexample")
	cmd.Dir = abs
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the README's Go program does not compile: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "robot")); err != nil {
		t.Fatalf("go build made no binary: %v", err)
	}
}
