package lizardrules

import (
	"fmt"
	"strconv"
	"strings"
)

// output checks core.output's format, as core.cpp reads it: words
// separated by single spaces, each "module.property[:precision]" or
// "variable[:precision]". A module that does not exist fails the call; a
// property that does not exist fails every core line (get_output throws
// on each step). It also bounds the line the fields produce.
func (c *checker) output(arg *expr) error {
	if arg.kind != eString {
		t, err := c.exprType(arg)
		if err != nil || t != tyString {
			return fmt.Errorf("core.output expects a string")
		}
		return nil // computed: cannot be checked here
	}
	format, err := strconv.Unquote(`"` + strings.ReplaceAll(arg.text[1:len(arg.text)-1], `"`, `\"`) + `"`)
	if err != nil {
		format = arg.text[1 : len(arg.text)-1]
	}
	width, n := 0, 0
	for _, el := range strings.Split(format, " ") {
		name, prec, _ := strings.Cut(el, ":")
		p := 0
		if prec != "" {
			p, _ = strconv.Atoi(prec)
		}
		var t valueType
		prop := name
		if mod, pr, ok := strings.Cut(name, "."); ok {
			m, found := c.modules[mod]
			if !found {
				return fmt.Errorf("core.output: unknown module %q", mod)
			}
			prop = pr
			t = c.propType(m, pr)
			if t == tyUnknown && (m.name == "core" || (m.mt != nil && m.mt.props != nil && !m.proxy)) {
				return fmt.Errorf("core.output: unknown property \"%s\": no core line would be sent", name)
			}
		} else {
			var found bool
			if t, found = c.variables[name]; !found {
				return fmt.Errorf("core.output: unknown variable %q: no core line would be sent", name)
			}
		}
		width += fieldWidth(t, prop, p)
		n++
	}
	if n > 1 {
		width += n - 1
	}
	if width > CoreOutputMax {
		return fmt.Errorf("core.output: the core line's values take up to %d characters; core.cpp's output buffer holds %d", width, CoreOutputMax)
	}
	if w := len("core ") + width; w > EchoLineMax {
		return fmt.Errorf("core.output: the core line is up to %d characters; Lizard prints at most %d per line (echo's buffer), the rest is cut", w, EchoLineMax)
	}
	return nil
}

// fieldWidth is the widest a core field of this type prints: "false";
// an int64 with its sign; a number of NumberIntDigits integer digits
// (quaternion components one), its sign and precision decimals, as
// "%.*f" writes it.
func fieldWidth(t valueType, prop string, precision int) int {
	switch t {
	case tyBoolean:
		return len("false")
	case tyInteger:
		return len("-9223372036854775808")
	case tyString:
		if prop == "state" {
			return len(`"RECOVERING"`)
		}
		return 2 + 255
	}
	digits := NumberIntDigits
	if strings.HasPrefix(prop, "quat_") {
		digits = 1
	}
	w := 1 + digits
	if precision > 0 {
		w += 1 + precision
	}
	return w
}
