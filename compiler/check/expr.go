package check

import (
	"github.com/exo-dev/exo/compiler/syntax"
	"github.com/exo-dev/exo/ir"
)

var boolType = ir.TypeRef{Kind: ir.KindScalar, Scalar: ir.Boolean, Name: "Boolean"}

// exprEnv is the scope of an access expression.
type exprEnv struct {
	src    Source
	self   *Type // nil where `self` is not available
	params map[string]*Type
}

func (env exprEnv) with(name string, t *Type) exprEnv {
	p := make(map[string]*Type, len(env.params)+1)
	for k, v := range env.params {
		p[k] = v
	}
	p[name] = t
	env.params = p
	return env
}

// buildAccess resolves the @access annotations of Postgres types and fields.
func (c *checker) buildAccess() {
	for _, t := range c.model.Entities {
		if t.JSON {
			continue
		}
		env := exprEnv{src: t.src, self: t}
		a := syntax.FindAnnotation(t.decl.Annotations, "access")
		t.Access = c.access(env, a)
		for _, f := range t.Fields {
			fa := syntax.FindAnnotation(f.decl.Annotations, "access")
			if fa != nil {
				acc := c.access(exprEnv{src: f.src, self: t}, fa)
				f.Access = &acc
			}
		}
	}
}

func falseExpr() *ir.Expr {
	return &ir.Expr{Kind: ir.ExprLiteral, Lit: &ir.Literal{Kind: ir.LitBool}, Type: boolType}
}

// access resolves @access with Exograph's precedence: create/update/delete
// > mutation > the positional rule; query > the positional rule; false
// when nothing applies. a may be nil (default deny).
func (c *checker) access(env exprEnv, a *syntax.Annotation) ir.Access {
	acc := ir.Access{Query: falseExpr(), Create: falseExpr(), Update: falseExpr(), Delete: falseExpr()}
	if a == nil {
		return acc
	}
	args := c.annotationArgs(env.src, a, []string{"value"}, []string{"query", "mutation", "create", "update", "delete"})
	if len(args) == 0 {
		c.errorf(env.src, a, "check/annotation-args", "@access requires an expression")
		return acc
	}
	rule := func(names ...string) *ir.Expr {
		for _, n := range names {
			if e, ok := args[n]; ok {
				return c.boolExpr(env, e)
			}
		}
		return falseExpr()
	}
	// Convert each given expression once, in a stable order.
	conv := map[string]*ir.Expr{}
	for _, n := range []string{"value", "query", "mutation", "create", "update", "delete"} {
		if _, ok := args[n]; ok {
			conv[n] = rule(n)
		}
	}
	pick := func(names ...string) *ir.Expr {
		for _, n := range names {
			if e, ok := conv[n]; ok {
				return e
			}
		}
		return falseExpr()
	}
	acc.Query = pick("query", "value")
	acc.Create = pick("create", "mutation", "value")
	acc.Update = pick("update", "mutation", "value")
	acc.Delete = pick("delete", "mutation", "value")
	return acc
}

// boolExpr converts e and checks that it is boolean.
func (c *checker) boolExpr(env exprEnv, e syntax.Expr) *ir.Expr {
	x := c.expr(env, e)
	if x == nil {
		return falseExpr()
	}
	if !compatible(x.Type, boolType) {
		c.errorf(env.src, e, "check/access-not-boolean", "Expression must be a Boolean, found %s", typeString(x.Type))
	}
	return x
}

// compatible reports whether values of types a and b may be compared.
// The invalid (poison) type is compatible with everything.
func compatible(a, b ir.TypeRef) bool {
	if a.Kind == 0 || b.Kind == 0 {
		return true
	}
	if a.Kind == ir.KindEnum && b.Kind == ir.KindScalar && b.Scalar == ir.String ||
		b.Kind == ir.KindEnum && a.Kind == ir.KindScalar && a.Scalar == ir.String {
		return true
	}
	if a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case ir.KindScalar:
		if a.Scalar == b.Scalar {
			return true
		}
		num := func(s ir.Scalar) bool { return s == ir.Int || s == ir.Float || s == ir.Decimal }
		if num(a.Scalar) && num(b.Scalar) {
			return true
		}
		// Strings may be compared with string-represented scalars (Uuid, dates, ...).
		str := func(s ir.Scalar) bool { return s != ir.Int && s != ir.Float && s != ir.Boolean }
		return (a.Scalar == ir.String && str(b.Scalar)) || (b.Scalar == ir.String && str(a.Scalar))
	case ir.KindEnum, ir.KindEntity, ir.KindContext:
		return a.Index == b.Index
	case ir.KindArray, ir.KindSet:
		if a.Elem == nil || b.Elem == nil {
			return true
		}
		return compatible(*a.Elem, *b.Elem)
	}
	return true
}

func elemType(t ir.TypeRef) (ir.TypeRef, bool) {
	if (t.Kind == ir.KindArray || t.Kind == ir.KindSet) && t.Elem != nil {
		return *t.Elem, true
	}
	if t.Kind == 0 {
		return ir.TypeRef{}, true
	}
	return ir.TypeRef{}, false
}

var binaryOps = map[syntax.Token]ir.BinaryOp{
	syntax.EQL: ir.OpEq, syntax.NEQ: ir.OpNeq, syntax.LT: ir.OpLt, syntax.LEQ: ir.OpLte,
	syntax.GT: ir.OpGt, syntax.GEQ: ir.OpGte, syntax.IN: ir.OpIn, syntax.LAND: ir.OpAnd, syntax.LOR: ir.OpOr,
}

// expr converts and types an access expression. It returns nil only for
// expressions that cannot be represented (after reporting them).
func (c *checker) expr(env exprEnv, e syntax.Expr) *ir.Expr {
	switch e := e.(type) {
	case *syntax.ParenExpr:
		return c.expr(env, e.X)
	case *syntax.BasicLit:
		lit := basicLiteral(e)
		var t ir.TypeRef
		switch lit.Kind {
		case ir.LitBool:
			t = boolType
		case ir.LitInt:
			t = ir.TypeRef{Kind: ir.KindScalar, Scalar: ir.Int, Name: "Int"}
		case ir.LitFloat:
			t = ir.TypeRef{Kind: ir.KindScalar, Scalar: ir.Float, Name: "Float"}
		case ir.LitString:
			t = ir.TypeRef{Kind: ir.KindScalar, Scalar: ir.String, Name: "String"}
		}
		return &ir.Expr{Kind: ir.ExprLiteral, Lit: lit, Type: t}
	case *syntax.Ident:
		return c.identExpr(env, e)
	case *syntax.SelectorExpr:
		return c.selectorExpr(env, e)
	case *syntax.UnaryExpr:
		if e.Op != syntax.NOT {
			c.errorf(env.src, e, "check/access-expr", "Unsupported operator %s", e.Op)
			return &ir.Expr{Kind: ir.ExprLiteral, Lit: &ir.Literal{Kind: ir.LitNull}}
		}
		x := c.boolExpr(env, e.X)
		return &ir.Expr{Kind: ir.ExprNot, Left: x, Type: boolType}
	case *syntax.BinaryExpr:
		return c.binaryExpr(env, e)
	case *syntax.CallExpr:
		return c.callExpr(env, e)
	case *syntax.ArrayLit:
		out := &ir.Expr{Kind: ir.ExprList}
		var elem ir.TypeRef
		for i, el := range e.Elems {
			x := c.expr(env, el)
			if x == nil {
				continue
			}
			if i == 0 {
				elem = x.Type
			}
			out.Items = append(out.Items, *x)
		}
		out.Type = ir.TypeRef{Kind: ir.KindArray, Name: "Array", Elem: &elem}
		return out
	case *syntax.BadExpr:
		return &ir.Expr{Kind: ir.ExprLiteral, Lit: &ir.Literal{Kind: ir.LitNull}}
	}
	if e != nil {
		c.errorf(env.src, e, "check/access-expr", "Unsupported expression in access rule")
	}
	return &ir.Expr{Kind: ir.ExprLiteral, Lit: &ir.Literal{Kind: ir.LitNull}}
}

func (c *checker) identExpr(env exprEnv, e *syntax.Ident) *ir.Expr {
	if e.Name == "self" {
		if env.self == nil {
			c.errorf(env.src, e, "check/access-self", "self is not available in this access rule")
			return &ir.Expr{Kind: ir.ExprPath, Path: &ir.Path{Root: ir.RootSelf}}
		}
		return &ir.Expr{Kind: ir.ExprPath, Path: &ir.Path{Root: ir.RootSelf, Entity: env.self.Index},
			Type: ir.TypeRef{Kind: ir.KindEntity, Index: env.self.Index, Name: env.self.Name}}
	}
	if t, ok := env.params[e.Name]; ok {
		ref := ir.TypeRef{}
		idx := -1
		if t != nil {
			ref = ir.TypeRef{Kind: ir.KindEntity, Index: t.Index, Name: t.Name}
			idx = t.Index
		}
		return &ir.Expr{Kind: ir.ExprPath, Path: &ir.Path{Root: ir.RootParam, Param: e.Name, Entity: idx}, Type: ref}
	}
	if i, ok := c.contexts[e.Name]; ok {
		return &ir.Expr{Kind: ir.ExprPath, Path: &ir.Path{Root: ir.RootContext, Context: i},
			Type: ir.TypeRef{Kind: ir.KindContext, Index: i, Name: e.Name}}
	}
	for i, en := range c.model.Enums {
		for _, v := range en.Values {
			if v == e.Name {
				return &ir.Expr{Kind: ir.ExprLiteral, Lit: &ir.Literal{Kind: ir.LitEnum, Str: v},
					Type: ir.TypeRef{Kind: ir.KindEnum, Index: i, Name: en.Name}}
			}
		}
	}
	c.errorf(env.src, e, "check/unknown-name", "Reference to unknown name: %s", e.Name)
	return &ir.Expr{Kind: ir.ExprLiteral, Lit: &ir.Literal{Kind: ir.LitNull}}
}

func (c *checker) selectorExpr(env exprEnv, e *syntax.SelectorExpr) *ir.Expr {
	base := c.expr(env, e.X)
	if e.Sel == nil {
		return &ir.Expr{Kind: ir.ExprLiteral, Lit: &ir.Literal{Kind: ir.LitNull}}
	}
	if base.Kind != ir.ExprPath || base.Path == nil {
		if base.Type.Kind != 0 {
			c.errorf(env.src, e.Sel, "check/unknown-field", "Cannot select field %s of %s", e.Sel.Name, typeString(base.Type))
		}
		return &ir.Expr{Kind: ir.ExprLiteral, Lit: &ir.Literal{Kind: ir.LitNull}}
	}
	p := *base.Path
	p.Steps = append(append([]ir.PathStep(nil), p.Steps...), ir.PathStep{Name: e.Sel.Name, Entity: -1})
	step := &p.Steps[len(p.Steps)-1]
	out := &ir.Expr{Kind: ir.ExprPath, Path: &p}
	switch bt := base.Type; bt.Kind {
	case 0:
		return out // poison propagates silently
	case ir.KindContext:
		ctx := c.model.Contexts[bt.Index]
		for i, f := range ctx.Fields {
			if f.Name == e.Sel.Name {
				step.Field = i
				out.Type = f.Type
				return out
			}
		}
		c.errorf(env.src, e.Sel, "check/unknown-field", "Context %s has no field %s", ctx.Name, e.Sel.Name)
		return out
	case ir.KindEntity:
		t := c.model.Entities[bt.Index]
		f := t.FieldByName(e.Sel.Name)
		if f == nil {
			c.errorf(env.src, e.Sel, "check/unknown-field", "Type %s has no field %s", t.Name, e.Sel.Name)
			return out
		}
		step.Field = f.Index
		step.Entity = t.Index
		out.Type = f.Type
		return out
	}
	c.errorf(env.src, e.Sel, "check/unknown-field", "Cannot select field %s of %s", e.Sel.Name, typeString(base.Type))
	return out
}

func (c *checker) binaryExpr(env exprEnv, e *syntax.BinaryExpr) *ir.Expr {
	op, ok := binaryOps[e.Op]
	if !ok {
		c.errorf(env.src, e, "check/access-expr", "Unsupported operator %s", e.Op)
		return &ir.Expr{Kind: ir.ExprLiteral, Lit: &ir.Literal{Kind: ir.LitNull}}
	}
	out := &ir.Expr{Kind: ir.ExprBinary, Op: op, Type: boolType}
	switch op {
	case ir.OpAnd, ir.OpOr:
		out.Left = c.boolExpr(env, e.X)
		out.Right = c.boolExpr(env, e.Y)
		return out
	}
	out.Left = c.expr(env, e.X)
	out.Right = c.expr(env, e.Y)
	if op == ir.OpIn {
		elem, ok := elemType(out.Right.Type)
		if !ok {
			c.errorf(env.src, e.Y, "check/access-type-mismatch", "The right side of 'in' must be a list, found %s", typeString(out.Right.Type))
		} else if !compatible(out.Left.Type, elem) {
			c.errorf(env.src, e, "check/access-type-mismatch", "Mismatched types: %s is not in %s", typeString(out.Left.Type), typeString(out.Right.Type))
		}
		return out
	}
	if !compatible(out.Left.Type, out.Right.Type) {
		c.errorf(env.src, e, "check/access-type-mismatch", "Mismatched types in comparison: %s and %s", typeString(out.Left.Type), typeString(out.Right.Type))
	}
	return out
}

func (c *checker) callExpr(env exprEnv, e *syntax.CallExpr) *ir.Expr {
	sel, ok := e.Fun.(*syntax.SelectorExpr)
	if !ok || sel.Sel == nil {
		c.errorf(env.src, e, "check/access-expr", "Unsupported function call in access rule")
		return &ir.Expr{Kind: ir.ExprLiteral, Lit: &ir.Literal{Kind: ir.LitNull}}
	}
	recv := c.expr(env, sel.X)
	callSpan := func() (syntax.Pos, syntax.Pos) { return sel.Sel.Pos(), e.End() }
	switch sel.Sel.Name {
	case "contains":
		out := &ir.Expr{Kind: ir.ExprContains, Left: recv, Type: boolType}
		if len(e.Args) != 1 {
			p, end := callSpan()
			d := c.errorAt(env.src, p, end, "check/contains-args", "Contains function expects one parameter")
			d.Label = "type mismatch"
			out.Right = &ir.Expr{Kind: ir.ExprLiteral, Lit: &ir.Literal{Kind: ir.LitNull}}
			return out
		}
		out.Right = c.expr(env, e.Args[0])
		elem, ok := elemType(recv.Type)
		if !ok {
			c.errorf(env.src, sel.X, "check/access-type-mismatch", "contains can only be applied to an Array or a Set, found %s", typeString(recv.Type))
		} else if !compatible(elem, out.Right.Type) || (elem.Kind == ir.KindScalar && out.Right.Type.Kind == ir.KindScalar && elem.Scalar != out.Right.Type.Scalar) {
			d := c.errorf(env.src, e.Args[0], "check/contains-type", "Parameter type does not match element type: expected `%s`, found `%s`",
				typeString(elem), typeString(out.Right.Type))
			d.Label = "type mismatch"
		}
		return out
	case "some":
		out := &ir.Expr{Kind: ir.ExprSome, Left: recv, Type: boolType}
		var lam *syntax.LambdaExpr
		if len(e.Args) == 1 {
			lam, _ = e.Args[0].(*syntax.LambdaExpr)
		}
		if lam == nil || len(lam.Params) != 1 {
			p, end := callSpan()
			c.errorAt(env.src, p, end, "check/some-args", "Some function expects one lambda parameter")
			out.Right = falseExpr()
			return out
		}
		out.Param = lam.Params[0].Name
		var target *Type
		elem, ok := elemType(recv.Type)
		switch {
		case !ok || elem.Kind != ir.KindEntity && elem.Kind != 0:
			c.errorf(env.src, sel.X, "check/access-type-mismatch", "some can only be applied to a Set of a type, found %s", typeString(recv.Type))
		case elem.Kind == ir.KindEntity:
			target = c.model.Entities[elem.Index]
		}
		out.Right = c.boolExpr(env.with(out.Param, target), lam.Body)
		return out
	}
	c.errorf(env.src, sel.Sel, "check/unknown-function", "Unknown function %s", sel.Sel.Name)
	return &ir.Expr{Kind: ir.ExprLiteral, Lit: &ir.Literal{Kind: ir.LitNull}}
}
