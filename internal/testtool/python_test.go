package testtool

import (
	"strings"
	"testing"
)

// A python3 that cannot import the module skips the test locally and
// fails it under CI; one that can returns python3's path.
func TestRequirePython(t *testing.T) {
	py := Require(t, Python3)
	absent := PythonModule{Name: "rosys_no_such_module", Install: "nothing installs it"}
	t.Setenv("CI", "")
	o := run(t, func(tb testing.TB) { RequirePython(tb, absent) })
	if o.failed != "" || !strings.Contains(o.skipped, "cannot import rosys_no_such_module (nothing installs it)") {
		t.Fatalf("locally: skipped %q, failed %q", o.skipped, o.failed)
	}
	t.Setenv("CI", "true")
	o = run(t, func(tb testing.TB) { RequirePython(tb, absent) })
	if o.skipped != "" || !strings.Contains(o.failed, "CI must run this test") {
		t.Fatalf("under CI: skipped %q, failed %q", o.skipped, o.failed)
	}
	if got := RequirePython(t, PythonModule{Name: "json"}); got != py {
		t.Errorf("RequirePython(json) = %q, want %q", got, py)
	}
}
