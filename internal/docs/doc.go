// Package docs holds the tests that keep the README and the pages under
// docs/ true to each other: the README stays a short guide, every relative
// link names a file (and heading) that exists, and the index lists every
// page. The tests that hold the pages to the code sit beside the code they
// describe (config: the configuration reference; ui: the HTTP API).
package docs
