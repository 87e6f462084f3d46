package access

import "github.com/exo-dev/exo/ir"

// Op is the kind of operation a rule guards.
type Op uint8

const (
	OpQuery Op = iota + 1
	OpCreate
	OpUpdate
	OpDelete
)

func (o Op) String() string {
	switch o {
	case OpQuery:
		return "query"
	case OpCreate:
		return "create"
	case OpUpdate:
		return "update"
	case OpDelete:
		return "delete"
	}
	return "?"
}

// falseExpr is the default-deny rule.
var falseExpr = &ir.Expr{Kind: ir.ExprLiteral, Lit: &ir.Literal{Kind: ir.LitBool},
	Type: ir.TypeRef{Kind: ir.KindScalar, Scalar: ir.Boolean, Name: "Boolean"}}

// trueExpr is the rule of a field without field-level access.
var trueExpr = &ir.Expr{Kind: ir.ExprLiteral, Lit: &ir.Literal{Kind: ir.LitBool, Bool: true},
	Type: ir.TypeRef{Kind: ir.KindScalar, Scalar: ir.Boolean, Name: "Boolean"}}

// Rule returns the rule of a for op (precedence was resolved by the compiler). A missing rule,
// or a nil a, is the literal false (default deny). The result is never nil.
func Rule(a *ir.Access, op Op) *ir.Expr {
	if a == nil {
		return falseExpr
	}
	var e *ir.Expr
	switch op {
	case OpQuery:
		e = a.Query
	case OpCreate:
		e = a.Create
	case OpUpdate:
		e = a.Update
	case OpDelete:
		e = a.Delete
	}
	if e == nil {
		return falseExpr
	}
	return e
}

// EntityRule returns the entity's rule for op; an unknown entity index denies.
func EntityRule(sys *ir.System, entity int, op Op) *ir.Expr {
	if sys == nil || entity < 0 || entity >= len(sys.Entities) {
		return falseExpr
	}
	return Rule(&sys.Entities[entity].Access, op)
}

// FieldRule returns the field-level rule for op: the literal true when the field has no
// field-level access (the entity rule alone applies), else its rule with default deny.
func FieldRule(f *ir.Field, op Op) *ir.Expr {
	if f == nil {
		return falseExpr
	}
	if f.Access == nil {
		return trueExpr
	}
	return Rule(f.Access, op)
}

// IsLiteral reports whether e is the boolean literal b (e.g. to drop operations guarded by a
// literal false from the API).
func IsLiteral(e *ir.Expr, b bool) bool {
	if e == nil {
		return !b
	}
	return e.Kind == ir.ExprLiteral && e.Lit != nil && e.Lit.Kind == ir.LitBool && e.Lit.Bool == b
}

// And conjoins two boolean rules, simplifying literals (Deno: type access && method access).
func And(a, b *ir.Expr) *ir.Expr {
	switch {
	case a == nil || b == nil || IsLiteral(a, false) || IsLiteral(b, false):
		return falseExpr
	case IsLiteral(a, true):
		return b
	case IsLiteral(b, true):
		return a
	}
	return &ir.Expr{Kind: ir.ExprBinary, Op: ir.OpAnd, Left: a, Right: b, Type: trueExpr.Type}
}
