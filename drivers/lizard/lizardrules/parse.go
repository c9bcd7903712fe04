package lizardrules

import (
	"fmt"
	"slices"
)

// exprKind is what an expression node is.
type exprKind int

const (
	eBool exprKind = iota
	eString
	eInt
	eNumber
	eVariable // identifier: a variable, or a module name (an identifier)
	eProperty // module.property
	eUnary
	eBinary
)

type expr struct {
	kind        exprKind
	text        string // literal text, identifier or operator
	module      string // eProperty
	left, right *expr  // right only for eBinary
}

type stmtKind int

const (
	sNoop stmtKind = iota
	sExpression
	sConstructor
	sMethodCall
	sRoutineCall
	sPropertyAssignment
	sVariableAssignment
	sVariableDeclaration
	sRoutineDefinition
	sRuleDefinition
	sScheduleDefinition
	sAwaitCondition
	sAwaitRoutine
)

// stmt is one statement (or action) of language.owl.
type stmt struct {
	kind     stmtKind
	name     string // module, variable or routine name
	expander string // constructor on an expander ("p0" of "x = p0.Input(1)")
	typ      string // constructor's module type, declaration's datatype
	member   string // method or property name
	args     []*expr
	value    *expr // assigned value, condition, time, expression
	actions  []stmt
}

type parser struct {
	toks []token
	i    int
}

// parse reads a whole line (or script) as language.owl's statements.
func parse(src string) ([]stmt, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	var out []stmt
	for {
		s, err := p.statement()
		if err != nil {
			return nil, err
		}
		out = append(out, s)
		t := p.peek()
		if t.kind == tEOF {
			return out, nil
		}
		if !p.sep() {
			return nil, fmt.Errorf("unexpected token %q at %d", t.text, t.pos)
		}
	}
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) peekAt(n int) token {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}
func (p *parser) next() token { t := p.toks[p.i]; p.i++; return t }

func (p *parser) is(kind tokKind, text string) bool {
	t := p.peek()
	return t.kind == kind && t.text == text
}

func (p *parser) sep() bool {
	if p.is(tOp, ";") || p.peek().kind == tNewline {
		p.i++
		return true
	}
	return false
}

func (p *parser) expect(kind tokKind, text string) error {
	t := p.next()
	if t.kind != kind || (text != "" && t.text != text) {
		want := text
		if want == "" {
			want = "an identifier"
		}
		return fmt.Errorf("unexpected token %q at %d (want %s)", t.text, t.pos, want)
	}
	return nil
}

func (p *parser) ident() (string, error) {
	t := p.next()
	if t.kind != tIdent {
		return "", fmt.Errorf("unexpected token %q at %d (want an identifier)", t.text, t.pos)
	}
	return t.text, nil
}

func atStatementEnd(t token) bool {
	return t.kind == tEOF || t.kind == tNewline || (t.kind == tOp && t.text == ";") || (t.kind == tKeyword && t.text == "end")
}

var datatypes = map[string]string{"bool": "boolean", "int": "integer", "float": "number", "str": "string"}

func (p *parser) statement() (stmt, error) {
	t := p.peek()
	if atStatementEnd(t) && !(t.kind == tKeyword && t.text == "end") {
		return stmt{kind: sNoop}, nil
	}
	if t.kind == tKeyword {
		switch t.text {
		case "when", "at":
			p.i++
			cond, err := p.expression()
			if err != nil {
				return stmt{}, err
			}
			for p.peek().kind == tNewline {
				p.i++
			}
			kw, kind := "then", sRuleDefinition
			if t.text == "at" {
				kw, kind = "do", sScheduleDefinition
			}
			if err := p.expect(tKeyword, kw); err != nil {
				return stmt{}, err
			}
			acts, err := p.actions()
			return stmt{kind: kind, value: cond, actions: acts}, err
		case "let":
			p.i++
			name, err := p.ident()
			if err != nil {
				return stmt{}, err
			}
			if err := p.expect(tKeyword, "do"); err != nil {
				return stmt{}, err
			}
			acts, err := p.actions()
			return stmt{kind: sRoutineDefinition, name: name, actions: acts}, err
		case "bool", "int", "float", "str":
			p.i++
			name, err := p.ident()
			if err != nil {
				return stmt{}, err
			}
			s := stmt{kind: sVariableDeclaration, name: name, typ: datatypes[t.text]}
			if p.is(tOp, "=") {
				p.i++
				s.value, err = p.expression()
			}
			return s, err
		}
	}
	return p.simple(false)
}

// simple parses the statements that are also actions (and, outside
// actions, constructors and expressions).
func (p *parser) simple(action bool) (stmt, error) {
	t := p.peek()
	if action && t.kind == tKeyword && t.text == "await" {
		p.i++
		if p.peek().kind == tIdent && p.peekAt(1).kind == tOp && p.peekAt(1).text == "(" && p.peekAt(2).text == ")" && atStatementEnd(p.peekAt(3)) {
			name := p.peek().text
			p.i += 3
			return stmt{kind: sAwaitRoutine, name: name}, nil
		}
		cond, err := p.expression()
		return stmt{kind: sAwaitCondition, value: cond}, err
	}
	if t.kind == tIdent {
		n1 := p.peekAt(1)
		switch {
		case n1.kind == tOp && n1.text == "=":
			if !action {
				if s, ok, err := p.constructor(); ok || err != nil {
					return s, err
				}
			}
			p.i += 2
			v, err := p.expression()
			return stmt{kind: sVariableAssignment, name: t.text, value: v}, err
		case n1.kind == tOp && n1.text == "." && p.peekAt(2).kind == tIdent:
			n3 := p.peekAt(3)
			if n3.kind == tOp && n3.text == "=" {
				member := p.peekAt(2).text
				p.i += 4
				v, err := p.expression()
				return stmt{kind: sPropertyAssignment, name: t.text, member: member, value: v}, err
			}
			if n3.kind == tOp && n3.text == "(" {
				member := p.peekAt(2).text
				p.i += 4
				args, err := p.arguments()
				return stmt{kind: sMethodCall, name: t.text, member: member, args: args}, err
			}
		case n1.kind == tOp && n1.text == "(" && p.peekAt(2).kind == tOp && p.peekAt(2).text == ")":
			p.i += 3
			return stmt{kind: sRoutineCall, name: t.text}, nil
		}
	}
	if action {
		return stmt{}, fmt.Errorf("unexpected token %q at %d (not an action)", t.text, t.pos)
	}
	v, err := p.expression()
	return stmt{kind: sExpression, value: v}, err
}

// constructor parses "name = [expander.]Type(args)" if that is what
// follows; owl's brackets make the parentheses compulsory.
func (p *parser) constructor() (stmt, bool, error) {
	name := p.peek().text
	j := p.i + 2
	at := func(k int) token {
		if j+k < len(p.toks) {
			return p.toks[j+k]
		}
		return p.toks[len(p.toks)-1]
	}
	s := stmt{kind: sConstructor, name: name}
	switch {
	case at(0).kind == tIdent && at(1).kind == tOp && at(1).text == "(":
		s.typ = at(0).text
		p.i = j + 2
	case at(0).kind == tIdent && at(1).kind == tOp && at(1).text == "." && at(2).kind == tIdent && at(3).kind == tOp && at(3).text == "(":
		s.expander, s.typ = at(0).text, at(2).text
		p.i = j + 4
	default:
		return stmt{}, false, nil
	}
	args, err := p.arguments()
	s.args = args
	return s, true, err
}

// arguments parses "expr{','} )" after the opening parenthesis.
func (p *parser) arguments() ([]*expr, error) {
	var args []*expr
	if p.is(tOp, ")") {
		p.i++
		return args, nil
	}
	for {
		e, err := p.expression()
		if err != nil {
			return nil, err
		}
		args = append(args, e)
		if p.is(tOp, ",") {
			p.i++
			continue
		}
		return args, p.expect(tOp, ")")
	}
}

// actions parses "action{';' | '\n', 1+} end".
func (p *parser) actions() ([]stmt, error) {
	var out []stmt
	for {
		if p.is(tKeyword, "end") && len(out) > 0 {
			p.i++
			return out, nil
		}
		if len(out) > 0 && !p.sep() {
			t := p.peek()
			return nil, fmt.Errorf("unexpected token %q at %d (want ; or end)", t.text, t.pos)
		}
		t := p.peek()
		if t.kind == tEOF {
			return nil, fmt.Errorf("more input needed at %d (want end)", t.pos)
		}
		if atStatementEnd(t) {
			out = append(out, stmt{kind: sNoop})
			continue
		}
		a, err := p.simple(true)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
}

// Operator levels of language.owl, loosest first.
var (
	logicOps   = []string{"&&", "and", "||", "or"}
	compareOps = []string{">", "<", ">=", "<=", "==", "!="}
	bitOps     = []string{"<<", ">>", "&", "^", "|"}
	addOps     = []string{"+", "-"}
	mulOps     = []string{"*", "/", "%", "//"}
)

func (p *parser) expression() (*expr, error) { return p.binary(0) }

func (p *parser) opIn(ops []string) (string, bool) {
	t := p.peek()
	if (t.kind == tOp || t.kind == tKeyword) && slices.Contains(ops, t.text) {
		return t.text, true
	}
	return "", false
}

func (p *parser) binary(level int) (*expr, error) {
	var ops []string
	switch level {
	case 0:
		ops = logicOps
	case 2:
		ops = compareOps
	case 3:
		ops = bitOps
	case 4:
		ops = addOps
	case 5:
		ops = mulOps
	case 7:
		ops = []string{"**"}
	}
	switch level {
	case 1: // prefix ! and not
		if op, ok := p.opIn([]string{"!", "not"}); ok {
			p.i++
			e, err := p.binary(1)
			return &expr{kind: eUnary, text: op, left: e}, err
		}
		return p.binary(2)
	case 6: // prefix -
		if p.is(tOp, "-") {
			p.i++
			e, err := p.binary(6)
			return &expr{kind: eUnary, text: "-", left: e}, err
		}
		return p.binary(7)
	case 8:
		return p.primary()
	}
	left, err := p.binary(level + 1)
	if err != nil {
		return nil, err
	}
	for {
		op, ok := p.opIn(ops)
		if !ok {
			return left, nil
		}
		p.i++
		right, err := p.binary(level + 1)
		if err != nil {
			return nil, err
		}
		left = &expr{kind: eBinary, text: op, left: left, right: right}
	}
}

func (p *parser) primary() (*expr, error) {
	t := p.next()
	switch t.kind {
	case tKeyword:
		if t.text == "true" || t.text == "false" {
			return &expr{kind: eBool, text: t.text}, nil
		}
	case tString:
		return &expr{kind: eString, text: t.text}, nil
	case tInt:
		return &expr{kind: eInt, text: t.text}, nil
	case tNumber:
		return &expr{kind: eNumber, text: t.text}, nil
	case tIdent:
		if p.is(tOp, ".") && p.peekAt(1).kind == tIdent {
			p.i++
			prop := p.next()
			return &expr{kind: eProperty, module: t.text, text: prop.text}, nil
		}
		return &expr{kind: eVariable, text: t.text}, nil
	case tOp:
		if t.text == "(" {
			e, err := p.expression()
			if err != nil {
				return nil, err
			}
			return e, p.expect(tOp, ")")
		}
	case tEOF, tNewline:
		return nil, fmt.Errorf("more input needed at %d", t.pos)
	}
	return nil, fmt.Errorf("unexpected token %q at %d", t.text, t.pos)
}
