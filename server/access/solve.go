package access

import (
	"encoding/json"
	"math"
	"reflect"

	"github.com/exo-dev/exo/ir"
)

// Outcome is the result class of a partial evaluation.
type Outcome uint8

const (
	// False: access denied ("Not authorized" for mutations and field access; for queries the
	// caller may also answer with an empty result).
	False Outcome = iota
	// True: access granted without further conditions.
	True
	// Residual: access depends on the rows; see Solution.Residual.
	Residual
)

func (o Outcome) String() string {
	switch o {
	case True:
		return "true"
	case Residual:
		return "residual"
	}
	return "false"
}

// Solution is the result of [Solve].
type Solution struct {
	Outcome Outcome
	// Residual is set when Outcome == Residual: a boolean expression whose paths are all rooted
	// at self (RootSelf) or at a lambda parameter of an enclosing ExprSome (RootParam), and whose
	// other leaves are literals (ExprLiteral, or ExprList of literals for `in`). Context values
	// have been substituted; literal nulls compared with == / != mean IS NULL / IS NOT NULL.
	//
	// Shapes that occur: ExprBinary (comparisons, OpIn with an ExprList or a path on the right,
	// OpAnd, OpOr), ExprNot, ExprPath (a boolean column), ExprSome (Left: a self/param path to a
	// collection, Right: the residual body, possibly a literal true), ExprContains (Left: a path
	// to an array column, Right: a literal).
	Residual *ir.Expr
}

// Solve partially evaluates e against the request's contexts. A nil e is the literal false
// (default deny). The only errors are context-extraction errors (*Error).
func Solve(e *ir.Expr, rc *RequestContext) (Solution, error) {
	if e == nil {
		return Solution{Outcome: False}, nil
	}
	ev := &evaluator{rc: rc}
	t, err := ev.eval(e)
	if err != nil {
		return Solution{}, err
	}
	return ev.solution(t), nil
}

// termKind is the kind of an intermediate evaluation result.
type termKind uint8

const (
	tVal termKind = iota // a known value
	tRes                 // a residual expression
	tNA                  // not applicable (input evaluation: the field is not in the input)
)

type term struct {
	k termKind
	v any
	// nullLit is set for a null written as a literal in the model: `self.x == null` stays a
	// residual IS NULL test.
	nullLit bool
	// missing is set for a null context value (absent claim, header ...): it only ever equals a
	// null literal; every other comparison with it is false.
	missing bool
	e       *ir.Expr
}

var (
	termTrue  = term{k: tVal, v: true}
	termFalse = term{k: tVal, v: false}
	termNA    = term{k: tNA}
)

func boolTerm(b bool) term {
	if b {
		return termTrue
	}
	return termFalse
}

// evaluator evaluates expressions; in input mode, self and bound parameters resolve against
// input values.
type evaluator struct {
	rc     *RequestContext
	in     *inputScope          // nil: self paths stay residual
	params map[string]paramBind // lambda parameters bound to known values
}

type paramBind struct {
	v      any
	entity int
}

func (ev *evaluator) solution(t term) Solution {
	switch t.k {
	case tNA:
		return Solution{Outcome: True}
	case tRes:
		return Solution{Outcome: Residual, Residual: t.e}
	}
	if truthy(t.v) {
		return Solution{Outcome: True}
	}
	return Solution{Outcome: False}
}

func truthy(v any) bool {
	b, ok := v.(bool)
	return ok && b
}

func (ev *evaluator) eval(e *ir.Expr) (term, error) {
	switch e.Kind {
	case ir.ExprLiteral:
		if e.Lit == nil || e.Lit.Kind == ir.LitNull {
			return term{k: tVal, v: nil, nullLit: true}, nil
		}
		return term{k: tVal, v: literalValue(e.Lit)}, nil
	case ir.ExprPath:
		return ev.path(e)
	case ir.ExprList:
		return ev.list(e)
	case ir.ExprNot:
		if e.Left == nil {
			return termFalse, nil
		}
		t, err := ev.eval(e.Left)
		if err != nil {
			return term{}, err
		}
		switch t.k {
		case tVal:
			return boolTerm(!truthy(t.v)), nil
		case tRes:
			if t.e.Kind == ir.ExprNot && t.e.Left != nil {
				return term{k: tRes, e: t.e.Left}, nil
			}
			return term{k: tRes, e: &ir.Expr{Kind: ir.ExprNot, Left: t.e, Type: e.Type}}, nil
		}
		return t, nil
	case ir.ExprBinary:
		switch e.Op {
		case ir.OpAnd, ir.OpOr:
			return ev.logical(e)
		case ir.OpIn:
			return ev.membership(e, e.Left, e.Right, false)
		}
		return ev.compare(e)
	case ir.ExprContains:
		return ev.membership(e, e.Right, e.Left, true)
	case ir.ExprSome:
		return ev.some(e)
	}
	return termFalse, nil
}

func (ev *evaluator) logical(e *ir.Expr) (term, error) {
	if e.Left == nil || e.Right == nil {
		return termFalse, nil
	}
	and := e.Op == ir.OpAnd
	l, err := ev.eval(e.Left)
	if err != nil {
		return term{}, err
	}
	if l.k == tVal {
		if truthy(l.v) != and { // false && _ , true || _
			return boolTerm(!and), nil
		}
	}
	r, err := ev.eval(e.Right)
	if err != nil {
		return term{}, err
	}
	if l.k == tVal { // true && r, false || r
		if r.k == tVal {
			return boolTerm(truthy(r.v)), nil
		}
		return r, nil
	}
	if r.k == tVal {
		if truthy(r.v) != and {
			return boolTerm(!and), nil // l && false, l || true
		}
		return l, nil // l && true, l || false
	}
	// Neither side is a known value.
	if l.k == tNA || r.k == tNA {
		if and {
			if l.k == tNA {
				return r, nil
			}
			return l, nil
		}
		return termNA, nil
	}
	return term{k: tRes, e: &ir.Expr{Kind: ir.ExprBinary, Op: e.Op, Left: l.e, Right: r.e, Type: e.Type}}, nil
}

func (ev *evaluator) compare(e *ir.Expr) (term, error) {
	if e.Left == nil || e.Right == nil {
		return termFalse, nil
	}
	l, err := ev.eval(e.Left)
	if err != nil {
		return term{}, err
	}
	r, err := ev.eval(e.Right)
	if err != nil {
		return term{}, err
	}
	if l.k == tNA || r.k == tNA {
		return termNA, nil
	}
	if (l.missing && !r.nullLit) || (r.missing && !l.nullLit) {
		return termFalse, nil
	}
	if l.k == tVal && r.k == tVal {
		return boolTerm(compareValues(e.Op, l.v, r.v)), nil
	}
	// One side residual: an explicit null literal becomes IS [NOT] NULL.
	for _, t := range [2]term{l, r} {
		if t.k == tVal && t.v == nil && (!t.nullLit || (e.Op != ir.OpEq && e.Op != ir.OpNeq)) {
			return termFalse, nil
		}
	}
	return term{k: tRes, e: &ir.Expr{Kind: ir.ExprBinary, Op: e.Op,
		Left: ev.residualOf(l, e.Left), Right: ev.residualOf(r, e.Right), Type: e.Type}}, nil
}

// membership evaluates `elem in coll` (and coll.contains(elem) when contains is set).
func (ev *evaluator) membership(e, elemE, collE *ir.Expr, contains bool) (term, error) {
	if elemE == nil || collE == nil {
		return termFalse, nil
	}
	var el, co term
	var err error
	// Evaluate in source order (left first).
	if contains {
		if co, err = ev.eval(collE); err == nil {
			el, err = ev.eval(elemE)
		}
	} else {
		if el, err = ev.eval(elemE); err == nil {
			co, err = ev.eval(collE)
		}
	}
	if err != nil {
		return term{}, err
	}
	if el.k == tNA || co.k == tNA {
		return termNA, nil
	}
	if co.k == tVal {
		list, ok := co.v.([]any)
		if !ok || len(list) == 0 {
			return termFalse, nil
		}
		if el.k == tVal {
			for _, x := range list {
				if valuesEqual(el.v, x) {
					return termTrue, nil
				}
			}
			return termFalse, nil
		}
		// residual elem in [literals]
		return term{k: tRes, e: &ir.Expr{Kind: ir.ExprBinary, Op: ir.OpIn, Left: el.e,
			Right: valueExpr(co.v, collE.Type), Type: e.Type}}, nil
	}
	if el.k == tVal && el.v == nil && !el.nullLit {
		return termFalse, nil
	}
	if contains {
		return term{k: tRes, e: &ir.Expr{Kind: ir.ExprContains, Left: co.e,
			Right: ev.residualOf(el, elemE), Type: e.Type}}, nil
	}
	return term{k: tRes, e: &ir.Expr{Kind: ir.ExprBinary, Op: ir.OpIn,
		Left: ev.residualOf(el, elemE), Right: co.e, Type: e.Type}}, nil
}

func (ev *evaluator) some(e *ir.Expr) (term, error) {
	if e.Left == nil || e.Right == nil {
		return termFalse, nil
	}
	co, err := ev.eval(e.Left)
	if err != nil {
		return term{}, err
	}
	switch co.k {
	case tNA:
		return termNA, nil
	case tVal:
		list, _ := co.v.([]any)
		elemEntity := -1
		if t := e.Left.Type; (t.Kind == ir.KindSet || t.Kind == ir.KindArray) && t.Elem != nil && t.Elem.Kind == ir.KindEntity {
			elemEntity = t.Elem.Index
		}
		saved := ev.params
		defer func() { ev.params = saved }()
		acc := termFalse
		for _, x := range list {
			ev.params = make(map[string]paramBind, len(saved)+1)
			for k, v := range saved {
				ev.params[k] = v
			}
			ev.params[e.Param] = paramBind{v: x, entity: elemEntity}
			b, err := ev.eval(e.Right)
			if err != nil {
				return term{}, err
			}
			acc = orTerms(acc, b)
			if acc.k == tVal && truthy(acc.v) {
				return termTrue, nil
			}
		}
		return acc, nil
	}
	// Residual collection: the body stays residual in the parameter.
	saved := ev.params
	if _, shadowed := saved[e.Param]; shadowed {
		ev.params = make(map[string]paramBind, len(saved))
		for k, v := range saved {
			if k != e.Param {
				ev.params[k] = v
			}
		}
	}
	b, err := ev.eval(e.Right)
	ev.params = saved
	if err != nil {
		return term{}, err
	}
	var body *ir.Expr
	switch b.k {
	case tNA:
		return termNA, nil
	case tVal:
		if !truthy(b.v) {
			return termFalse, nil
		}
		body = &ir.Expr{Kind: ir.ExprLiteral, Lit: &ir.Literal{Kind: ir.LitBool, Bool: true},
			Type: ir.TypeRef{Kind: ir.KindScalar, Scalar: ir.Boolean, Name: "Boolean"}}
	default:
		body = b.e
	}
	return term{k: tRes, e: &ir.Expr{Kind: ir.ExprSome, Left: co.e, Param: e.Param, Right: body, Type: e.Type}}, nil
}

func orTerms(a, b term) term {
	if a.k == tVal {
		if truthy(a.v) {
			return termTrue
		}
		if b.k == tVal {
			return boolTerm(truthy(b.v))
		}
		return b
	}
	if b.k == tVal {
		if truthy(b.v) {
			return termTrue
		}
		return a
	}
	if a.k == tNA || b.k == tNA {
		return termNA
	}
	return term{k: tRes, e: &ir.Expr{Kind: ir.ExprBinary, Op: ir.OpOr, Left: a.e, Right: b.e,
		Type: ir.TypeRef{Kind: ir.KindScalar, Scalar: ir.Boolean, Name: "Boolean"}}}
}

func (ev *evaluator) list(e *ir.Expr) (term, error) {
	vals := make([]any, len(e.Items))
	terms := make([]term, len(e.Items))
	known := true
	for i := range e.Items {
		t, err := ev.eval(&e.Items[i])
		if err != nil {
			return term{}, err
		}
		if t.k == tNA {
			return termNA, nil
		}
		terms[i] = t
		if t.k == tVal {
			vals[i] = t.v
		} else {
			known = false
		}
	}
	if known {
		return term{k: tVal, v: vals}, nil
	}
	out := &ir.Expr{Kind: ir.ExprList, Type: e.Type, Items: make([]ir.Expr, len(e.Items))}
	for i, t := range terms {
		out.Items[i] = *ev.residualOf(t, &e.Items[i])
	}
	return term{k: tRes, e: out}, nil
}

// residualOf turns a term into an expression for a residual: residuals as they are, known
// values as literals typed like the expression they came from.
func (ev *evaluator) residualOf(t term, orig *ir.Expr) *ir.Expr {
	if t.k == tRes {
		return t.e
	}
	if orig.Kind == ir.ExprLiteral {
		return orig
	}
	return valueExpr(t.v, orig.Type)
}

// valueExpr converts a Go value to a literal expression of type t (ExprList for slices).
func valueExpr(v any, t ir.TypeRef) *ir.Expr {
	if list, ok := v.([]any); ok {
		out := &ir.Expr{Kind: ir.ExprList, Type: t, Items: make([]ir.Expr, len(list))}
		var elem ir.TypeRef
		if t.Elem != nil {
			elem = *t.Elem
		}
		for i, x := range list {
			out.Items[i] = *valueExpr(x, elem)
		}
		return out
	}
	return &ir.Expr{Kind: ir.ExprLiteral, Lit: valueLiteral(v, t), Type: t}
}

func valueLiteral(v any, t ir.TypeRef) *ir.Literal {
	switch x := normalizeJSON(v).(type) {
	case nil:
		return &ir.Literal{Kind: ir.LitNull}
	case bool:
		return &ir.Literal{Kind: ir.LitBool, Bool: x}
	case int64:
		if t.Kind == ir.KindScalar && (t.Scalar == ir.Float || t.Scalar == ir.Decimal) {
			return &ir.Literal{Kind: ir.LitFloat, Float: float64(x), Str: jsonText(x)}
		}
		return &ir.Literal{Kind: ir.LitInt, Int: x, Str: jsonText(x)}
	case float64:
		return &ir.Literal{Kind: ir.LitFloat, Float: x, Str: jsonText(x)}
	case string:
		if t.Kind == ir.KindEnum {
			return &ir.Literal{Kind: ir.LitEnum, Str: x}
		}
		return &ir.Literal{Kind: ir.LitString, Str: x}
	default:
		return &ir.Literal{Kind: ir.LitString, Str: jsonText(x)}
	}
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

// compareValues applies a comparison to two known values. Null equals only null; ordering with
// a null, or between values of different kinds, is false.
func compareValues(op ir.BinaryOp, a, b any) bool {
	switch op {
	case ir.OpEq:
		return valuesEqual(a, b)
	case ir.OpNeq:
		return !valuesEqual(a, b)
	}
	c, ok := order(a, b)
	if !ok {
		return false
	}
	switch op {
	case ir.OpLt:
		return c < 0
	case ir.OpLte:
		return c <= 0
	case ir.OpGt:
		return c > 0
	case ir.OpGte:
		return c >= 0
	}
	return false
}

func valuesEqual(a, b any) bool {
	a, b = normalizeJSON(a), normalizeJSON(b)
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if c, ok := order(a, b); ok {
		return c == 0
	}
	switch x := a.(type) {
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !valuesEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

// order compares numbers with numbers and strings with strings.
func order(a, b any) (int, bool) {
	a, b = normalizeJSON(a), normalizeJSON(b)
	switch x := a.(type) {
	case int64:
		switch y := b.(type) {
		case int64:
			return cmp3(x < y, x > y), true
		case float64:
			return cmpFloat(float64(x), y)
		}
	case float64:
		switch y := b.(type) {
		case int64:
			return cmpFloat(x, float64(y))
		case float64:
			return cmpFloat(x, y)
		}
	case string:
		if y, ok := b.(string); ok {
			return cmp3(x < y, x > y), true
		}
	}
	return 0, false
}

func cmpFloat(x, y float64) (int, bool) {
	if math.IsNaN(x) || math.IsNaN(y) {
		return 0, false
	}
	return cmp3(x < y, x > y), true
}

func cmp3(lt, gt bool) int {
	switch {
	case lt:
		return -1
	case gt:
		return 1
	}
	return 0
}
