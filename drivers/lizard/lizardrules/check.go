package lizardrules

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Violation is one rule a line of startup code breaks.
type Violation struct {
	Line int    // index of the line in the script
	Text string // the line
	Msg  string
}

func (v Violation) Error() string {
	return fmt.Sprintf("startup code line %d (%q): %s", v.Line+1, v.Text, v.Msg)
}

// Options describe the controller.
type Options struct {
	Chip Chip // default ESP32
}

type module struct {
	name, typ  string
	controller string // "" for the main controller, else the expander's name
	proxy      bool
	mt         *moduleType
}

type controller struct {
	uarts  map[int]string // UART number → module
	can    string         // the CAN module, if any
	pins   map[int]string // GPIO → owner
	serial map[string]string
	i2c    map[int]*i2cBus // I2C port → its bus, once a module set it up
}

// i2cBus is an I2C port as I2cBusManager keeps it: set up once, by its
// first user, with pins and clock every later user must repeat.
type i2cBus struct {
	owner         string
	sda, scl, clk int
	addrs         map[int]string // device address → the Imu there
}

type checker struct {
	opt       Options
	modules   map[string]*module
	variables map[string]valueType
	routines  map[string]bool
	ctrls     map[string]*controller
}

// Check replays script (the startup code, one statement line per entry,
// as the controller stores it) on a model of the controller and returns
// every rule a line breaks. Lizard stops its startup run at the first
// error, so a script with any violation leaves the robot without the
// rest of its modules and without core output.
func Check(script []string, opt Options) []Violation {
	if opt.Chip == "" {
		opt.Chip = ESP32
	}
	c := &checker{opt: opt, modules: map[string]*module{"core": {name: "core", typ: "Core"}},
		variables: map[string]valueType{"core": tyIdentifier}, routines: map[string]bool{}, ctrls: map[string]*controller{}}
	var out []Violation
	for i, line := range script {
		add := func(format string, a ...any) {
			out = append(out, Violation{Line: i, Text: line, Msg: fmt.Sprintf(format, a...)})
		}
		if strings.ContainsAny(line, "\r\n") {
			add("a line of startup code must not contain a line break")
			continue
		}
		// Uploaded as "!+<line>@xx\n" (configure), the line must fit
		// Lizard's host line buffer.
		if n := len(line) + len("!+@xx\n"); n > HostLineMax {
			add("line too long: uploaded as \"!+<line>@xx\" it is %d bytes with its newline; Lizard reads host lines into %d", n, HostLineMax)
		}
		stmts, err := parse(line)
		if err != nil {
			add("does not parse as Lizard code: %v", err)
			continue
		}
		for _, s := range stmts {
			if err := c.statement(s); err != nil {
				add("%v", err)
			}
		}
	}
	return out
}

func (c *checker) ctrl(name string) *controller {
	k := c.ctrls[name]
	if k == nil {
		k = &controller{uarts: map[int]string{}, pins: map[int]string{}, serial: map[string]string{}, i2c: map[int]*i2cBus{}}
		c.ctrls[name] = k
	}
	return k
}

func (c *checker) statement(s stmt) error {
	switch s.kind {
	case sNoop:
		return nil
	case sExpression:
		_, err := c.exprType(s.value)
		return err
	case sConstructor:
		return c.construct(s)
	case sVariableDeclaration:
		if _, ok := c.variables[s.name]; ok {
			return fmt.Errorf("variable %q already exists", s.name)
		}
		c.variables[s.name] = datatypeOf(s.typ)
		if s.value != nil {
			return c.assignable(datatypeOf(s.typ), s.value, "variable "+s.name)
		}
		return nil
	case sRoutineDefinition:
		if c.routines[s.name] {
			return fmt.Errorf("routine %q already exists", s.name)
		}
		err := c.actions(s.actions, true)
		c.routines[s.name] = true
		return err
	case sRuleDefinition, sScheduleDefinition:
		t, err := c.exprType(s.value)
		if err != nil {
			return err
		}
		if s.kind == sRuleDefinition && t != tyBoolean && t != tyUnknown {
			return fmt.Errorf("rule condition is a %s, not a boolean: the rule fails on every cycle", t)
		}
		if s.kind == sScheduleDefinition && !numbery(t) {
			return fmt.Errorf("schedule time must be a number")
		}
		return c.actions(s.actions, s.kind == sRuleDefinition)
	}
	return c.action(s)
}

// action is a statement that may also appear in a rule or routine.
func (c *checker) action(s stmt) error {
	switch s.kind {
	case sNoop:
		return nil
	case sMethodCall:
		return c.methodCall(s)
	case sRoutineCall, sAwaitRoutine:
		if !c.routines[s.name] {
			return fmt.Errorf("unknown routine %q", s.name)
		}
	case sPropertyAssignment:
		m, ok := c.modules[s.name]
		if !ok {
			return fmt.Errorf("unknown module %q", s.name)
		}
		want := c.propType(m, s.member)
		if want == tyUnknown && m.mt != nil && m.mt.props != nil && !m.proxy {
			return fmt.Errorf("unknown property \"%s.%s\"", s.name, s.member)
		}
		return c.assignable(want, s.value, s.name+"."+s.member)
	case sVariableAssignment:
		t, ok := c.variables[s.name]
		if !ok {
			return fmt.Errorf("unknown variable %q", s.name)
		}
		if t == tyIdentifier {
			return fmt.Errorf("assignment of identifiers is forbidden (%s is a module)", s.name)
		}
		return c.assignable(t, s.value, "variable "+s.name)
	case sAwaitCondition:
		_, err := c.exprType(s.value)
		return err
	}
	return nil
}

func (c *checker) actions(acts []stmt, allowAwait bool) error {
	for _, a := range acts {
		if !allowAwait && (a.kind == sAwaitCondition || a.kind == sAwaitRoutine) {
			return fmt.Errorf("await is not allowed in scheduled blocks")
		}
		if err := c.action(a); err != nil {
			return err
		}
	}
	return nil
}

func datatypeOf(s string) valueType {
	return map[string]valueType{"boolean": tyBoolean, "integer": tyInteger, "number": tyNumber, "string": tyString}[s]
}

func numbery(t valueType) bool { return t == tyInteger || t == tyNumber || t == tyUnknown }

// assignable applies Variable::assign's rule: a boolean takes a boolean,
// an integer an integer, a number an integer or a number, a string a
// string.
func (c *checker) assignable(want valueType, e *expr, what string) error {
	got, err := c.exprType(e)
	if err != nil || want == tyUnknown || got == tyUnknown {
		return err
	}
	if want == got || (want == tyNumber && got == tyInteger) {
		return nil
	}
	return fmt.Errorf("type mismatch: %s is a %s, the value a %s", what, want, got)
}

func (c *checker) propType(m *module, prop string) valueType {
	if m.name == "core" {
		return coreProps[prop]
	}
	if m.proxy && prop == "is_ready" {
		return tyBoolean
	}
	if m.mt == nil || m.mt.props == nil {
		return tyUnknown
	}
	return m.mt.props[prop]
}

func (c *checker) exprType(e *expr) (valueType, error) {
	switch e.kind {
	case eBool:
		return tyBoolean, nil
	case eString:
		return tyString, nil
	case eInt:
		return tyInteger, nil
	case eNumber:
		return tyNumber, nil
	case eVariable:
		t, ok := c.variables[e.text]
		if !ok {
			return tyUnknown, fmt.Errorf("unknown variable %q", e.text)
		}
		return t, nil
	case eProperty:
		m, ok := c.modules[e.module]
		if !ok {
			return tyUnknown, fmt.Errorf("unknown module %q", e.module)
		}
		t := c.propType(m, e.text)
		if t == tyUnknown && (m.name == "core" || (m.mt != nil && m.mt.props != nil && !m.proxy)) {
			return tyUnknown, fmt.Errorf("unknown property \"%s.%s\"", e.module, e.text)
		}
		return t, nil
	case eUnary:
		t, err := c.exprType(e.left)
		if e.text != "-" {
			return tyBoolean, err
		}
		return t, err
	}
	l, err := c.exprType(e.left)
	if err != nil {
		return tyUnknown, err
	}
	r, err := c.exprType(e.right)
	if err != nil {
		return tyUnknown, err
	}
	switch {
	case slices.Contains(logicOps, e.text) || slices.Contains(compareOps, e.text):
		return tyBoolean, nil
	case slices.Contains(bitOps, e.text):
		return tyInteger, nil
	case l == tyInteger && r == tyInteger && e.text != "/" && e.text != "**":
		return tyInteger, nil
	}
	return tyNumber, nil
}

// intValue is the value of a constant integer argument.
func intValue(e *expr) (int, bool) {
	neg := false
	if e.kind == eUnary && e.text == "-" {
		neg, e = true, e.left
	}
	if e.kind != eInt {
		return 0, false
	}
	v, err := strconv.ParseInt(e.text, 0, 64)
	if err != nil {
		return 0, false
	}
	if neg {
		v = -v
	}
	return int(v), true
}

func (c *checker) methodCall(s stmt) error {
	m, ok := c.modules[s.name]
	if !ok {
		return fmt.Errorf("unknown module %q", s.name)
	}
	for _, a := range s.args {
		if _, err := c.exprType(a); err != nil {
			return err
		}
	}
	if m.name == "core" {
		n, ok := coreMethods[s.member]
		if !ok {
			return fmt.Errorf("unknown method \"core.%s\"", s.member)
		}
		if n >= 0 && len(s.args) != n {
			return fmt.Errorf("core.%s expects %d arguments, got %d", s.member, n, len(s.args))
		}
		if s.member == "output" {
			return c.output(s.args[0])
		}
		return nil
	}
	if m.proxy {
		return nil // forwarded to the expander
	}
	n, ok := baseMethods[s.member]
	if !ok && m.mt != nil && m.mt.methods != nil {
		n, ok = m.mt.methods[s.member]
	}
	if ok && s.member != "send" && len(s.args) != n {
		return fmt.Errorf("%s.%s expects %d arguments, got %d", s.name, s.member, n, len(s.args))
	}
	return nil
}
