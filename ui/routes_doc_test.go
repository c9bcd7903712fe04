package ui

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/rosystest"
	"github.com/prometheus/client_golang/prometheus"
)

// apiDoc is the HTTP API's reference.
const apiDoc = "../docs/http-api.md"

// documentedRoutes returns the routes of the reference's table: the rows
// whose first cell is `METHOD /path`.
func documentedRoutes(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile(apiDoc)
	if err != nil {
		t.Fatal(err)
	}
	var routes []string
	for _, m := range regexp.MustCompile("(?m)^\\| `((?:GET|HEAD|POST|PUT|PATCH|DELETE) /[^` ]*)` \\|").FindAllStringSubmatch(string(raw), -1) {
		routes = append(routes, m[1])
	}
	return routes
}

// servedPatterns returns every pattern a server with every option that
// adds routes registers.
func servedPatterns(t *testing.T) []string {
	t.Helper()
	r := rosystest.New(t, rosys.Config{})
	send := func(context.Context, string, time.Duration) ([]string, error) { return nil, nil }
	s := NewServer(r.Runtime, WithMetrics(prometheus.NewRegistry()), WithLizard(send), WithOperation(Operation{}))
	t.Cleanup(s.CloseStreams)
	return slices.Clone(s.mux.patterns)
}

// Issue 24.5: every route the server serves is in docs/http-api.md, and
// every route there is served. A documented route is matched against the
// served patterns as the ServeMux matches a request ({key} → a name), so
// `POST /api/automation/start` is served by `POST /api/automation/{action}`.
func TestHTTPAPIDocumentsEveryRoute(t *testing.T) {
	doc := documentedRoutes(t)
	served := servedPatterns(t)
	if len(doc) < 10 || len(served) < 10 {
		t.Fatalf("%d documented routes, %d served: is a pattern broken?", len(doc), len(served))
	}
	for _, e := range checkRoutes(doc, served) {
		t.Error(e)
	}
}

// checkRoutes reports documented routes nothing serves and served
// patterns no documented route reaches.
func checkRoutes(doc, served []string) (errs []string) {
	mux := http.NewServeMux()
	for _, p := range served {
		mux.HandleFunc(p, func(http.ResponseWriter, *http.Request) {})
	}
	reached := map[string]bool{}
	wildcard := regexp.MustCompile(`\{[^}]+\}`)
	for _, route := range doc {
		method, path, _ := strings.Cut(route, " ")
		req := httptest.NewRequest(method, wildcard.ReplaceAllString(path, "x1"), nil)
		_, pattern := mux.Handler(req)
		// "GET /" serves the dashboard's files and matches any GET: a
		// route that only reaches it is not served by the API.
		if pattern == "" || (strings.HasSuffix(pattern, " /") && path != "/") {
			errs = append(errs, fmt.Sprintf("%s documents %s, which the server does not serve", apiDoc, route))
			continue
		}
		reached[pattern] = true
	}
	for _, p := range served {
		if !reached[p] {
			errs = append(errs, fmt.Sprintf("the server serves %s, which %s does not document", p, apiDoc))
		}
	}
	return errs
}

// The check itself fails both ways.
func TestCheckRoutesFails(t *testing.T) {
	for name, c := range map[string]struct{ doc, served []string }{
		"undocumented":        {[]string{"GET /api/status"}, []string{"GET /api/status", "GET /api/secret"}},
		"not served":          {[]string{"GET /api/status", "POST /api/nothing"}, []string{"GET /api/status", "GET /"}},
		"other method":        {[]string{"PUT /api/status"}, []string{"GET /api/status"}},
		"caught by the GET /": {[]string{"GET /", "GET /api/gone"}, []string{"GET /"}},
	} {
		if errs := checkRoutes(c.doc, c.served); len(errs) == 0 {
			t.Errorf("%s: checkRoutes(%v, %v) passes", name, c.doc, c.served)
		}
	}
	if errs := checkRoutes([]string{"GET /", "POST /api/automation/start", "GET /api/modules/{key}/history/{n}"},
		[]string{"GET /", "POST /api/automation/{action}", "GET /api/modules/{key}/history/{version}"}); len(errs) > 0 {
		t.Errorf("checkRoutes fails a documentation that matches: %v", errs)
	}
}
