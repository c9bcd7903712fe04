package metrics

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Issue 24.5: docs/metrics.md lists every metric the robot exports (with
// its variable labels), and nothing it does not.
func TestMetricsDocListsEveryMetric(t *testing.T) {
	raw, err := os.ReadFile("../docs/metrics.md")
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `(rosys_[a-z_]+(?:\\{[a-z,]+\\})?)` \\|").FindAllStringSubmatch(string(raw), -1) {
		documented[m[1]] = true
	}
	var exported []string
	for _, m := range runtimeMetrics() {
		exported = append(exported, metricName(m.name, m.labels))
	}
	ch := make(chan *prometheus.Desc, 16)
	newDriverCollector(nil, time.Now).Describe(ch)
	newCorrectionCollector(nil).Describe(ch)
	close(ch)
	desc := regexp.MustCompile(`fqName: "([^"]+)".*variableLabels: \{([^}]*)\}`)
	for d := range ch {
		m := desc.FindStringSubmatch(d.String())
		if m == nil {
			t.Fatalf("cannot read %s", d)
		}
		exported = append(exported, metricName(m[1], strings.Split(m[2], ",")))
	}
	if len(exported) < 30 || len(documented) < 30 {
		t.Fatalf("%d metrics exported, %d documented: is a pattern broken?", len(exported), len(documented))
	}
	for _, e := range exported {
		if !documented[e] {
			t.Errorf("the robot exports %s, which docs/metrics.md does not list", e)
		}
	}
	for d := range documented {
		if !slices.Contains(exported, d) {
			t.Errorf("docs/metrics.md lists %s, which the robot does not export", d)
		}
	}
}

// metricName writes a metric as the table does: name{label,label}.
func metricName(name string, labels []string) string {
	labels = slices.DeleteFunc(slices.Clone(labels), func(s string) bool { return s == "" })
	if len(labels) == 0 {
		return name
	}
	return fmt.Sprintf("%s{%s}", name, strings.Join(labels, ","))
}
